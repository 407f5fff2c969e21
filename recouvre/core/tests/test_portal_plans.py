"""The schedule a customer asks for on the portal, and the organization's rules for granting it at once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvre.core.portal_plans import PlanRules, Refusal, monthly_schedule, refusals

RULES = PlanRules(max_instalments=3, max_days=90, min_instalment=Decimal("100.00"))
TODAY = date(2026, 12, 7)


def test_monthly_instalments_fall_on_the_same_day_or_the_last_of_a_shorter_month() -> None:
    assert monthly_schedule(Decimal("1000.00"), 3, date(2027, 1, 31)) == [
        (date(2027, 1, 31), Decimal("333.33")),
        (date(2027, 2, 28), Decimal("333.33")),
        (date(2027, 3, 31), Decimal("333.34")),
    ]


@given(
    total=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2),
    count=st.integers(min_value=1, max_value=36),
)
def test_the_instalments_add_up_to_the_total(total: Decimal, count: int) -> None:
    if total < Decimal("0.01") * count:
        with pytest.raises(ValueError):
            monthly_schedule(total, count, TODAY)
        return
    schedule = monthly_schedule(total, count, TODAY)
    assert len(schedule) == count and sum(a for _d, a in schedule) == total
    assert all(a > 0 for _d, a in schedule)


def test_within_the_rules_nothing_is_refused() -> None:
    schedule = monthly_schedule(Decimal("900.00"), 3, date(2027, 1, 5))
    assert refusals(schedule, total=Decimal("900.00"), today=TODAY, rules=RULES) == []


def test_each_rule_broken_is_named() -> None:
    late = [(date(2027, 3, 7), Decimal("900.00"))]  # 90 days after 7 December 2026 is 7 March 2027: still in
    assert refusals(late, total=Decimal("900.00"), today=TODAY, rules=RULES) == []
    later = [(date(2027, 3, 8), Decimal("900.00"))]
    assert refusals(later, total=Decimal("900.00"), today=TODAY, rules=RULES) == [Refusal.TOO_LATE]
    four = [(date(2026, 12, 10 + 5 * i), Decimal("225.00")) for i in range(4)]
    assert refusals(four, total=Decimal("900.00"), today=TODAY, rules=RULES) == [Refusal.TOO_MANY]
    small = [(date(2026, 12, 20), Decimal("850.00")), (date(2027, 1, 20), Decimal("50.00"))]
    assert refusals(small, total=Decimal("900.00"), today=TODAY, rules=RULES) == [Refusal.TOO_SMALL]
    short = [(date(2026, 12, 20), Decimal("800.00"))]
    assert refusals(short, total=Decimal("900.00"), today=TODAY, rules=RULES) == [Refusal.NOT_THE_TOTAL]
    # One instalment smaller than the smallest allowed is fine: it pays everything at once.
    assert refusals([(date(2026, 12, 20), Decimal("40.00"))], total=Decimal("40.00"), today=TODAY, rules=RULES) == []
    never = PlanRules(max_instalments=0, max_days=90, min_instalment=Decimal("100.00"))
    assert refusals(short, total=Decimal("800.00"), today=TODAY, rules=never) == [Refusal.NOT_ALLOWED]
