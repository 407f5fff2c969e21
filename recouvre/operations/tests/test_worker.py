"""The worker's loop under a database that fails, and the heartbeat thread, in this process (real processes:
tests/test_resilience.py)."""

from __future__ import annotations

import logging
import sqlite3
import time

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from recouvre.collections.tasks import send_due
from recouvre.operations.heartbeat import HeartbeatRecorder
from recouvre.operations.models import Component, Heartbeat
from recouvre.operations.worker import make_worker
from recouvre.testing.factories import OrganizationFactory


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's outage: tests/test_resilience.py")
def test_the_worker_waits_out_a_locked_database_then_runs_the_task(transactional_db, caplog):  # type: ignore[no-untyped-def]
    if not connection.is_in_memory_db():
        pytest.skip(
            "another connection locks SQLite's shared in-memory test database; a file: tests/test_resilience.py"
        )
    org = OrganizationFactory(slug="acme", name="ACME Distribution SAS")
    send_due.enqueue(org.pk)
    other = sqlite3.connect(connection.settings_dict["NAME"], uri=True, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another writer holds the database
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 3:
            other.execute("COMMIT")

    caplog.set_level(logging.WARNING, logger="recouvre.operations")
    try:
        make_worker(interval=0, max_tasks=1, heartbeat=False, sleep=sleep).run()
    finally:
        other.close()
    assert pauses == [1, 2, 4]
    lines = [r.getMessage() for r in caplog.records]
    assert [line.rsplit("; ", 1)[1] for line in lines[:3]] == [
        "trying again in 1 s (failure 1 in a row).",
        "trying again in 2 s (failure 2 in a row).",
        "trying again in 4 s (failure 3 in a row).",
    ]
    assert all(line.startswith("background worker: OperationalError: database ") for line in lines[:3])
    assert lines[3:] == ["background worker: working again after 3 failed attempts."]
    task = DBTaskResult.objects.get()
    assert (task.status, task.return_value["organization"], task.return_value["emails_sent"]) == (
        "SUCCESSFUL",
        "acme",
        0,
    )


def test_the_heartbeat_thread_beats_and_says_busy(transactional_db):  # type: ignore[no-untyped-def]
    recorder = HeartbeatRecorder(Component.WORKER, interval=0.05)
    recorder.start()
    try:
        deadline = time.monotonic() + 10
        while not Heartbeat.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        first = Heartbeat.objects.get()
        with recorder.busy():
            while Heartbeat.objects.get().busy_since is None and time.monotonic() < deadline:
                time.sleep(0.02)
            row = Heartbeat.objects.get()
        assert row.busy_since is not None and row.beat_at > first.beat_at
        assert (row.component, row.pid, row.interval_seconds) == ("worker", first.pid, 0.05)
    finally:
        recorder.stop()
    assert Heartbeat.objects.count() == 1  # one row per process, updated
