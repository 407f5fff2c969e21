"""Cash applied by hand: the pure decisions (no database).

``oldest_first`` spreads an amount over open items in the order given (the caller sorts them oldest due first):
each item takes what it has open until the amount is spent. ``amount_fits`` says whether an amount can be stored
for a currency: more than zero, and no more decimals than the currency has (nor than the two stored).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .money import STORAGE_DECIMALS, minor_unit

ZERO = Decimal("0.00")


def oldest_first(items: Iterable[tuple[int, Decimal]], amount: Decimal) -> list[tuple[int, Decimal]]:
    """``(id, open amount)`` items, oldest first, and ``amount`` to spread: the ``(id, part)`` pairs, each part the
    smaller of what is left of ``amount`` and what the item has open; items with nothing open are passed over."""
    left = amount
    parts: list[tuple[int, Decimal]] = []
    for key, open_amount in items:
        if left <= 0:
            break
        if open_amount <= 0:
            continue
        part = min(left, open_amount)
        parts.append((key, part))
        left -= part
    return parts


def decimals_allowed(currency: str) -> int:
    """How many decimals an amount of ``currency`` may have: its minor unit, at most the two stored."""
    return min(minor_unit(currency), STORAGE_DECIMALS)


def too_many_decimals(amount: Decimal, currency: str) -> bool:
    """``amount`` has more decimals than ``currency`` allows (``1.005`` EUR, ``10.5`` JPY)."""
    exponent = amount.normalize().as_tuple().exponent
    return isinstance(exponent, int) and -exponent > decimals_allowed(currency)
