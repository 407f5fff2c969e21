"""The KPIs of LEGAL-FR §9, on its worked examples, to the decimal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recouvre.core import kpis
from recouvre.core.kpis import DayBasis, KpiInputs, OpenItems

D = Decimal
Q1_END = date(2025, 3, 31)
Q1_SALES = {(2025, 1): D(70000), (2025, 2): D(80000), (2025, 3): D(100000)}


def one(value: Decimal | None) -> str | None:
    return kpis.one_decimal(value)


def test_dso_simple_worked_example():
    # AR 212 000; quarter sales 250 000; 90 days -> 76.3 days
    assert one(kpis.dso_simple(D(212000), D(250000), 90)) == "76.3"


def test_dso_countback_worked_example():
    # 31 + 28 + 32 000 / 70 000 x 31 = 73.2 days
    months = kpis.countback_months(Q1_END, Q1_SALES)
    assert months == [(31, D(100000)), (28, D(80000)), (31, D(70000))]
    assert one(kpis.dso_countback(D(212000), months)) == "73.2"


def test_bpdso_and_add_worked_example():
    best = kpis.bpdso(D(150000), D(250000), 90)
    assert one(best) == "54.0"
    assert one(kpis.add_difference(kpis.dso_simple(D(212000), D(250000), 90), best)) == "22.3"


def test_cei_worked_example():
    # (500 000 + 300 000 - 520 000) / (500 000 + 300 000 - 350 000) = 62.2 %
    assert one(kpis.cei(D(500000), D(300000), D(520000), D(350000))) == "62.2"
    # The Credit Research Foundation's quarterly form: quarterly sales / 3.
    assert one(kpis.cei(D(500000), D(300000), D(520000), D(350000), sales_divisor=3)) == "32.0"  # 80 000 / 250 000


def test_add_invoice_level():
    # 1 000 overdue 10 days and 3 000 overdue 50 days: (10 000 + 150 000) / 4 000 = 40 days
    assert one(kpis.add_invoice_level([(D(1000), 10), (D(3000), 50)])) == "40.0"
    assert kpis.add_invoice_level([]) is None


def test_compute_reproduces_the_quarter_example():
    closing = OpenItems(as_of=Q1_END, by_due={date(2025, 4, 30): D(150000), date(2025, 2, 14): D(62000)})
    inputs = KpiInputs(
        start=date(2025, 1, 1),
        end=Q1_END,
        closing=closing,
        opening=D(0),
        sales=D(250000),
        sales_by_month=Q1_SALES,
    )
    result = kpis.compute(inputs, months=3).as_dict()
    assert result["days"] == 90
    assert result["dso_simple"] == "76.3"
    assert result["dso_countback"] == "73.2"
    assert result["bpdso"] == "54.0"
    assert result["add"] == "22.3"
    assert result["overdue_pct"] == "29.2"  # 62 000 / 212 000
    assert result["add_invoice"] == "45.0"  # all 62 000 due 14 Feb: 45 days past due on 31 Mar
    assert result["overdue_90_pct"] == "0.0"
    assert result["receivables"] == "212000.00"
    assert result["payment_delay"] is None  # no payment in the period


def test_no_sales_no_ratio():
    assert kpis.dso_simple(D(100), D(0), 30) is None
    assert kpis.dso_countback(D(100), []) is None
    assert kpis.percent(D(1), D(0)) is None
    assert kpis.cei(D(0), D(0), D(0), D(0)) is None


def test_countback_balance_larger_than_history_counts_every_month():
    months = [(31, D(10)), (28, D(10))]
    assert kpis.dso_countback(D(1000), months) == 59
    assert kpis.dso_countback(D(0), months) == 0


def test_trailing_periods():
    assert kpis.period_start(Q1_END, 3) == date(2025, 1, 1)
    assert kpis.period_start(date(2026, 12, 7), 1) == date(2026, 11, 8)
    assert kpis.period_start(date(2025, 2, 28), 1) == date(2025, 2, 1)
    assert kpis.period_start(date(2024, 12, 31), 12) == date(2024, 1, 1)
    assert kpis.period_days(date(2025, 1, 1), Q1_END) == 90
    assert kpis.period_days(date(2024, 1, 1), date(2024, 12, 31)) == 366
    assert kpis.period_days(date(2024, 1, 1), date(2024, 12, 31), DayBasis.D360, 12) == 360


def test_countback_mid_month_and_360_days():
    sales = {(2026, 11): D(3000), (2026, 12): D(700)}
    # As of 7 December: December up to the 7th (7 days), then November (30 days).
    assert kpis.countback_months(date(2026, 12, 7), sales) == [(7, D(700)), (30, D(3000))]
    assert kpis.countback_months(Q1_END, Q1_SALES, DayBasis.D360) == [(30, D(100000)), (30, D(80000)), (30, D(70000))]


def test_open_items_split():
    items = OpenItems(
        as_of=date(2026, 6, 30),
        by_due={date(2026, 6, 30): D(100), date(2026, 6, 29): D(10), date(2026, 3, 31): D(5), date(2026, 4, 1): D(1)},
    )
    assert items.current == D(100)  # due on the day: not overdue yet
    assert items.overdue == D(16)
    assert items.overdue_over() == D(5)  # 91 days past due; 1 April is 90 days: not over 90
