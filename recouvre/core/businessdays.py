"""Business days in France: Monday to Friday, except French public holidays (*jours fériés*).

Public holidays come from the ``holidays`` package (``holidays.France``), computed once per year and kept.
Pentecost Monday (*lundi de Pentecôte*) counts as a holiday, as the package lists it: many businesses work that
day (*journée de solidarité*), but post and banks are not to be relied on. Alsace-Moselle (Bas-Rhin, Haut-Rhin,
Moselle) is an option: it adds Good Friday (*Vendredi saint*) and 26 December (*Saint-Étienne*).

Used for send dates (a reminder is never sent on a Sunday or on 1 May) and for deadlines: a deadline that ends
on a Saturday, Sunday or public holiday moves to the next business day, as procedural deadlines do (CPC 642).
Nothing here reads today's date.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import MappingProxyType

_ALSACE_MOSELLE_SUBDIVISION = "57"  # the package's code for Moselle; Bas-Rhin and Haut-Rhin observe the same days
_ONE_DAY = timedelta(days=1)


@functools.cache
def public_holidays(year: int, alsace_moselle: bool = False) -> Mapping[date, str]:
    """The public holidays of ``year`` with their French names, in date order (computed once per year)."""
    # Imported on first use: the package takes about half a second to import, which every command line call (the
    # parser names the dispute reasons of this module's neighbour) would pay otherwise.
    from holidays.countries.france import France

    subdivision = _ALSACE_MOSELLE_SUBDIVISION if alsace_moselle else None
    days = France(years=year, subdiv=subdivision)  # type: ignore[no-untyped-call]
    return MappingProxyType(dict(sorted(days.items())))


@functools.cache
def _closed(year: int, alsace_moselle: bool) -> frozenset[date]:
    return frozenset(public_holidays(year, alsace_moselle))


def is_public_holiday(d: date, *, alsace_moselle: bool = False) -> bool:
    return d in _closed(d.year, alsace_moselle)


def is_business_day(d: date, *, alsace_moselle: bool = False) -> bool:
    """Monday to Friday and not a public holiday."""
    return d.weekday() < 5 and d not in _closed(d.year, alsace_moselle)


def next_business_day(d: date, *, alsace_moselle: bool = False) -> date:
    """``d`` itself when it is a business day, else the first business day after it
    (Saturday 2 May 2026 -> Monday 4 May 2026; Friday 1 May 2026 -> Monday 4 May 2026)."""
    while not is_business_day(d, alsace_moselle=alsace_moselle):
        d += _ONE_DAY
    return d


def add_business_days(d: date, n: int, *, alsace_moselle: bool = False) -> date:
    """The ``n``-th business day after ``d`` (before it when ``n`` is negative); ``d`` itself never counts, and need
    not be a business day. ``n == 0`` gives ``d`` unchanged. Friday 24 April 2026 + 1 = Monday 27 April;
    Thursday 30 April 2026 + 1 = Monday 4 May (1 May is a holiday); Saturday + 1 = Monday."""
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    remaining = abs(n)
    while remaining:
        d += step
        if is_business_day(d, alsace_moselle=alsace_moselle):
            remaining -= 1
    return d


def business_days_between(start: date, end: date, *, alsace_moselle: bool = False) -> int:
    """How many business days lie after ``start`` up to and including ``end`` (0 when ``end <= start``), so that
    ``add_business_days(start, business_days_between(start, end)) <= end``."""
    count = 0
    d = start
    while d < end:
        d += _ONE_DAY
        if is_business_day(d, alsace_moselle=alsace_moselle):
            count += 1
    return count


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """A French business-day calendar; the planner takes one (``recouvre.core.dunning.plan(..., calendar=...)``)."""

    alsace_moselle: bool = False

    def is_business_day(self, d: date) -> bool:
        return is_business_day(d, alsace_moselle=self.alsace_moselle)

    def next_business_day(self, d: date) -> date:
        return next_business_day(d, alsace_moselle=self.alsace_moselle)

    def add_business_days(self, d: date, n: int) -> date:
        return add_business_days(d, n, alsace_moselle=self.alsace_moselle)

    def deadline(self, start: date, days: int) -> date:
        """``days`` calendar days after ``start`` (the day of ``start`` not counted), moved to the next business day
        when it falls on a weekend or a public holiday (CPC 640-642): 15 days from Friday 17 April 2026 is
        Saturday 2 May, so Monday 4 May."""
        return self.next_business_day(start + timedelta(days=days))

    def holidays(self, year: int) -> Mapping[date, str]:
        return public_holidays(year, self.alsace_moselle)


FRANCE = BusinessCalendar()
ALSACE_MOSELLE = BusinessCalendar(alsace_moselle=True)


def next_sending(send_on: date, now: datetime, window: tuple[time, time], calendar: BusinessCalendar) -> datetime:
    """When something due on ``send_on`` goes out: the sending runs on business days within ``window`` (its start
    and end, local times). ``now`` (local, naive or aware) itself when the window is open today and it is due;
    else the window's start on the first business day it can be. Wednesday 9 December 2026 at 20:00, due that day,
    window 08:00-19:00: Thursday 10 December at 08:00."""
    start, end = window
    day = max(send_on, now.date())
    if day == now.date() and now.time() >= end:
        day += _ONE_DAY
    day = calendar.next_business_day(day)
    if day == now.date() and start <= now.time() < end:
        return now
    return datetime.combine(day, start, tzinfo=now.tzinfo)
