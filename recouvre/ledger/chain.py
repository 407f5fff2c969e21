"""The hash chain of each organization's timeline: sealing events, and checking the chain (``recouvre verify``).

How a link is computed and a chain checked is pure (``recouvre.core.chain``); this module reads and writes them.

**Sealing.** Events are inserted unsealed (``seq`` empty) by ``record_event``, ``bulk_record_events`` and the
imports' bulk inserts, which call ``seal_on_commit``: once the transaction that wrote them is committed, ``seal``
runs in a transaction of its own, once per organization and transaction however many events were written. It takes
the organization's lock, which is the row of its chain's head (``ChainHead``, created by the first seal):
``SELECT ... FOR UPDATE`` on PostgreSQL, so two sealers of one organization wait for each other and each reads the
head the one before left, while nothing else waits (not the organization's row, which other writes update, nor the
inserts that refer to it); SQLite serialises writers anyway. It then reads the organization's unsealed events in
id order, computes their digests and links in Python, and writes them with one statement per 10 000 events
(``UPDATE ... FROM unnest(...)`` on PostgreSQL, ``executemany`` on SQLite) and the new head. Under the lock, no
two sealers continue the same head: the chain cannot fork (and the unique ``(organization, seq)`` refuses it
anyway). An event whose transaction is still running when another transaction's seal runs is sealed by its own
transaction's seal, after: the chain follows the order of sealing, which is the id order within each seal.

Events left unsealed (a process stopped between its commit and its seal) are sealed by the organization's next
seal, by the daily run, or by ``recouvre seal``; ``recouvre verify`` reports those older than a few minutes.

**Checking.** ``verify`` walks the sealed events in ``seq`` order in one consistent snapshot, recomputes each
event's digest from its content and each link, and compares the last link with the head.
"""

from __future__ import annotations

import gc
import json
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core import chain as core
from recouvre.organizations.models import Organization

from .digests import CONTENT_FIELDS, digest_of_row
from .models import ChainHead, Event

log = logging.getLogger(__name__)

SEAL_BATCH = 10_000
_HEX64 = re.compile(r"[0-9a-f]{64}")
# Unsealed events older than this are an anomaly for ``verify``: a seal runs as soon as their transaction commits.
STALE_AFTER = timedelta(minutes=5)
LISTED = 100  # problems listed per organization (all are counted)


# ------------------------------------------------------------------------------------------------------ sealing


class _Seal:
    """The commit hook that seals one organization's events."""

    __slots__ = ("organization_id",)

    def __init__(self, organization_id: int):
        self.organization_id = organization_id

    def __call__(self) -> None:
        pending = _pending(transaction.get_connection())
        if pending.get(self.organization_id, (0, None))[1] is self:
            del pending[self.organization_id]
        seal(self.organization_id, look_first=False)


def _pending(conn: Any) -> dict[int, tuple[int, _Seal]]:
    """Per connection: organization id -> (index in ``run_on_commit``, hook) of the seal it waits for."""
    pending: dict[int, tuple[int, _Seal]] | None = getattr(conn, "_recouvre_seals", None)
    if pending is None:
        pending = conn._recouvre_seals = {}
    return pending


_local = threading.local()


def seal_on_commit(organization_id: int) -> None:
    """Seal ``organization_id``'s events once the current transaction commits (at once outside a transaction).
    Called after each write of events; one seal per organization and transaction. A seal that fails is logged and
    leaves the events to the next one (the commit of the data stands)."""
    deferred: set[int] | None = getattr(_local, "deferred", None)
    if deferred is not None:
        deferred.add(organization_id)
        return
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        try:
            seal(organization_id, look_first=False)
        except Exception:  # as a failed commit hook: the write stands, the next seal takes its events
            log.exception("sealing the timeline of organization %s failed", organization_id)
        return
    pending = _pending(conn)
    entry = pending.get(organization_id)
    if entry is not None:
        index, hook = entry
        hooks = conn.run_on_commit
        if index < len(hooks) and hooks[index][1] is hook:
            return  # already waiting for this commit (not rolled back with a savepoint)
    hook = _Seal(organization_id)
    transaction.on_commit(hook, robust=True)
    pending[organization_id] = (len(conn.run_on_commit) - 1, hook)


@contextmanager
def sealing_deferred() -> Iterator[None]:
    """Inside, events are not sealed when their transactions commit; on leaving, every organization that wrote any
    is sealed. For a process that changes its events after writing them (the demo dates them afterwards)."""
    outer: set[int] | None = getattr(_local, "deferred", None)
    _local.deferred = set()
    try:
        yield
    finally:
        organizations, _local.deferred = _local.deferred, outer
        if outer is not None:
            outer |= organizations
        else:
            for organization_id in sorted(organizations):
                seal_on_commit(organization_id)


