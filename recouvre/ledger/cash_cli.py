"""``recouvre cash payment|credit-note|apply|undo|list``: cash applied by hand from the command line, as the customer
page and the invoice page do it.

Thin: each write is the service of ``recouvre.ledger.cash`` the web pages call, so the effects are the same (the
payment or credit note, its allocations, their events, the tasks settled closed). Invoices are named by number,
customers by account, payments by id and credit notes by number (``recouvre cash list`` shows them, with the ids of
the allocations). The operator acts as ``cli``. Exit 0 done, 1 refused (an unknown customer, invoice, payment or
credit note, or a rule of the service: nothing written), 2 usage (a bad date or amount, options that do not go
together, an unknown organization)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from recouvre.cliutil import (
    EXIT_OK,
    UsageError,
    customer_by_ref,
    emit_json,
    parse_cli_amount,
    parse_cli_date,
    refused,
    resolve_org,
)


class Refused(Exception):
    pass


def parse_invoice_amount(text: str) -> tuple[str, Decimal]:
    """``NUMBER=AMOUNT`` as typed after ``--invoice``."""
    number, sep, amount = text.rpartition("=")
    if not sep or not number.strip():
        raise argparse.ArgumentTypeError(
            _("%(text)r: write the invoice number, = and the amount, e.g. F-2026-0041=250.00") % {"text": text}
        )
    return number.strip(), parse_cli_amount(amount)


def _customer(org: Any, ref: str) -> Any:

    customer, missing = customer_by_ref(org, ref)
    if customer is None:
        raise Refused(missing)
    return customer


def _invoice_ids(org: Any, pairs: Iterable[tuple[str, Decimal]]) -> list[tuple[int, Decimal]]:
    """``(number, amount)`` pairs as ``(invoice id, amount)``; ``Refused`` naming a number unknown here."""
    from . import selectors

    pairs = list(pairs)
    found = dict(selectors.invoices(org).filter(number__in=[n for n, _a in pairs]).values_list("number", "pk"))
    missing = [n for n, _a in pairs if n not in found]
    if missing:
        raise Refused(_("no invoice numbered %(number)r in %(org)s") % {"number": missing[0], "org": org.slug})
    return [(found[n], amount) for n, amount in pairs]


def _run(args: argparse.Namespace, write: Callable[[Any], tuple[dict[str, Any], list[str]]]) -> int:
    """Resolve the organization, call ``write`` (the JSON and the lines to print), report a refusal."""
    from .cash import CashRefused

    org = resolve_org(args.org)
    try:
        payload, lines = write(org)
    except (CashRefused, Refused) as exc:
        return refused(args.json, [str(exc)])
    if args.json:
        emit_json({"ok": True, **payload})
    else:
        for line in lines:
            print(line)
    return EXIT_OK


def _applied_lines(applied: Any, currency: str) -> list[str]:
    lines = [
        "  "
        + _("%(amount)s %(currency)s applied to invoice %(invoice)s (allocation %(id)s).")
        % {"amount": a.amount, "currency": currency, "invoice": a.invoice.number, "id": a.pk}
        for a in applied.allocations
    ]
    lines.append(
        "  " + _("Not yet applied: %(amount)s %(currency)s.") % {"amount": applied.remaining, "currency": currency}
    )
    return lines


def cmd_cash_payment(args: argparse.Namespace) -> int:
    from .actors import CLI
    from .cash import applied_dict, payment_dict, record_payment_by_hand

    if args.invoice and args.apply == "oldest":
        raise UsageError(_("--invoice and --apply oldest do not go together"))

    def write(org: Any) -> tuple[dict[str, Any], list[str]]:
        customer = _customer(org, args.ref)
        pairs = _invoice_ids(org, args.invoice) if args.invoice else None
        payment, applied = record_payment_by_hand(
            org,
            CLI,
            customer=customer,
            received_on=args.date,
            amount=args.amount,
            currency=args.currency,
            method=args.method,
            reference=args.reference,
            allocations=pairs,
            oldest=args.apply == "oldest",
        )
        payment.refresh_from_db()
        head = _("Payment %(id)s of %(amount)s %(currency)s received on %(date)s recorded for %(customer)s.") % {
            "id": payment.pk,
            "amount": payment.amount,
            "currency": payment.currency,
            "date": payment.received_on.isoformat(),
            "customer": customer.ref,
        }
        return {"payment": payment_dict(payment), **applied_dict(applied)}, [
            head,
            *_applied_lines(applied, payment.currency),
        ]

    return _run(args, write)


def cmd_cash_credit_note(args: argparse.Namespace) -> int:
    from . import selectors
    from .actors import CLI
    from .cash import applied_dict, credit_note_dict, record_credit_note_by_hand

    def write(org: Any) -> tuple[dict[str, Any], list[str]]:
        customer = _customer(org, args.ref)
        invoice = None
        if args.invoice:
            invoice = selectors.invoices(org).filter(number=args.invoice).first()
            if invoice is None:
                raise Refused(
                    _("no invoice numbered %(number)r in %(org)s") % {"number": args.invoice, "org": org.slug}
                )
        note, applied = record_credit_note_by_hand(
            org,
            CLI,
            customer=customer,
            number=args.number,
            issued_on=args.date,
            total=args.amount,
            currency=args.currency,
            invoice=invoice,
        )
        note.refresh_from_db()
        head = _("Credit note %(number)s of %(amount)s %(currency)s recorded for %(customer)s.") % {
            "number": note.number,
            "amount": note.total,
            "currency": note.currency,
            "customer": customer.ref,
        }
        return {"credit_note": credit_note_dict(note), **applied_dict(applied)}, [
            head,
            *_applied_lines(applied, note.currency),
        ]

    return _run(args, write)


def cmd_cash_apply(args: argparse.Namespace) -> int:
    from . import selectors
    from .actors import CLI
    from .cash import applied_dict, apply_unapplied, credit_note_dict, payment_dict

    if not args.oldest_first and not args.invoice:
        raise UsageError(_("say where it goes: --oldest-first, or --invoice NUMBER=AMOUNT"))
    if args.oldest_first and args.invoice:
        raise UsageError(_("--invoice and --oldest-first do not go together"))

    def write(org: Any) -> tuple[dict[str, Any], list[str]]:
        customer = _customer(org, args.ref)
        payment = note = None
        if args.payment is not None:
            payment = selectors.customer_payment(org, customer, args.payment)
            if payment is None:
                raise Refused(
                    _("no payment %(id)s of the customer %(ref)s") % {"id": args.payment, "ref": customer.ref}
                )
        else:
            note = selectors.customer_credit_note(org, customer, number=args.credit_note)
            if note is None:
                raise Refused(
                    _("no credit note %(number)r of the customer %(ref)s")
                    % {"number": args.credit_note, "ref": customer.ref}
                )
        pairs = _invoice_ids(org, args.invoice) if args.invoice else None
        applied = apply_unapplied(org, CLI, payment=payment, credit_note=note, allocations=pairs)
        payload: dict[str, Any] = applied_dict(applied)
        currency = (payment or note).currency  # type: ignore[union-attr]
        if payment is not None:
            payment.refresh_from_db()
            payload["payment"] = payment_dict(payment)
        elif note is not None:
            note.refresh_from_db()
            payload["credit_note"] = credit_note_dict(note)
        return payload, [
            _("Applied for %(customer)s:") % {"customer": customer.ref},
            *_applied_lines(applied, currency),
        ]

    return _run(args, write)


def cmd_cash_undo(args: argparse.Namespace) -> int:
    from .actors import CLI
    from .cash import undo_allocation

    def write(org: Any) -> tuple[dict[str, Any], list[str]]:
        done = undo_allocation(org, CLI, args.allocation)
        line = _(
            "Allocation %(id)s undone: invoice %(invoice)s is open again by %(amount)s %(currency)s "
            "(open: %(open)s %(currency)s)."
        ) % {
            "id": done["id"],
            "invoice": done["invoice"],
            "amount": done["amount"],
            "currency": done["currency"],
            "open": done["invoice_open_amount"],
        }
        return {"undone": done}, [line]

    return _run(args, write)


def cmd_cash_list(args: argparse.Namespace) -> int:
    from . import selectors
    from .cash import allocation_dict, credit_note_dict, payment_dict, undo_refusals

    def write(org: Any) -> tuple[dict[str, Any], list[str]]:
        customer = _customer(org, args.ref)
        payments = list(selectors.customer_unapplied_payments(org, customer))
        notes = list(selectors.customer_unapplied_credit_notes(org, customer).select_related("invoice"))
        allocations = list(selectors.customer_allocations(org, customer))
        why_not = undo_refusals(allocations)
        rows = [
            {**allocation_dict(a), "can_undo": a.pk not in why_not, "why_not": why_not.get(a.pk)} for a in allocations
        ]
        payload = {
            "customer": {"ref": customer.ref, "name": customer.name},
            "payments": [payment_dict(p) for p in payments],
            "credit_notes": [credit_note_dict(n) for n in notes],
            "allocations": rows,
        }
        lines = [_("Not yet applied:")]
        for p in payments:
            lines.append(
                "  "
                + _("payment %(id)s of %(date)s: %(left)s of %(amount)s %(currency)s")
                % {
                    "id": p.pk,
                    "date": p.received_on.isoformat(),
                    "left": p.unallocated_amount,
                    "amount": p.amount,
                    "currency": p.currency,
                }
            )
        for n in notes:
            lines.append(
                "  "
                + _("credit note %(number)s of %(date)s: %(left)s of %(amount)s %(currency)s")
                % {
                    "number": n.number,
                    "date": n.issued_on.isoformat(),
                    "left": n.unallocated_amount,
                    "amount": n.total,
                    "currency": n.currency,
                }
            )
        if not payments and not notes:
            lines.append("  " + _("nothing"))
        lines.append(_("Allocations:"))
        for row in rows:
            origin = (
                _("payment %(id)s") % {"id": row["payment_id"]}
                if row["from"] == "payment"
                else _("credit note %(number)s") % {"number": row["credit_note"]}
            )
            lines.append(
                f"  {row['id']}  {row['allocated_on']}  {row['invoice']}  {row['amount']} {row['currency']}  {origin}"
                + ("" if row["can_undo"] else "  (" + _("not undone here") + ")")
            )
        if not rows:
            lines.append("  " + _("none"))
        return payload, lines

    return _run(args, write)


# ``PaymentMethod``'s values: the parser is built before Django is set up, so the models cannot be imported here
# (a test checks both agree).
METHODS = ["transfer", "direct_debit", "cheque", "card", "cash", "bill", "other"]


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = sub.add_parser(
        "cash", help="payments and credit notes entered by hand, applied to invoices, allocations undone"
    ).add_subparsers(dest="cash_command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
        json_flag(sp)

    def invoices(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--invoice",
            action="append",
            type=parse_invoice_amount,
            default=[],
            metavar="NUMBER=AMOUNT",
            help="apply this amount to this invoice (repeat for several)",
        )

    sp = add("payment", cmd_cash_payment, "record a payment received, and apply it to invoices", parent=group)
    sp.add_argument("ref", metavar="CUSTOMER_REF")
    sp.add_argument("--amount", required=True, type=parse_cli_amount, metavar="AMOUNT")
    sp.add_argument("--date", required=True, type=parse_cli_date, metavar="DATE", help="the day it was received")
    sp.add_argument("--method", default="transfer", choices=METHODS)
    sp.add_argument("--reference", default="", metavar="TEXT", help="the cheque number, the transfer's reference")
    sp.add_argument("--currency", metavar="CODE", help="default: the organization's")
    sp.add_argument(
        "--apply",
        choices=["oldest", "none"],
        default="none",
        help="oldest: to the open invoices, oldest due first; none (default): left unapplied unless --invoice",
    )
    invoices(sp)
    common(sp)

    sp = add(
        "credit-note",
        cmd_cash_credit_note,
        "record a credit note issued; applied to the invoice it corrects up to its open amount",
        parent=group,
    )
    sp.add_argument("ref", metavar="CUSTOMER_REF")
    sp.add_argument("--number", required=True, metavar="NUMBER")
    sp.add_argument("--amount", required=True, type=parse_cli_amount, metavar="AMOUNT", help="its total incl. tax")
    sp.add_argument("--date", required=True, type=parse_cli_date, metavar="DATE", help="its issue date")
    sp.add_argument("--invoice", metavar="NUMBER", help="the invoice it corrects (of the same customer)")
    sp.add_argument("--currency", metavar="CODE", help="default: the invoice's, else the organization's")
    common(sp)

    sp = add(
        "apply",
        cmd_cash_apply,
        "apply what a payment or a credit note has not applied yet to the customer's invoices",
        parent=group,
    )
    sp.add_argument("ref", metavar="CUSTOMER_REF")
    which = sp.add_mutually_exclusive_group(required=True)
    which.add_argument("--payment", type=int, metavar="ID", help="the payment (see recouvre cash list)")
    which.add_argument("--credit-note", metavar="NUMBER", help="the credit note")
    sp.add_argument("--oldest-first", action="store_true", help="to the open invoices, oldest due first")
    invoices(sp)
    common(sp)

    sp = add("undo", cmd_cash_undo, "undo an allocation: the invoice is open again by its amount", parent=group)
    sp.add_argument("allocation", type=int, metavar="ALLOCATION_ID")
    common(sp)

    sp = add(
        "list",
        cmd_cash_list,
        "a customer's payments and credit notes not yet applied, and its allocations with their ids",
        parent=group,
    )
    sp.add_argument("ref", metavar="CUSTOMER_REF")
    common(sp)
