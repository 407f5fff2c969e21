"""Cash applied by hand, the pure part: an amount spread oldest first, the decimals a currency allows."""

from __future__ import annotations

from decimal import Decimal

from recouvre.core.cash import oldest_first, too_many_decimals

D = Decimal


def test_an_amount_is_spread_over_the_oldest_items_first() -> None:
    items = [(1, D("300.00")), (2, D("0.00")), (3, D("500.00")), (4, D("1200.00"))]
    assert oldest_first(items, D("650.00")) == [(1, D("300.00")), (3, D("350.00"))]
    assert oldest_first(items, D("3000.00")) == [(1, D("300.00")), (3, D("500.00")), (4, D("1200.00"))]
    assert oldest_first(items, D("0.00")) == []
    assert oldest_first([], D("10.00")) == []


def test_decimals_allowed_by_the_currency() -> None:
    assert not too_many_decimals(D("10.50"), "EUR")
    assert not too_many_decimals(D("100"), "EUR")
    assert too_many_decimals(D("10.005"), "EUR")
    assert too_many_decimals(D("10.5"), "JPY")
    assert not too_many_decimals(D("1050"), "JPY")
    assert not too_many_decimals(D("1050.00"), "JPY")
