"""Reads, tenant-scoped: a customer's claimed penalties and their totals, the penalties still owed once the
principal is paid (``penalties_due``: what the penalties reminder and the statement of account list), penalty
invoices, and the payment-terms and mandatory-mention warnings (``recouvre.core.paymentterms``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Max, Sum
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.core.paymentterms import CapBasis, Mention, Sector, TermsWarning, check_terms, missing_mentions
from recouvre.ledger.models import Customer, Invoice
from recouvre.organizations.models import Organization

from .models import ZERO, CustomerSector, PenaltyClaim, PenaltyInvoice, PenaltySettings, PenaltyWaiver


def settings_for(organization: Organization) -> PenaltySettings:
    """The organization's settings, the defaults when never saved (nothing is written)."""
    return PenaltySettings.objects.filter(organization=organization).first() or PenaltySettings(
        organization=organization
    )


def claims(organization: Organization, customer: Customer) -> list[PenaltyClaim]:
    return list(
        PenaltyClaim.objects.filter(organization=organization, customer=customer)
        .select_related("invoice", "penalty_invoice")
        .prefetch_related("waivers", "payments")
        .order_by("claimed_on", "id")
    )


def claim(organization: Organization, pk: int) -> PenaltyClaim:
    return get_object_or_404(
        PenaltyClaim.objects.select_related("invoice", "customer"), organization=organization, pk=pk
    )


def penalty_invoice(organization: Organization, pk: int) -> PenaltyInvoice:
    return get_object_or_404(PenaltyInvoice, organization=organization, pk=pk)


def penalty_invoices(organization: Organization, customer: Customer) -> list[PenaltyInvoice]:
    return list(PenaltyInvoice.objects.filter(organization=organization, customer=customer).defer("content"))


@dataclass(frozen=True, slots=True)
class PenaltyTotals:
    currency: str
    claimed: Decimal
    paid: Decimal
    waived: Decimal
    open: Decimal


