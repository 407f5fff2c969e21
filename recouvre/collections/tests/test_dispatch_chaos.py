"""Several `recouvre dispatch` processes at once on one outbox, started at random moments, some killed with
SIGKILL at random moments, against a slow SMTP server on the loopback; with a lease shorter than the slowest
messages, so that only renewals keep a claim while its message is in flight.

Whatever happened, every planned message is delivered; a message is delivered twice only because a dispatcher was
killed while it was in flight, as the very same bytes (same Message-ID), at most once per kill; and with no kill,
never. Fixed seed, bounded in processes and in time.

On PostgreSQL the processes share the test database (a transactional test, so what they write is committed and
seen); on SQLite they share a database file of their own."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from hashlib import sha256
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from .test_dispatch import _free_port

SEED = 20261207
MESSAGES = 20
DISPATCHERS = 4  # per round, each started at a random moment within START_WITHIN seconds
START_WITHIN = 2.0
KILLS = (0, 1, 2)  # one round each: how many dispatchers are killed
LEASE = 1.5  # seconds; renewed every quarter of it
PAUSE, SLOW_PAUSE, SLOW_EVERY = 0.05, 2.0, 7  # the server's time per message; every 7th takes longer than a lease
ROUND_LIMIT = 40  # seconds


class SlowSink:
    """Accepts every message after a pause, keeping its recipients, bytes and Message-ID."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrived = 0
        self.messages: list[tuple[list[str], bytes, str]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        with self.lock:
            self.arrived += 1
            slow = self.arrived % SLOW_EVERY == 0
        await asyncio.sleep(SLOW_PAUSE if slow else PAUSE)
        raw = bytes(envelope.original_content or envelope.content)
        message_id = str(email.message_from_bytes(raw, policy=email.policy.SMTP)["Message-ID"])
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), raw, message_id))
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A migrated SQLite database file, made once, copied by each test that wants one."""
    data = tmp_path_factory.mktemp("chaos-template")
    env = {k: v for k, v in os.environ.items() if k != "RECOUVRE_DATABASE_URL"} | {"RECOUVRE_DATA_DIR": str(data)}
    done = subprocess.run(
        [sys.executable, "-m", "recouvre.cli", "migrate"], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return data / "recouvre.sqlite3"


class Outbox:
    """Where the dispatchers work: the PostgreSQL test database, or a SQLite file of their own."""

    def __init__(self, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        self.data_dir = tmp_path / "data"
        self.data_dir.mkdir()
        self.env = {k: v for k, v in os.environ.items() if k != "RECOUVRE_DATABASE_URL"}
        self.env |= {"RECOUVRE_DATA_DIR": str(self.data_dir), "RECOUVRE_LANGUAGE": "en"}
        self.postgresql = connection.vendor == "postgresql"
        if self.postgresql:
            s = connection.settings_dict
            auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
            self.env["RECOUVRE_DATABASE_URL"] = (
                f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
            )
        else:
            shutil.copy(request.getfixturevalue("migrated_sqlite"), self.data_dir / "recouvre.sqlite3")

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def dispatcher(self, slug: str, port: int) -> subprocess.Popen[str]:
        env = self.env | {
            "RECOUVRE_SMTP_URL": f"smtp://127.0.0.1:{port}",
            "RECOUVRE_SMTP_TIMEOUT": "10",
            "RECOUVRE_SEND_LEASE_SECONDS": str(LEASE),
        }
        return subprocess.Popen(
            [sys.executable, "-m", "recouvre.cli", "dispatch", "--org", slug, "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def stored(self, slug: str) -> list[tuple[str, str, str, str]]:
        """(state, content, content_sha256, message_id) of the organization's actions."""
        query = (
            "SELECT a.state, a.content, a.content_sha256, a.message_id FROM collections_action a "
            "JOIN organizations_organization o ON o.id = a.organization_id WHERE o.slug = %s ORDER BY a.id"
        )
        if self.postgresql:
            with connection.cursor() as cursor:
                cursor.execute(query, [slug])
                return list(cursor.fetchall())
        db = sqlite3.connect(self.data_dir / "recouvre.sqlite3")
        try:
            return db.execute(query.replace("%s", "?"), [slug]).fetchall()
        finally:
            db.close()


