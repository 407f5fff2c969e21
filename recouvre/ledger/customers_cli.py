"""Customers, their contacts and the accounts they pay from, from the command line (the web app's customer pages do
the same). Thin: the checks and the writes are ``recouvre.ledger.customers`` and ``recouvre.bank.ibans``.

- ``recouvre customer add REF --name NAME [--siren ...] [--json]``: a new customer (the account ``REF`` is set once);
- ``recouvre customer edit REF [--name ...] [--siren ...] [--json]``: change some of its fields (``""`` empties one);
- ``recouvre customer iban REF [--add IBAN] [--remove IBAN] [--json]``: the accounts it pays from;
- ``recouvre contact list|add REF``, ``recouvre contact edit|remove CONTACT_ID``: its contacts.

Exit codes: 0 done, 1 refused (each message names the field; nothing written), 2 usage (unknown customer or
contact, bad option).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from recouvre.cliutil import EXIT_OK, SWITCH, UsageError, customer_by_ref, emit_json, field_errors, refused, resolve_org
from recouvre.core.identifiers import format_iban

# The models' choices (the parser is built before Django is set up; a test keeps them the same).
KINDS = ("business", "consumer", "public")
SEGMENTS = ("strategic", "standard", "small")
ROLES = ("billing", "management", "purchasing", "other")

# option -> the customer's field
CUSTOMER_OPTIONS = {
    "name": "name",
    "kind": "kind",
    "siren": "siren",
    "siret": "siret",
    "vat": "vat_number",
    "address": "address_line1",
    "address2": "address_line2",
    "postal_code": "postal_code",
    "city": "city",
    "country": "country",
    "language": "language",
    "segment": "segment",
    "terms_days": "payment_terms_days",
    "credit_limit": "credit_limit",
    "tags": "tags",
}
CLEARED = ("", "none", "aucun", "aucune")


def _customer(org: Any, ref: str) -> Any:

    customer, missing = customer_by_ref(org, ref)
    if customer is None:
        raise UsageError(missing)
    return customer


def _contact(org: Any, pk: int) -> Any:
    from .models import Contact

    contact = Contact.objects.filter(organization=org, pk=pk).select_related("customer").first()
    if contact is None:
        raise UsageError(_("no contact %(id)s in %(org)s") % {"id": pk, "org": org.slug})
    return contact


def contact_json(contact: Any) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "customer": contact.customer.ref,
        "name": contact.name,
        "role": contact.role,
        "email": contact.email,
        "phone": contact.phone,
        "primary": contact.is_primary,
        "email_bounced_at": contact.email_bounced_at.isoformat() if contact.email_bounced_at else None,
    }


def customer_json(customer: Any) -> dict[str, Any]:
    """A customer as ``recouvre customer add|edit --json`` prints it: numbers compact, as stored."""
    from recouvre.bank.models import CustomerIban

    return {
        "ref": customer.ref,
        "name": customer.name,
        "kind": customer.kind,
        "siren": customer.siren,
        "siret": customer.siret,
        "vat_number": customer.vat_number,
        "address_line1": customer.address_line1,
        "address_line2": customer.address_line2,
        "postal_code": customer.postal_code,
        "city": customer.city,
        "country": customer.country,
        "language": customer.language,
        "segment": customer.segment,
        "payment_terms_days": customer.payment_terms_days,
        "payment_terms_end_of_month": customer.payment_terms_end_of_month,
        "credit_limit": None if customer.credit_limit is None else str(customer.credit_limit),
        "tags": list(customer.tags or []),
        "contacts": [contact_json(c) for c in customer.contacts.all()],
        "ibans": list(CustomerIban.objects.filter(customer=customer).values_list("iban", flat=True)),
    }


def _print_customer(data: dict[str, Any]) -> None:
    from recouvre.core.identifiers import format_siren, format_siret

    print(f"{data['name']} ({data['ref']})")
    terms = data["payment_terms_days"]
    rows = [
        (_("kind"), data["kind"]),
        (_("SIREN"), format_siren(data["siren"])),
        (_("SIRET"), format_siret(data["siret"])),
        (_("VAT number"), data["vat_number"]),
        (_("address"), ", ".join(p for p in (data["address_line1"], data["address_line2"]) if p)),
        (_("city"), " ".join(p for p in (data["postal_code"], data["city"], data["country"]) if p)),
        (_("language"), data["language"]),
        (_("segment"), data["segment"]),
        (
            _("payment terms"),
            ""
            if terms is None
            else (_("%(days)s days end of month") if data["payment_terms_end_of_month"] else _("%(days)s days"))
            % {"days": terms},
        ),
        (_("credit limit"), data["credit_limit"] or ""),
        (_("tags"), ", ".join(data["tags"])),
        (_("bank accounts"), ", ".join(format_iban(i) for i in data["ibans"])),
    ]
    for label, value in rows:
        print(f"  {label}: {value or '-'}")


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for option, field in CUSTOMER_OPTIONS.items():
        value = getattr(args, option, None)
        if value is None:
            continue
        if field in ("payment_terms_days", "credit_limit") and value.strip().lower() in CLEARED:
            value = None
        changes[field] = value
    if getattr(args, "end_of_month", None) is not None:
        changes["payment_terms_end_of_month"] = SWITCH[args.end_of_month]
    return changes


def _report(args: argparse.Namespace, customer: Any) -> int:
    data = customer_json(customer)
    if args.json:
        emit_json({"ok": True, **data})
    else:
        _print_customer(data)
    return EXIT_OK


def cmd_customer_add(args: argparse.Namespace) -> int:
    from .actors import CLI
    from .customers import add_customer

    org = resolve_org(args.org)
    changes = _changes(args)
    name = changes.pop("name", "")
    try:
        customer = add_customer(org, CLI, ref=args.ref, name=name, **changes)
    except ValidationError as exc:
        return refused(args.json, field_errors(exc))
    return _report(args, customer)


def cmd_customer_edit(args: argparse.Namespace) -> int:
    from .actors import CLI
    from .customers import edit_customer

    org = resolve_org(args.org)
    customer = _customer(org, args.ref)
    changes = _changes(args)
    if not changes:
        raise UsageError(_("nothing to change: give at least one option (see recouvre customer edit --help)"))
    try:
        customer = edit_customer(customer, CLI, **changes)
    except ValidationError as exc:
        return refused(args.json, field_errors(exc))
    return _report(args, customer)


def cmd_customer_iban(args: argparse.Namespace) -> int:
    from recouvre.bank.ibans import link_iban, unlink_iban
    from recouvre.bank.models import CustomerIban

    from .actors import CLI

    org = resolve_org(args.org)
    customer = _customer(org, args.ref)
    try:
        with transaction.atomic():  # all the changes asked for, or none
            for iban in args.remove or []:
                unlink_iban(customer, CLI, iban)
            for iban in args.add or []:
                link_iban(customer, CLI, iban)
    except ValidationError as exc:
        return refused(args.json, field_errors(exc))
    linked = list(CustomerIban.objects.filter(customer=customer).values_list("iban", flat=True))
    if args.json:
        emit_json({"ok": True, "ref": customer.ref, "ibans": linked})
    elif linked:
        for iban in linked:
            print(format_iban(iban))
    else:
        print(_("No bank account linked."))
    return EXIT_OK


def _contact_fields(args: argparse.Namespace) -> dict[str, Any]:
    fields = {f: getattr(args, f) for f in ("name", "role", "email", "phone") if getattr(args, f) is not None}
    if args.primary is not None:
        fields["is_primary"] = SWITCH[args.primary]
    return fields


def _contact_report(args: argparse.Namespace, contact: Any) -> int:
    data = contact_json(contact)
    if args.json:
        emit_json({"ok": True, **data})
    else:
        _print_contact(data)
    return EXIT_OK


def _print_contact(data: dict[str, Any]) -> None:
    primary = f" [{_('primary')}]" if data["primary"] else ""
    parts = [p for p in (data["name"], data["email"], data["phone"]) if p]
    print(f"{data['id']}\t{data['role']}\t{' · '.join(parts)}{primary}")


def cmd_contact_list(args: argparse.Namespace) -> int:
    org = resolve_org(args.org)
    customer = _customer(org, args.ref)
    contacts = [contact_json(c) for c in customer.contacts.select_related("customer")]
    if args.json:
        emit_json(contacts)
    else:
        for data in contacts:
            _print_contact(data)
    return EXIT_OK


def cmd_contact_add(args: argparse.Namespace) -> int:
    from .actors import CLI
    from .customers import add_customer_contact

    org = resolve_org(args.org)
    customer = _customer(org, args.ref)
    try:
        contact = add_customer_contact(customer, CLI, **_contact_fields(args))
    except ValidationError as exc:
        return refused(args.json, field_errors(exc))
    return _contact_report(args, contact)


def cmd_contact_edit(args: argparse.Namespace) -> int:
    from .actors import CLI
    from .customers import edit_contact

    org = resolve_org(args.org)
    contact = _contact(org, args.id)
    fields = _contact_fields(args)
    if not fields:
        raise UsageError(_("nothing to change: give at least one option (see recouvre contact edit --help)"))
    try:
        contact = edit_contact(contact, CLI, **fields)
    except ValidationError as exc:
        return refused(args.json, field_errors(exc))
    return _contact_report(args, contact)


def cmd_contact_remove(args: argparse.Namespace) -> int:
    from .actors import CLI
    from .customers import remove_contact

    org = resolve_org(args.org)
    contact = _contact(org, args.id)
    data = contact_json(contact)
    remove_contact(contact, CLI)
    if args.json:
        emit_json({"ok": True, "removed": data})
    else:
        print(_("Contact %(id)s removed.") % {"id": data["id"]})
    return EXIT_OK


def _org(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")


def add_customer_commands(group: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Any) -> None:
    """``customer add``, ``customer edit`` and ``customer iban``, in the ``customer`` group."""
    for name, fn, help_text in (
        ("add", cmd_customer_add, "create a customer (its account REF is set once: imports find it by it)"),
        ("edit", cmd_customer_edit, "change a customer's details (not its account); an empty value clears a field"),
    ):
        sp = add(name, fn, help_text, parent=group)
        sp.add_argument("ref", metavar="CUSTOMER_REF", help="the customer's account, e.g. 411DUPONT")
        _org(sp)
        sp.add_argument("--name", required=name == "add")
        sp.add_argument("--kind", choices=KINDS)
        sp.add_argument("--siren", help="9 digits")
        sp.add_argument("--siret", help="14 digits, an establishment of the SIREN")
        sp.add_argument("--vat", metavar="VAT_NUMBER", help="EU VAT number, e.g. FR44732829320")
        sp.add_argument("--address", help="first address line")
        sp.add_argument("--address2", metavar="ADDRESS", help="second address line")
        sp.add_argument("--postal-code")
        sp.add_argument("--city")
        sp.add_argument("--country", help="ISO 3166 code, e.g. FR, BE")
        sp.add_argument("--language", help="language of its letters and e-mails: fr or en")
        sp.add_argument("--segment", choices=SEGMENTS)
        sp.add_argument("--terms-days", metavar="DAYS", help="payment terms in days (0-365; none: the default)")
        sp.add_argument("--end-of-month", choices=sorted(SWITCH), help="payment terms end of month (yes|no)")
        sp.add_argument("--credit-limit", metavar="AMOUNT", help="e.g. 5000,00 (none: no limit)")
        sp.add_argument("--tags", help="separated by commas")
        json_flag(sp)

    sp = add("iban", cmd_customer_iban, "the bank accounts a customer pays from: list, link, unlink", parent=group)
    sp.add_argument("ref", metavar="CUSTOMER_REF", help="the customer's account, e.g. 411DUPONT")
    _org(sp)
    sp.add_argument("--add", action="append", metavar="IBAN", help="link this account (may be repeated)")
    sp.add_argument("--remove", action="append", metavar="IBAN", help="unlink this account (may be repeated)")
    json_flag(sp)


def add_contact_commands(group: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Any) -> None:
    """``contact list|add|edit|remove``, in the ``contact`` group."""
    sp = add("list", cmd_contact_list, "a customer's contacts, with their ids", parent=group)
    sp.add_argument("ref", metavar="CUSTOMER_REF")
    _org(sp)
    json_flag(sp)
    for name, fn, help_text in (
        ("add", cmd_contact_add, "add a contact to a customer"),
        ("edit", cmd_contact_edit, "change a contact (by its id, see contact list)"),
    ):
        sp = add(name, fn, help_text, parent=group)
        if name == "add":
            sp.add_argument("ref", metavar="CUSTOMER_REF")
        else:
            sp.add_argument("id", type=int, metavar="CONTACT_ID")
        _org(sp)
        sp.add_argument("--name")
        sp.add_argument("--role", choices=ROLES)
        sp.add_argument("--email")
        sp.add_argument("--phone")
        sp.add_argument(
            "--primary", choices=sorted(SWITCH), help="the primary contact (yes: the previous one no longer is)"
        )
        json_flag(sp)
    sp = add("remove", cmd_contact_remove, "remove a contact (by its id, see contact list)", parent=group)
    sp.add_argument("id", type=int, metavar="CONTACT_ID")
    _org(sp)
    json_flag(sp)
