"""Login throttling, the writes: failed logins counted per user name and per client address in the database
(``LoginThrottle``), shared by every web worker; the decisions are ``recouvre.core.throttle``'s.

The limits are settings: ``LOGIN_FAILURES_PER_USER`` failures for one user name, ``LOGIN_FAILURES_PER_ADDRESS``
from one address, within ``LOGIN_LOCKOUT_MINUTES`` of one another, lock logging in for that user name or from that
address for ``LOGIN_LOCKOUT_MINUTES``. Unknown user names are counted like the others (a lock says nothing of
whether a user exists)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from recouvre.core import throttle

from .models import LoginThrottle

log = logging.getLogger("recouvre.security")
Scope = LoginThrottle.Scope


def _period() -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _keys(username: str, address: str) -> list[tuple[str, str, int]]:
    return [
        (Scope.USER, throttle.user_key(username), settings.LOGIN_FAILURES_PER_USER),
        (Scope.ADDRESS, throttle.address_key(address), settings.LOGIN_FAILURES_PER_ADDRESS),
    ]


def _count(row: LoginThrottle) -> throttle.Count:
    return throttle.Count(row.failures, row.last_failure_at, row.locked_until)


def locked_until(username: str, address: str, now: datetime) -> datetime | None:
    """Until when logging in as ``username`` from ``address`` is locked (the later of the two locks), or None."""
    rows = LoginThrottle.objects.filter(
        Q(scope=Scope.USER, key=throttle.user_key(username)) | Q(scope=Scope.ADDRESS, key=throttle.address_key(address))
    )
    until = [u for row in rows if (u := throttle.locked_until(_count(row), now)) is not None]
    return max(until) if until else None


def record_failure(username: str, address: str, now: datetime) -> datetime | None:
    """Count a failed login; return until when logging in is now locked for it, or None. Counts older than the
    period are cleared on the way."""
    period = _period()
    locks = []
    with transaction.atomic():
        LoginThrottle.objects.filter(last_failure_at__lt=now - 2 * period).filter(
            Q(locked_until__isnull=True) | Q(locked_until__lt=now)
        ).delete()
        for scope, key, limit in _keys(username, address):
            row, _created = LoginThrottle.objects.select_for_update().get_or_create(
                scope=scope, key=key, defaults={"last_failure_at": now}
            )
            was_locked = throttle.locked_until(_count(row), now)
            count = throttle.after_failure(_count(row), now, limit=limit, period=period)
            row.failures, row.last_failure_at, row.locked_until = count.failures, now, count.locked_until
            row.save(update_fields=["failures", "last_failure_at", "locked_until"])
            if count.locked_until is not None:
                locks.append(count.locked_until)
                if was_locked is None:
                    log.warning(
                        "logins locked for %s %r until %s after %s failed logins",
                        scope,
                        key,
                        count.locked_until.isoformat(),
                        count.failures,
                    )
    return max(locks) if locks else None


def record_success(username: str) -> None:
    """A successful login clears the user name's count (not the address's: one account's success must not
    clear the failures tried from there on others)."""
    LoginThrottle.objects.filter(scope=Scope.USER, key=throttle.user_key(username)).delete()


def unlock(username: str = "", address: str = "") -> int:
    """Clear the counts of a user name and/or an address (an administrator's way out); how many were cleared."""
    query = Q(pk__in=[])
    if username:
        query |= Q(scope=Scope.USER, key=throttle.user_key(username))
    if address:
        query |= Q(scope=Scope.ADDRESS, key=throttle.address_key(address))
    deleted, _by_model = LoginThrottle.objects.filter(query).delete()
    return deleted
