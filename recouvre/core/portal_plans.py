"""What a customer asks for on the portal, decided with no database: the instalments of a payment plan asked for
as "so many instalments from this day", and whether a schedule is within the organization's rules for a plan
granted without a collector.

A schedule of ``count`` instalments from ``first_on`` falls on the same day of each following month (the last day
of a shorter month); the amounts are equal, in the currency's minor unit, rounded down, and the last instalment
takes what is left so that they add up to the total exactly.

A schedule is accepted on its own when every rule holds: at most ``max_instalments`` instalments (0: never), the
last one at most ``max_days`` days after the day of the request, none smaller than ``min_instalment`` (the last
one may be smaller only when it is the only one), and they add up to the open amount chosen. Otherwise it goes to
a collector, with the rules it breaks (``Refusal``), and nothing is granted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from recouvre.core.interest import add_months
from recouvre.core.money import minor_unit


class Refusal(StrEnum):
    NOT_ALLOWED = "not_allowed"  # the organization accepts no plan on its own (max_instalments = 0)
    TOO_MANY = "too_many"
    TOO_LATE = "too_late"
    TOO_SMALL = "too_small"
    NOT_THE_TOTAL = "not_the_total"


@dataclass(frozen=True)
class PlanRules:
    max_instalments: int
    max_days: int
    min_instalment: Decimal


def monthly_schedule(total: Decimal, count: int, first_on: date, currency: str = "EUR") -> list[tuple[date, Decimal]]:
    """``count`` instalments of ``total`` from ``first_on``, one a month, adding up to ``total`` exactly."""
    if count < 1:
        raise ValueError("a schedule has one instalment at least")
    if total <= 0:
        raise ValueError("a schedule pays a positive total")
    unit = Decimal(1).scaleb(-minor_unit(currency))
    share = (total / count).quantize(unit, rounding=ROUND_DOWN)
    if share <= 0:
        raise ValueError("too many instalments for the total")
    amounts = [share] * (count - 1) + [total - share * (count - 1)]
    return [(add_months(first_on, i), amount) for i, amount in enumerate(amounts)]


def refusals(schedule: list[tuple[date, Decimal]], *, total: Decimal, today: date, rules: PlanRules) -> list[Refusal]:
    """The rules ``schedule`` (in date order) breaks for a plan granted without a collector; empty: accepted."""
    if rules.max_instalments <= 0:
        return [Refusal.NOT_ALLOWED]
    out: list[Refusal] = []
    if len(schedule) > rules.max_instalments:
        out.append(Refusal.TOO_MANY)
    if schedule and schedule[-1][0] > today + timedelta(days=rules.max_days):
        out.append(Refusal.TOO_LATE)
    if any(amount < rules.min_instalment for _day, amount in schedule) and len(schedule) > 1:
        out.append(Refusal.TOO_SMALL)
    if sum((amount for _day, amount in schedule), Decimal("0")) != total:
        out.append(Refusal.NOT_THE_TOTAL)
    return out