def _round(outbox: Outbox, slug: str, kills: int, rng: random.Random) -> None:
    sink = SlowSink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    processes: list[subprocess.Popen[str]] = []
    killed: list[subprocess.Popen[str]] = []
    try:
        starts = sorted(rng.uniform(0, START_WITHIN) for _ in range(DISPATCHERS))
        # each kill lands once the server holds this many messages, on one of the dispatchers then running
        kill_at = sorted(rng.randint(2, MESSAGES - 6) for _ in range(kills))
        picks = [rng.random() for _ in range(kills)]
        began = time.monotonic()
        while starts or processes_running(processes):
            assert time.monotonic() - began < ROUND_LIMIT, "the dispatchers took too long"
            while starts and time.monotonic() - began >= starts[0]:
                starts.pop(0)
                processes.append(outbox.dispatcher(slug, controller.port))
            running = [p for p in processes if p.poll() is None and p not in killed]
            if kill_at and running and sink.count() >= kill_at[0]:
                kill_at.pop(0)
                victim = running[int(picks.pop(0) * len(running))]
                victim.send_signal(signal.SIGKILL)
                victim.wait(10)  # reaped: the next dispatch sees its process gone
                killed.append(victim)
            time.sleep(0.01)
        for p in processes:
            out, err = p.communicate(timeout=10)
            if p not in killed:
                assert p.returncode == 0, err
        if killed:  # what the killed ones held is taken back and sent by the next dispatch
            sweep = outbox.dispatcher(slug, controller.port)
            out, err = sweep.communicate(timeout=ROUND_LIMIT)
            assert sweep.returncode == 0, err
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.wait()
        controller.stop()

    stored = outbox.stored(slug)
    assert len(stored) == MESSAGES
    assert {state for state, _content, _digest, _id in stored} == {"sent"}
    delivered = Counter(message_id for _rcpt, _raw, message_id in sink.messages)
    # every planned message delivered, each as stored
    assert set(delivered) == {message_id for _state, _content, _digest, message_id in stored}
    digests = {sha256(raw).hexdigest() for _rcpt, raw, _id in sink.messages}
    assert digests == {digest for _state, _content, digest, _id in stored}
    assert all(sha256(content.encode()).hexdigest() == digest for _state, content, digest, _id in stored)
    assert {rcpt[0] for rcpt, _raw, _id in sink.messages} == {f"compta{i}@{slug}.example" for i in range(MESSAGES)}
    # twice only after a kill, as the same bytes; at most once per kill
    repeats = sum(n - 1 for n in delivered.values())
    assert repeats <= len(killed), (repeats, len(killed))
    assert max(delivered.values()) <= (2 if killed else 1)
    for message_id, n in delivered.items():
        if n > 1:
            assert len({raw for _rcpt, raw, mid in sink.messages if mid == message_id}) == 1


def processes_running(processes: list[subprocess.Popen[str]]) -> bool:
    return any(p.poll() is None for p in processes)


@pytest.mark.django_db(transaction=True)
def test_overlapping_dispatchers_killed_at_random_deliver_each_message_once_or_again_after_a_kill(  # type: ignore[no-untyped-def]
    tmp_path, request
):
    outbox = Outbox(tmp_path, request)
    slugs = [f"chaos{i}" for i in range(len(KILLS))]
    planned = outbox.run("-m", "recouvre.collections.tests.chaos_plan", str(MESSAGES), *slugs)
    assert planned.returncode == 0, planned.stderr
    for i, (slug, kills) in enumerate(zip(slugs, KILLS, strict=True)):
        _round(outbox, slug, kills, random.Random(SEED + i))
