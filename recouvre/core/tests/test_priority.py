"""The priority of an invoice and of a group of invoices: open amount × probability of late payment × age factor."""

from __future__ import annotations

from decimal import Decimal

from recouvre.core.priority import Part, age_factor, combine, explain


def test_the_age_factor_adds_one_for_each_30_days_late() -> None:
    assert [age_factor(d) for d in (-5, 0, 15, 30, 38, 60)] == [
        Decimal("1.00000000"),
        Decimal("1.00000000"),
        Decimal("1.50000000"),
        Decimal("2.00000000"),
        Decimal("2.26666667"),
        Decimal("3.00000000"),
    ]


def test_one_overdue_invoice() -> None:
    p = combine([Part(Decimal("12400.00"), Decimal(1), 38)])
    assert (p.score, p.open_amount, p.p_late, p.age, p.days_late, p.invoices) == (
        Decimal("28106.67"),
        Decimal("12400.00"),
        Decimal("1.00"),
        Decimal("2.27"),
        38,
        1,
    )
    assert explain(p, "12400.00 EUR") == "12400.00 EUR × 1.00 × 2.27 (38 days late)"


def test_a_group_is_the_sum_of_its_invoices_written_as_one_product() -> None:
    # 3000 × 1 × 1.5 (15 days late) + 6000 × 0.25 × 1 (not due) = 4500 + 1500 = 6000
    p = combine(
        [
            Part(Decimal("3000.00"), Decimal(1), 15),
            Part(Decimal("6000.00"), Decimal("0.25"), 0),
            Part(Decimal("0.00"), Decimal(1), 90),  # settled: counts for nothing
        ]
    )
    assert (p.score, p.open_amount, p.p_late, p.age, p.days_late, p.invoices) == (
        Decimal("6000.00"),
        Decimal("9000.00"),
        Decimal("0.50"),
        Decimal("1.33"),
        10,
        2,
    )
    assert explain(p, "9000.00 EUR") == "9000.00 EUR × 0.50 × 1.33 (2 invoices, 10 days late on average)"


def test_not_yet_due_and_nothing_open() -> None:
    p = combine([Part(Decimal("20000.00"), Decimal("0.82"), 0)])
    assert (p.score, explain(p, "20000.00 EUR")) == (Decimal("16400.00"), "20000.00 EUR × 0.82 × 1.00 (not late)")
    none = combine([])
    assert (none.score, none.invoices, explain(none, "0.00 EUR")) == (Decimal("0.00"), 0, "nothing open")
    zero = combine([Part(Decimal("100.00"), Decimal(0), 0), Part(Decimal("100.00"), Decimal(0), 30)])
    assert (zero.score, zero.age, zero.days_late) == (Decimal("0.00"), Decimal("1.50"), 15)
