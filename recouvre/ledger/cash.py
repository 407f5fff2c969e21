"""Cash applied by hand: a payment or a credit note recorded from the customer page (or ``recouvre cash``), the
unapplied amount of a payment or a credit note applied to the customer's invoices, an allocation undone.

Each function is one transaction: it writes everything or nothing, and refuses with ``CashRefused`` (a message in
the user's language naming what is wrong). Each change leaves an event on the customer's timeline:
``payment.received``, ``credit_note.created``, ``allocation.created`` per invoice (``recouvre.ledger.services``),
``allocation.removed`` for an allocation undone.

Rules:
- amounts are more than zero, with no more decimals than the currency has (two at most);
- an allocation goes from a payment or a credit note to an invoice of the same customer and currency, for at most
  what the invoice has open and what the payment or credit note has not applied yet (the database refuses the
  rest anyway); "oldest first" fills the open invoices by due date;
- after an application, the calls and escalation steps whose invoices are now settled are closed
  (``recouvre.tasks.settled.close_settled_tasks``), as the bank matching does;
- an allocation is undone by hand only when no other step owns it: one made by the bank matching is undone with its
  bank entry, a write-off's ledger credit by reversing the write-off, a dispute's credit note belongs to the
  resolution of the dispute, and the lettering of a FEC import is the accounting file's (un-letter it there and
  import again). An allocation that a payment import (CSV, XLSX) made and that was undone by hand is not made again
  by a later import of the same file (``undone_pairs``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core.cash import oldest_first, too_many_decimals
from recouvre.organizations.models import Organization

from .actors import Actor
from .models import Allocation, CreditNote, Customer, Event, Invoice, Payment, PaymentMethod, Source
from .services import allocate, create_credit_note, record_event, record_payment

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
REMOVED = "allocation.removed"
MAX_NUMBER = 60
MAX_REFERENCE = 140


class CashRefused(Exception):
    """The change is refused (``message`` says why, in the user's language); nothing was written. ``field`` names
    the input at fault when there is one (``amount``, ``number``, ``invoice``...), for a form, and ``invoice_id``
    the invoice whose amount is refused."""

    def __init__(self, message: str, field: str = "", invoice_id: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.invoice_id = invoice_id


@dataclass(slots=True)
class Applied:
    """What an application wrote: the allocations, and what the payment or credit note has left unapplied."""

    allocations: list[Allocation] = field(default_factory=list)
    remaining: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return sum((a.amount for a in self.allocations), ZERO)


# --------------------------------------------------------------------------------------------- checks


def check_amount(amount: Any, currency: str, *, field: str = "amount") -> Decimal:
    """``amount`` as stored (two decimals), or ``CashRefused``: not a decimal, zero or less, too many decimals."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise CashRefused(_("The amount must be a decimal number."), field)
    if amount <= 0:
        raise CashRefused(_("The amount must be more than zero, not %(amount)s.") % {"amount": amount}, field)
    if too_many_decimals(amount, currency):
        raise CashRefused(
            _("The amount %(amount)s has more decimals than %(currency)s allows.")
            % {"amount": amount, "currency": currency},
            field,
        )
    if amount >= Decimal(10) ** 13:
        raise CashRefused(_("The amount %(amount)s is too large.") % {"amount": amount}, field)
    return amount.quantize(CENT)


def _currency(organization: Organization, currency: str | None) -> str:
    code = (currency or organization.currency).strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise CashRefused(_("%(currency)s is not a currency code (three letters, e.g. EUR).") % {"currency": code})
    return code


def _customer(organization: Organization, customer: Customer) -> Customer:
    if customer.organization_id != organization.pk:
        raise CashRefused(_("This customer is not one of this organization's."), "customer")
    return customer


# --------------------------------------------------------------------------------------------- applying


def _doc_date(payment: Payment | None, credit_note: CreditNote | None) -> date:
    return payment.received_on if payment is not None else credit_note.issued_on  # type: ignore[union-attr]


def _apply(
    organization: Organization,
    actor: Actor,
    *,
    payment: Payment | None = None,
    credit_note: CreditNote | None = None,
    pairs: Sequence[tuple[int, Decimal]] | None = None,
    oldest: bool = False,
) -> Applied:
    """Apply ``pairs`` ``(invoice id, amount)`` of the (locked) payment or credit note, or what it has unapplied to
    the customer's open invoices of its currency oldest due first. Refuses (nothing written) what cannot be."""
    doc: Payment | CreditNote = payment if payment is not None else credit_note  # type: ignore[assignment]
    customer = doc.customer
    currency = doc.currency
    left = doc.unallocated_amount
    mine = Invoice.objects.select_for_update(of=("self",)).filter(organization=organization, customer=customer)
    wanted: list[tuple[Invoice, Decimal]] = []
    if pairs is None:
        if not oldest:
            return Applied(remaining=left)
        invoices = list(mine.filter(currency=currency, open_amount__gt=0).order_by("due_on", "number", "pk"))
        by_id = {inv.pk: inv for inv in invoices}
        wanted = [(by_id[pk], part) for pk, part in oldest_first(((i.pk, i.open_amount) for i in invoices), left)]
    else:
        totals: dict[int, Decimal] = {}
        for invoice_id, amount in pairs:
            try:
                part = check_amount(amount, currency)
            except CashRefused as exc:
                raise CashRefused(exc.message, "invoice", int(invoice_id)) from exc
            totals[int(invoice_id)] = totals.get(int(invoice_id), ZERO) + part
        found = {
            inv.pk: inv
            for inv in Invoice.objects.select_for_update(of=("self",)).filter(
                organization=organization, pk__in=list(totals)
            )
        }
        for invoice_id, amount in totals.items():
            invoice = found.get(invoice_id)
            if invoice is None:
                raise CashRefused(_("No such invoice in this organization."), "invoice")
            if invoice.customer_id != customer.pk:
                raise CashRefused(
                    _("Invoice %(number)s is not an invoice of %(customer)s.")
                    % {"number": invoice.number, "customer": customer.name},
                    "invoice",
                    invoice.pk,
                )
            if invoice.currency != currency:
                raise CashRefused(
                    _("Invoice %(number)s is in %(invoice_currency)s, not in %(currency)s.")
                    % {"number": invoice.number, "invoice_currency": invoice.currency, "currency": currency},
                    "invoice",
                    invoice.pk,
                )
            if amount > invoice.open_amount:
                raise CashRefused(
                    _("%(amount)s is more than the %(open)s %(currency)s open on invoice %(number)s.")
                    % {"amount": amount, "open": invoice.open_amount, "currency": currency, "number": invoice.number},
                    "invoice",
                    invoice.pk,
                )
            wanted.append((invoice, amount))
        asked = sum((a for _i, a in wanted), ZERO)
        if asked > left:
            raise CashRefused(
                _("%(asked)s %(currency)s is more than the %(left)s %(currency)s not yet applied.")
                % {"asked": asked, "currency": currency, "left": left},
                "amount",
            )
    done = Applied()
    on = _doc_date(payment, credit_note)
    for invoice, amount in wanted:
        done.allocations.append(
            allocate(
                actor,
                invoice=invoice,
                amount=amount,
                payment=payment,
                credit_note=credit_note,
                allocated_on=max(on, invoice.issued_on),
            )
        )
    done.remaining = left - done.total
    if done.allocations:
        from recouvre.tasks.settled import close_settled_tasks

        close_settled_tasks(organization, actor=actor, customers=[customer])
    return done


# --------------------------------------------------------------------------------------------- the writes


@transaction.atomic
def record_payment_by_hand(
    organization: Organization,
    actor: Actor,
    *,
    customer: Customer,
    received_on: date,
    amount: Decimal,
    currency: str | None = None,
    method: str = PaymentMethod.TRANSFER,
    reference: str = "",
    allocations: Sequence[tuple[int, Decimal]] | None = None,
    oldest: bool = False,
) -> tuple[Payment, Applied]:
    """A payment received, entered by hand: applied to ``allocations`` ``(invoice id, amount)`` when given, else to
    the open invoices oldest first when ``oldest``, else left unapplied on the customer's account."""
    _customer(organization, customer)
    code = _currency(organization, currency)
    stored = check_amount(amount, code)
    if method not in PaymentMethod.values:
        raise CashRefused(_("Unknown payment method: %(method)s.") % {"method": method}, "method")
    reference = reference.strip()
    if len(reference) > MAX_REFERENCE:
        raise CashRefused(_("The reference is longer than %(n)s characters.") % {"n": MAX_REFERENCE}, "reference")
    if received_on > timezone.localdate():
        raise CashRefused(
            _("A payment cannot be received in the future (%(date)s).") % {"date": received_on.isoformat()},
            "received_on",
        )
    payment = record_payment(
        organization,
        actor,
        customer=customer,
        received_on=received_on,
        amount=stored,
        currency=code,
        method=method,
        reference=reference,
        source_key=f"manual:{uuid.uuid4()}",
        source=Source.MANUAL,
    )
    payment.refresh_from_db()
    applied = _apply(organization, actor, payment=payment, pairs=allocations, oldest=oldest)
    return payment, applied


@transaction.atomic
def record_credit_note_by_hand(
    organization: Organization,
    actor: Actor,
    *,
    customer: Customer,
    number: str,
    issued_on: date,
    total: Decimal,
    currency: str | None = None,
    invoice: Invoice | None = None,
) -> tuple[CreditNote, Applied]:
    """A credit note issued to the customer, entered by hand; when it corrects ``invoice`` (of the same customer and
    currency), it is applied to it up to what the invoice has open, the rest left unapplied."""
    _customer(organization, customer)
    number = number.strip()
    if not number:
        raise CashRefused(_("Give the number of the credit note."), "number")
    if len(number) > MAX_NUMBER:
        raise CashRefused(_("The number is longer than %(n)s characters.") % {"n": MAX_NUMBER}, "number")
    if invoice is not None:
        if invoice.organization_id != organization.pk or invoice.customer_id != customer.pk:
            raise CashRefused(
                _("Invoice %(number)s is not an invoice of %(customer)s.")
                % {"number": invoice.number, "customer": customer.name},
                "invoice",
            )
        if currency and currency.strip().upper() != invoice.currency:
            raise CashRefused(
                _("Invoice %(number)s is in %(invoice_currency)s, not in %(currency)s.")
                % {"number": invoice.number, "invoice_currency": invoice.currency, "currency": currency.upper()},
                "currency",
            )
        currency = invoice.currency
    code = _currency(organization, currency)
    stored = check_amount(total, code, field="total")
    # the organization's credit notes are numbered once: a second one of the same number waits for the first
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if CreditNote.objects.filter(organization=organization, number=number).exists():
        raise CashRefused(_("Credit note %(number)s already exists.") % {"number": number}, "number")
    note = create_credit_note(
        organization,
        actor,
        customer=customer,
        number=number,
        issued_on=issued_on,
        total=stored,
        currency=code,
        invoice=invoice,
        source=Source.MANUAL,
    )
    note.refresh_from_db()
    pairs = None
    if invoice is not None:
        invoice.refresh_from_db(fields=["allocated_amount", "open_amount"])
        part = min(stored, invoice.open_amount)
        pairs = [(invoice.pk, part)] if part > 0 else []
    applied = _apply(organization, actor, credit_note=note, pairs=pairs)
    return note, applied


@transaction.atomic
def apply_unapplied(
    organization: Organization,
    actor: Actor,
    *,
    payment: Payment | None = None,
    credit_note: CreditNote | None = None,
    allocations: Sequence[tuple[int, Decimal]] | None = None,
) -> Applied:
    """Apply what ``payment`` (or ``credit_note``) has not applied yet: to ``allocations`` ``(invoice id, amount)``
    when given, else to the customer's open invoices of its currency oldest due first."""
    if (payment is None) == (credit_note is None):
        raise CashRefused(_("Say which payment or which credit note to apply."))
    doc: Payment | CreditNote
    if payment is not None:
        doc = Payment.objects.select_for_update(of=("self",)).select_related("customer").get(pk=payment.pk)
    else:
        assert credit_note is not None
        doc = CreditNote.objects.select_for_update(of=("self",)).select_related("customer").get(pk=credit_note.pk)
    if doc.organization_id != organization.pk:
        raise CashRefused(_("This payment or credit note is not one of this organization's."))
    if doc.unallocated_amount <= 0:
        raise CashRefused(_("Nothing of it is left to apply."))
    if allocations is not None and not allocations:
        raise CashRefused(_("Give an amount for at least one invoice."), "amount")
    applied = _apply(
        organization,
        actor,
        payment=doc if isinstance(doc, Payment) else None,
        credit_note=doc if isinstance(doc, CreditNote) else None,
        pairs=allocations,
        oldest=True,
    )
    if not applied.allocations:
        raise CashRefused(
            _("%(customer)s has no open invoice in %(currency)s to apply it to.")
            % {"customer": doc.customer.name, "currency": doc.currency}
        )
    return applied


# --------------------------------------------------------------------------------------------- undoing


def undo_refusal(allocation: Allocation) -> str | None:
    """Why ``allocation`` cannot be undone by hand (what to do instead), or None when it can."""
    from recouvre.bank.models import BankApplication
    from recouvre.collections.models import Hold
    from recouvre.legal.models import WriteOff

    note = allocation.credit_note
    payment = allocation.payment
    bank_made = allocation.source == Source.BANK or (note is not None and note.source == Source.BANK)
    if bank_made:
        application = None
        if payment is not None:
            application = BankApplication.objects.filter(payment=payment).first()
        if application is None and note is not None:
            application = BankApplication.objects.filter(credit_note=note).first()
        if application is not None:
            return _(
                "This allocation was made by applying bank entry %(entry)s: undo that entry instead (bank review "
                "page, or recouvre bank undo %(entry)s)."
            ) % {"entry": application.entry_id}
        return _("This allocation was made by the bank matching: undo its bank entry instead.")
    if note is not None:
        write_off = WriteOff.objects.filter(credit_note=note).select_related("invoice").first()
        if write_off is not None or note.source_ref == "write-off":
            number = write_off.invoice.number if write_off is not None else allocation.invoice.number
            return _(
                "This allocation is the write-off of invoice %(number)s (ledger credit %(credit_note)s): reverse the "
                "write-off instead (invoice page, or recouvre writeoff reverse %(number)s)."
            ) % {"number": number, "credit_note": note.number}
        hold = Hold.objects.filter(credit_note=note).select_related("invoice").first()
        if hold is not None:
            return _(
                "Credit note %(credit_note)s resolved the dispute on invoice %(number)s: it is part of that "
                "resolution and is not undone by hand."
            ) % {
                "credit_note": note.number,
                "number": hold.invoice.number if hold.invoice else allocation.invoice.number,
            }
    if allocation.source == Source.FEC:
        return _(
            "This allocation is the lettering of the accounting file (FEC import): remove the lettering in the "
            "accounting software and import the FEC again."
        )
    return None


def undo_refusals(allocations: Iterable[Allocation]) -> dict[int, str]:
    """For a page: ``{allocation id: why it cannot be undone}`` for those that cannot."""
    found = {}
    for allocation in allocations:
        why = undo_refusal(allocation)
        if why is not None:
            found[allocation.pk] = why
    return found


@transaction.atomic
def undo_allocation(organization: Organization, actor: Actor, allocation: Allocation | int) -> dict[str, Any]:
    """Remove an allocation made by hand (or by an import other than the FEC's): the invoice is open again by its
    amount and the payment or credit note has as much to apply again; one ``allocation.removed`` event. Returns
    what was undone (as ``allocation_dict``)."""
    pk = allocation.pk if isinstance(allocation, Allocation) else int(allocation)
    found = (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("invoice", "invoice__customer", "payment", "credit_note")
        .filter(organization=organization, pk=pk)
        .first()
    )
    if found is None:
        raise CashRefused(_("No allocation %(id)s in this organization.") % {"id": pk})
    why = undo_refusal(found)
    if why is not None:
        raise CashRefused(why)
    invoice = found.invoice
    Invoice.objects.select_for_update(of=("self",)).filter(pk=invoice.pk).first()
    done = allocation_dict(found)
    record_event(
        organization,
        invoice.customer,
        REMOVED,
        actor,
        allocation=found.pk,
        invoice=invoice.number,
        invoice_id=invoice.pk,
        amount=found.amount,
        currency=invoice.currency,
        by="payment" if found.payment_id else "credit_note",
        payment_id=found.payment_id,
        received_on=found.payment.received_on if found.payment else "",
        reference=found.payment.reference if found.payment else "",
        credit_note=found.credit_note.number if found.credit_note else "",
        credit_note_id=found.credit_note_id,
        source=found.source,
    )
    found.delete()
    invoice.refresh_from_db(fields=["allocated_amount", "open_amount"])
    done["invoice_open_amount"] = str(invoice.open_amount)
    return done


def undone_pairs(organization: Organization, payment_ids: Iterable[int]) -> set[tuple[int, int]]:
    """The ``(payment id, invoice id)`` allocations of these payments that were undone by hand: a payment import
    does not make them again (``recouvre.imports.tabular``)."""
    ids = sorted(set(payment_ids))
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(ids), 500):
        for data in Event.objects.filter(
            organization=organization, kind=REMOVED, data__payment_id__in=ids[start : start + 500]
        ).values_list("data", flat=True):
            if isinstance(data, dict) and data.get("invoice_id") is not None:
                pairs.add((int(data["payment_id"]), int(data["invoice_id"])))
    return pairs


