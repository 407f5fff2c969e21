"""The hash chain of an organization's timeline: how a link is computed, and how a chain is checked. Pure.

Each sealed event of an organization carries a number ``seq`` (1, 2, 3... in the order the events were sealed),
the SHA-256 ``digest`` of its content (``recouvre.ledger.digests``), the link of the event before it
(``prev_hash``; 64 zeros for the first) and its own link::

    hash = SHA-256 of the ASCII text  prev_hash + digest + str(seq)

(two 64-character hexadecimal strings and the number in decimal, written one after the other). Changing,
removing, inserting or reordering a sealed event changes a link that the following event, or the chain's head,
no longer matches.

``Checker`` walks a chain in ``seq`` order, one event at a time (a chain of millions of events is never held in
memory), checking each event against the one before it only: a change is reported where it is, not at every
later event. The content itself is checked by the caller (``content_ok``): an event whose content no longer
matches its digest and that was not anonymised by the purge was changed after it was recorded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

GENESIS = "0" * 64  # the link before the first event


def link_hash(prev_hash: str, digest: str, seq: int) -> str:
    """The link of the event numbered ``seq`` whose content has ``digest``, after the link ``prev_hash``."""
    return hashlib.sha256(f"{prev_hash}{digest}{seq}".encode("ascii")).hexdigest()


def seal(prev_seq: int, prev_hash: str, digests: list[str]) -> list[tuple[int, str, str]]:
    """Number and link ``digests`` after the head ``(prev_seq, prev_hash)``: ``(seq, prev_hash, hash)`` each."""
    out = []
    for digest in digests:
        prev_seq += 1
        link = link_hash(prev_hash, digest, prev_seq)
        out.append((prev_seq, prev_hash, link))
        prev_hash = link
    return out


class Problem(StrEnum):
    MISSING = "missing"  # one or more numbers absent before this event: events were deleted
    LINK = "link"  # its prev_hash is not the link of the event before it: moved, inserted or reordered
    HASH = "hash"  # its link is not computed from its prev_hash, digest and number: stored values changed
    CONTENT = "content"  # its content no longer matches its digest, and the purge did not anonymise it
    HEAD = "head"  # the chain's recorded head is not its last event: the last events were deleted, or changed
    EXPECTED = "expected"  # a link noted elsewhere (a dossier) is not the one found at that number


@dataclass(frozen=True)
class Link:
    """What the check reads of one sealed event."""

    event_id: int
    seq: int
    prev_hash: str
    hash: str
    digest: str
    occurred_at: datetime | None = None
    content_ok: bool = True
    anonymised: bool = False


@dataclass(frozen=True)
class Break:
    """One thing wrong: the event where it shows (None for the head), and the numbers it concerns."""

    problem: Problem
    event_id: int | None
    seq: int | None
    occurred_at: datetime | None = None
    first_missing: int | None = None  # MISSING, HEAD: the numbers absent
    last_missing: int | None = None
    found: str = ""  # HEAD, EXPECTED: the link found (empty: no event at that number)
    expected: str = ""  # HEAD, EXPECTED: the link recorded


@dataclass
class Checker:
    """Feed it the sealed events in ``seq`` order, then ``finish`` with the recorded head."""

    expect: dict[int, str] = field(default_factory=dict)  # seq -> link noted elsewhere
    checked: int = 0
    anonymised: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    breaks: list[Break] = field(default_factory=list)  # the chain's links, in seq order
    tampered: list[Break] = field(default_factory=list)  # contents changed, in seq order

    def feed(self, e: Link) -> None:
        self.checked += 1
        if e.seq > self.last_seq + 1:
            self.breaks.append(Break(Problem.MISSING, e.event_id, e.seq, e.occurred_at, self.last_seq + 1, e.seq - 1))
        elif e.seq <= self.last_seq or e.prev_hash != self.last_hash:
            self.breaks.append(Break(Problem.LINK, e.event_id, e.seq, e.occurred_at))
        if link_hash(e.prev_hash, e.digest, e.seq) != e.hash:
            self.breaks.append(Break(Problem.HASH, e.event_id, e.seq, e.occurred_at))
        if e.seq in self.expect and self.expect[e.seq] != e.hash:
            self.breaks.append(
                Break(Problem.EXPECTED, e.event_id, e.seq, e.occurred_at, found=e.hash, expected=self.expect[e.seq])
            )
        self.expect.pop(e.seq, None)
        if e.anonymised:
            self.anonymised += 1
        elif not e.content_ok:
            self.tampered.append(Break(Problem.CONTENT, e.event_id, e.seq, e.occurred_at))
        self.last_seq, self.last_hash = max(self.last_seq, e.seq), e.hash

    def finish(self, head_seq: int, head_hash: str) -> None:
        """``head_seq`` 0 when no head is recorded."""
        if head_seq == 0 and not self.checked:
            pass  # nothing sealed yet
        elif head_seq > self.last_seq:
            self.breaks.append(
                Break(
                    Problem.HEAD,
                    None,
                    head_seq,
                    first_missing=self.last_seq + 1,
                    last_missing=head_seq,
                    found=self.last_hash if self.checked else "",
                    expected=head_hash,
                )
            )
        elif head_seq < self.last_seq or head_hash != self.last_hash:
            self.breaks.append(Break(Problem.HEAD, None, head_seq, found=self.last_hash, expected=head_hash))
        for seq, expected in sorted(self.expect.items()):
            self.breaks.append(Break(Problem.EXPECTED, None, seq, expected=expected))
        self.expect.clear()

    @property
    def intact(self) -> bool:
        return not self.breaks and not self.tampered
