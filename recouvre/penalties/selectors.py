"""Reads, tenant-scoped: a customer's claimed penalties and their totals, penalty invoices, and the payment-terms
and mandatory-mention warnings (``recouvre.core.paymentterms``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.core.paymentterms import CapBasis, Mention, Sector, TermsWarning, check_terms, missing_mentions
from recouvre.ledger.models import Customer, Invoice
from recouvre.organizations.models import Organization

from .models import ZERO, CustomerSector, PenaltyClaim, PenaltyInvoice, PenaltySettings


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
