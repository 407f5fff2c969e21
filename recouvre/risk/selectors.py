"""The organization's invoice history as the prediction reads it: one record per invoice, with the day it was
settled, the first day a dispute covered it and the days a reminder for it was carried out. Set-based: four
queries whatever the number of invoices. Facts dated after ``as_of`` are left out here already, so that nothing
later than the prediction date can reach a feature."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Max, Min, Sum

from recouvre.collections.models import Hold, HoldKind, ItemStep
from recouvre.core.prediction import InvoiceRecord
from recouvre.ledger.models import Allocation, Invoice
from recouvre.organizations.models import Organization

ZERO = Decimal("0.00")


def invoice_history(organization: Organization, as_of: date) -> list[InvoiceRecord]:
    """Every invoice of ``organization`` issued on or before ``as_of``; ``settled_on`` is the day of the last
    allocation of an invoice fully settled by allocations dated on or before ``as_of`` (None otherwise)."""
    invoices = list(
        Invoice.objects.filter(organization=organization, issued_on__lte=as_of)
        .values_list("id", "number", "customer__ref", "issued_on", "due_on", "total", "currency")
        .order_by("id")
    )
    totals = {row[0]: row[5] for row in invoices}
    settled: dict[int, date] = {}
    paid: dict[int, Decimal] = {}
    for invoice_id, last, amount in (
        Allocation.objects.filter(organization=organization, allocated_on__lte=as_of)
        .values("invoice_id")
        .annotate(last=Max("allocated_on"), amount=Sum("amount"))
        .values_list("invoice_id", "last", "amount")
    ):
        paid[invoice_id] = amount
        total = totals.get(invoice_id)
        if total is not None and amount >= total:
            settled[invoice_id] = last

    disputed: dict[int, date] = {}
    holds = Hold.objects.filter(organization=organization, kind=HoldKind.DISPUTE, starts_on__lte=as_of)
    for invoice_id, started in (
        holds.filter(invoice__isnull=False)
        .values("invoice_id")
        .annotate(first=Min("starts_on"))
        .values_list("invoice_id", "first")
    ):
        disputed[invoice_id] = started
    through = Hold.invoices.through
    for invoice_id, started in (
        through.objects.filter(hold__in=holds)
        .values("invoice_id")
        .annotate(first=Min("hold__starts_on"))
        .values_list("invoice_id", "first")
    ):
        disputed[invoice_id] = min(started, disputed.get(invoice_id, started))

    reminders: dict[int, list[date]] = {}
    for invoice_id, done_on in ItemStep.objects.filter(
        organization=organization, done_on__isnull=False, done_on__lte=as_of
    ).values_list("invoice_id", "done_on"):
        reminders.setdefault(invoice_id, []).append(done_on)

    return [
        InvoiceRecord(
            key=number,
            customer=customer_ref,
            issued_on=issued_on,
            due_on=due_on,
            amount=total,
            settled_on=settled.get(invoice_id),
            disputed_on=disputed.get(invoice_id),
            reminders=tuple(sorted(reminders.get(invoice_id, ()))),
            currency=currency,
            open_amount=max(ZERO, total - paid.get(invoice_id, ZERO)),
        )
        for invoice_id, number, customer_ref, issued_on, due_on, total, currency in invoices
    ]