def totals(organization: Organization, customer: Customer) -> list[PenaltyTotals]:
    """Claimed, paid, waived and open penalties of a customer, per currency."""
    rows = (
        PenaltyClaim.objects.filter(organization=organization, customer=customer)
        .values("currency")
        .annotate(claimed=Sum("amount"), paid=Sum("paid_amount"), waived=Sum("waived_amount"), open=Sum("open_amount"))
        .order_by("currency")
    )
    return [
        PenaltyTotals(r["currency"], r["claimed"] or ZERO, r["paid"] or ZERO, r["waived"] or ZERO, r["open"] or ZERO)
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class PenaltiesDue:
    """The penalties still owed on one invoice whose principal is paid, as a message asking for them lists them:
    what was claimed (interest over its days and rates, the indemnity and documented costs), what of it was paid,
    what is still owed, and the penalty invoices that invoiced them."""

    invoice_id: int
    number: str
    due_on: date
    paid_on: date | None  # the day the principal was paid in full (its last allocation)
    currency: str
    interest: Decimal
    indemnity: Decimal  # the 40 EUR, with any documented recovery costs
    paid: Decimal
    waived: Decimal
    open: Decimal
    interest_from: date | None
    interest_to: date | None
    rates: tuple[str, ...]
    penalty_invoices: tuple[str, ...]


def penalties_due(
    organization_id: int, customer_id: int, invoice_ids: Iterable[int] | None, on: date, *, waived: bool = False
) -> list[PenaltiesDue]:
    """The claimed penalties the customer still owes on ``on`` on its invoices paid in full (among
    ``invoice_ids`` when given), one row per invoice, oldest due date first: never those of an invoice written off
    or on hold on ``on`` (a hold on the whole customer, such as insolvency proceedings, covers them all), nor —
    unless ``waived`` (the statement of account, which states what is owed) — of an invoice whose penalties were
    partly waived (they are not asked for). A few queries."""
    from recouvre.collections.held import held_invoices
    from recouvre.ledger.models import Allocation

    claims_qs = PenaltyClaim.objects.filter(
        organization_id=organization_id,
        customer_id=customer_id,
        open_amount__gt=0,
        claimed_on__lte=on,
        invoice__open_amount__lte=0,
    )
    if invoice_ids is not None:
        claims_qs = claims_qs.filter(invoice_id__in=list(invoice_ids))
    found = list(claims_qs.select_related("invoice", "penalty_invoice").order_by("invoice__due_on", "invoice_id", "id"))
    if not found:
        return []
    ids = {c.invoice_id for c in found}
    excluded: set[int] = set()
    if not waived:
        excluded |= set(
            PenaltyWaiver.objects.filter(organization_id=organization_id, claim__invoice_id__in=ids).values_list(
                "claim__invoice_id", flat=True
            )
        )
    excluded |= written_off(organization_id, ids)
    excluded |= set(held_invoices(organization_id, customer_id, ids, on))
    paid_on = dict(
        Allocation.objects.filter(organization_id=organization_id, invoice_id__in=ids)
        .values_list("invoice_id")
        .annotate(last=Max("allocated_on"))
        .order_by()
    )
    by_invoice: dict[int, list[PenaltyClaim]] = {}
    for c in found:
        if c.invoice_id not in excluded:
            by_invoice.setdefault(c.invoice_id, []).append(c)
    out = []
    for invoice_id, group in by_invoice.items():
        invoice = group[0].invoice
        starts = [c.interest_from for c in group if c.interest_from is not None]
        rates = tuple(dict.fromkeys(p["rate"] for c in group for p in c.basis.get("periods", [])))
        out.append(
            PenaltiesDue(
                invoice_id,
                invoice.number,
                invoice.due_on,
                paid_on.get(invoice_id),
                group[0].currency,
                sum((c.interest for c in group), ZERO),
                sum((c.indemnity + c.extra_costs for c in group), ZERO),
                sum((c.paid_amount for c in group), ZERO),
                sum((c.waived_amount for c in group), ZERO),
                sum((c.open_amount for c in group), ZERO),
                min(starts) if starts else None,
                max(c.interest_to for c in group) if starts else None,
                rates,
                tuple(dict.fromkeys(c.penalty_invoice.number for c in group if c.penalty_invoice is not None)),
            )
        )
    return out


def written_off(organization_id: int, invoice_ids: Iterable[int]) -> set[int]:
    """The invoices among ``invoice_ids`` written off as irrecoverable: their penalties are never asked for."""
    from recouvre.legal.models import WriteOff

    return set(
        WriteOff.objects.filter(organization_id=organization_id, invoice_id__in=list(invoice_ids)).values_list(
            "invoice_id", flat=True
        )
    )


def settled_on_open_invoices(organization_id: int, invoice_ids: Iterable[int], on: date) -> dict[int, Decimal]:
    """By invoice id, what of the penalties claimed by ``on`` on ``invoice_ids`` was paid or waived (a statement
    that computes an open invoice's penalties to date takes it off)."""
    rows = (
        PenaltyClaim.objects.filter(
            organization_id=organization_id, invoice_id__in=list(invoice_ids), claimed_on__lte=on
        )
        .values("invoice_id")
        .annotate(paid=Sum("paid_amount"), waived=Sum("waived_amount"))
        .order_by()
    )
    return {r["invoice_id"]: (r["paid"] or ZERO) + (r["waived"] or ZERO) for r in rows if (r["paid"] or r["waived"])}


def open_penalties_of(organization: Organization, customer_ids: Iterable[int]) -> dict[int, Decimal]:
    """Open claimed penalties by customer id (for lists)."""
    rows = (
        PenaltyClaim.objects.filter(organization=organization, customer_id__in=list(customer_ids), open_amount__gt=0)
        .values("customer_id")
        .annotate(open=Sum("open_amount"))
    )
    return {r["customer_id"]: r["open"] for r in rows}


# ------------------------------------------------------------------------------------------- compliance


def sector_of(organization: Organization, customer_id: int, settings: PenaltySettings | None = None) -> Sector:
    own = CustomerSector.objects.filter(organization=organization, customer_id=customer_id).first()
    if own is not None:
        return Sector(own.sector)
    return Sector((settings or settings_for(organization)).sector)


def customer_sector(organization: Organization, customer: Customer) -> str:
    """The customer's own sector cap, "" when it follows the organization's."""
    own = CustomerSector.objects.filter(organization=organization, customer=customer).first()
    return own.sector if own is not None else ""


def terms_warning(organization: Organization, invoice: Invoice) -> TermsWarning | None:
    """A warning when the invoice's due date is beyond the legal cap for its customer."""
    settings = settings_for(organization)
    return check_terms(
        invoice.number,
        invoice.issued_on,
        invoice.due_on,
        sector=sector_of(organization, invoice.customer_id, settings),
        basis=CapBasis(settings.cap_basis),
    )


def terms_warnings_for_rows(
    organization: Organization, rows: Iterable[tuple[str, str, object, object]]
) -> list[TermsWarning]:
    """Warnings for invoice rows ``(number, customer ref, issued_on, due_on)`` about to be imported (rows without
    a due date are skipped). Three queries whatever the number of rows."""
    settings = settings_for(organization)
    basis = CapBasis(settings.cap_basis)
    default = Sector(settings.sector)
    sectors = {
        ref: Sector(sector)
        for ref, sector in CustomerSector.objects.filter(organization=organization).values_list(
            "customer__ref", "sector"
        )
    }
    out = []
    for number, ref, issued_on, due_on in rows:
        if issued_on is None or due_on is None:
            continue
        warning = check_terms(number, issued_on, due_on, sector=sectors.get(ref, default), basis=basis)  # type: ignore[arg-type]
        if warning is not None:
            out.append(warning)
    return out


NOTES_SHOWN = 20


def payment_terms_notes(organization: Organization, records: Iterable[Any]) -> list[str]:
    """Import notes for invoice records (``recouvre.core.records.InvoiceRecord``) whose due date is beyond the
    legal cap: one sentence per invoice naming it, its terms and the cap, the first ``NOTES_SHOWN`` of them, then
    how many more."""
    warnings = terms_warnings_for_rows(
        organization, ((r.number, r.customer_ref, r.issued_on, r.due_on) for r in records)
    )
    notes = [_("Payment terms beyond the legal cap: %(warning)s") % {"warning": w.message} for w in warnings]
    if len(notes) > NOTES_SHOWN:
        more = len(notes) - NOTES_SHOWN
        notes = notes[:NOTES_SHOWN] + [
            ngettext(
                "and %(count)s more invoice with payment terms beyond the legal cap",
                "and %(count)s more invoices with payment terms beyond the legal cap",
                more,
            )
            % {"count": more}
        ]
    return notes


def missing_letter_mentions(organization: Organization) -> list[Mention]:
    """The mandatory payment mentions (penalty rate, 40 EUR indemnity, discount conditions) the organization's
    legal mentions lack."""
    return missing_mentions(organization.legal_mentions)
