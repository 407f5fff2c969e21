"""The organization's invoice history as the prediction reads it: one record per invoice, with the day it was
settled, the first day a dispute covered it and the days a reminder for it was carried out. Set-based: four
queries whatever the number of invoices. Facts dated after ``as_of`` are left out here already, so that nothing
later than the prediction date can reach a feature.

The credit reads (``exposures``, ``credit_facts``, ``thresholds``): every customer's exposure against its credit
limit and the facts of its payment-behaviour score, in a few grouped queries whatever the number of customers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, DecimalField, Max, Min, Q, Sum, Value, When

from recouvre.collections.models import Hold, HoldKind, HoldOutcome, ItemStep
from recouvre.core.credit import (
    DEFAULT_THRESHOLDS,
    WINDOW_DAYS,
    CompanyStatus,
    Facts,
    Settled,
    Thresholds,
    summarise,
)
from recouvre.ledger.models import Allocation, CreditNote, Customer, Invoice, Payment
from recouvre.ledger.selectors import not_yet_due_instalments
from recouvre.organizations.models import Organization

if TYPE_CHECKING:  # numpy is loaded by the prediction only, not by the credit reads
    from recouvre.core.prediction import InvoiceRecord

ZERO = Decimal("0.00")


def invoice_history(organization: Organization, as_of: date) -> list[InvoiceRecord]:
    """Every invoice of ``organization`` issued on or before ``as_of``; ``settled_on`` is the day of the last
    allocation of an invoice fully settled by allocations dated on or before ``as_of`` (None otherwise)."""
    from recouvre.core.prediction import InvoiceRecord

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


@dataclass(frozen=True, slots=True)
class StoredPredictions:
    """The organization's latest stored late-payment predictions (``recouvre.risk.services``): the day they were
    made for (None: never), ``basis`` ("model", "baseline" or "" when none), the late rate of that day, and the
    probability of each invoice then open (by invoice id)."""

    as_of: date | None
    basis: str
    prior: Decimal | None
    p_late: dict[int, Decimal]


def stored_predictions(organization: Organization) -> StoredPredictions:
    from .models import InvoicePrediction, PredictionRun

    run = PredictionRun.objects.filter(organization=organization).first()
    if run is None:
        return StoredPredictions(None, "", None, {})
    return StoredPredictions(
        run.as_of,
        run.basis,
        run.prior,
        dict(InvoicePrediction.objects.filter(organization=organization).values_list("invoice_id", "p_late")),
    )


# ------------------------------------------------------------------------------------------------ credit risk


@dataclass(frozen=True, slots=True)
class Exposure:
    """What a customer owes on a day, in the organization's currency: its open invoices less its payments and
    credit notes not yet applied (never below zero), and the part of the open invoices overdue."""

    customer_id: int
    limit: Decimal | None
    exposure: Decimal
    overdue: Decimal


def _cents(value: Decimal | None) -> Decimal:
    """SQLite sums decimals in binary floating point: back to cents."""
    return ZERO if value is None else Decimal(value).quantize(Decimal("0.01"))


def exposures(
    organization: Organization, as_of: date, customer_ids: Iterable[int] | None = None
) -> dict[int, Exposure]:
    """The exposure of every customer of ``organization`` (of ``customer_ids`` only when given), in the
    organization's currency (items in other currencies are not added: they are not comparable with the limit).
    Five grouped queries whatever the number of customers."""
    currency = organization.currency
    dec = DecimalField(max_digits=15, decimal_places=2)
    ids = None if customer_ids is None else list(customer_ids)

    def scoped(qs: Any, field: str = "customer_id") -> Any:
        return qs if ids is None else qs.filter(**{f"{field}__in": ids})

    limits = dict(scoped(Customer.objects.filter(organization=organization), "pk").values_list("pk", "credit_limit"))
    open_: dict[int, Decimal] = defaultdict(lambda: ZERO)
    overdue: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for customer_id, total, late in (
        scoped(Invoice.objects.filter(organization=organization, currency=currency, open_amount__gt=0))
        .order_by()
        .values("customer_id")
        .annotate(
            total=Sum("open_amount", output_field=dec),
            late=Sum(Case(When(due_on__lt=as_of, then="open_amount"), default=Value(ZERO), output_field=dec)),
        )
        .values_list("customer_id", "total", "late")
    ):
        open_[customer_id] += _cents(total)
        overdue[customer_id] += _cents(late)
    for customer_id, s in (
        scoped(not_yet_due_instalments(organization, as_of).filter(invoice__currency=currency), "invoice__customer_id")
        .values("invoice__customer_id")
        .annotate(s=Sum("open", output_field=dec))
        .values_list("invoice__customer_id", "s")
    ):
        overdue[customer_id] -= _cents(s)
    unapplied: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for model in (Payment, CreditNote):
        for customer_id, s in (
            scoped(model.objects.filter(organization=organization, currency=currency, unallocated_amount__gt=0))
            .order_by()
            .values("customer_id")
            .annotate(s=Sum("unallocated_amount", output_field=dec))
            .values_list("customer_id", "s")
        ):
            unapplied[customer_id] += _cents(s)
    return {
        customer_id: Exposure(
            customer_id,
            limit,
            max(ZERO, open_[customer_id] - unapplied[customer_id]),
            max(ZERO, overdue[customer_id]),
        )
        for customer_id, limit in limits.items()
    }


def company_statuses(
    organization: Organization, as_of: date, customer_ids: Iterable[int] | None = None
) -> dict[int, CompanyStatus]:
    """What is known of each company on ``as_of``: in insolvency proceedings when an insolvency hold is in force on
    the customer; else what the company directory said at its last refresh (``recouvre watch refresh``): active,
    or ceased trading when it was closed on or before ``as_of``. The customers not named are ``unknown``. Two
    queries."""
    from recouvre.ledger.models import CompanyStatus as DirectoryStatus
    from recouvre.ledger.models import Customer

    known = Customer.objects.filter(organization=organization).exclude(company_status="")
    if customer_ids is not None:
        known = known.filter(pk__in=list(customer_ids))
    statuses: dict[int, CompanyStatus] = {}
    for pk, status, closed_on in known.values_list("pk", "company_status", "company_closed_on"):
        if status == DirectoryStatus.CLOSED and (closed_on is None or closed_on <= as_of):
            statuses[pk] = CompanyStatus.CEASED
        elif status in (DirectoryStatus.ACTIVE, DirectoryStatus.CLOSED):
            statuses[pk] = CompanyStatus.ACTIVE
    live = Hold.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=as_of),
        organization=organization,
        kind=HoldKind.INSOLVENCY,
        released_at__isnull=True,
        starts_on__lte=as_of,
    )
    if customer_ids is not None:
        live = live.filter(customer_id__in=list(customer_ids))
    statuses.update(dict.fromkeys(live.values_list("customer_id", flat=True).distinct(), CompanyStatus.INSOLVENCY))
    return statuses


def credit_facts(
    organization: Organization,
    as_of: date,
    customer_ids: Iterable[int] | None = None,
    *,
    warning_percent: int = 80,
    known_exposures: dict[int, Exposure] | None = None,
) -> dict[int, Facts]:
    """The facts of the score (``recouvre.core.credit.Facts``) of every customer of ``organization`` (of
    ``customer_ids`` only when given) on ``as_of``, in a few grouped queries whatever the number of customers:

    - the invoices in the organization's currency settled, with at least one payment, on a day of the twelve
      months up to ``as_of`` (the day of the last allocation that settled them): their amount and days late;
    - the promises to pay that ended kept or broken, and the disputes opened, in those twelve months;
    - the exposure against the credit limit (``exposures``, or ``known_exposures`` when the caller has them for
      the same day and customers) and the company's status (``company_statuses``)."""
    ids = None if customer_ids is None else list(customer_ids)
    since = as_of - timedelta(days=WINDOW_DAYS)
    dec = DecimalField(max_digits=15, decimal_places=2)
    settled: dict[int, list[Settled]] = defaultdict(list)
    allocations = Allocation.objects.filter(
        organization=organization, allocated_on__lte=as_of, invoice__currency=organization.currency
    )
    if ids is not None:
        allocations = allocations.filter(invoice__customer_id__in=ids)
    for customer_id, due_on, total, last, amount in (
        allocations.order_by()
        .values("invoice_id")
        .annotate(last=Max("allocated_on"), amount=Sum("amount", output_field=dec), paid=Count("payment_id"))
        .filter(last__gt=since, paid__gt=0)
        .values_list("invoice__customer_id", "invoice__due_on", "invoice__total", "last", "amount")
    ):
        if _cents(amount) >= total:
            settled[customer_id].append(Settled(total, (as_of - last).days, max(0, (last - due_on).days)))
    holds = Hold.objects.filter(organization=organization)
    if ids is not None:
        holds = holds.filter(customer_id__in=ids)
    promises = {
        customer_id: (kept, broken)
        for customer_id, kept, broken in holds.filter(
            kind=HoldKind.PROMISE,
            outcome__in=[HoldOutcome.KEPT, HoldOutcome.BROKEN],
            outcome_on__gt=since,
            outcome_on__lte=as_of,
        )
        .order_by()
        .values("customer_id")
        .annotate(
            kept=Count("id", filter=Q(outcome=HoldOutcome.KEPT)),
            broken=Count("id", filter=Q(outcome=HoldOutcome.BROKEN)),
        )
        .values_list("customer_id", "kept", "broken")
    }
    disputes = dict(
        holds.filter(kind=HoldKind.DISPUTE, starts_on__gt=since, starts_on__lte=as_of)
        .order_by()
        .values("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    )
    statuses = company_statuses(organization, as_of, ids)
    out = {}
    if known_exposures is None:
        known_exposures = exposures(organization, as_of, ids)
    for customer_id, exposure in known_exposures.items():
        kept, broken = promises.get(customer_id, (0, 0))
        out[customer_id] = summarise(
            settled.get(customer_id, ()),
            promises_kept=kept,
            promises_broken=broken,
            disputes=disputes.get(customer_id, 0),
            exposure=exposure.exposure,
            limit=exposure.limit,
            company_status=statuses.get(customer_id, CompanyStatus.UNKNOWN),
            warning_percent=warning_percent,
        )
    return out


def thresholds(organization: Organization) -> Thresholds:
    """The organization's credit thresholds (the defaults when it has none saved)."""
    from .models import CreditSettings

    row = CreditSettings.objects.filter(organization=organization).first()
    if row is None:
        return DEFAULT_THRESHOLDS
    return Thresholds(row.review_below, row.refuse_below, row.warning_percent, row.deposit_from, row.deposit_percent)


def stored_score(organization: Organization, customer_id: int) -> Any:
    """The customer's stored score row (``CustomerScore``), or None before the first run."""
    from .models import CustomerScore

    return CustomerScore.objects.filter(organization=organization, customer_id=customer_id).first()
