"""KPI reads (LEGAL-FR §9): the figures ``recouvre.core.kpis`` needs, read from the ledger's history so a KPI as of
a past date is what the books said then.

Receivables on a date are the invoices issued on or before it less the allocations (payments, credit notes,
write-offs' ledger credits) dated on or before it; sales of a period are the invoices issued in it. A whole monthly
series is read in a handful of grouped queries, whatever its length: the invoices and the allocations grouped by
due date and by the first of the dates needed (each month's end, each period's opening) from which they count,
the sales by issue date, the payments by date; the running sums up to each date are then made in Python over
those few rows. One set of figures per currency (the organization's first): amounts in different currencies are
never added together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.db.models import BigIntegerField, Case, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Cast, Greatest, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core import kpis as core
from recouvre.core.kpis import DayBasis, Kpis, OpenItems, Period
from recouvre.ledger.models import Allocation, Invoice, InvoiceInstalment
from recouvre.organizations.models import Organization

from .selectors import _rows

BY = ("segment", "collector", "customer")
_KEY = {
    "segment": "customer__segment",
    "collector": "customer__collection__collector_id",
    "customer": "customer_id",
}
Group = tuple[str, Any]  # (currency, segment / collector id / customer id; None without a breakdown)


@dataclass(slots=True)
class KpiReport:
    """The KPIs of one currency as of ``as_of``, a monthly series ending there, and a breakdown when asked."""

    currency: str
    as_of: date
    period: Period
    kpis: Kpis
    series: list[tuple[str, Kpis]] = field(default_factory=list)  # ("2026-01", KPIs as of that month's end)
    breakdown: list[tuple[Any, str, Kpis]] = field(default_factory=list)  # (key, label, KPIs as of ``as_of``)


def _cents(expr: Any) -> Any:
    return Cast(Round(expr * 100, 0), BigIntegerField())


def _dec(cents: Any) -> Decimal:
    return Decimal(cents or 0).scaleb(-2)


def series_ends(as_of: date, months: int) -> list[date]:
    """The dates of a monthly series of ``months`` points ending on ``as_of``: each earlier month's last day."""
    return [core.month_end(core.add_months(as_of, -i)) for i in range(months - 1, 0, -1)] + [as_of]


@dataclass(slots=True)
class _Ledger:
    """The grouped rows of one organization, by (currency, key)."""

    dates: list[date]
    # group -> (index of the first of ``dates`` it counts on, due date, amount: invoiced +, allocated -)
    moves: dict[Group, list[tuple[int, date, Decimal]]]
    sales: dict[Group, dict[date, Decimal]]  # group -> issue date -> total
    paid: dict[Group, list[tuple[date, date, Decimal]]]  # group -> (allocation date, due date, amount)
    instalments: dict[Group, list[tuple[date, date, Decimal, list[tuple[date, Decimal, Decimal]], list[Any]]]]
    disputes: dict[Group, list[tuple[date, date, Decimal, list[tuple[date, Decimal]], list[tuple[date, date]]]]]
    cumulated: dict[Group, list[dict[date, Decimal]]] = field(default_factory=dict)  # open by due date, per date


