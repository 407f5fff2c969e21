"""The scheduler's daily BODACC check: once a day per organization, never on the first pass of a scheduler that has
just started; a failure is one log line, recorded in the watch state, and the pass goes on; tried again the next
day."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from recouvre.collections import scheduler
from recouvre.legal.models import InsolvencyProcedure
from recouvre.testing.factories import CustomerFactory
from recouvre.watch.models import WatchState

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def test_the_scheduler_checks_the_bodacc_once_a_day(org, sources, time_machine, caplog):  # type: ignore[no-untyped-def]
    CustomerFactory(organization=org, ref="411MARTIN", siren="552100554")
    run_at, window = scheduler.parse_clock("07:00", name="x"), scheduler.parse_window("08:00-19:00", name="x")
    time_machine.move_to(datetime(2026, 4, 1, 9, 0, tzinfo=PARIS), tick=False)
    assert scheduler.tick(run_at=run_at, window=window, rates=False).watch == {}  # a scheduler just started
    assert sources.paths == []

    assert scheduler.tick(run_at=run_at, window=window).watch == {"acme": {"checked": True, "announcements": 1}}
    assert InsolvencyProcedure.objects.get(customer__ref="411MARTIN").state == "proposed"
    assert scheduler.tick(run_at=run_at, window=window).watch == {}  # once a day
    assert len(sources.paths) == 1

    # The next day the BODACC fails: one log line, recorded, the pass goes on; not tried again that day.
    sources.status = 503
    time_machine.move_to(datetime(2026, 4, 2, 9, 0, tzinfo=PARIS), tick=False)
    with caplog.at_level(logging.WARNING, logger="recouvre.watch.services"):
        result = scheduler.tick(run_at=run_at, window=window)
    assert result.watch == {"acme": {"checked": False, "error": "the BODACC answered HTTP 503"}}
    assert "acme" in result.sent_for
    assert [r.getMessage() for r in caplog.records if r.name == "recouvre.watch.services"] == [
        "BODACC check for acme failed: the BODACC answered HTTP 503"
    ]
    state = WatchState.objects.get(organization=org)
    assert state.last_error == "the BODACC answered HTTP 503"
    assert state.last_success_at is not None and state.last_success_at.date().isoformat() == "2026-04-01"
    assert scheduler.tick(run_at=run_at, window=window).watch == {}
    assert len(sources.paths) == 2


def test_an_organization_without_a_siren_to_watch_asks_nothing(org, sources, time_machine):  # type: ignore[no-untyped-def]
    CustomerFactory(organization=org, ref="411SANS")
    run_at, window = scheduler.parse_clock("07:00", name="x"), scheduler.parse_window("08:00-19:00", name="x")
    time_machine.move_to(datetime(2026, 4, 1, 9, 0, tzinfo=PARIS), tick=False)
    assert scheduler.tick(run_at=run_at, window=window).watch == {"acme": {"checked": True, "announcements": 0}}
    assert sources.paths == []
