"""Credit-management KPIs (LEGAL-FR §9): DSO (simple and count-back), best possible DSO, average days delinquent
(both definitions), collection effectiveness index, overdue share, overdue over 90 days, dispute rate, average
payment delay weighted by amount, amount collected.

Pure functions on plain figures (Decimal amounts TTC, dates): the reads that build them from the ledger are in
``recouvre.reports.kpis``. Every ratio is ``None`` when its denominator is zero (no sales in the period, nothing
open): a dashboard shows "-" rather than a made-up 0.

Conventions, the uncertain one configurable:

- The period of a KPI "as of" a date is the trailing period ending on that date: a month as of 31 March is
  1-31 March, a quarter 1 January-31 March; as of 7 December, a month is 8 November-7 December.
- Days: ``DayBasis.ACTUAL`` (default) counts the calendar days of the period and of each month; ``DayBasis.D360``
  counts 30 days a month (a quarter 90, a year 360), the Banque de France convention for annual accounts, which
  LEGAL-FR marks as uncertain (⚠️).
- CEI: the period's whole credit sales by default (the LEGAL-FR worked example); ``cei_monthly_sales`` divides them
  by the number of months, as the Credit Research Foundation does when it measures a quarter.
- An item due on the as-of date is not yet overdue (as in the aged balance); over 90 days means 91 days past due
  or more.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
ONE_DECIMAL = Decimal("0.1")
CENT = Decimal("0.01")
OVER_DAYS = 90  # "overdue > 90 days"


class DayBasis(enum.StrEnum):
    ACTUAL = "actual"
    D360 = "360"


class Period(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.value]


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` (negative: back), kept within the month (31 March - 1 month = 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def period_start(end: date, months: int) -> date:
    """The first day of the trailing period of ``months`` months ending on ``end`` (inclusive)."""
    return add_months(end + timedelta(days=1), -months)


def period_days(start: date, end: date, basis: DayBasis = DayBasis.ACTUAL, months: int = 1) -> int:
    """The days of the period ``start``-``end`` (both included) of ``months`` months: its calendar days, or 30 a
    month on the 360-day basis."""
    if basis is DayBasis.D360:
        return 30 * months
    return (end - start).days + 1


def countback_months(
    as_of: date, sales_by_month: Mapping[tuple[int, int], Decimal], basis: DayBasis = DayBasis.ACTUAL
) -> list[tuple[int, Decimal]]:
    """The months for the count-back DSO, latest first, as (days, sales): the month of ``as_of`` up to that day
    (all of it when ``as_of`` is its last day), then each earlier month back to the first with sales.
    ``sales_by_month`` holds the sales of each (year, month), those of the month of ``as_of`` up to ``as_of``."""
    if not sales_by_month:
        return []
    first = min(sales_by_month)
    out: list[tuple[int, Decimal]] = []
    day = as_of
    if as_of == month_end(as_of):
        days = as_of.day if basis is DayBasis.ACTUAL else 30
    else:
        days = as_of.day if basis is DayBasis.ACTUAL else min(as_of.day, 30)
    while (day.year, day.month) >= first:
        out.append((days, sales_by_month.get((day.year, day.month), ZERO)))
        day = add_months(date(day.year, day.month, 1), -1)
        days = calendar.monthrange(day.year, day.month)[1] if basis is DayBasis.ACTUAL else 30
    return out


def dso_simple(receivables: Decimal, sales: Decimal, days: int) -> Decimal | None:
    """DSO, *méthode comptable*: receivables at the end of the period / credit sales of the period × days."""
    if sales <= 0:
        return None
    return receivables / sales * days


def dso_countback(receivables: Decimal, months: Sequence[tuple[int, Decimal]]) -> Decimal | None:
    """DSO, *méthode par épuisement*: the months' sales (latest first, as (days, sales)) are taken off the
    receivables while the balance covers them, adding each month's days; the last, partly covered month adds
    (remaining balance / its sales) × its days. Receivables larger than all the sales of ``months`` count the days
    of all of them. ``None`` when there is no month at all."""
    if not months:
        return None
    remaining = receivables
    total = Decimal(0)
    for days, sales in months:
        if remaining <= 0:
            break
        if sales <= remaining:
            total += days
            remaining -= sales
        else:
            total += remaining / sales * days
            remaining = ZERO
    return total


def bpdso(current: Decimal, sales: Decimal, days: int) -> Decimal | None:
    """Best possible DSO: not-yet-due receivables / credit sales × days (simple method)."""
    return dso_simple(current, sales, days)


def add_difference(dso: Decimal | None, best: Decimal | None) -> Decimal | None:
    """Average days delinquent, first definition: DSO - BPDSO (both simple)."""
    if dso is None or best is None:
        return None
    return dso - best


def add_invoice_level(overdue: Iterable[tuple[Decimal, int]]) -> Decimal | None:
    """Average days delinquent, invoice-level definition: Σ(overdue amount × days past due) / Σ overdue amount, over
    (amount, days past due) pairs."""
    weighted = Decimal(0)
    amount = Decimal(0)
    for a, days in overdue:
        weighted += a * days
        amount += a
    return weighted / amount if amount > 0 else None


def cei(
    opening: Decimal, sales: Decimal, closing: Decimal, closing_current: Decimal, *, sales_divisor: int = 1
) -> Decimal | None:
    """Collection effectiveness index, in %: (opening receivables + credit sales - closing receivables) /
    (opening receivables + credit sales - closing current receivables) × 100. ``sales_divisor``: 3 for the Credit
    Research Foundation's quarterly form (quarterly sales / 3)."""
    s = sales / sales_divisor
    denominator = opening + s - closing_current
    if denominator <= 0:
        return None
    return (opening + s - closing) / denominator * HUNDRED


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return part / whole * HUNDRED if whole > 0 else None


