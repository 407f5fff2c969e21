"""``recouvre import statement FILE``: a bank file imported from the command line (``recouvre.cli`` sends the
``statement`` kind of ``recouvre import`` here); ``recouvre bank match|accept|apply|ignore|undo|settings``: the
matching of the credits, the review of its suggestions, an entry split by hand, the settings."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.cliutil import EXIT_OK, EXIT_REFUSED, UsageError, emit_json, parse_cli_amount, resolve_org


def cmd_import_statement(args: argparse.Namespace) -> int:
    from recouvre.imports.services import UnknownMapping
    from recouvre.ledger.actors import CLI

    from .services import StatementRefused, account_display, import_statement_file

    if args.create_customers:
        raise UsageError(_("--create-customers does not apply to bank statements"))
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(_("%(path)s: no such file") % {"path": path})
    org = resolve_org(args.org)
    try:
        result = import_statement_file(
            org,
            path,
            actor=CLI,
            dry_run=args.dry_run,
            account=args.account,
            mapping=args.mapping,
            max_bytes=getattr(args, "max_size", None),
        )
    except UnknownMapping as exc:
        raise UsageError(str(exc)) from exc
    except StatementRefused as exc:
        if args.json:
            emit_json(exc.result.as_dict())
        else:
            print(
                _("%(file)s: refused, nothing was written: %(error)s") % {"file": path.name, "error": exc.error},
                file=sys.stderr,
            )
        return EXIT_REFUSED
    if args.json:
        emit_json(result.as_dict())
        return EXIT_OK
    statements = ngettext("%(n)d statement", "%(n)d statements", result.statements) % {"n": result.statements}
    entries = ngettext("%(n)d entry", "%(n)d entries", result.entries) % {"n": result.entries}
    print(
        _("%(file)s (%(format)s): %(statements)s, %(entries)s: %(created)d created, %(duplicates)d already imported")
        % {
            "file": path.name,
            "format": result.format,
            "statements": statements,
            "entries": entries,
            "created": result.created,
            "duplicates": result.duplicates,
        }
        + (" " + _("(dry run: nothing written)") if args.dry_run else "")
    )
    for code, totals in result.totals.items():
        print(
            "  "
            + _("%(currency)s: credits %(credits)s, debits %(debits)s")
            % {"currency": code, "credits": totals.credits, "debits": totals.debits}
        )
    print(
        "  "
        + ngettext(
            "%(matched)d applied, %(suggested)d suggested, %(unmatched)d credit to match",
            "%(matched)d applied, %(suggested)d suggested, %(unmatched)d credits to match",
            result.unmatched,
        )
        % {"matched": result.matched, "suggested": result.suggested, "unmatched": result.unmatched}
    )
    for warning in result.warnings:
        where = []
        if warning["account"] and warning["code"] != "account_added":
            where.append(account_display(warning["account"]))
        if warning["line"]:
            where.append(_("line %(line)s") % {"line": warning["line"]})
        text = ", ".join(where) + ": " + warning["message"] if where else warning["message"]
        print("  " + _("warning: %(warning)s") % {"warning": text})
    return EXIT_OK


# --------------------------------------------------------------------------------------------- recouvre bank ...


def add_commands(bank: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """The ``recouvre bank`` subcommands: the matching of the unmatched credits and the review of its suggestions."""
    sp = add(
        "match",
        cmd_bank_match,
        "match the unmatched credits against the open invoices: apply the sure ones, suggest the others",
        bank,
    )
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp = add("accept", cmd_bank_accept, "apply a suggested match of a bank entry and link the payer's IBAN", bank)
    sp.add_argument("entry", type=int, metavar="ENTRY_ID")
    sp.add_argument(
        "--suggestion", type=int, metavar="N", default=1, help="which suggestion, by its rank (default 1, the best)"
    )
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp = add(
        "apply",
        cmd_bank_apply,
        "apply a bank entry by hand to a customer's invoices; the rest stays on the customer's account",
        bank,
    )
    sp.add_argument("entry", type=int, metavar="ENTRY_ID")
    sp.add_argument("--customer", required=True, metavar="REF", help="the customer's account reference")
    how = sp.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--invoice",
        action="append",
        default=[],
        metavar="NUMBER=AMOUNT",
        help="an invoice and the amount it gets (repeat for each invoice; the last one takes the write-off)",
    )
    how.add_argument(
        "--oldest-first", action="store_true", help="the customer's open invoices, oldest due first, up to the amount"
    )
    sp.add_argument("--part", type=int, metavar="N", help="only transaction N of a batched entry (1 for the first)")
    sp.add_argument(
        "--write-off",
        action="store_true",
        help="write off what stays open on the last invoice, within the tolerance of the bank matching",
    )
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp = add("ignore", cmd_bank_ignore, "set aside a bank entry that is not a customer's payment", bank)
    sp.add_argument("entry", type=int, metavar="ENTRY_ID")
    sp.add_argument("--reason", required=True, help="why it is not a customer's payment")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp = add("undo", cmd_bank_undo, "undo what was applied with a bank entry (or bring back one set aside)", bank)
    sp.add_argument("entry", type=int, metavar="ENTRY_ID")
    sp.add_argument("--note", default="", help="why it is undone, for the timeline")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--json", action="store_true", help="machine-readable output")

    sp = add(
        "settings",
        cmd_bank_settings,
        "show or change the threshold of automatic application and the tolerance of the bank matching",
        bank,
    )
    sp.add_argument("--threshold", type=parse_cli_amount, help="a match at least this sure is applied (0.01 to 1.00)")
    sp.add_argument("--tolerance", type=parse_cli_amount, help="a difference up to this amount is written off")
    sp.add_argument(
        "--identify-hold-days",
        type=int,
        metavar="N",
        help="hold the reminders of a customer whose payment is being identified at most N days (0: never)",
    )
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--json", action="store_true", help="machine-readable output")


def cmd_bank_settings(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from recouvre.ledger.actors import CLI

    from .configuration import settings_of, update_settings

    org = resolve_org(args.org)
    try:
        row, _changed = update_settings(
            org,
            actor=CLI,
            auto_threshold=args.threshold,
            tolerance=args.tolerance,
            identify_hold_days=args.identify_hold_days,
        )
    except ValidationError as exc:
        return _refused(args, "; ".join(message for messages in exc.message_dict.values() for message in messages))
    row = settings_of(org)
    payload = {
        "threshold": str(row.auto_threshold),
        "tolerance": str(row.tolerance),
        "identify_hold_days": row.identify_hold_days,
    }
    if args.json:
        emit_json({"ok": True, **payload})
    else:
        print(
            _(
                "threshold of automatic application %(threshold)s, tolerance %(tolerance)s %(currency)s, reminders "
                "held at most %(identify_hold_days)s days while a payment is identified"
            )
            % {**payload, "currency": org.currency}
        )
    return EXIT_OK


def _refused(args: argparse.Namespace, message: str) -> int:
    if args.json:
        emit_json({"ok": False, "errors": [message]})
    else:
        print(_("recouvre: refused: %(error)s") % {"error": message}, file=sys.stderr)
    return EXIT_REFUSED


def _entry_report(entry: Any) -> dict[str, Any]:
    from .matching import applications_of, pending_suggestions, reason_text

    org = entry.organization
    return {
        "ok": True,
        "entry": entry.pk,
        "state": entry.state,
        "applied": [
            {
                "customer": a.customer.ref,
                "part": a.part,
                "payment": a.payment_id,
                "write_off_credit_note": a.credit_note.number if a.credit_note else None,
                "confidence": round(a.confidence, 4),
                "reasons": [reason_text(r) for r in a.reasons],
                "auto": a.auto,
            }
            for a in applications_of(org, entry)
        ],
        "suggestions": [
            {
                "id": s.pk,
                "rank": s.rank + 1,
                "part": s.part,
                "customer": s.customer.ref,
                "amount": str(s.amount),
                "currency": s.currency,
                "allocations": [{"invoice": a["number"], "amount": a["amount"]} for a in s.allocations],
                "write_off": str(s.write_off_amount),
                "confidence": round(s.confidence, 4),
                "reasons": [reason_text(r) for r in s.reasons],
            }
            for s in pending_suggestions(org, entry)
        ],
    }


def _print_entry(report: dict[str, Any]) -> None:
    print(_("entry %(entry)s: %(state)s") % {"entry": report["entry"], "state": report["state"]})
    for a in report["applied"]:
        print(
            "  "
            + _("applied to %(customer)s (confidence %(percent)s %%)")
            % {
                "customer": a["customer"],
                "percent": round(a["confidence"] * 100),
            }
        )
        for reason in a["reasons"]:
            print("    - " + reason)
    for s in report["suggestions"]:
        invoices = ", ".join(f"{a['invoice']} {a['amount']}" for a in s["allocations"]) or "—"
        print(
            "  "
            + _("suggestion %(rank)s: %(customer)s, %(invoices)s (confidence %(percent)s %%)")
            % {
                "rank": s["rank"],
                "customer": s["customer"],
                "invoices": invoices,
                "percent": round(s["confidence"] * 100),
            }
        )
        for reason in s["reasons"]:
            print("    - " + reason)


def _entry(org: Any, pk: int) -> Any:
    from .models import BankEntry

    entry = BankEntry.objects.select_related("organization").filter(organization=org, pk=pk).first()
    if entry is None:
        raise UsageError(_("no bank entry %(entry)s in this organization") % {"entry": pk})
    return entry


def cmd_bank_match(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .matching import match_entries

    org = resolve_org(args.org)
    result = match_entries(org, actor=CLI)
    if args.json:
        emit_json({"ok": True, **result.as_dict()})
        return EXIT_OK
    print(
        _("%(applied)d applied, %(suggested)d suggested, %(unmatched)d left unmatched")
        % {"applied": result.applied, "suggested": result.suggested, "unmatched": result.unmatched}
    )
    return EXIT_OK


def cmd_bank_accept(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .matching import MatchRefused, accept_suggestion, pending_suggestions

    org = resolve_org(args.org)
    entry = _entry(org, args.entry)
    suggestions = [s for s in pending_suggestions(org, entry) if s.rank == args.suggestion - 1]
    if not suggestions:
        return _refused(args, _("entry %(entry)s has no suggestion %(n)s") % {"entry": entry.pk, "n": args.suggestion})
    try:
        accept_suggestion(org, suggestions[0], actor=CLI)
    except MatchRefused as exc:
        return _refused(args, str(exc))
    return _done(args, _entry(org, entry.pk))


def cmd_bank_apply(args: argparse.Namespace) -> int:
    from recouvre.ledger import selectors as ledger_selectors
    from recouvre.ledger.actors import CLI

    from .manual import apply_by_hand, entry_amount, oldest_first
    from .matching import MatchRefused
    from .selectors import open_invoices

    org = resolve_org(args.org)
    entry = _entry(org, args.entry)
    if args.part is not None and args.part < 1:
        raise UsageError(_("--part counts from 1 (the first transaction of the batch)"))
    part = args.part - 1 if args.part is not None else None
    customer = ledger_selectors.customers(org).filter(ref=args.customer).first()
    if customer is None:
        return _refused(args, _("no customer with the account %(ref)r") % {"ref": args.customer})
    allocations: list[tuple[int, Any]] = []
    try:
        amount, currency = entry_amount(entry, part)
        if args.oldest_first:
            chosen = oldest_first(open_invoices(org, customer, currency), amount)
            allocations = [(invoice.pk, share) for invoice, share in chosen]
        else:
            for given in args.invoice:
                number, sep, text = given.partition("=")
                if not sep or not number.strip():
                    raise UsageError(_("--invoice takes NUMBER=AMOUNT, not %(value)r") % {"value": given})
                try:
                    share = parse_cli_amount(text)
                except argparse.ArgumentTypeError as exc:
                    raise UsageError(str(exc)) from exc
                invoice = ledger_selectors.invoices(org).filter(number=number.strip()).first()
                if invoice is None:
                    return _refused(args, _("no invoice %(number)s in this organization") % {"number": number})
                allocations.append((invoice.pk, share))
        apply_by_hand(
            org, entry, customer=customer, allocations=allocations, actor=CLI, part=part, write_off=args.write_off
        )
    except MatchRefused as exc:
        return _refused(args, str(exc))
    return _done(args, _entry(org, entry.pk))


def cmd_bank_ignore(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .matching import MatchRefused, ignore_entry

    org = resolve_org(args.org)
    entry = _entry(org, args.entry)
    try:
        ignore_entry(org, entry, actor=CLI, reason=args.reason)
    except MatchRefused as exc:
        return _refused(args, str(exc))
    return _done(args, _entry(org, entry.pk))


def cmd_bank_undo(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .matching import MatchRefused, unapply_entry

    org = resolve_org(args.org)
    entry = _entry(org, args.entry)
    try:
        unapply_entry(org, entry, actor=CLI, note=args.note)
    except MatchRefused as exc:
        return _refused(args, str(exc))
    return _done(args, _entry(org, entry.pk))


def _done(args: argparse.Namespace, entry: Any) -> int:
    report = _entry_report(entry)
    if args.json:
        emit_json(report)
    else:
        _print_entry(report)
    return EXIT_OK
