"""``recouvre security add|edit|remove|list|informed`` (the securities held for a customer's debt) and
``recouvre amicable start|end|list`` (mediations and conciliations), as the customer page records them. Thin: the
writes are ``recouvre.legal.securities``; the operator acts as ``cli``. Exit 0 done, 1 refused (a security, step or
invoice not found in the organization, facts that do not hold: nothing written), 2 usage (an unknown customer,
a bad option)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.cliutil import (
    EXIT_OK,
    EXIT_REFUSED,
    UsageError,
    customer_by_ref,
    emit_json,
    parse_cli_amount,
    parse_cli_date,
    refused,
    resolve_org,
)

KINDS = ("caution_simple", "caution_solidaire", "autonomous_guarantee", "aval", "retention_of_title", "deposit")
GUARANTOR_KINDS = ("natural_person", "company")
AMICABLE_KINDS = ("mediateur_entreprises", "conciliateur", "mediation")
OUTCOMES = ("agreement", "failure")


def _text(text: str) -> str:
    return text.replace("\\n", "\n").strip()


def security_dict(s: Any) -> dict[str, Any]:
    """One security as ``recouvre security ... --json`` prints it."""
    return {
        "id": s.pk,
        "customer": s.customer.ref,
        "customer_name": s.customer.name,
        "kind": s.kind,
        "guarantor": s.guarantor_name,
        "guarantor_kind": s.guarantor_kind,
        "guarantor_address": s.guarantor_address,
        "guarantor_email": s.guarantor_email,
        "limit": s.limit,
        "currency": s.currency,
        "starts_on": s.starts_on,
        "ends_on": s.ends_on,
        "invoices": sorted(i.number for i in s.invoices.all()),
        "notes": s.notes,
        "removed": s.removed_at is not None,
    }


def step_dict(s: Any) -> dict[str, Any]:
    return {
        "id": s.pk,
        "customer": s.customer.ref,
        "customer_name": s.customer.name,
        "kind": s.kind,
        "started_on": s.started_on,
        "ended_on": s.ended_on,
        "outcome": s.outcome,
        "mediator": s.mediator,
        "note": s.note,
    }


def _customer(org: Any, ref: str) -> Any:
    customer, missing = customer_by_ref(org, ref)
    if customer is None:
        raise UsageError(missing)
    return customer


def _values(args: argparse.Namespace, *, edit: bool) -> dict[str, Any]:
    names = {
        "guarantor_name": "guarantor",
        "guarantor_kind": "guarantor_kind",
        "guarantor_address": "address",
        "guarantor_email": "email",
        "limit": "limit",
        "starts_on": "starts_on",
        "ends_on": "ends_on",
        "notes": "notes",
    }
    values = {field: getattr(args, attr) for field, attr in names.items() if getattr(args, attr) is not None}
    if edit and args.kind is not None:
        values["kind"] = args.kind
    if edit:
        for field, flag in (("limit", "no_limit"), ("ends_on", "no_end")):
            if getattr(args, flag, False):
                values[field] = None
    return values


def _print_security(s: Any) -> None:
    limit = f"{s.limit} {s.currency}" if s.limit is not None else "—"
    print(
        f"{s.pk:>5}  {s.customer.ref:<14} {s.get_kind_display()[:44]:<44} {s.guarantor_name[:30]:<30} {limit}".rstrip()
    )


def cmd_security_add(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .securities import add_security

    org = resolve_org(args.org)
    customer = _customer(org, args.ref)
    try:
        row = add_security(org, customer, actor=CLI, kind=args.kind, invoices=args.invoice, **_values(args, edit=False))
    except ValidationError as exc:
        return refused(args.json, exc.messages)
    if args.json:
        emit_json({"ok": True, **security_dict(row)})
    else:
        print(
            _("Security %(id)d recorded for %(customer)s (%(ref)s): %(kind)s.")
            % {"id": row.pk, "customer": customer.name, "ref": customer.ref, "kind": row.get_kind_display()}
        )
    return EXIT_OK


def _security(org: Any, pk: int, json_output: bool) -> Any:
    from .models import Security
    from .securities import security

    try:
        return security(org, pk)
    except Security.DoesNotExist:
        refused(json_output, [_("no security %(id)d in %(org)s") % {"id": pk, "org": org.slug}])
        return None


def cmd_security_edit(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .securities import edit_security

    org = resolve_org(args.org)
    row = _security(org, args.id, args.json)
    if row is None:
        return EXIT_REFUSED
    invoices = None if args.invoice is None and not args.whole_account else (args.invoice or [])
    try:
        row = edit_security(row, actor=CLI, invoices=invoices, **_values(args, edit=True))
    except ValidationError as exc:
        return refused(args.json, exc.messages)
    if args.json:
        emit_json({"ok": True, **security_dict(row)})
    else:
        print(_("Security %(id)d saved.") % {"id": row.pk})
    return EXIT_OK


def cmd_security_remove(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .securities import remove_security

    org = resolve_org(args.org)
    row = _security(org, args.id, args.json)
    if row is None:
        return EXIT_REFUSED
    row = remove_security(row, actor=CLI)
    if args.json:
        emit_json({"ok": True, **security_dict(row)})
    else:
        print(_("Security %(id)d removed.") % {"id": row.pk})
    return EXIT_OK


def cmd_security_list(args: argparse.Namespace) -> int:
    from .securities import securities_of

    org = resolve_org(args.org)
    customer = _customer(org, args.ref) if args.ref else None
    rows = list(securities_of(org, customer))
    if args.json:
        emit_json([security_dict(s) for s in rows])
        return EXIT_OK
    if not rows:
        print(_("No security recorded."))
    for s in rows:
        _print_security(s)
    return EXIT_OK


def cmd_security_informed(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI
    from recouvre.ledger.models import Invoice

    from .securities import record_guarantor_notice

    org = resolve_org(args.org)
    row = _security(org, args.id, args.json)
    if row is None:
        return EXIT_REFUSED
    invoice = Invoice.objects.filter(organization=org, customer_id=row.customer_id, number=args.invoice).first()
    if invoice is None:
        return refused(
            args.json,
            [_("no invoice %(number)r of this customer in %(org)s") % {"number": args.invoice, "org": org.slug}],
        )
    notice = record_guarantor_notice(row, invoice, actor=CLI, informed_on=args.on or timezone.localdate())
    if args.json:
        emit_json(
            {"ok": True, "security": row.pk, "invoice": invoice.number, "informed_on": notice.informed_on.isoformat()}
        )
    else:
        print(
            _("Guarantor %(guarantor)s informed on %(date)s of the unpaid invoice %(number)s.")
            % {"guarantor": row.guarantor_name, "date": notice.informed_on.isoformat(), "number": invoice.number}
        )
    return EXIT_OK


def cmd_amicable_start(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .securities import start_amicable_step

    org = resolve_org(args.org)
    customer = _customer(org, args.ref)
    try:
        step = start_amicable_step(
            org, customer, actor=CLI, kind=args.kind, started_on=args.on, mediator=args.mediator, note=args.note
        )
    except ValidationError as exc:
        return refused(args.json, exc.messages)
    if args.json:
        emit_json({"ok": True, **step_dict(step)})
    else:
        print(
            _("%(step)s recorded for %(customer)s from %(date)s: prescription is suspended while it runs.")
            % {"step": step.get_kind_display(), "customer": customer.name, "date": step.started_on.isoformat()}
        )
    return EXIT_OK


def cmd_amicable_end(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .models import AmicableStep
    from .securities import amicable_step, end_amicable_step

    org = resolve_org(args.org)
    try:
        step = amicable_step(org, args.id)
    except AmicableStep.DoesNotExist:
        return refused(args.json, [_("no amicable step %(id)d in %(org)s") % {"id": args.id, "org": org.slug}])
    try:
        step = end_amicable_step(step, actor=CLI, ended_on=args.on, outcome=args.outcome, note=args.note)
    except ValidationError as exc:
        return refused(args.json, exc.messages)
    if args.json:
        emit_json({"ok": True, **step_dict(step)})
    else:
        print(
            _("%(step)s ended on %(date)s: prescription runs again, for at least six months.")
            % {"step": step.get_kind_display(), "date": step.ended_on.isoformat()}
        )
    return EXIT_OK


def cmd_amicable_list(args: argparse.Namespace) -> int:
    from .securities import amicable_steps

    org = resolve_org(args.org)
    customer = _customer(org, args.ref) if args.ref else None
    rows = list(amicable_steps(org, customer).order_by("-started_on", "-id"))
    if args.json:
        emit_json([step_dict(s) for s in rows])
        return EXIT_OK
    if not rows:
        print(_("No mediation or conciliation recorded."))
    for s in rows:
        ended = s.ended_on.isoformat() if s.ended_on else _("running")
        print(f"{s.pk:>5}  {s.customer.ref:<14} {s.get_kind_display()[:30]:<30} {s.started_on.isoformat()} → {ended}")
    return EXIT_OK


def _security_options(sp: argparse.ArgumentParser, *, edit: bool) -> None:
    sp.add_argument("--guarantor", type=_text, metavar="NAME", help="the guarantor's name")
    sp.add_argument("--guarantor-kind", choices=GUARANTOR_KINDS, help="a natural person or a company")
    sp.add_argument("--address", type=_text, metavar="TEXT", help="the guarantor's address (\\n between lines)")
    sp.add_argument("--email", type=_text, metavar="EMAIL", help="the guarantor's e-mail")
    sp.add_argument("--limit", type=parse_cli_amount, metavar="AMOUNT", help="the limit, or the deposit's amount")
    sp.add_argument("--from", dest="starts_on", type=parse_cli_date, metavar="DATE", help="in force from")
    sp.add_argument("--until", dest="ends_on", type=parse_cli_date, metavar="DATE", help="in force until")
    sp.add_argument(
        "--invoice",
        action="append",
        default=None if edit else [],
        metavar="NUMBER",
        help="an invoice it secures (repeat; none: the whole account)",
    )
    sp.add_argument("--notes", type=_text, metavar="TEXT")
    if edit:
        sp.add_argument("--kind", choices=KINDS)
        sp.add_argument("--no-limit", action="store_true", help="clear the limit")
        sp.add_argument("--no-end", action="store_true", help="clear the end date")
        sp.add_argument(
            "--whole-account", action="store_true", help="secure the whole account, no invoice in particular"
        )
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = sub.add_parser("security", help="securities held for customers' debts").add_subparsers(
        dest="security_command", required=True
    )
    sp = add(
        "add", cmd_security_add, "record a security for a customer (a guarantee, a clause, a deposit)", parent=group
    )
    sp.add_argument("ref", metavar="CUSTOMER_REF")
    sp.add_argument("--kind", required=True, choices=KINDS)
    _security_options(sp, edit=False)
    json_flag(sp)

    sp = add("edit", cmd_security_edit, "change a security's recorded facts", parent=group)
    sp.add_argument("id", type=int, metavar="SECURITY_ID")
    _security_options(sp, edit=True)
    json_flag(sp)

    sp = add("remove", cmd_security_remove, "take a security off the record", parent=group)
    sp.add_argument("id", type=int, metavar="SECURITY_ID")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)

    sp = add("list", cmd_security_list, "the securities recorded (one customer's with CUSTOMER_REF)", parent=group)
    sp.add_argument("ref", nargs="?", metavar="CUSTOMER_REF")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)

    sp = add(
        "informed",
        cmd_security_informed,
        "record that a natural-person guarantor was informed of an unpaid invoice (C. civ. 2303)",
        parent=group,
    )
    sp.add_argument("id", type=int, metavar="SECURITY_ID")
    sp.add_argument("--invoice", required=True, metavar="NUMBER", help="the unpaid invoice the guarantor was told of")
    sp.add_argument("--on", type=parse_cli_date, metavar="DATE", help="the day it was done (default: today)")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)

    group = sub.add_parser("amicable", help="mediations and conciliations with customers").add_subparsers(
        dest="amicable_command", required=True
    )
    sp = add(
        "start",
        cmd_amicable_start,
        "record a mediation or conciliation agreed (or first met) on a day: prescription is suspended (C. civ. 2238)",
        parent=group,
    )
    sp.add_argument("ref", metavar="CUSTOMER_REF")
    sp.add_argument("--kind", required=True, choices=AMICABLE_KINDS)
    sp.add_argument("--on", required=True, type=parse_cli_date, metavar="DATE", help="agreed, or first meeting, on")
    sp.add_argument("--mediator", type=_text, default="", metavar="NAME")
    sp.add_argument("--note", type=_text, default="", metavar="TEXT")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)

    sp = add("end", cmd_amicable_end, "record the end of a mediation or conciliation", parent=group)
    sp.add_argument("id", type=int, metavar="STEP_ID")
    sp.add_argument("--on", required=True, type=parse_cli_date, metavar="DATE", help="ended on")
    sp.add_argument("--outcome", required=True, choices=OUTCOMES)
    sp.add_argument("--note", type=_text, default="", metavar="TEXT")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)

    sp = add("list", cmd_amicable_list, "the mediations and conciliations recorded", parent=group)
    sp.add_argument("ref", nargs="?", metavar="CUSTOMER_REF")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
