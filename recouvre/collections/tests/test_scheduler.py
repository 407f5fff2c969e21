# ruff: noqa: F811  (the SMTP server and policy fixtures are imported from the dispatch stories)
"""The daily schedule: one run a day at the configured time, messages sent only within the send window on business
days, a missed day caught up the next day."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from recouvre.collections.models import Action, CollectionSettings, ScheduledRun
from recouvre.collections.scheduler import parse_window, tick
from recouvre.collections.tests.test_dispatch import Keep, _customer, _five, smtp, three_emails  # noqa: F401
from recouvre.testing.factories import InvoiceFactory

PARIS = ZoneInfo("Europe/Paris")
RUN_AT = time(7, 0)
WINDOW = (time(8, 0), time(19, 0))
pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


def test_one_run_a_day_at_the_set_time_and_sending_waits_for_the_window(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    _five(_customer(org))
    # Friday 27 March 2026, 06:59: too early for the run, outside the window.
    assert tick(at(27, 6, 59), run_at=RUN_AT, window=WINDOW).runs == []
    assert not ScheduledRun.objects.exists()
    # 07:00: the day's run plans the e-mail; the window opens at 08:00, nothing is sent yet.
    result = tick(at(27, 7, 0), run_at=RUN_AT, window=WINDOW)
    assert [(r["organization"], r["as_of"], r["actions"]) for r in result.runs] == [(org.slug, "2026-03-27", 1)]
    assert result.waiting == [org.slug]
    assert Action.objects.get().state == "planned"
    assert server.messages == []
    # 07:01: the day is done, nothing runs again.
    assert tick(at(27, 7, 1), run_at=RUN_AT, window=WINDOW).runs == []
    # 08:00: exactly one message.
    tick(at(27, 8, 0), run_at=RUN_AT, window=WINDOW)
    assert [rcpt for rcpt, _raw in server.messages] == [["compta@dupont.example"]]
    tick(at(27, 8, 1), run_at=RUN_AT, window=WINDOW)
    assert len(server.messages) == 1
    run = ScheduledRun.objects.get()
    assert (run.as_of.isoformat(), run.finished_at is not None, run.summary["actions"]) == ("2026-03-27", True, 1)


def test_nothing_leaves_on_a_sunday_or_a_public_holiday(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    customer = _customer(org)
    InvoiceFactory(customer=customer, number="F-9", issued_on=at(1, 0).date(), due_on=at(25, 0, month=4).date())
    # Friday 1 May 2026 (Labour Day), Saturday 2 May (+7: the reminder is due) and Sunday: no run, nothing sent.
    for day in (1, 2, 3):
        assert tick(at(day, 10, month=5), run_at=RUN_AT, window=WINDOW).runs == []
    assert server.messages == []
    # Monday 4 May: the run takes the reminder due on Saturday, planned for that day and sent in the window.
    result = tick(at(4, 8, 30, month=5), run_at=RUN_AT, window=WINDOW)
    assert [r["send_on"] for r in result.runs] == ["2026-05-04"]
    assert len(server.messages) == 1


def test_a_day_without_a_run_is_caught_up_the_next_day(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    """Due +5 on Wednesday 25 March; the machine is off that day; Thursday's run plans the reminder."""
    server = smtp(Keep())
    customer = _customer(org)
    InvoiceFactory(customer=customer, number="F-1", issued_on=at(1, 0).date(), due_on=at(20, 0).date())
    tick(at(24, 9), run_at=RUN_AT, window=WINDOW)  # +4: nothing due
    assert Action.objects.count() == 0
    tick(at(26, 9), run_at=RUN_AT, window=WINDOW)  # Thursday: the missed Wednesday is taken
    assert [(a.send_on.isoformat(), a.step_key) for a in Action.objects.all()] == [("2026-03-26", "reminder")]
    assert len(server.messages) == 1
    assert list(ScheduledRun.objects.values_list("as_of", flat=True).order_by("as_of")) == [
        at(24, 0).date(),
        at(26, 0).date(),
    ]


