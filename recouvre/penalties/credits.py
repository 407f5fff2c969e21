"""Reads, tenant-scoped: a customer's money received and not applied yet — its payments not allocated to invoices,
less what of them was applied to claimed penalties (``PenaltyPayment``), and its credit notes not allocated.

The ledger's own ``unallocated_amount`` of a payment is the payment minus its allocations to invoices: money applied
to claimed penalties is still in it. Everything that treats unapplied money as the customer's (the planner's
"credits cover what is asked", the interest computed on what is actually overdue, the statement of account) reads
it here, so a euro that paid penalties is never counted a second time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from recouvre.core.interest import Reduction, ReductionKind
from recouvre.ledger.models import AMOUNT, CreditNote, Payment
from recouvre.organizations.models import Organization

from .models import ZERO, PenaltyPayment


@dataclass(frozen=True, slots=True)
class Credit:
    """One payment (what is left of it) or credit note not applied yet."""

    customer_id: int
    currency: str
    on: date  # the payment's receipt, the credit note's date
    amount: Decimal
    kind: ReductionKind
    reference: str  # the payment's reference, the credit note's number
    pk: int

    @property
    def reduction(self) -> Reduction:
        return Reduction(self.on, self.amount, self.kind)


def unapplied_credits(
    organization: Organization, customer_ids: Iterable[int] | None = None, *, on: date | None = None
) -> list[Credit]:
    """The unapplied payments (net of the money applied to claimed penalties) and credit notes of the
    organization's customers (``customer_ids``, else all), dated by ``on`` when given; by customer, currency and
    date, payments before credit notes of the same day. Two queries."""
    to_penalties = (
        PenaltyPayment.objects.filter(payment=OuterRef("pk"))
        .order_by()
        .values("payment")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    amount = DecimalField(**AMOUNT)
    payments = Payment.objects.filter(organization=organization, unallocated_amount__gt=0).annotate(
        to_penalties=Coalesce(Subquery(to_penalties, output_field=amount), Value(ZERO, output_field=amount))
    )
    notes = CreditNote.objects.filter(organization=organization, unallocated_amount__gt=0)
    if customer_ids is not None:
        ids = list(customer_ids)
        payments = payments.filter(customer_id__in=ids)
        notes = notes.filter(customer_id__in=ids)
    if on is not None:
        payments = payments.filter(received_on__lte=on)
        notes = notes.filter(issued_on__lte=on)
    out = []
    for pk, customer_id, currency, received_on, unallocated, spent, reference in payments.values_list(
        "pk", "customer_id", "currency", "received_on", "unallocated_amount", "to_penalties", "reference"
    ):
        left = unallocated - (spent or ZERO)
        if left > 0:
            out.append(Credit(customer_id, currency, received_on, left, ReductionKind.PAYMENT, reference, pk))
    for pk, customer_id, currency, issued_on, unallocated, number in notes.values_list(
        "pk", "customer_id", "currency", "issued_on", "unallocated_amount", "number"
    ):
        out.append(Credit(customer_id, currency, issued_on, unallocated, ReductionKind.CREDIT_NOTE, number, pk))
    out.sort(key=lambda c: (c.customer_id, c.currency, c.on, c.kind != ReductionKind.PAYMENT, c.pk))
    return out


def unapplied_totals(organization: Organization) -> dict[int, dict[str, Decimal]]:
    """By customer id and currency, the total of ``unapplied_credits``."""
    out: dict[int, dict[str, Decimal]] = {}
    for credit in unapplied_credits(organization):
        per = out.setdefault(credit.customer_id, {})
        per[credit.currency] = per.get(credit.currency, ZERO) + credit.amount
    return out