def seal(organization: Organization | int, *, look_first: bool = True) -> int:
    """Seal the organization's unsealed events, in id order, after its chain's head: the number sealed.

    ``look_first``: see whether any event is unsealed before taking the lock (False after a write of events).
    A few plain statements: a seal follows every write, and the ORM's own cost would be most of it."""
    organization_id = organization if isinstance(organization, int) else organization.pk
    events, heads = Event._meta.db_table, ChainHead._meta.db_table
    if look_first:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {events} WHERE organization_id = %s AND seq IS NULL LIMIT 1", [organization_id]
            )
            if cursor.fetchone() is None:
                return 0
    done = 0
    own_transaction = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A seal lost in a crash is done again by the next one (and any later commit makes it durable): its
            # commit need not wait for the disk.
            if own_transaction:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            # The organization's lock: its head row, created by its first seal. Sealers of one organization wait
            # for each other here, and read the head as the one before them left it.
            lock = f"SELECT seq, hash FROM {heads} WHERE organization_id = %s FOR UPDATE"
            cursor.execute(lock, [organization_id])
            head = cursor.fetchone()
            if head is None:
                cursor.execute(
                    f"INSERT INTO {heads} (organization_id, seq, hash, sealed_at) VALUES (%s, 0, %s, %s) "
                    "ON CONFLICT (organization_id) DO NOTHING",
                    [organization_id, core.GENESIS, timezone.now()],
                )
                cursor.execute(lock, [organization_id])
                head = cursor.fetchone()
        else:  # SQLite's write transactions are serial: the transaction is the lock
            cursor.execute(f"SELECT seq, hash FROM {heads} WHERE organization_id = %s", [organization_id])
            head = cursor.fetchone()
        seq, link = head if head is not None else (0, core.GENESIS)
        last_id = 0
        with _no_gc():
            while True:
                rows = _read(UNSEALED, [organization_id, last_id, SEAL_BATCH])
                if rows:
                    # a digest already stored (by the purge, before it anonymised the event) is kept
                    digests = [row[8] if _HEX64.fullmatch(row[8]) else digest_of_row(row[:8]) for row in rows]
                    links = core.seal(seq, link, digests)
                    _write([row[0] for row in rows], links, digests)
                    seq, link = links[-1][0], links[-1][2]
                    last_id = rows[-1][0]
                    done += len(rows)
                if len(rows) < SEAL_BATCH:
                    break
        if done:
            cursor.execute(
                f"INSERT INTO {heads} (organization_id, seq, hash, sealed_at) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (organization_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, "
                "sealed_at = excluded.sealed_at",
                [organization_id, seq, link, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
    return done


def _aware(at: Any) -> Any:
    """A time as SQLite gives it (UTC, without its offset; text or a naive datetime) made aware."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if isinstance(at, datetime) and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at


@contextmanager
def _no_gc() -> Iterator[None]:
    """The garbage collector paused while many events are read and hashed: they make no reference cycles, and
    each collection it would run in between walks every object of the process (after a large import, millions)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# The columns read of an event: its content (``digests.CONTENT_FIELDS``), then its digest and chain values.
_COLUMNS = (*CONTENT_FIELDS, "digest", "seq", "prev_hash", "hash", "anonymised_at")
UNSEALED = "organization_id = %s AND seq IS NULL AND id > %s ORDER BY id LIMIT %s"
SEALED = "organization_id = %s AND seq IS NOT NULL AND seq > %s ORDER BY seq LIMIT %s"


def _read(where: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Events as tuples of ``_COLUMNS``, read with one plain query: the JSON and the dates converted here, in
    bulk, the values being those the ORM gives (Django's per-value converters cost more than the hashing)."""
    meta = Event._meta
    qn = connection.ops.quote_name
    names = [qn(meta.get_field(f.removesuffix("_id")).column) for f in _COLUMNS]
    if connection.vendor == "sqlite":  # the times as text, parsed here once per distinct value
        times = ("occurred_at", "anonymised_at")
        names = [f"CAST({n} AS TEXT)" if f in times else n for f, n in zip(_COLUMNS, names, strict=True)]
    columns = ", ".join(names)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {qn(meta.db_table)} WHERE {where}", params)
        rows = cursor.fetchall()
    if not rows:
        return []
    loads = json.loads
    times: dict[Any, Any] = {}
    out = []
    for r in rows:
        data, at, anonymised = r[4], r[7], r[12]
        if isinstance(data, str | bytes):
            data = loads(data)
        if at in times:
            at = times[at]
        else:
            at = times[at] = _aware(at)
        if anonymised is not None:
            anonymised = _aware(anonymised)
        out.append((r[0], r[1], r[2], r[3], data, r[5], r[6], at, r[8], r[9], r[10], r[11], anonymised))
    return out


def _write(ids: list[int], links: list[tuple[int, str, str]], digests: list[str]) -> None:
    """Store the links of the events ``ids``, still unsealed (anything else is an error: nothing is written)."""
    meta = Event._meta
    qn = connection.ops.quote_name
    table, pk = qn(meta.db_table), qn(meta.pk.column)
    columns = [qn(meta.get_field(f).column) for f in ("seq", "prev_hash", "hash", "digest")]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            assignments = ", ".join(f"{c} = v.{c}" for c in columns)

            # Each array as the text of a literal: numbers and hexadecimal digits need no quoting, and building it
            # is many times faster than adapting 50 000 values one by one.
            def array(values: list[Any]) -> str:
                return "{" + ",".join(map(str, values)) + "}"

            cursor.execute(
                f"UPDATE {table} AS e SET {assignments} "
                f"FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], %s::varchar[], %s::varchar[]) "
                f"AS v({pk}, {', '.join(columns)}) WHERE e.{pk} = v.{pk} AND e.{columns[0]} IS NULL",
                [
                    array(ids),
                    array([s for s, _p, _h in links]),
                    array([p for _s, p, _h in links]),
                    array([h for _s, _p, h in links]),
                    array(digests),
                ],
            )
            written = cursor.rowcount
        else:
            assignments = ", ".join(f"{c} = %s" for c in columns)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {pk} = %s AND {columns[0]} IS NULL",
                [(s, p, h, d, i) for i, (s, p, h), d in zip(ids, links, digests, strict=True)],
            )
            written = cursor.rowcount
    if written != len(ids):
        raise RuntimeError(f"sealing: {written} events written of {len(ids)}: another sealer ran at the same time")


# ----------------------------------------------------------------------------------------------------- the head


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    occurred_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}


def head_before(organization: Organization, until: datetime) -> Head | None:
    """The chain's head as it stood for events that occurred before ``until``: the sealed event of the highest
    number among them (None when none is sealed)."""
    row = (
        Event.objects.filter(organization=organization, seq__isnull=False, occurred_at__lt=until)
        .order_by("-seq")
        .values_list("seq", "hash", "occurred_at")
        .first()
    )
    return Head(*row) if row is not None else None


# ------------------------------------------------------------------------------------------------ verification


@dataclass
class Verification:
    organization: str
    checked: int = 0
    anonymised: int = 0
    head: Head | None = None
    breaks: list[core.Break] = field(default_factory=list)
    tampered: list[core.Break] = field(default_factory=list)
    unsealed: int = 0
    stale_unsealed: int = 0
    oldest_unsealed_at: datetime | None = None

    @property
    def intact(self) -> bool:
        return not self.breaks and not self.tampered

    @property
    def problems(self) -> list[core.Break]:
        """Breaks of the chain and changed contents together, in the chain's order (the head's last)."""
        return sorted(self.breaks + self.tampered, key=lambda b: (b.event_id is None, b.seq or 0))

    @property
    def first_break(self) -> core.Break | None:
        problems = self.problems
        return problems[0] if problems else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "organization": self.organization,
            "ok": self.intact,
            "events": self.checked,
            "anonymised": self.anonymised,
            "head": self.head.as_dict() if self.head is not None else None,
            "first_break": break_dict(first) if (first := self.first_break) is not None else None,
            "breaks": [break_dict(b) for b in self.breaks[:LISTED]],
            "break_count": len(self.breaks),
            "tampered": [break_dict(b) for b in self.tampered[:LISTED]],
            "tampered_count": len(self.tampered),
            "unsealed": self.unsealed,
            "stale_unsealed": self.stale_unsealed,
            "oldest_unsealed_at": self.oldest_unsealed_at.isoformat() if self.oldest_unsealed_at else None,
        }


def verify(
    organization: Organization, *, now: datetime | None = None, expect: dict[int, str] | None = None
) -> Verification:
    """Check ``organization``'s chain (see the module description). ``expect``: links noted elsewhere (a dossier's
    head), by number, that the chain must still have."""
    now = now or timezone.now()
    checker = core.Checker(expect=dict(expect or {}))
    result = Verification(organization.slug)
    with _snapshot():
        last_seq = 0
        while True:
            rows = _read(SEALED, [organization.pk, last_seq, SEAL_BATCH])
            for row in rows:
                checker.feed(
                    core.Link(
                        event_id=row[0],
                        seq=row[9],
                        prev_hash=row[10],
                        hash=row[11],
                        digest=row[8],
                        occurred_at=row[7],
                        content_ok=digest_of_row(row[:8]) == row[8],
                        anonymised=row[12] is not None,
                    )
                )
            if len(rows) < SEAL_BATCH:
                break
            last_seq = rows[-1][9]
        recorded = ChainHead.objects.filter(organization=organization).values_list("seq", "hash").first()
        checker.finish(*(recorded or (0, "")))
        unsealed = Event.objects.filter(organization=organization, seq__isnull=True)
        counts = unsealed.aggregate(n=Count("id"), oldest=Min("occurred_at"))
        stale = unsealed.filter(occurred_at__lt=now - STALE_AFTER).count() if counts["n"] else 0
    result.checked, result.anonymised = checker.checked, checker.anonymised
    result.breaks, result.tampered = checker.breaks, checker.tampered
    if recorded is not None:
        result.head = Head(*recorded)
    result.unsealed, result.oldest_unsealed_at, result.stale_unsealed = counts["n"], counts["oldest"], stale
    return result


@contextmanager
def _snapshot() -> Iterator[None]:
    """The reads inside see one state of the database, without holding writers back (outside a transaction)."""
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        # Django's own transactions are IMMEDIATE (they take the write lock): a deferred one only reads.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
    else:
        yield


# ------------------------------------------------------------------------------------------------------ wording


def local_time(at: datetime | None) -> str:
    if at is None:
        return ""
    return timezone.localtime(at, timezone=timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M:%S")


def describe_problem(b: core.Break) -> str:
    """What is wrong, in the reader's language."""
    P = core.Problem
    if b.problem is P.MISSING:
        if b.first_missing == b.last_missing:
            return _("event no. %(first)s of the chain, just before it, is missing: it was deleted.") % {
                "first": b.first_missing
            }
        return _("events no. %(first)s to %(last)s of the chain, just before it, are missing: they were deleted.") % {
            "first": b.first_missing,
            "last": b.last_missing,
        }
    if b.problem is P.LINK:
        return _("its link to the previous event is not that event's link: events were moved, inserted or reordered.")
    if b.problem is P.HASH:
        return _("its link does not follow from its digest, number and previous link: its chain values were changed.")
    if b.problem is P.CONTENT:
        return _(
            "its content no longer matches its digest and the purge did not anonymise it: it was changed after it "
            "was recorded."
        )
    if b.problem is P.HEAD:
        if not b.expected:
            return _("no head is recorded for this chain: the head was deleted.")
        if b.first_missing == 1:
            return _("the chain's head is event no. %(head)s, but no sealed event is found: they were deleted.") % {
                "head": b.seq
            }
        if b.first_missing is not None:
            return _(
                "the chain's head is event no. %(head)s, but the last event found is no. %(last)s: the last events "
                "were deleted."
            ) % {"head": b.seq, "last": (b.first_missing or 1) - 1}
        return _("the chain's head (no. %(head)s) is not its last event: the end of the chain was changed.") % {
            "head": b.seq
        }
    if b.found:
        return _("its link is not the one noted for no. %(seq)s (%(expected)s): the chain was rewritten.") % {
            "seq": b.seq,
            "expected": b.expected,
        }
    return _("the chain has no event no. %(seq)s, whose link was noted (%(expected)s).") % {
        "seq": b.seq,
        "expected": b.expected,
    }


def describe_break(b: core.Break) -> str:
    """One line naming where the problem is and what it is."""
    if b.event_id is None:
        return _("Chain head: %(problem)s") % {"problem": describe_problem(b)}
    return _("Event %(id)s (no. %(seq)s, %(at)s): %(problem)s") % {
        "id": b.event_id,
        "seq": b.seq,
        "at": local_time(b.occurred_at),
        "problem": describe_problem(b),
    }


def break_dict(b: core.Break) -> dict[str, Any]:
    out: dict[str, Any] = {
        "problem": b.problem.value,
        "event": b.event_id,
        "seq": b.seq,
        "occurred_at": b.occurred_at.isoformat() if b.occurred_at else None,
        "message": describe_break(b),
    }
    if b.first_missing is not None:
        out["missing"] = [b.first_missing, b.last_missing]
    if b.expected:
        out["expected"], out["found"] = b.expected, b.found
    return out
