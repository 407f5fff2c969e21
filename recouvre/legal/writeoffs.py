"""Writing off an irrecoverable claim (*créance irrécouvrable*), and the VAT recovery note of CGI art. 272-1
(LEGAL-FR §7.5).

Nothing is deleted: the invoice stays as it was; a ledger credit of the written-off amount, numbered
``PP-<invoice number>`` (*passage en perte*), is applied to it, so its open amount drops to what is left (usually
nothing) and every open balance — the aged balance, collections, the worklist, letters — leaves it out. The
``WriteOff`` record says why, who and when, and the timeline shows it.

A write-off is reversed (``reverse_write_off``) when the claim turns out to be recoverable after all (the debtor
pays, reappears, the procedure distributes): its ledger credit is cancelled, so the invoice is open again by exactly
the amount written off and collection resumes; the record stays, with who reversed it, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.ledger import services as ledger
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Allocation, CreditNote, Invoice, Source
from recouvre.ledger.services import record_event
from recouvre.tasks.settled import close_settled_tasks

from .models import InsolvencyProcedure, ProcedureKind, WriteOff, WriteOffReason

CENT = Decimal("0.01")


def _number(invoice: Invoice) -> str:
    base = f"PP-{invoice.number}"
    taken = set(
        CreditNote.objects.filter(organization_id=invoice.organization_id, number__startswith=base).values_list(
            "number", flat=True
        )
    )
    n, number = 1, base
    while number in taken:
        n += 1
        number = f"{base}-{n}"
    return number


def tax_share(invoice: Invoice, amount: Decimal) -> Decimal | None:
    """The VAT included in ``amount`` of ``invoice`` (pro rata of the invoice's VAT), or None when the invoice
    does not say its VAT."""
    if invoice.tax_amount is None or not invoice.total:
        return None
    return (amount * invoice.tax_amount / invoice.total).quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def write_off(
    invoice: Invoice,
    *,
    actor: Actor,
    reason: str,
    written_off_on: date,
    note: str = "",
    amount: Decimal | None = None,
) -> WriteOff:
    """Write off ``amount`` (default: all that is open) of ``invoice`` for ``reason``. Refused when nothing is open,
    for more than is open, or without an explanation when the reason is "other"."""
    invoice = (
        Invoice.objects.select_for_update(of=("self",)).select_related("organization", "customer").get(pk=invoice.pk)
    )
    if reason not in WriteOffReason.values:
        raise ValidationError(_("Unknown reason: %(reason)s.") % {"reason": reason})
    if reason == WriteOffReason.OTHER and not note.strip():
        raise ValidationError(_("Say why the claim cannot be recovered."))
    if invoice.open_amount <= 0:
        raise ValidationError(_("Invoice %(number)s has nothing left to write off.") % {"number": invoice.number})
    amount = invoice.open_amount if amount is None else amount
    if amount <= 0 or amount > invoice.open_amount:
        raise ValidationError(
            _("The amount written off must be more than zero and at most the open amount, %(open)s %(currency)s.")
            % {"open": invoice.open_amount, "currency": invoice.currency}
        )
    if written_off_on < invoice.issued_on:
        raise ValidationError(_("An invoice cannot be written off before its date."))
    procedure = (
        InsolvencyProcedure.objects.filter(organization=invoice.organization, customer=invoice.customer)
        .exclude(state="dismissed")
        .order_by("-judgment_on")
        .first()
    )
    number = _number(invoice)
    credit = ledger.create_credit_note(
        invoice.organization,
        actor,
        customer=invoice.customer,
        number=number,
        issued_on=written_off_on,
        total=amount,
        currency=invoice.currency,
        invoice=invoice,
        source=Source.MANUAL,
        source_ref="write-off",
    )
    ledger.allocate(actor, invoice=invoice, amount=amount, credit_note=credit, allocated_on=written_off_on)
    record = WriteOff.objects.create(
        organization=invoice.organization,
        customer=invoice.customer,
        invoice=invoice,
        credit_note=credit,
        credit_note_number=number,
        amount=amount,
        tax_amount=tax_share(invoice, amount),
        currency=invoice.currency,
        reason=reason,
        note=note,
        written_off_on=written_off_on,
        procedure=procedure,
        author=actor.user,
        author_label=actor.label,
    )
    record_event(
        invoice.organization,
        invoice.customer,
        "legal.written_off",
        actor,
        write_off=record.pk,
        invoice=invoice.number,
        amount=amount,
        currency=invoice.currency,
        tax=record.tax_amount,
        reason=reason,
        note=note,
        credit_note=number,
    )
    # Calls and escalation steps about invoices now settled are closed (recouvre.tasks.settled).
    close_settled_tasks(invoice.organization, actor=actor, customers=[invoice.customer])
    return record


@transaction.atomic
def reverse_write_off(write_off: WriteOff, *, reason: str, actor: Actor) -> WriteOff:
    """Undo ``write_off``: its ledger credit is cancelled (``recouvre.ledger.services.cancel_credit_note``), so the
    invoice's open amount grows by exactly the amount written off and collection resumes at the next run; the
    record keeps who reversed it, when and why (``reason``, required), and the timeline says so. Refused when it was
    reversed already, or when its ledger credit is no longer applied to the invoice as the write-off applied it."""
    record = (
        WriteOff.objects.select_for_update(of=("self",))
        .select_related("organization", "customer", "invoice", "credit_note")
        .get(pk=write_off.pk)
    )
    if record.reversed_at is not None:
        raise ValidationError(
            _("This write-off of invoice %(number)s was already reversed on %(date)s.")
            % {"number": record.invoice.number, "date": timezone.localtime(record.reversed_at).date().isoformat()}
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the write-off is reversed."))
    label = actor.label or actor.name
    if not label:
        raise ValidationError(_("Say who reverses the write-off."))
    credit = record.credit_note
    assert credit is not None  # the database keeps a ledger credit on every write-off not reversed
    # The invoice is locked as a write-off locks it, so a payment applied meanwhile waits for the reversal.
    Invoice.objects.select_for_update(of=("self",)).filter(pk=record.invoice_id).first()
    applied = list(Allocation.objects.filter(credit_note=credit).values_list("invoice_id", "amount"))
    if applied != [(record.invoice_id, record.amount)]:
        raise ValidationError(
            _(
                "The ledger credit %(credit_note)s is no longer applied to invoice %(number)s as the write-off applied "
                "it: the write-off cannot be reversed."
            )
            % {"credit_note": credit.number, "number": record.invoice.number}
        )
    record.credit_note = None
    record.reversed_at = timezone.now()
    record.reversed_by = actor.user
    record.reversed_by_label = label
    record.reversal_reason = reason
    record.save(update_fields=["credit_note", "reversed_at", "reversed_by", "reversed_by_label", "reversal_reason"])
    ledger.cancel_credit_note(credit, actor)
    record_event(
        record.organization,
        record.customer,
        "legal.write_off_reversed",
        actor,
        write_off=record.pk,
        invoice=record.invoice.number,
        amount=record.amount,
        currency=record.currency,
        credit_note=credit.number,
        reason=reason,
    )
    return record


@dataclass(frozen=True, slots=True)
class VatNote:
    """What the user must know to recover the VAT of a written-off invoice (CGI art. 272-1, LEGAL-FR §7.5)."""

    tax_amount: Decimal | None
    net_amount: Decimal | None
    currency: str
    liquidation_on: date | None  # recovery possible from the judgment pronouncing the liquidation
    conditions: list[str]
    evidence: list[str]
    uncertain: list[str]


def vat_note(record: WriteOff) -> VatNote:
    tax = record.tax_amount
    net = record.amount - tax if tax is not None else None
    liquidation = (
        record.procedure.judgment_on
        if record.procedure is not None and record.procedure.kind == ProcedureKind.LIQUIDATION
        else None
    )
    conditions = [
        _(
            "VAT can be recovered only if it was paid: for goods, or for services when you opted for VAT on debits "
            "(under the default VAT-on-receipts regime for services, nothing was due on an unpaid invoice)."
        ),
        _(
            "The claim must be definitively irrecoverable, and proved: lateness or a provision for doubtful debts "
            "is not enough."
        ),
        _(
            "Rectify the original invoice: send the customer a duplicate stating the unpaid amount net of tax and "
            "the VAT that cannot be deducted (CGI art. 272); without it the recovery is refused, even in liquidation."
        ),
    ]
    if liquidation is not None:
        conditions.append(
            _("In liquidation, the VAT can be recovered from the date of the judgment pronouncing it: %(date)s.")
            % {"date": liquidation.isoformat()}
        )
    evidence = [
        _("the judgment opening or pronouncing the liquidation, or the certificate of irrecoverability"),
        _("the failed recovery steps: formal notice, court decision, enforcement report"),
        _("the rectified invoice sent to the customer"),
    ]
    uncertain = [
        _(
            "Time limit to claim the VAT back: 31 December of the second year after the event that allows it — "
            "from a secondary source, to be checked with your accountant (LPF R196-1)."
        ),
        _("Under e-invoicing, the rectification will have to go through the e-invoicing platform."),
    ]
    return VatNote(tax, net, record.currency, liquidation, conditions, evidence, uncertain)


def write_off_of(organization: Any, pk: int) -> WriteOff:
    """The write-off ``pk`` of ``organization``; ``WriteOff.DoesNotExist`` otherwise (a 404 for views)."""
    return WriteOff.objects.select_related("invoice").get(organization=organization, pk=pk)


def invoice_write_offs(invoice: Invoice) -> list[WriteOff]:
    return list(
        WriteOff.objects.filter(organization_id=invoice.organization_id, invoice=invoice).select_related("credit_note")
    )