def _read(
    organization: Organization,
    dates: list[date],
    first_start: date,
    *,
    currency: str | None,
    by: str | None,
    scope: dict[str, Any],
) -> _Ledger:
    last = max(dates)
    key = _KEY[by] if by else None

    def group_of(row: tuple[Any, ...]) -> tuple[Group, tuple[Any, ...]]:
        if key:
            return (row[0], row[1]), row[2:]
        return (row[0], None), row[1:]

    invoices = Invoice.objects.filter(organization=organization, issued_on__lte=last)
    allocations = Allocation.objects.filter(
        organization=organization, allocated_on__lte=last, invoice__issued_on__lte=last
    ).alias(effective=Greatest("allocated_on", "invoice__issued_on"))
    if currency:
        invoices = invoices.filter(currency=currency)
        allocations = allocations.filter(invoice__currency=currency)
    invoices = invoices.filter(**scope)
    allocations = allocations.filter(**_under("invoice", scope))
    inv_keys = ["currency", *([key] if key else [])]
    alloc_keys = ["invoice__currency", *([f"invoice__{key}"] if key else [])]

    def first_date_on_or_after(field: str) -> Case:
        """The index of the first of ``dates`` on or after ``field``: from that date on, the row counts."""
        return Case(
            *(When(**{f"{field}__lte": d}, then=Value(k)) for k, d in enumerate(dates)), output_field=IntegerField()
        )

    # 1. Invoiced, by due date and by the first date of ``dates`` when the invoice was issued; 2. allocated (on
    # invoices issued by then), by the invoice's due date and the first date when both had happened. Summed up to
    # each date in Python: one sum per row in SQL rather than one per date.
    moves: dict[Group, list[tuple[int, date, Decimal]]] = defaultdict(list)
    qs = (
        invoices.order_by()
        .annotate(k=first_date_on_or_after("issued_on"))
        .values(*inv_keys, "due_on", "k")
        .annotate(s=Sum(_cents(F("total"))))
        .values_list(*inv_keys, "due_on", "k", "s")
    )
    for row in _rows(qs):
        group, (due, k, cents) = group_of(row)
        moves[group].append((k, _date(due), _dec(cents)))
    qs = (
        allocations.order_by()
        .annotate(k=first_date_on_or_after("effective"))
        .values(*alloc_keys, "invoice__due_on", "k")
        .annotate(s=Sum(_cents(F("amount"))))
        .values_list(*alloc_keys, "invoice__due_on", "k", "s")
    )
    for row in _rows(qs):
        group, (due, k, cents) = group_of(row)
        moves[group].append((k, _date(due), -_dec(cents)))

    # 3. Sales by issue date.
    sales: dict[Group, dict[date, Decimal]] = defaultdict(dict)
    qs = (
        invoices.order_by()
        .values(*inv_keys, "issued_on")
        .annotate(s=Sum(_cents(F("total"))))
        .values_list(*inv_keys, "issued_on", "s")
    )
    for row in _rows(qs):
        group, (issued, s) = group_of(row)
        sales[group][_date(issued)] = _dec(s)

    # 4. Payments applied in the periods, by allocation date and due date (credit notes and write-offs are not
    # cash collected).
    paid: dict[Group, list[tuple[date, date, Decimal]]] = defaultdict(list)
    qs = (
        allocations.filter(payment__isnull=False, allocated_on__gte=first_start)
        .order_by()
        .values(*alloc_keys, "allocated_on", "invoice__due_on")
        .annotate(s=Sum(_cents(F("amount"))))
        .values_list(*alloc_keys, "allocated_on", "invoice__due_on", "s")
    )
    for row in _rows(qs):
        group, (on, due, s) = group_of(row)
        paid[group].append((_date(on), _date(due), _dec(s)))

    return _Ledger(
        dates=dates,
        moves=moves,
        sales=sales,
        paid=paid,
        instalments=_instalments(organization, last, currency=currency, key=key, scope=scope),
        disputes=_disputes(organization, last, currency=currency, key=key, scope=scope),
    )


def _under(relation: str, scope: dict[str, Any]) -> dict[str, Any]:
    """The scope's lookups (relative to ``Invoice``) from a model pointing to the invoice through ``relation``."""
    return {f"{relation}__{k}": v for k, v in scope.items()}


