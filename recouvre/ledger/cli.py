"""``recouvre customer show CUSTOMER_REF`` and ``recouvre customer set CUSTOMER_REF [--kind ...] [--public-person
yes|no|auto] ...``: a customer's kind and legal identity, the facts that decide which law its documents cite and
where it is sued. Thin: the write is ``services.update_customer`` (one timeline event)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from recouvre.cliutil import EXIT_OK, UsageError, customer_by_ref, emit_json, field_errors, refused, resolve_org
from recouvre.core.creditor_ref import format_rf

TRISTATE = {"yes": True, "oui": True, "no": False, "non": False, "auto": None}
KIND_NAMES = {"business": "business", "professional": "business", "consumer": "consumer", "public": "public"}
TEXT_FIELDS = ("registered_office", "domicile", "legal_form", "representative")


def _customer(args: argparse.Namespace) -> tuple[Any, Any]:

    org = resolve_org(args.org)
    customer, missing = customer_by_ref(org, args.ref)
    if customer is None:
        raise UsageError(missing)
    return org, customer


def legal_identity(customer: Any) -> dict[str, Any]:
    """The customer's kind and legal identity as ``recouvre customer show --json`` prints it."""
    return {
        "ref": customer.ref,
        "name": customer.name,
        "payment_reference": customer.payment_reference,
        "kind": customer.kind,
        "public_person": customer.is_public_person,
        "public_person_set": customer.public_person is not None,
        "administrative_contract": customer.has_administrative_contract,
        "administrative_contract_set": customer.administrative_contract is not None,
        "registered_office": customer.registered_office,
        "domicile": customer.domicile,
        "legal_form": customer.legal_form,
        "representative": customer.representative,
        "legal_address": customer.legal_address,
        "legal_address_recorded": customer.legal_address_recorded,
        "contract_rate": customer.contract_rate,  # "" follows the organization's; "none": the statutory rate
        # from the public company directory (``recouvre watch refresh``)
        "registered_name": customer.registered_name,
        "naf_code": customer.naf_code,
        "company_status": customer.company_status,  # "", "active" or "closed"
        "company_closed_on": customer.company_closed_on,
    }


def _print_identity(identity: dict[str, Any]) -> None:
    from recouvre.ledger.models import CompanyStatus

    yes_no = {True: _("yes"), False: _("no")}
    print(f"{identity['name']} ({identity['ref']})")
    rows = [
        (_("payment reference"), format_rf(identity["payment_reference"])),
        (_("kind"), identity["kind"]),
        (_("public legal person"), yes_no[identity["public_person"]]),
        (_("administrative contract"), yes_no[identity["administrative_contract"]]),
        (_("legal form"), identity["legal_form"]),
        (_("legal representative"), identity["representative"]),
        (_("registered office"), identity["registered_office"].replace("\n", ", ")),
        (_("domicile"), identity["domicile"].replace("\n", ", ")),
        (_("contractual penalty rate"), identity["contract_rate"] or _("the organization's")),
        (_("NAF code"), identity["naf_code"]),
        (
            _("company status"),
            " ".join(
                str(v)
                for v in (
                    dict(CompanyStatus.choices).get(identity["company_status"], ""),
                    identity["company_closed_on"] or "",
                )
                if v
            ),
        ),
    ]
    for label, value in rows:
        print(f"  {label}: {value or '-'}")


def contract_rate_spec(text: str) -> str:
    """``--contract-rate`` as stored: ``default`` (or empty) follows the organization's rate; ``none`` is the
    statutory rate; else the canonical form of a rate (``12.5``, ``3xlegal``, ``ecb+7``). ValueError otherwise."""
    from recouvre.core.raterules import parse_contract_rate

    if text.strip().lower() in ("", "default", "org", "organization"):
        return ""
    parsed = parse_contract_rate(text)
    return parsed.spec if parsed is not None else "none"


def cmd_customer_show(args: argparse.Namespace) -> int:
    _org, customer = _customer(args)
    identity = legal_identity(customer)
    if args.json:
        emit_json(identity)
    else:
        _print_identity(identity)
    return EXIT_OK


def cmd_customer_set(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI
    from recouvre.ledger.services import update_customer

    _org, customer = _customer(args)
    changes: dict[str, Any] = {}
    if args.kind is not None:
        changes["kind"] = KIND_NAMES[args.kind]
    if args.public_person is not None:
        changes["public_person"] = TRISTATE[args.public_person]
    if args.administrative_contract is not None:
        changes["administrative_contract"] = TRISTATE[args.administrative_contract]
    for field in TEXT_FIELDS:
        value = getattr(args, field)
        if value is not None:
            changes[field] = value.replace("\\n", "\n").strip()
    if args.contract_rate is not None:
        try:
            changes["contract_rate"] = contract_rate_spec(args.contract_rate)
        except ValueError as exc:
            return refused(args.json, [f"contract_rate: {exc}"])
    if not changes:
        raise UsageError(_("nothing to change: give at least one option (see recouvre customer set --help)"))
    try:
        customer = update_customer(customer, CLI, validate=True, **changes)
    except ValidationError as exc:
        return refused(args.json, field_errors(exc))
    identity = legal_identity(customer)
    if args.json:
        emit_json({"ok": True, **identity})
    else:
        _print_identity(identity)
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = sub.add_parser("customer", help="customers: create, edit, legal identity, bank accounts").add_subparsers(
        dest="customer_command", required=True
    )
    sp = add("show", cmd_customer_show, "a customer's kind and legal identity", parent=group)
    sp.add_argument("ref", metavar="CUSTOMER_REF", help="the customer's account, e.g. 411DUPONT")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)

    sp = add(
        "set",
        cmd_customer_set,
        "set a customer's kind and legal identity (the law its documents cite, where it is sued)",
        parent=group,
    )
    sp.add_argument("ref", metavar="CUSTOMER_REF", help="the customer's account, e.g. 411DUPONT")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--kind", choices=sorted(KIND_NAMES), help="business, consumer or public (public buyer)")
    sp.add_argument(
        "--public-person",
        choices=sorted(TRISTATE),
        help="a public legal person whose property cannot be seized (auto: yes for a public body)",
    )
    sp.add_argument(
        "--administrative-contract",
        choices=sorted(TRISTATE),
        help="its contract is administrative: administrative court, no injonction de payer (auto: yes for public)",
    )
    sp.add_argument("--registered-office", metavar="ADDRESS", help="seat of a company; \\n separates lines")
    sp.add_argument("--domicile", metavar="ADDRESS", help="home of an individual; \\n separates lines")
    sp.add_argument("--legal-form", metavar="FORM", help="e.g. SAS, SARL, SA, EURL, EI")
    sp.add_argument(
        "--representative", metavar="NAME", help="legal representative, e.g. 'Mme Claire Martin, présidente'"
    )
    sp.add_argument(
        "--contract-rate",
        metavar="RATE",
        help="contractual late-payment rate for this customer: 12.5 (percent), 3xlegal, ecb+7, none (the statutory "
        "rate) or default (the organization's)",
    )
    json_flag(sp)

    from .customers_cli import add_customer_commands

    add_customer_commands(group, add, json_flag)
