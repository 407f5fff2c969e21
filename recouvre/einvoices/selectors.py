"""Tenant-scoped reads about e-invoices: an invoice's lifecycle (the statuses received, and the 212 *encaissée*
Recouvre derives from the payments matched to it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from recouvre.core.einvoice.status import COLLECTED, french_name
from recouvre.ledger.models import Allocation, Invoice
from recouvre.organizations.models import Organization

from .models import LifecycleStatus


@dataclass(frozen=True, slots=True)
class LifecycleEntry:
    code: int
    name: str  # the French name the platforms use
    on: date
    reason: str
    effect: str
    origin: str  # "received" (a status file) or "payments" (212 derived from the payments matched)
    amount: Decimal | None = None


def lifecycle(organization: Organization, invoice: Invoice) -> list[LifecycleEntry]:
    """The statuses of ``invoice`` in date order: those received, and one 212 per day a payment was matched to it
    (with the amount matched that day): the seller's own status, computed from the ledger, never imported."""
    if invoice.organization_id != organization.pk:
        return []
    out = [
        LifecycleEntry(s.code, french_name(s.code), s.status_on, s.reason, s.effect, "received")
        for s in LifecycleStatus.objects.filter(organization=organization, invoice=invoice)
    ]
    paid = (
        Allocation.objects.filter(organization=organization, invoice=invoice, payment__isnull=False)
        .values("allocated_on")
        .annotate(amount=Sum("amount"))
        .order_by("allocated_on")
    )
    out += [
        LifecycleEntry(COLLECTED, french_name(COLLECTED), row["allocated_on"], "", "payment", "payments", row["amount"])
        for row in paid
    ]
    return sorted(out, key=lambda e: (e.on, e.code))
