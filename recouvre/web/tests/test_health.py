"""``/health`` for monitoring, and the dashboard's warning to administrators when the worker or the scheduler is not
running. Heartbeats are recorded as the processes record them (``HeartbeatRecorder.beat``), at set times."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder

from recouvre.collections.models import RunSource, ScheduledRun
from recouvre.collections.tasks import send_due
from recouvre.operations.heartbeat import HeartbeatRecorder
from recouvre.operations.models import Component

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 3, 27, hour, minute, second, tzinfo=PARIS)


def beat(recorder: HeartbeatRecorder, when: datetime) -> HeartbeatRecorder:
    with time_machine.travel(when, tick=False):
        recorder.beat()
    return recorder


def installed(when: datetime) -> None:
    MigrationRecorder.Migration.objects.update(applied=when)


def health(client, when: datetime, **extra):  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False):
        return client.get("/health", **extra)


# ------------------------------------------------------------------------------------------------ /health


def test_health_tells_monitoring_what_runs_with_ids_and_times_only(client, org, other_org):  # type: ignore[no-untyped-def]
    ScheduledRun.objects.create(organization=org, as_of=date(2026, 3, 26), finished_at=at(7, 0, 40) - timedelta(1))
    ScheduledRun.objects.create(organization=org, as_of=date(2026, 3, 27), finished_at=at(7, 0, 12))
    ScheduledRun.objects.create(organization=org, as_of=date(2026, 3, 28), source=RunSource.MANUAL, finished_at=None)
    ScheduledRun.objects.create(organization=other_org, as_of=date(2026, 3, 27), summary={"error": True})  # failed
    beat(HeartbeatRecorder(Component.WORKER, interval=30), at(9, 59, 45))
    beat(HeartbeatRecorder(Component.SCHEDULER, interval=30), at(9, 59, 50))
    send_due.enqueue(org.pk)

    # A probe calls the machine by its address: /health answers whatever the host name.
    response = health(client, at(10, 0), HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "status": "ok",
        "checked_at": "2026-03-27T09:00:00+00:00",
        "database": {"ok": True, "vendor": connection.vendor},
        "worker": {
            "last_beat_at": "2026-03-27T08:59:45+00:00",
            "stale": False,
            "processes": 1,
            "interval_seconds": 30.0,
            "busy_since": None,
            "failing_since": None,
        },
        "scheduler": {
            "last_beat_at": "2026-03-27T08:59:50+00:00",
            "stale": False,
            "processes": 1,
            "interval_seconds": 30.0,
            "busy_since": None,
            "failing_since": None,
        },
        "queue": {"ready": 1, "oldest_ready_since": response.json()["queue"]["oldest_ready_since"], "running": 0},
        "organizations": [
            {"id": org.pk, "last_successful_run": {"as_of": "2026-03-27", "finished_at": "2026-03-27T06:00:12+00:00"}},
            {"id": other_org.pk, "last_successful_run": None},
        ],
    }
    # Nothing of the tenants: no name, no short name; no session.
    body = response.content.decode()
    for secret in ("acme", "ACME", "rival", "Rival"):
        assert secret not in body
    assert not response.cookies
    # The rest of the app still checks the host name.
    assert client.get("/accounts/login/", HTTP_HOST="10.1.2.3:8000").status_code == 400


def test_health_says_stale_when_a_process_stopped_beating_or_never_beat(client, org):  # type: ignore[no-untyped-def]
    never = health(client, at(10, 0)).json()
    assert never["status"] == "degraded"
    assert (never["worker"]["last_beat_at"], never["worker"]["stale"], never["worker"]["processes"]) == (None, True, 0)
    assert never["scheduler"]["stale"] is True

    beat(HeartbeatRecorder(Component.WORKER, interval=30), at(10, 0))
    beat(HeartbeatRecorder(Component.SCHEDULER, interval=30), at(10, 0))
    # Three intervals without a beat: still there at 10:01:30, stale a second later.
    assert health(client, at(10, 1, 30)).json()["status"] == "ok"
    late = health(client, at(10, 1, 31)).json()
    assert (late["status"], late["worker"]["stale"], late["scheduler"]["stale"]) == ("degraded", True, True)
    assert late["worker"]["last_beat_at"] == "2026-03-27T09:00:00+00:00"


def test_health_shows_a_failing_loop_without_its_message_and_a_busy_one(client, org):  # type: ignore[no-untyped-def]
    scheduler = HeartbeatRecorder(Component.SCHEDULER, interval=30)
    with time_machine.travel(at(9, 58), tick=False):
        scheduler.failing(OperationalError("database is locked"))
    beat(scheduler, at(9, 59, 50))
    worker = HeartbeatRecorder(Component.WORKER, interval=30)
    with time_machine.travel(at(9, 55), tick=False), worker.busy():
        beat(worker, at(9, 59, 55))
        answer = health(client, at(10, 0)).json()
    assert answer["status"] == "degraded"
    assert answer["scheduler"]["failing_since"] == "2026-03-27T08:58:00+00:00"
    assert "last_error" not in answer["scheduler"] and "locked" not in str(answer)
    assert (answer["worker"]["busy_since"], answer["worker"]["failing_since"]) == ("2026-03-27T08:55:00+00:00", None)


# ------------------------------------------------------------------------------------------------ the dashboard


@pytest.fixture
def admin(member_of):  # type: ignore[no-untyped-def]
    client = member_of("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def dashboard(client, when: datetime) -> str:  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False):
        page = client.get("/")
    assert page.status_code == 200
    return page.content.decode()


def banner(client, when: datetime) -> str:  # type: ignore[no-untyped-def]
    page = dashboard(client, when)
    if 'id="processes-banner"' not in page:
        return ""
    start = page.index('id="processes-banner"')
    return " ".join(text_of(page[start : page.index("</div>", start)]).split())


def text_of(html: str) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", html.split(">", 1)[1])


def test_the_dashboard_warns_administrators_when_the_scheduler_stopped(admin, member_of):  # type: ignore[no-untyped-def]
    installed(at(9, 0) - timedelta(days=30))
    beat(HeartbeatRecorder(Component.SCHEDULER, interval=30), at(8, 12))
    beat(HeartbeatRecorder(Component.WORKER, interval=30), at(9, 59, 40))
    assert banner(admin, at(10, 0)) == (
        "The scheduler has not been seen since March 27, 2026, 8:12 a.m.: daily runs and sending have stopped. "
        "Its log tells why. recouvre serve runs both (or recouvre scheduler and recouvre worker on their own)."
    )
    # Not for those who cannot act on it.
    viewer = member_of("viewer")
    assert 'id="processes-banner"' not in dashboard(viewer, at(10, 0))
    # Running again: no warning.
    beat(HeartbeatRecorder(Component.SCHEDULER, interval=30), at(9, 59, 50))
    assert banner(admin, at(10, 0)) == ""


def test_never_seen_is_a_warning_once_the_install_is_no_longer_new(admin):  # type: ignore[no-untyped-def]
    installed(at(9, 50))  # ten minutes ago: serve may be starting them right now
    assert banner(admin, at(10, 0)) == ""
    installed(at(9, 0))
    assert banner(admin, at(10, 0)) == (
        "The background worker has never run: e-mails queued from the web app are not sent. "
        "The scheduler has never run: no daily collections run, nothing is sent on its own. "
        "Its log tells why. recouvre serve runs both (or recouvre scheduler and recouvre worker on their own)."
    )


def test_a_loop_failing_for_over_a_minute_is_a_warning(admin):  # type: ignore[no-untyped-def]
    installed(at(9, 0))
    beat(HeartbeatRecorder(Component.SCHEDULER, interval=30), at(9, 59, 50))
    worker = HeartbeatRecorder(Component.WORKER, interval=30)
    with time_machine.travel(at(9, 59, 30), tick=False):
        worker.failing(OperationalError("database is locked"))
    beat(worker, at(9, 59, 50))
    assert banner(admin, at(10, 0)) == ""  # thirty seconds: it may well pass
    beat(worker, at(10, 0, 40))
    assert banner(admin, at(10, 0, 45)) == (
        "The background worker has been failing since March 27, 2026, 9:59 a.m. (OperationalError: database is "
        "locked); it keeps trying. Its log tells why. recouvre serve runs both (or recouvre scheduler and recouvre "
        "worker on their own)."
    )
