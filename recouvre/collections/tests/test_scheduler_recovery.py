"""The scheduler's loop under a database that fails: the pauses between tries (1 s doubling up to 60 s), the
day's run done once the database answers again, and a day whose run fails for another reason recorded as started
with its error and not tried again that day."""

from __future__ import annotations

import logging
import sqlite3
from datetime import date, datetime

import pytest
import time_machine
from django.db import connection

from recouvre.collections import scheduler
from recouvre.collections.models import RunSource, ScheduledRun
from recouvre.testing.factories import OrganizationFactory

from .test_scheduler import PARIS, RUN_AT, WINDOW, at

FRIDAY_0730 = datetime(2026, 3, 27, 7, 30, tzinfo=PARIS)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's outage: tests/test_resilience.py")
def test_a_locked_database_is_waited_out_with_growing_pauses_then_the_day_is_run(transactional_db, caplog):  # type: ignore[no-untyped-def]
    if not connection.is_in_memory_db():
        pytest.skip(
            "another connection locks SQLite's shared in-memory test database; a file: tests/test_resilience.py"
        )
    org = OrganizationFactory(slug="acme", name="ACME Distribution SAS")
    # Another writer holds the database (a large import): every query of the scheduler fails at once.
    other = sqlite3.connect(connection.settings_dict["NAME"], uri=True, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 8:
            other.execute("COMMIT")  # the import ends

    caplog.set_level(logging.WARNING, logger="recouvre.operations")
    try:
        with time_machine.travel(FRIDAY_0730, tick=False):
            scheduler.run_forever(run_at=RUN_AT, window=WINDOW, interval=60, sleep=sleep, passes=1)
    finally:
        other.close()
    assert pauses == [1, 2, 4, 8, 16, 32, 60, 60]
    lines = [r.getMessage() for r in caplog.records]
    # "database table is locked" or "database schema is locked: main", as SQLite finds it
    assert lines[0].startswith("scheduler: OperationalError: database "), lines[0]
    assert " is locked" in lines[0] and lines[0].endswith("; trying again in 1 s (failure 1 in a row).")
    assert lines[7].endswith("; trying again in 60 s (failure 8 in a row).")
    assert lines[8:] == ["scheduler: working again after 8 failed attempts."]
    assert all(r.exc_info is None for r in caplog.records)  # one line each, no traceback
    run = ScheduledRun.objects.get(organization=org, source=RunSource.SCHEDULER)
    assert (run.as_of, run.finished_at is not None) == (date(2026, 3, 27), True)


def test_a_day_whose_run_is_refused_is_recorded_with_its_error_and_not_tried_again(db, caplog):  # type: ignore[no-untyped-def]
    org = OrganizationFactory(slug="acme", name="ACME Distribution SAS")
    # A run by hand was dated Saturday 28 March while the machine's clock was ahead: on Friday 27, runs cannot go back.
    ScheduledRun.objects.create(organization=org, as_of=date(2026, 3, 28), source=RunSource.MANUAL)
    first = scheduler.tick(at(27, 7, 30), run_at=RUN_AT, window=WINDOW)
    assert first.runs == [{"organization": "acme", "as_of": "2026-03-27", "error": True}]
    failed = ScheduledRun.objects.get(organization=org, source=RunSource.SCHEDULER)
    assert (failed.as_of, failed.finished_at) == (date(2026, 3, 27), None)
    assert failed.summary["message"].startswith("RunRefused: acme was last run for 2026-03-28")
    assert "scheduled run of acme on 2026-03-27 failed" in caplog.text
    # The next pass leaves the day alone.
    assert scheduler.tick(at(27, 7, 31), run_at=RUN_AT, window=WINDOW).runs == []
    assert ScheduledRun.objects.filter(source=RunSource.SCHEDULER).count() == 1


def test_the_pause_grows_from_1_s_and_stops_at_60_s():  # type: ignore[no-untyped-def]
    from recouvre.operations.resilience import Recovery

    pauses: list[float] = []
    recovery = Recovery("scheduler", sleep=pauses.append)
    for _ in range(9):
        recovery.failed(OSError("Network is unreachable"))
    recovery.succeeded()
    recovery.failed(OSError("Network is unreachable"))
    assert pauses == [1, 2, 4, 8, 16, 32, 60, 60, 60, 1]
