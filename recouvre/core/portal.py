"""The customer portal's decisions, with no database: when a link may be reused in a new document, and how many
requests a key may make in a window of time.

A link is valid from its creation to its expiry unless revoked. A new document carries the customer's newest live
link while more than half of its validity is still ahead (so that a link read in a reminder still works for a good
while); otherwise a new link is issued. Requests are counted per fixed window (``window_start``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Requests a portal page accepts, per link and per client address, in each window of WINDOW.
WINDOW = timedelta(minutes=10)
PER_LINK = 120
PER_ADDRESS = 300


@dataclass(frozen=True)
class LinkState:
    created_at: datetime
    expires_at: datetime
    revoked: bool = False


def is_live(link: LinkState, now: datetime) -> bool:
    return not link.revoked and link.created_at <= now < link.expires_at


def reusable(link: LinkState, now: datetime) -> bool:
    """A new document may carry this link: live, with more than half of its validity ahead."""
    return is_live(link, now) and link.expires_at - now > (link.expires_at - link.created_at) / 2


def expires_at(now: datetime, days: int) -> datetime:
    if days < 1:
        raise ValueError("a portal link is valid for one day at least")
    return now + timedelta(days=days)


def window_start(now: datetime, window: timedelta = WINDOW) -> datetime:
    """The start of the fixed window ``now`` falls in (windows start at the Unix epoch, in ``now``'s zone)."""
    seconds = int(window.total_seconds())
    epoch = datetime(1970, 1, 1, tzinfo=now.tzinfo)
    elapsed = int((now - epoch).total_seconds())
    return epoch + timedelta(seconds=elapsed - elapsed % seconds)