# --------------------------------------------------------------------------------------------- for the pages and CLI


def allocation_dict(allocation: Allocation) -> dict[str, Any]:
    payment, note = allocation.payment, allocation.credit_note
    return {
        "id": allocation.pk,
        "invoice": allocation.invoice.number,
        "invoice_id": allocation.invoice_id,
        "amount": str(allocation.amount),
        "currency": allocation.invoice.currency,
        "allocated_on": allocation.allocated_on.isoformat(),
        "source": allocation.source,
        "from": "payment" if payment is not None else "credit_note",
        "payment_id": allocation.payment_id,
        "credit_note": note.number if note is not None else None,
    }


def payment_dict(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.pk,
        "received_on": payment.received_on.isoformat(),
        "amount": str(payment.amount),
        "currency": payment.currency,
        "method": payment.method,
        "reference": payment.reference,
        "source": payment.source,
        "unapplied": str(payment.unallocated_amount),
    }


def credit_note_dict(note: CreditNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "number": note.number,
        "issued_on": note.issued_on.isoformat(),
        "total": str(note.total),
        "currency": note.currency,
        "invoice": note.invoice.number if note.invoice_id and note.invoice else None,
        "source": note.source,
        "unapplied": str(note.unallocated_amount),
    }


def applied_dict(applied: Applied) -> dict[str, Any]:
    return {
        "allocations": [allocation_dict(a) for a in applied.allocations],
        "applied": str(applied.total),
        "remaining": str(applied.remaining),
    }