def test_an_organization_sends_within_its_own_window(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    _five(_customer(org))
    CollectionSettings.objects.create(organization=org, send_window_start=time(14, 0), send_window_end=time(16, 0))
    tick(at(27, 9), run_at=RUN_AT, window=WINDOW)
    assert server.messages == []
    tick(at(27, 14) + timedelta(minutes=1), run_at=RUN_AT, window=WINDOW)
    assert len(server.messages) == 1


def test_a_window_that_makes_no_sense_is_refused_with_the_setting_named():  # type: ignore[no-untyped-def]
    assert parse_window("08:00-19:30", name="RECOUVRE_SEND_WINDOW") == (time(8, 0), time(19, 30))
    with pytest.raises(ValueError, match=r"RECOUVRE_SEND_WINDOW: '19:00-08:00' ends before it starts|ends before"):
        parse_window("19:00-08:00", name="RECOUVRE_SEND_WINDOW")
    with pytest.raises(ValueError, match="RECOUVRE_SEND_WINDOW: '8h' is not a window"):
        parse_window("8h", name="RECOUVRE_SEND_WINDOW")


def test_scheduler_once_from_cron_runs_the_day_once(org, capsys, settings):  # type: ignore[no-untyped-def]
    import json

    import time_machine

    from recouvre.cli import main

    settings.RECOUVRE_RUN_AT, settings.RECOUVRE_SEND_WINDOW = "07:00", "08:00-19:00"
    with time_machine.travel(at(23, 10, month=11), tick=False):
        assert main(["scheduler", "--once", "--json"]) == 0
        first = json.loads(capsys.readouterr().out)
        assert main(["scheduler", "--once", "--json"]) == 0
        second = json.loads(capsys.readouterr().out)
    assert [(r["organization"], r["as_of"]) for r in first["runs"]] == [(org.slug, "2026-11-23")]
    assert (first["sent_for"], second["runs"]) == ([org.slug], [])


def test_a_wrong_run_time_is_a_usage_error(settings, capsys):  # type: ignore[no-untyped-def]
    from recouvre.cli import main

    settings.RECOUVRE_RUN_AT = "7h"
    assert main(["scheduler", "--once"]) == 2
    assert "RECOUVRE_RUN_AT: '7h' is not a time of day (HH:MM)" in capsys.readouterr().err


def test_the_api_answers_kept_past_their_retention_are_purged_once_a_day(org, other_org):  # type: ignore[no-untyped-def]
    from recouvre.api.models import IdempotentRequest

    def keep(organization, key: str, created_at: datetime) -> None:  # type: ignore[no-untyped-def]
        row = IdempotentRequest.objects.create(
            organization=organization,
            key=key,
            method="POST",
            path="/api/v1/payments",
            request_hash="0" * 64,
            status_code=201,
            response={},
        )
        IdempotentRequest.objects.filter(pk=row.pk).update(created_at=created_at)

    # Monday 23 November 2026 (winter time all along): the retention of 7 days reaches back to 16 November, 07:00.
    keep(org, "old", at(16, 6, 59, month=11))
    keep(other_org, "rival-old", at(10, 12, month=11))
    keep(org, "on-the-limit", at(16, 7, 0, month=11))
    keep(other_org, "rival-recent", at(20, 9, month=11))
    assert tick(at(23, 6, 59, month=11), run_at=RUN_AT, window=WINDOW).idempotency is None  # before the run time
    assert IdempotentRequest.objects.count() == 4
    result = tick(at(23, 7, 0, month=11), run_at=RUN_AT, window=WINDOW)
    assert result.idempotency == {"deleted": 2, "days": 7, "before": "2026-11-16T06:00:00+00:00"}
    assert result.as_dict()["idempotency_purge"]["deleted"] == 2
    assert sorted(IdempotentRequest.objects.values_list("key", flat=True)) == ["on-the-limit", "rival-recent"]
    # once a day: the answer on the limit, a minute too old at 07:01, waits for the next day
    assert tick(at(23, 7, 1, month=11), run_at=RUN_AT, window=WINDOW).idempotency is None
    assert IdempotentRequest.objects.count() == 2
    assert tick(at(24, 7, 0, month=11), run_at=RUN_AT, window=WINDOW).idempotency["deleted"] == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["rival-recent"]
