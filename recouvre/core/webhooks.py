"""Webhooks, the pure part: which timeline kinds become which public event types, how a delivery is signed, when a
failed delivery is tried again, and which addresses an endpoint may have. No Django import.

Signature: ``Recouvre-Signature: t=TIMESTAMP,v1=HEX`` where ``HEX`` is the lowercase hexadecimal
HMAC-SHA256, keyed with the endpoint's secret, of ``f"{TIMESTAMP}.{BODY}"`` (the Unix time in seconds, a dot, the
request body's bytes as sent).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from .i18n import _

SIGNATURE_HEADER = "Recouvre-Signature"

# Public event type -> the timeline kinds it is made from. ``invoice.paid`` is not a timeline kind: it is sent when
# an event that applies money to invoices (an allocation, a bank entry applied) leaves an invoice with nothing open.
EVENT_KINDS: dict[str, tuple[str, ...]] = {
    "invoice.paid": ("allocation.created", "bank.payment_applied"),
    "reminder.sent": ("collections.email_sent",),
    "letter.posted": ("letters.posted",),
    "dispute.opened": ("collections.dispute_opened",),
    "dispute.resolved": ("collections.dispute_resolved", "collections.dispute_credited"),
    "promise.made": ("collections.promise_recorded",),
    "promise.kept": ("collections.promise_kept",),
    "promise.broken": ("collections.promise_broken",),
    "plan.missed": ("collections.plan_broken",),
    "customer.on_hold": ("collections.hold_placed", "collections.hold_placed_open"),
    "proceeding.opened": ("proceedings.opened",),
}
EVENT_TYPES: tuple[str, ...] = tuple(EVENT_KINDS)
# the type of a test delivery (sent on request, to any endpoint, whatever it subscribes to)
TEST_TYPE = "webhook.test"
# the kinds that may make an invoice paid
PAYING_KINDS: frozenset[str] = frozenset(EVENT_KINDS["invoice.paid"])
TYPE_OF_KIND: dict[str, str] = {kind: t for t, kinds in EVENT_KINDS.items() for kind in kinds if t != "invoice.paid"}


def kinds_for(types: Iterable[str]) -> set[str]:
    """The timeline kinds to read for an endpoint subscribed to ``types``."""
    return {kind for t in types for kind in EVENT_KINDS.get(t, ())}


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hexadecimal HMAC-SHA256 of ``f"{timestamp}.{body}"`` keyed with ``secret``."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the ``Recouvre-Signature`` header."""
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` and its time is within ``tolerance`` seconds of ``now``
    (what a receiver does; here for the tests and the documentation)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), parts.get("v1", ""))


# The wait before each new try of a delivery that failed: after the 1st failure 1 minute, then 5 minutes, 30 minutes,
# 2 hours, 12 hours, then every 24 hours.
BACKOFF: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
DAILY = timedelta(hours=24)
# tries of one delivery before it is given up (about a week)
MAX_ATTEMPTS = 12


def retry_delay(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed tries (1 = the first failed)."""
    if attempts < 1:
        return timedelta(0)
    return BACKOFF[attempts - 1] if attempts <= len(BACKOFF) else DAILY


def url_problem(url: str, *, allow_loopback: bool) -> str | None:
    """What is wrong with ``url`` as an endpoint's address on its face (None: nothing): https only, plain http only
    to a loopback host when ``allow_loopback``; no user name or password in it. The addresses its host name
    resolves to are checked when it is called (``address_problem``)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return _("not a valid address")
    del port
    if not parts.hostname:
        return _("not a valid address")
    if parts.username or parts.password:
        return _("a user name or password in the address")
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and allow_loopback and _is_loopback_name(parts.hostname):
        return None
    return _("only https:// addresses are allowed")


def _is_loopback_name(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def address_problem(address: str, *, allow_private: bool, allow_loopback: bool) -> str | None:
    """What is wrong with calling IP ``address`` (None: nothing). Loopback only when ``allow_loopback``; private,
    link-local, reserved, multicast and unspecified addresses only when ``allow_private``."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None if allow_loopback or allow_private else _("a loopback address")
    if ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
        return None if allow_private else _("a private-network address")
    return None
