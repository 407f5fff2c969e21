"""Who sends an e-mail of the outbox: a claim has an owner and a lease the owner renews while it sends; it is taken
back only when its owner is gone or the lease ran out; and only the claim's owner records the outcome.

Real SMTP servers on the loopback (aiosmtpd) and the test database; two dispatchers at once need two database
connections that see each other's writes, so those stories run on PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from recouvre.collections.dispatch import DispatchResult, claimant_id, dispatch_due
from recouvre.collections.models import Action
from recouvre.collections.services import run_collections
from recouvre.ledger.models import Event

from . import test_dispatch
from .test_dispatch import ACTOR, AS_OF, NOW, Keep, _customer, _five

# the dispatch stories' fixtures: a real SMTP server on the loopback, e-mail steps at +5, +20 and +40 days
smtp = test_dispatch.smtp
three_emails = test_dispatch.three_emails

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's shared in-memory test database refuses a second writer"
)


class Held(Keep):
    """Keeps every message; the first one is held in DATA (the server neither accepts nor refuses it) until
    ``release``, and ``on_data`` runs when it arrives."""

    def __init__(self, on_data=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.arrived = threading.Event()
        self.released = threading.Event()
        self.on_data = on_data

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if not self.arrived.is_set():
            self.arrived.set()
            if self.on_data is not None:
                await asyncio.get_running_loop().run_in_executor(None, self.on_data)
            while not self.released.is_set():
                await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


def _in_thread(target):  # type: ignore[no-untyped-def]
    """Run ``target`` in a thread with its own database connection; returns (thread, results, errors)."""
    results: list[DispatchResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(target())
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, results, errors


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_slow_sender_keeps_its_claim_past_its_lease_and_past_the_old_fifteen_minutes(  # type: ignore[no-untyped-def]
    org, three_emails, smtp, settings
):
    """The mail server takes longer than the lease over one message. Meanwhile a second dispatch starts, dated
    16 minutes later than the first (a claim used to be taken back 15 minutes after the first dispatch started):
    the owner renewed its lease, so the second dispatch leaves the message alone, and it is delivered once."""
    settings.RECOUVRE_SEND_LEASE_SECONDS = 1.0
    server = smtp(Held())
    _five(_customer(org))
    run_collections(org, AS_OF, actor=ACTOR)
    first, first_result, first_errors = _in_thread(lambda: dispatch_due(org, now=NOW, actor=ACTOR))
    try:
        assert server.arrived.wait(20)
        claimed = Action.objects.get()
        assert claimed.state == "sending"
        time.sleep(3.0)  # three leases: only renewals keep the claim
        renewed = Action.objects.get()
        assert renewed.claimed_by == claimed.claimed_by
        assert renewed.lease_until > claimed.claimed_at + timedelta(seconds=2.5)
        second = dispatch_due(org, now=NOW + timedelta(minutes=16), actor=ACTOR)
        assert (second.sent, second.resumed, second.failed, second.waiting_retry) == (0, 0, 0, 0)
        assert server.messages == []
    finally:
        server.released.set()
        first.join(30)
    assert first_errors == []
    assert first_result[0].sent == 1
    assert len(server.messages) == 1
    action = Action.objects.get()
    assert (action.state, action.claimed_by, action.lease_until) == ("sent", "", None)
    assert Event.objects.filter(kind="collections.email_sent").count() == 1
    assert not Event.objects.filter(kind="collections.email_resumed").exists()


def test_a_sender_that_lost_its_claim_does_not_record_the_outcome(org, three_emails, smtp, caplog):  # type: ignore[no-untyped-def]
    """While the server holds the message, another dispatcher takes the claim over (as it would after the owner
    froze beyond its lease). The owner's message is accepted, but the outcome is the new owner's to record: the
    action stays as the other dispatcher has it, without "sent", and the log says why."""
    other = "elsewhere.example:4242:1:feedface"
    database = connections["default"]  # this thread's connection, lent to the server's thread for one update
    database.inc_thread_sharing()

    def take_over() -> None:
        with database.cursor() as cursor:
            cursor.execute("UPDATE collections_action SET claimed_by = %s", [other])

    server = smtp(Held(on_data=take_over))
    server.released.set()  # the update happens as the message arrives; then it is accepted
    _five(_customer(org))
    run_collections(org, AS_OF, actor=ACTOR)
    try:
        with caplog.at_level(logging.WARNING, logger="recouvre.collections.dispatch"):
            result = dispatch_due(org, now=NOW, actor=ACTOR)
    finally:
        database.dec_thread_sharing()
    assert len(server.messages) == 1
    assert (result.sent, result.failed, result.retried, result.lost) == (0, 0, 0, 1)
    action = Action.objects.get()
    assert (action.state, action.claimed_by, action.sent_at, action.attempts) == ("sending", other, None, 0)
    assert not Event.objects.filter(kind="collections.email_sent").exists()
    assert f"action {action.pk} is no longer claimed by " in caplog.text
    assert f"(now sending by {other})" in caplog.text


def test_a_claim_of_a_killed_process_not_yet_reaped_is_taken_back_at_once(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    """A dispatcher killed with SIGKILL whose parent has not collected it yet (a zombie) is gone too: its claim is
    taken back at once, its lease notwithstanding."""
    server = smtp(Keep())
    _five(_customer(org))
    run_collections(org, AS_OF, actor=ACTOR)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        start = open(f"/proc/{child.pid}/stat", "rb").read().rsplit(b")", 1)[1].split()[19].decode()
        host = claimant_id().split(":")[0]
        Action.objects.update(
            state="sending",
            claimed_by=f"{host}:{child.pid}:{start}:0badc0de",
            claimed_at=timezone.now(),
            lease_until=timezone.now() + timedelta(minutes=2),
        )
        assert dispatch_due(org, now=NOW, actor=ACTOR).sent == 0  # alive: left alone
        child.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + 10
        while open(f"/proc/{child.pid}/stat", "rb").read().rsplit(b")", 1)[1].split()[0] != b"Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        result = dispatch_due(org, now=NOW, actor=ACTOR)
    finally:
        child.kill()
        child.wait()
    assert (result.sent, result.resumed) == (1, 0)  # nothing was stored: planned again and sent normally
    assert len(server.messages) == 1
    assert Action.objects.get().state == "sent"


def test_claimants_are_told_apart_within_one_process() -> None:
    first, second = claimant_id(), claimant_id()
    assert first != second
    host, pid, _start, token = first.rsplit(":", 3)
    assert (pid, len(token)) == (str(__import__("os").getpid()), 8)
    assert second.startswith(f"{host}:{pid}:")
    assert len(first) <= 120