def weighted_delay(payments: Iterable[tuple[Decimal, int]]) -> Decimal | None:
    """Average payment delay weighted by amount: Σ(amount × (payment date - due date)) / Σ amount over (amount,
    days) pairs; a payment before its due date counts negative days."""
    return add_invoice_level(payments)


@dataclass(frozen=True, slots=True)
class OpenItems:
    """What was open on ``as_of``: open amount by due date (instalments by their own due dates)."""

    as_of: date
    by_due: Mapping[date, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.by_due.values(), ZERO)

    @property
    def current(self) -> Decimal:
        return sum((a for d, a in self.by_due.items() if d >= self.as_of), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.total - self.current

    def overdue_over(self, days: int = OVER_DAYS) -> Decimal:
        limit = self.as_of - timedelta(days=days)
        return sum((a for d, a in self.by_due.items() if d < limit), ZERO)

    def overdue_days(self) -> list[tuple[Decimal, int]]:
        return [(a, (self.as_of - d).days) for d, a in self.by_due.items() if d < self.as_of and a]


@dataclass(frozen=True, slots=True)
class KpiInputs:
    """The figures of one period ``start``-``end``, in one currency."""

    start: date
    end: date
    closing: OpenItems
    opening: Decimal  # receivables at the end of the day before ``start``
    sales: Decimal  # invoices issued from ``start`` to ``end``, TTC
    sales_by_month: Mapping[tuple[int, int], Decimal]  # every month up to ``end`` (that month up to ``end``)
    collected: Decimal = ZERO  # payments applied to invoices from ``start`` to ``end``
    payments: Sequence[tuple[Decimal, int]] = ()  # those payments as (amount, days after the due date)
    disputed: Decimal = ZERO  # open on ``end`` on invoices under an active dispute


@dataclass(frozen=True, slots=True)
class Kpis:
    start: date
    end: date
    days: int
    receivables: Decimal
    current: Decimal
    overdue: Decimal
    overdue_90: Decimal
    sales: Decimal
    opening: Decimal
    collected: Decimal
    disputed: Decimal
    dso_simple: Decimal | None
    dso_countback: Decimal | None
    bpdso: Decimal | None
    add: Decimal | None
    add_invoice: Decimal | None
    cei: Decimal | None
    overdue_pct: Decimal | None
    overdue_90_pct: Decimal | None
    dispute_rate: Decimal | None
    payment_delay: Decimal | None

    def as_dict(self) -> dict[str, str | int | None]:
        """Decimal strings: days and percentages with one decimal, amounts with two; ``None`` when undefined."""
        out: dict[str, str | int | None] = {
            "period_start": self.start.isoformat(),
            "period_end": self.end.isoformat(),
            "days": self.days,
        }
        for name in RATIOS:
            out[name] = one_decimal(getattr(self, name))
        for name in AMOUNTS:
            out[name] = str(getattr(self, name).quantize(CENT, ROUND_HALF_UP))
        return out


RATIOS = (
    "dso_countback",
    "dso_simple",
    "bpdso",
    "add",
    "add_invoice",
    "cei",
    "overdue_pct",
    "overdue_90_pct",
    "dispute_rate",
    "payment_delay",
)
AMOUNTS = ("receivables", "current", "overdue", "overdue_90", "disputed", "sales", "opening", "collected")


def one_decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(ONE_DECIMAL, ROUND_HALF_UP))


def compute(
    inputs: KpiInputs, *, basis: DayBasis = DayBasis.ACTUAL, cei_monthly_sales: bool = False, months: int = 1
) -> Kpis:
    """Every KPI of one period; ``months`` is the period's length in months (for the CEI's monthly form)."""
    closing = inputs.closing
    days = period_days(inputs.start, inputs.end, basis, months)
    total, current, over_90 = closing.total, closing.current, closing.overdue_over()
    overdue = total - current
    simple = dso_simple(total, inputs.sales, days)
    best = bpdso(current, inputs.sales, days)
    return Kpis(
        start=inputs.start,
        end=inputs.end,
        days=days,
        receivables=total,
        current=current,
        overdue=overdue,
        overdue_90=over_90,
        sales=inputs.sales,
        opening=inputs.opening,
        collected=inputs.collected,
        disputed=inputs.disputed,
        dso_simple=simple,
        dso_countback=dso_countback(total, countback_months(inputs.end, inputs.sales_by_month, basis)),
        bpdso=best,
        add=add_difference(simple, best),
        add_invoice=add_invoice_level(closing.overdue_days()),
        cei=cei(inputs.opening, inputs.sales, total, current, sales_divisor=months if cei_monthly_sales else 1),
        overdue_pct=percent(overdue, total),
        overdue_90_pct=percent(over_90, total),
        dispute_rate=percent(inputs.disputed, total),
        payment_delay=weighted_delay(inputs.payments),
    )
