"""Reading the heartbeats: is a worker, is a scheduler running? Not tenant data: processes serve every
organization."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.migrations.recorder import MigrationRecorder

from .models import Component, Heartbeat

STALE_AFTER_INTERVALS = 3  # a process is taken for gone after three intervals without a beat
FRESH_INSTALL = timedelta(minutes=15)  # a database this young may not have seen its processes start yet
FAILING_NOTICE_AFTER = timedelta(minutes=1)  # a loop failing for longer is worth a warning on the dashboard
RECENT_ROWS = 100


@dataclass(frozen=True)
class ComponentStatus:
    """A component as its processes' heartbeats tell it."""

    component: str
    last_beat_at: datetime | None  # the latest beat of any of its processes (None: never seen)
    stale: bool  # no process has beaten within three of its intervals
    processes: int  # processes beating within three of their intervals
    interval_seconds: float | None  # the interval of the latest beat
    busy_since: datetime | None  # the longest-running pass or task of its live processes
    failing_since: datetime | None  # set when every live process is failing: since the first began
    last_error: str

    @property
    def never_seen(self) -> bool:
        return self.last_beat_at is None

    def as_dict(self, *, errors: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "last_beat_at": _iso(self.last_beat_at),
            "stale": self.stale,
            "processes": self.processes,
            "interval_seconds": self.interval_seconds,
            "busy_since": _iso(self.busy_since),
            "failing_since": _iso(self.failing_since),
        }
        if errors:
            out["last_error"] = self.last_error
        return out


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _fresh(row: Heartbeat, now: datetime) -> bool:
    return now - row.beat_at <= timedelta(seconds=row.interval_seconds * STALE_AFTER_INTERVALS)


def component_status(component: str, now: datetime) -> ComponentStatus:
    rows = list(Heartbeat.objects.filter(component=component).order_by("-beat_at")[:RECENT_ROWS])
    live = [r for r in rows if _fresh(r, now)]
    failing = [r for r in live if r.failing_since is not None]
    busy = [r.busy_since for r in live if r.busy_since is not None]
    every_failing = bool(live) and len(failing) == len(live)
    return ComponentStatus(
        component=component,
        last_beat_at=rows[0].beat_at if rows else None,
        stale=not live,
        processes=len(live),
        interval_seconds=rows[0].interval_seconds if rows else None,
        busy_since=min(busy) if busy else None,
        failing_since=min(r.failing_since for r in failing if r.failing_since) if every_failing else None,
        last_error=max(failing, key=lambda r: r.beat_at).last_error if every_failing else "",
    )


def statuses(now: datetime) -> dict[str, ComponentStatus]:
    return {str(c): component_status(str(c), now) for c in Component}


def installed_at() -> datetime | None:
    """When the database was created: its first migration applied."""
    first = MigrationRecorder.Migration.objects.order_by("applied").values_list("applied", flat=True).first()
    return first


@dataclass(frozen=True)
class ProcessWarning:
    component: str
    kind: str  # "never": never seen; "stale": last seen at ``since``; "failing": failing since ``since``
    since: datetime | None
    error: str = ""

    @property
    def name(self) -> str:
        return str(Component(self.component).label)


def warnings(now: datetime) -> list[ProcessWarning]:
    """What the dashboard tells administrators about the background processes: one not running (never seen,
    unless the database is younger than ``FRESH_INSTALL``; or stale), or failing for over
    ``FAILING_NOTICE_AFTER``."""
    out = []
    young: bool | None = None
    for component, status in statuses(now).items():
        if status.never_seen:
            if young is None:
                created = installed_at()
                young = created is None or now - created < FRESH_INSTALL
            if not young:
                out.append(ProcessWarning(component, "never", None))
        elif status.stale:
            out.append(ProcessWarning(component, "stale", status.last_beat_at))
        elif status.failing_since is not None and now - status.failing_since > FAILING_NOTICE_AFTER:
            out.append(ProcessWarning(component, "failing", status.failing_since, status.last_error))
    return out
