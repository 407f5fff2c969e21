"""Loops that a passing error does not stop.

The scheduler's loop and the worker's loop hand every failed pass to a ``Recovery``: one log line (the error's
class and message; the traceback too, the first time, for an error that is not a passing one), the database
connections dropped so that the next pass opens fresh ones, a pause of 1 s, then 2 s, 4 s... up to 60 s, and the
pass is tried again, for ever. The first pass that works again says so in one line and the pauses start again from
1 s. Passing errors are the database's (``OperationalError``: locked, server restarting, connection lost;
``InterfaceError``: connection closed) and the system's (``OSError``: network, disk).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import InterfaceError, OperationalError, connections
from django.db import close_old_connections as django_close_old_connections
from django.utils.translation import gettext as _

from .text import describe, seconds

if TYPE_CHECKING:
    from .heartbeat import HeartbeatRecorder

__all__ = ["TRANSIENT", "Recovery", "describe", "drop_connections", "is_transient", "seconds"]

log = logging.getLogger("recouvre.operations")

TRANSIENT: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, OSError)
FIRST_DELAY = 1.0
MAX_DELAY = 60.0


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT)


def drop_connections() -> None:
    """Close this thread's database connections (a broken one is never used again); errors closing them are
    ignored: the connection is gone either way. One inside a transaction (this thread's caller's, as in a test) is
    left to its owner."""
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            continue
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - closing a broken connection may fail; it is dropped all the same
            pass


def close_old_connections() -> None:
    """Django's ``close_old_connections`` (connections past their age or broken are closed before a pass), except
    inside a transaction (a loop run by a test in its own transaction), which it would break."""
    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        django_close_old_connections()


class Recovery:
    """What a loop named ``name`` does when a pass fails, and when one works again (see the module description).
    ``heartbeat``, when given, carries the failure to ``/health`` and the dashboard."""

    def __init__(
        self,
        name: str,
        *,
        heartbeat: HeartbeatRecorder | None = None,
        first: float = FIRST_DELAY,
        cap: float = MAX_DELAY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.heartbeat = heartbeat
        self.first = first
        self.cap = cap
        self.sleep = sleep
        self.failures = 0

    def next_delay(self) -> float:
        return min(self.cap, self.first * 2**self.failures)

    def failed(self, exc: BaseException) -> float:
        """Log ``exc``, drop the connections, pause; returns the pause, in seconds."""
        delay = self.next_delay()
        self.failures += 1
        facts = {"name": self.name, "error": describe(exc), "delay": seconds(delay), "count": self.failures}
        if is_transient(exc):
            log.warning(_("%(name)s: %(error)s; trying again in %(delay)s s (failure %(count)d in a row).") % facts)
        else:
            log.error(
                _("%(name)s: unexpected error (%(error)s); trying again in %(delay)s s (failure %(count)d in a row).")
                % facts,
                exc_info=self.failures == 1,
            )
        drop_connections()
        if self.heartbeat is not None:
            self.heartbeat.failing(exc)
        self.sleep(delay)
        return delay

    def succeeded(self) -> None:
        if self.failures:
            log.warning(
                _("%(name)s: working again after %(count)d failed attempts.")
                % {"name": self.name, "count": self.failures}
            )
            self.failures = 0
        if self.heartbeat is not None:
            self.heartbeat.working()
