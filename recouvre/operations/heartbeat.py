"""Heartbeats: a running worker or scheduler writes, every ``RECOUVRE_HEARTBEAT_SECONDS`` (default 30), one row
of its own in ``Heartbeat`` (component, host, process id, start): the time, whether it is busy (since when), whether
its loop is failing (since when, the latest error).

The beats come from a thread of their own, so that a long task (a day's run of a large organization, a long list
of e-mails) does not make a process that works look dead; what the loop is doing shows in ``busy_since`` and
``failing_since``. A process that stopped, or cannot reach the database, stops beating: it is *stale* once three
intervals have passed without a beat (``recouvre.operations.selectors``). ``recouvre scheduler --once`` (cron)
writes one beat per pass, with the time until the next pass as its interval.

Rows not updated for ``PRUNE_AFTER`` are deleted when a process starts.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Component, Heartbeat
from .text import describe, seconds

log = logging.getLogger("recouvre.operations")

PRUNE_AFTER = timedelta(days=7)


class HeartbeatRecorder:
    """The heartbeat of this process as ``component``, beating at most ``interval`` seconds apart."""

    def __init__(self, component: str, *, interval: float) -> None:
        self.component = component
        self.interval = interval
        self.host = socket.gethostname()[:255]
        self.pid = os.getpid()
        self.started_at = timezone.now()
        self.busy_since: datetime | None = None
        self.failing_since: datetime | None = None
        self.last_error = ""
        self._pk: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return str(Component(self.component).label)

    # ------------------------------------------------------------------------------------------ the loop's state

    @contextmanager
    def busy(self) -> Iterator[None]:
        self.busy_since = timezone.now()
        try:
            yield
        finally:
            self.busy_since = None

    def failing(self, exc: BaseException) -> None:
        if self.failing_since is None:
            self.failing_since = timezone.now()
        self.last_error = describe(exc, limit=500)

    def working(self) -> None:
        self.failing_since = None
        self.last_error = ""

    # ------------------------------------------------------------------------------------------ writing

    def beat(self) -> None:
        """Record the beat now; the database's error, if any, is raised."""
        now = timezone.now()
        fields = {
            "beat_at": now,
            "interval_seconds": self.interval,
            "busy_since": self.busy_since,
            "failing_since": self.failing_since,
            "last_error": self.last_error,
        }
        if self._pk is not None and Heartbeat.objects.filter(pk=self._pk).update(**fields):
            return
        first = self._pk is None
        row = Heartbeat.objects.create(
            component=self.component, host=self.host, pid=self.pid, started_at=self.started_at, **fields
        )
        self._pk = row.pk
        if first:
            Heartbeat.objects.filter(beat_at__lt=now - PRUNE_AFTER).delete()

    def start(self) -> None:
        """Beat now and every ``interval`` seconds from a thread of its own, until ``stop``."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, args=(translation.get_language(),), name=f"{self.component}-heartbeat", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self, language: str | None) -> None:
        with translation.override(language):
            failing = False
            while True:
                try:
                    self.beat()
                    if failing:
                        log.warning(_("%(name)s: heartbeat recorded again.") % {"name": self.name})
                    failing = False
                except Exception as exc:  # noqa: BLE001 - a beat that fails is told once and tried again
                    if not failing:
                        log.warning(
                            _("%(name)s: heartbeat not recorded (%(error)s); trying again every %(interval)s s.")
                            % {"name": self.name, "error": describe(exc), "interval": seconds(self.interval)}
                        )
                    failing = True
                finally:
                    try:
                        connection.close()  # this thread's own connection
                    except Exception:  # noqa: BLE001 - a broken connection is dropped all the same
                        pass
                if self._stop.wait(self.interval):
                    return
