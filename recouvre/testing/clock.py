"""A working day's morning for the tests that drive a real browser against the live server: they read the
clock in several processes and threads, so the hour they run at must not matter (at half past midnight in Paris
the server's date is not the UTC date, and the sending window is shut)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def next_working_wednesday(start: date) -> date:
    """The first Wednesday on or after ``start`` that is a French business day."""
    from recouvre.core.businessdays import is_business_day

    day = start + timedelta(days=(2 - start.weekday()) % 7)
    while not is_business_day(day):
        day += timedelta(days=7)
    return day


@contextmanager
def working_morning() -> Iterator[datetime]:
    """The clock set to 11:00 in Paris on the next working Wednesday, and running from there (every thread of this
    process: the live server's too)."""
    import time_machine

    moment = datetime.combine(next_working_wednesday(date.today()), time(11, 0), tzinfo=PARIS)
    with time_machine.travel(moment, tick=True):
        yield moment
