"""A ``recouvre run`` killed with SIGKILL at any moment, then run again: each customer receives its reminder, and
only that one (a message in flight at the kill may reach the server twice, as the very same message: same bytes,
same Message-ID, which mail systems show once).

Real processes on a SQLite file, a real SMTP server on the loopback that takes a little time per message so that
the kills land while sending."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from hashlib import sha256
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

CUSTOMERS = 24
AS_OF = "2026-03-09"  # the invoices fell due on 2026-03-02: the default policy's reminder at +7 days is due


class SlowKeep:
    """Accepts every message after a short pause, keeping the bytes received."""

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self.messages: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        await asyncio.sleep(self.pause)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), bytes(envelope.original_content or envelope.content)))
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def slow_smtp():  # type: ignore[no-untyped-def]
    handler = SlowKeep(pause=0.12)
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def _message_id(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=email.policy.SMTP)["Message-ID"])


def test_runs_killed_at_any_moment_leave_one_message_per_customer(tmp_path: Path, slow_smtp) -> None:  # type: ignore[no-untyped-def]
    server, port = slow_smtp
    env = {k: v for k, v in os.environ.items() if k != "RECOUVRE_DATABASE_URL"}
    env |= {
        "RECOUVRE_DATA_DIR": str(tmp_path / "data"),
        "RECOUVRE_LANGUAGE": "en",
        "RECOUVRE_SMTP_URL": f"smtp://127.0.0.1:{port}",
    }
    customers = ["customer_id,name,email"]
    customers += [f"411C{i:03d},Client {i},compta{i}@client{i}.example" for i in range(CUSTOMERS)]
    (tmp_path / "customers.csv").write_text("\n".join(customers) + "\n")
    invoices = ["invoice_number,customer_id,issue_date,due_date,amount_incl_tax,currency"]
    invoices += [
        f"F-{i}-{j},411C{i:03d},2026-02-01,2026-03-02,{100 + j}.50,EUR" for i in range(CUSTOMERS) for j in (1, 2)
    ]
    (tmp_path / "invoices.csv").write_text("\n".join(invoices) + "\n")

    def recouvre(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "recouvre.cli", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    for args in (
        ("org", "create", "acme", "--name", "ACME"),
        ("import", "customers", str(tmp_path / "customers.csv"), "--org", "acme"),
        ("import", "invoices", str(tmp_path / "invoices.csv"), "--org", "acme"),
    ):
        p = recouvre(*args)
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err

    run = ("run", "--org", "acme", "--as-of", AS_OF, "--json")
    kills = 0

    # 1. Killed almost at once: while starting or planning (planning is one transaction: all or nothing).
    p = recouvre(*run)
    time.sleep(0.4)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    kills += 1
    # 2. and 3. Killed while sending, after a few messages, then after a few more.
    for target in (4, 12):
        p = recouvre(*run)
        deadline = time.monotonic() + 90
        while server.count() < target and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert p.poll() is None, "the run ended before it could be killed: " + p.communicate()[1]
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        kills += 1
    assert 0 < server.count() < CUSTOMERS
    # 4. Run to the end, then once more: the second finds nothing to do.
    for expected_sent in (None, 0):
        p = recouvre(*run)
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        if expected_sent is not None:
            assert json.loads(out)["emails_sent"] == expected_sent

    received = [(rcpt, raw, _message_id(raw)) for rcpt, raw in server.messages]
    by_id = Counter(message_id for _rcpt, _raw, message_id in received)
    assert len(by_id) == CUSTOMERS  # one message per customer...
    assert sorted({rcpt[0] for rcpt, _raw, _id in received}) == sorted(
        f"compta{i}@client{i}.example" for i in range(CUSTOMERS)
    )
    assert all(len(rcpt) == 1 for rcpt, _raw, _id in received)
    # ...and a message received twice is the same message, at most one per kill.
    duplicates = {message_id: n for message_id, n in by_id.items() if n > 1}
    assert sum(n - 1 for n in duplicates.values()) <= kills
    for message_id in duplicates:
        assert len({raw for _rcpt, raw, mid in received if mid == message_id}) == 1

    db = sqlite3.connect(tmp_path / "data" / "recouvre.sqlite3")
    try:
        rows = db.execute("SELECT state, content, content_sha256, message_id FROM collections_action").fetchall()
    finally:
        db.close()
    assert len(rows) == CUSTOMERS
    raws = {sha256(raw).hexdigest() for _rcpt, raw, _id in received}
    for state, content, digest, message_id in rows:
        assert state == "sent"
        assert digest == sha256(content.encode()).hexdigest()
        assert digest in raws  # stored exactly as received
        assert message_id in by_id
