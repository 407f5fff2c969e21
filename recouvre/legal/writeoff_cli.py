"""``recouvre writeoff create INVOICE_NUMBER --reason CODE ...`` and ``recouvre writeoff reverse INVOICE_NUMBER
--reason TEXT``: write an irrecoverable invoice off, and undo it, as the invoice page does. Thin: the writes are
``recouvre.legal.writeoffs.write_off`` and ``reverse_write_off``; the operator acts as ``cli``. Exit 0 done, 1 refused
(unknown invoice, nothing to write off or to reverse, reversed already: nothing written), 2 usage."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.cliutil import (
    EXIT_OK,
    UsageError,
    emit_json,
    parse_cli_amount,
    parse_cli_date,
    refused,
    resolve_org,
)

REASONS = ("insolvency", "prescribed", "uneconomic", "debtor_gone", "enforcement_failed", "court", "other")


def _text(text: str) -> str:
    return text.replace("\\n", "\n").strip()


def write_off_dict(record: Any) -> dict[str, Any]:
    """One write-off as ``recouvre writeoff ... --json`` prints it, with its invoice's open amount now."""
    return {
        "id": record.pk,
        "invoice": record.invoice.number,
        "customer": record.customer.ref,
        "amount": record.amount,
        "tax_amount": record.tax_amount,
        "currency": record.currency,
        "reason": record.reason,
        "note": record.note,
        "written_off_on": record.written_off_on,
        "credit_note": record.credit_note_number,
        "author": record.author_label,
        "reversed": record.reversed_at is not None,
        "reversed_at": record.reversed_at.isoformat() if record.reversed_at is not None else None,
        "reversed_by": record.reversed_by_label or None,
        "reversal_reason": record.reversal_reason,
        "invoice_open_amount": record.invoice.open_amount,
    }


def _invoice(org: Any, number: str) -> Any:
    from recouvre.ledger import selectors

    return selectors.invoices(org).filter(number=number).select_related("customer").first()


def _reread(record: Any) -> Any:
    from .models import WriteOff

    return WriteOff.objects.select_related("invoice", "customer").get(pk=record.pk)


def cmd_writeoff_create(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .writeoffs import write_off

    org = resolve_org(args.org)
    invoice = _invoice(org, args.invoice)
    if invoice is None:
        return refused(
            args.json, [_("no invoice numbered %(number)r in %(org)s") % {"number": args.invoice, "org": org.slug}]
        )
    try:
        record = write_off(
            invoice,
            actor=CLI,
            reason=args.reason,
            written_off_on=args.on or timezone.localdate(),
            note=args.note,
            amount=args.amount,
        )
    except ValidationError as exc:
        return refused(args.json, exc.messages)
    record = _reread(record)
    if args.json:
        emit_json({"ok": True, **write_off_dict(record)})
    else:
        print(
            _("Invoice %(number)s written off: %(amount)s %(currency)s on %(date)s (ledger credit %(credit)s).")
            % {
                "number": invoice.number,
                "amount": record.amount,
                "currency": record.currency,
                "date": record.written_off_on.isoformat(),
                "credit": record.credit_note_number,
            }
        )
    return EXIT_OK


def cmd_writeoff_reverse(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .models import WriteOff
    from .writeoffs import reverse_write_off

    org = resolve_org(args.org)
    invoice = _invoice(org, args.invoice)
    if invoice is None:
        return refused(
            args.json, [_("no invoice numbered %(number)r in %(org)s") % {"number": args.invoice, "org": org.slug}]
        )
    records = list(WriteOff.objects.filter(organization=org, invoice=invoice).order_by("-id"))
    if args.id is not None:
        records = [r for r in records if r.pk == args.id]
        if not records:
            return refused(
                args.json,
                [_("invoice %(number)s has no write-off %(id)d") % {"number": invoice.number, "id": args.id}],
            )
    if not records:
        return refused(args.json, [_("invoice %(number)s has not been written off") % {"number": invoice.number}])
    live = [r for r in records if r.reversed_at is None]
    if len(live) > 1:
        raise UsageError(
            _("invoice %(number)s has several write-offs: say which with --id (%(ids)s)")
            % {"number": invoice.number, "ids": ", ".join(str(r.pk) for r in live)}
        )
    try:
        record = reverse_write_off(live[0] if live else records[0], reason=args.reason, actor=CLI)
    except ValidationError as exc:
        return refused(args.json, exc.messages)
    record = _reread(record)
    if args.json:
        emit_json({"ok": True, **write_off_dict(record)})
    else:
        print(
            _("Write-off reversed: invoice %(number)s is open again and collection resumes.")
            % {"number": invoice.number}
        )
        print(
            _("Open amount of invoice %(number)s: %(open)s %(currency)s.")
            % {"number": invoice.number, "open": record.invoice.open_amount, "currency": record.invoice.currency}
        )
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = sub.add_parser("writeoff", help="write irrecoverable invoices off, and reverse a write-off").add_subparsers(
        dest="writeoff_command", required=True
    )
    sp = add(
        "create",
        cmd_writeoff_create,
        "write an invoice off as irrecoverable: a ledger credit takes it out of the open balance and collections",
        parent=group,
    )
    sp.add_argument("invoice", metavar="INVOICE_NUMBER")
    sp.add_argument("--reason", required=True, choices=REASONS, help="why it cannot be recovered")
    sp.add_argument("--on", type=parse_cli_date, metavar="DATE", help="the day it is written off (default: today)")
    sp.add_argument(
        "--amount", type=parse_cli_amount, metavar="AMOUNT", help="the amount written off (default: all that is open)"
    )
    sp.add_argument("--note", type=_text, default="", metavar="TEXT", help="the explanation (required with other)")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)

    sp = add(
        "reverse",
        cmd_writeoff_reverse,
        "reverse a write-off: its ledger credit is cancelled, the invoice is open again and collection resumes",
        parent=group,
    )
    sp.add_argument("invoice", metavar="INVOICE_NUMBER")
    sp.add_argument("--reason", required=True, type=_text, metavar="TEXT", help="why it is reversed")
    sp.add_argument(
        "--id", type=int, metavar="WRITE_OFF_ID", help="which write-off, when the invoice has several (see --json)"
    )
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
