"""Interest on an invoice payable in several instalments: each instalment bears interest from its own due date, the
payments settle them oldest first, and the 40 EUR indemnity is counted once for the invoice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recouvre.core.interest import Claim, Reduction, compute, compute_instalments, split_by_instalment
from recouvre.core.ratetables import shipped_tables

TABLES = shipped_tables()
D = Decimal


def test_each_instalment_bears_interest_from_its_own_due_date_and_the_indemnity_is_counted_once() -> None:
    claim = Claim(amount=D("1000.00"), due_on=date(2026, 1, 31))
    dues = [(date(2026, 1, 31), D("500.00")), (date(2026, 2, 28), D("500.00"))]
    result = compute_instalments(claim, dues, date(2026, 3, 31), TABLES)
    first = compute(Claim(amount=D("500.00"), due_on=date(2026, 1, 31)), date(2026, 3, 31), TABLES)
    second = compute(Claim(amount=D("500.00"), due_on=date(2026, 2, 28)), date(2026, 3, 31), TABLES)
    assert result.exact_interest == first.exact_interest + second.exact_interest
    assert result.interest < compute(claim, date(2026, 3, 31), TABLES).interest  # never the whole from the first date
    assert (result.principal, result.indemnity) == (D("1000.00"), D("40.00"))


def test_payments_settle_the_oldest_instalment_first() -> None:
    payments = [Reduction(date(2026, 2, 10), D("600.00"))]
    assert split_by_instalment(payments, [D("500.00"), D("500.00")]) == [
        [Reduction(date(2026, 2, 10), D("500.00"))],
        [Reduction(date(2026, 2, 10), D("100.00"))],
    ]
    claim = Claim(amount=D("1000.00"), due_on=date(2026, 1, 31), reductions=tuple(payments))
    dues = [(date(2026, 1, 31), D("500.00")), (date(2026, 2, 28), D("500.00"))]
    result = compute_instalments(claim, dues, date(2026, 3, 31), TABLES)
    late_first = compute(
        Claim(amount=D("500.00"), due_on=date(2026, 1, 31), reductions=(Reduction(date(2026, 2, 10), D("500.00")),)),
        date(2026, 3, 31),
        TABLES,
    )
    rest = compute(
        Claim(amount=D("500.00"), due_on=date(2026, 2, 28), reductions=(Reduction(date(2026, 2, 10), D("100.00")),)),
        date(2026, 3, 31),
        TABLES,
    )
    assert result.principal == D("400.00")
    assert result.exact_interest == late_first.exact_interest + rest.exact_interest
