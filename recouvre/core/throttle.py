"""Login throttling, the decisions: how failed logins add up for one user name or one client address, and when
logging in is locked.

Failures count within ``period`` of one another: a failure longer than ``period`` after the last one starts the
count again. At ``limit`` failures logging in is locked for ``period`` (the right password is refused too); once
the lock has passed, the count starts again. A successful login clears a user name's count."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Count:
    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None


def after_failure(count: Count, now: datetime, *, limit: int, period: timedelta) -> Count:
    """The count once one more login has failed at ``now``."""
    recent = count.last_failure_at is not None and now - count.last_failure_at <= period
    still_locked = count.locked_until is not None and count.locked_until > now
    failures = count.failures + 1 if recent and (still_locked or count.locked_until is None) else 1
    locked_until = count.locked_until if still_locked else None
    if locked_until is None and failures >= limit:
        locked_until = now + period
    return Count(failures, now, locked_until)


def locked_until(count: Count, now: datetime) -> datetime | None:
    """When logging in is allowed again, or None when it is now."""
    return count.locked_until if count.locked_until is not None and count.locked_until > now else None


def user_key(username: str) -> str:
    """A user name as counted: without surrounding spaces, case folded (``Demo`` and ``demo`` add up)."""
    return username.strip().casefold()[:150]


def address_key(address: str) -> str:
    """A client address as counted: an IPv4 address as it is, an IPv6 address by its /64 network (what one
    connection is usually given); anything else as given."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is 192.0.2.1
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def forwarded_client(remote_addr: str, forwarded_for: str, *, behind_proxy: bool) -> str:
    """The client's address: the connection's, or behind a trusted proxy the last address of ``X-Forwarded-For``
    (the one the proxy appended; those before it are whatever the client sent)."""
    if behind_proxy and forwarded_for.strip():
        last = forwarded_for.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            pass
    return remote_addr
