"""``recouvre insolvency open CUSTOMER_REF --kind KIND --on DATE [--bodacc DATE] ...`` and ``recouvre insolvency
list``: the insolvency proceedings (or over-indebtedness) of a customer, as the web form records them. Thin: the
writes are ``recouvre.legal.insolvency.record_procedure``; exit 0 done, 1 refused (nothing written), 2 usage."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from recouvre.cliutil import EXIT_OK, UsageError, customer_by_ref, emit_json, parse_cli_date, refused, resolve_org

KINDS = (
    "safeguard|receivership|liquidation|over-indebtedness (or sauvegarde, redressement, liquidation, surendettement)"
)
TEXT_LIMIT = 200


def _kind(text: str) -> str:
    from .insolvency import procedure_kind

    found = procedure_kind(text)
    if found is None:
        raise argparse.ArgumentTypeError(_("unknown procedure %(kind)r: %(kinds)s") % {"kind": text, "kinds": KINDS})
    return found


def _text(limit: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.replace("\\n", "\n").strip()
        if len(value) > limit:
            raise argparse.ArgumentTypeError(_("at most %(limit)d characters") % {"limit": limit})
        return value

    return parse


def procedure_dict(p: Any) -> dict[str, Any]:
    """One procedure as ``recouvre insolvency list --json`` prints it."""
    return {
        "id": p.pk,
        "customer": p.customer.ref,
        "customer_name": p.customer.name,
        "kind": p.kind,
        "state": p.state,
        "judgment_on": p.judgment_on,
        "published_on": p.published_on,
        "court": p.court,
        "officer": p.officer_name,
        "continued_activity": p.continued_activity,
        "debt_statement_received_on": p.debt_statement_received_on,
        "personal_recovery_published_on": p.personal_recovery_published_on,
        "declare_by": p.declaration_due_on,
        "declared_on": p.declared_on,
        "closed_on": p.closed_on,
        "collection_stopped": p.hold_id is not None and p.hold.released_at is None,
    }


def cmd_insolvency_open(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .insolvency import record_procedure
    from .models import ProcedureKind

    org = resolve_org(args.org)
    customer, missing = customer_by_ref(org, args.ref)
    if customer is None:
        raise UsageError(missing)
    over = args.kind == ProcedureKind.OVER_INDEBTEDNESS
    if args.continued_activity and args.kind != ProcedureKind.LIQUIDATION:
        raise UsageError(_("--continued-activity goes with a liquidation only"))
    if args.debt_statement is not None and not over:
        raise UsageError(_("--debt-statement goes with over-indebtedness only"))
    try:
        procedure = record_procedure(
            org,
            customer,
            actor=CLI,
            kind=args.kind,
            judgment_on=args.on,
            published_on=None if over else args.bodacc,
            personal_recovery_published_on=args.bodacc if over else None,
            debt_statement_received_on=args.debt_statement,
            court=args.court or "",
            officer_name=args.officer or "",
            officer_address=args.officer_address or "",
            outside_metropolitan=args.outside_metropolitan,
            continued_activity=args.continued_activity,
            note=args.note or "",
        )
    except ValidationError as exc:
        return refused(args.json, exc.messages)
    if args.json:
        emit_json({"ok": True, **procedure_dict(procedure)})
        return EXIT_OK
    print(
        _("%(procedure)s recorded for %(customer)s (%(ref)s) from %(date)s: collection stopped.")
        % {
            "procedure": procedure.get_kind_display(),
            "customer": customer.name,
            "ref": customer.ref,
            "date": procedure.judgment_on.isoformat(),
        }
    )
    if procedure.declaration_due_on is not None:
        print(_("Declare the claim by %(date)s.") % {"date": procedure.declaration_due_on.isoformat()})
    elif not over:
        print(_("Record the BODACC publication when it is out: the claim is declared within 2 months of it."))
    return EXIT_OK


def cmd_insolvency_list(args: argparse.Namespace) -> int:
    from .models import InsolvencyProcedure, ProcedureState

    org = resolve_org(args.org)
    procedures = list(
        InsolvencyProcedure.objects.filter(organization=org)
        .select_related("customer", "hold")
        .order_by("-judgment_on", "-id")
    )
    rows = [procedure_dict(p) for p in procedures]
    if args.json:
        emit_json(rows)
        return EXIT_OK
    if not rows:
        print(_("No insolvency proceedings recorded."))
        return EXIT_OK
    for p, row in zip(procedures, rows, strict=True):
        state = (
            _("closed on %(date)s") % {"date": p.closed_on.isoformat()}
            if p.closed_on
            else _("declared on %(date)s") % {"date": p.declared_on.isoformat()}
            if p.declared_on
            else _("declare by %(date)s") % {"date": p.declaration_due_on.isoformat()}
            if p.declaration_due_on
            else ""
        )
        if p.state != ProcedureState.CONFIRMED:
            state = f"{p.get_state_display()}  {state}"
        print(
            f"{row['customer']:<14} {p.customer.name[:30]:<30} {p.get_kind_display()[:40]:<40} "
            f"{p.judgment_on.isoformat()}  {state}".rstrip()
        )
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = sub.add_parser(
        "insolvency", help="insolvency proceedings and over-indebtedness of customers"
    ).add_subparsers(dest="insolvency_command", required=True)
    sp = add(
        "open",
        cmd_insolvency_open,
        "record insolvency proceedings (or over-indebtedness) of a customer: collection stops, what is queued is "
        "withdrawn",
        parent=group,
    )
    sp.add_argument("ref", metavar="CUSTOMER_REF", help="the customer's account, e.g. 411DUPONT")
    sp.add_argument("--kind", required=True, type=_kind, metavar="KIND", help=KINDS)
    sp.add_argument(
        "--on",
        required=True,
        type=parse_cli_date,
        metavar="DATE",
        help="the opening judgment (for over-indebtedness, the commission's admissibility decision)",
    )
    sp.add_argument(
        "--bodacc",
        type=parse_cli_date,
        metavar="DATE",
        help="the BODACC publication of the judgment (for over-indebtedness, of a personal recovery with liquidation)",
    )
    sp.add_argument(
        "--debt-statement",
        type=parse_cli_date,
        metavar="DATE",
        help="over-indebtedness: the day the commission's statement of debts was received (30 days to contest it)",
    )
    sp.add_argument(
        "--continued-activity",
        action="store_true",
        help="liquidation: continued activity was authorised (claims not yet due stay to fall due)",
    )
    sp.add_argument("--court", type=_text(TEXT_LIMIT), help="the court that opened the proceedings")
    sp.add_argument("--officer", type=_text(TEXT_LIMIT), help="the court officer's name (mandataire, liquidateur)")
    sp.add_argument("--officer-address", type=_text(1000), help="the court officer's address; \\n separates lines")
    sp.add_argument(
        "--outside-metropolitan", action="store_true", help="creditor or procedure outside metropolitan France"
    )
    sp.add_argument("--note", type=_text(1000))
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)

    sp = add("list", cmd_insolvency_list, "the insolvency proceedings and over-indebtedness recorded", parent=group)
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