def _date(value: Any) -> date:
    """A date from a raw cursor row: SQLite returns ISO text, PostgreSQL a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _allocations_of(invoice_ids: list[int], last: date) -> dict[int, list[tuple[date, Decimal]]]:
    out: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for i in range(0, len(invoice_ids), 20000):
        for invoice_id, on, amount in Allocation.objects.filter(
            invoice_id__in=invoice_ids[i : i + 20000], allocated_on__lte=last
        ).values_list("invoice_id", "allocated_on", "amount"):
            out[invoice_id].append((on, amount))
    return out


def _instalments(
    organization: Organization, last: date, *, currency: str | None, key: str | None, scope: dict[str, Any]
) -> dict[Group, list[tuple[date, date, Decimal, list[tuple[date, Decimal, Decimal]], list[Any]]]]:
    """The invoices payable in several instalments (few): (issue date, invoice due date, total, [(instalment due
    date, amount, cumulative)], allocations), by group."""
    rows = InvoiceInstalment.objects.filter(invoice__organization=organization, invoice__issued_on__lte=last)
    if currency:
        rows = rows.filter(invoice__currency=currency)
    rows = rows.filter(**_under("invoice", scope))
    fields = ["invoice_id", "invoice__currency", *([f"invoice__{key}"] if key else [])]
    found: dict[int, tuple[Group, list[tuple[date, Decimal, Decimal]]]] = {}
    for invoice_id, code, *rest in rows.order_by("invoice_id", "position").values_list(
        *fields, "due_on", "amount", "cumulative"
    ):
        group_key, (due, amount, cumulative) = (rest[0], rest[1:]) if key else (None, rest)
        found.setdefault(invoice_id, ((code, group_key), []))[1].append((due, amount, cumulative))
    if not found:
        return {}
    heads = dict(
        (i, (issued, due, total))
        for i, issued, due, total in Invoice.objects.filter(id__in=list(found)).values_list(
            "id", "issued_on", "due_on", "total"
        )
    )
    allocs = _allocations_of(list(found), last)
    out: dict[Group, list[Any]] = defaultdict(list)
    for invoice_id, (group, schedule) in found.items():
        issued, due, total = heads[invoice_id]
        out[group].append((issued, due, total, schedule, allocs.get(invoice_id, [])))
    return out


def _disputes(
    organization: Organization, last: date, *, currency: str | None, key: str | None, scope: dict[str, Any]
) -> dict[Group, list[tuple[date, date, Decimal, list[tuple[date, Decimal]], list[tuple[date, date]]]]]:
    """The invoices under a dispute hold at some time up to ``last`` (a hold on one invoice, on several, or on the
    whole customer): (issue date, due date, total, allocations, [(from, until)] active spans), by group."""
    from recouvre.collections.models import Hold, HoldKind

    holds = list(
        Hold.objects.filter(organization=organization, kind=HoldKind.DISPUTE, starts_on__lte=last).prefetch_related(
            "invoices"
        )
    )
    if not holds:
        return {}
    spans: dict[int, list[tuple[date, date]]] = defaultdict(list)
    whole_customers: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for hold in holds:
        until = hold.ends_on or date.max
        if hold.outcome_on or hold.released_at:
            released = hold.outcome_on or timezone.localdate(hold.released_at)
            until = min(until, released - timedelta(days=1))  # released on that day: not active any more
        if until < hold.starts_on:
            continue
        span = (hold.starts_on, until)
        ids = [hold.invoice_id] if hold.invoice_id else [i.pk for i in hold.invoices.all()]
        if ids:
            for i in ids:
                spans[i].append(span)
        else:
            whole_customers[hold.customer_id].append(span)
    invoices = Invoice.objects.filter(organization=organization, issued_on__lte=last)
    if currency:
        invoices = invoices.filter(currency=currency)
    invoices = invoices.filter(**scope).filter(Q(id__in=list(spans)) | Q(customer_id__in=list(whole_customers)))
    fields = ["id", "customer_id", "currency", "issued_on", "due_on", "total", *([key] if key else [])]
    rows = list(invoices.order_by().values_list(*fields))
    allocs = _allocations_of([r[0] for r in rows], last)
    out: dict[Group, list[Any]] = defaultdict(list)
    for invoice_id, customer_id, code, issued, due, total, *rest in rows:
        active = spans.get(invoice_id, []) + whole_customers.get(customer_id, [])
        out[(code, rest[0] if key else None)].append((issued, due, total, allocs.get(invoice_id, []), active))
    return out


def _open_items(ledger: _Ledger, group: Group, on: date) -> OpenItems:
    """What was open on ``on`` in ``group``, by due date, instalments by their own due dates."""
    index = ledger.dates.index(on)
    if group not in ledger.cumulated:
        # Invoiced less allocated by due date, up to each of ``dates`` in turn: one pass over the rows.
        moves = sorted(ledger.moves.get(group, ()), key=itemgetter(0))
        running: dict[date, Decimal] = defaultdict(Decimal)
        snapshots = []
        i = 0
        for k in range(len(ledger.dates)):
            while i < len(moves) and moves[i][0] <= k:
                running[moves[i][1]] += moves[i][2]
                i += 1
            snapshots.append(dict(running))
        ledger.cumulated[group] = snapshots
    by_due = dict(ledger.cumulated[group][index])
    for issued, due, total, schedule, allocs in ledger.instalments.get(group, []):
        if issued > on:
            continue
        settled = sum((a for d, a in allocs if d <= on), core.ZERO)
        by_due[due] = by_due.get(due, core.ZERO) - (total - settled)  # the grouped query put it all on ``due``
        for instalment_due, amount, cumulative in schedule:
            part = min(amount, max(cumulative - settled, core.ZERO))
            by_due[instalment_due] = by_due.get(instalment_due, core.ZERO) + part
    return OpenItems(as_of=on, by_due={d: a for d, a in by_due.items() if a})


def _disputed(ledger: _Ledger, group: Group, on: date) -> Decimal:
    total = core.ZERO
    for issued, _due, amount, allocs, spans in ledger.disputes.get(group, []):
        if issued <= on and any(a <= on <= b for a, b in spans):
            total += amount - sum((a for d, a in allocs if d <= on), core.ZERO)
    return total


def _kpis(
    ledger: _Ledger,
    group: Group,
    end: date,
    period: Period,
    *,
    basis: DayBasis,
    cei_monthly_sales: bool,
) -> Kpis:
    start = core.period_start(end, period.months)
    sales_on = ledger.sales.get(group, {})
    by_month: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for issued, amount in sales_on.items():
        if issued <= end:
            by_month[(issued.year, issued.month)] += amount
    payments = [(amount, (on - due).days) for on, due, amount in ledger.paid.get(group, []) if start <= on <= end]
    inputs = core.KpiInputs(
        start=start,
        end=end,
        closing=_open_items(ledger, group, end),
        opening=_open_items(ledger, group, start - timedelta(days=1)).total,
        sales=sum((a for d, a in sales_on.items() if start <= d <= end), core.ZERO),
        sales_by_month=by_month,
        collected=sum((a for a, _days in payments), core.ZERO),
        payments=payments,
        disputed=_disputed(ledger, group, end),
    )
    return core.compute(inputs, basis=basis, cei_monthly_sales=cei_monthly_sales, months=period.months)


def kpi_reports(
    organization: Organization,
    as_of: date,
    *,
    period: Period = Period.MONTH,
    months: int = 12,
    currency: str | None = None,
    by: str | None = None,
    basis: DayBasis = DayBasis.ACTUAL,
    cei_monthly_sales: bool = False,
    segment: str | None = None,
    collector_id: int | None = None,
    customer_id: int | None = None,
) -> list[KpiReport]:
    """The KPIs as of ``as_of`` over the trailing ``period``, with a series of ``months`` month-end points (the last
    one ``as_of``), per currency: the organization's first (even with nothing in it), then every other currency
    invoiced by then, by ISO code; only ``currency`` when given. With ``by`` (segment, collector or customer), each
    report also has the KPIs as of ``as_of`` of each segment, collector or customer (one more read). ``segment``,
    ``collector_id`` and ``customer_id`` narrow every figure to the customers of that segment, of that collector,
    or to that customer."""
    scope: dict[str, Any] = {}
    if segment is not None:
        scope["customer__segment"] = segment
    if collector_id is not None:
        scope["customer__collection__collector_id"] = collector_id
    if customer_id is not None:
        scope["customer_id"] = customer_id
    ends = series_ends(as_of, max(months, 1))
    openings = [core.period_start(e, period.months) - timedelta(days=1) for e in ends]
    dates = sorted(set(ends) | set(openings))
    first_start = min(openings) + timedelta(days=1)
    ledger = _read(organization, dates, first_start, currency=currency, by=None, scope=scope)
    codes = {g[0] for g in (*ledger.moves, *ledger.sales)}
    main = currency or organization.currency
    order = [main, *sorted(codes - {main})] if not currency else [currency]
    options: dict[str, Any] = {"basis": basis, "cei_monthly_sales": cei_monthly_sales}
    reports = []
    for code in order:
        group: Group = (code, None)
        report = KpiReport(
            currency=code,
            as_of=as_of,
            period=period,
            kpis=_kpis(ledger, group, as_of, period, **options),
            series=[(f"{e.year:04d}-{e.month:02d}", _kpis(ledger, group, e, period, **options)) for e in ends],
        )
        reports.append(report)
    if by:
        _breakdown(organization, reports, as_of, period, by, currency, scope, options)
    return reports


def _breakdown(
    organization: Organization,
    reports: list[KpiReport],
    as_of: date,
    period: Period,
    by: str,
    currency: str | None,
    scope: dict[str, Any],
    options: dict[str, Any],
) -> None:
    """Each report's KPIs as of ``as_of`` by segment, collector or customer: one more read, grouped by that key."""
    start = core.period_start(as_of, period.months)
    ledger = _read(organization, [start - timedelta(days=1), as_of], start, currency=currency, by=by, scope=scope)
    groups = {g for g in (*ledger.moves, *ledger.sales)}
    labels = _labels(by, {g[1] for g in groups})
    for report in reports:
        keys = sorted((g[1] for g in groups if g[0] == report.currency), key=lambda k: (labels.get(k, ""), str(k)))
        report.breakdown = [
            (k, labels.get(k, ""), _kpis(ledger, (report.currency, k), as_of, period, **options)) for k in keys
        ]


def _labels(by: str, keys: Iterable[Any]) -> dict[Any, str]:
    """What a breakdown key is called: the segment's label, the collector's name ("No collector" for the
    customers without one), the customer's account and name."""
    from django.contrib.auth import get_user_model

    from recouvre.ledger.models import Customer, Segment

    ids = [k for k in keys if k is not None]
    if by == "segment":
        return {k: str(Segment(k).label) if k in Segment.values else str(k) for k in ids}
    if by == "collector":
        users = get_user_model().objects.filter(pk__in=ids)
        return {None: _("No collector"), **{u.pk: (u.get_full_name() or u.get_username()) for u in users}}
    out: dict[Any, str] = {}
    for i in range(0, len(ids), 20000):
        for cid, ref, name in Customer.objects.filter(id__in=ids[i : i + 20000]).values_list("id", "ref", "name"):
            out[cid] = f"{ref} {name}"
    return out
