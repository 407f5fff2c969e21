"""The mail server as the dispatch meets it: one connection for a whole dispatch, opened again once when the server
drops it; a server that cannot be reached, or stops answering, stops the dispatch at once, leaves the e-mails
queued, and `recouvre run` / `recouvre dispatch` say so (exit code 3). Real SMTP servers and sockets on the
loopback."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import date

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from recouvre.cli import main
from recouvre.collections.dispatch import BACKOFF, dispatch_due
from recouvre.collections.models import Action
from recouvre.collections.services import run_collections
from recouvre.ledger.models import Event
from recouvre.testing.factories import InvoiceFactory

from . import test_dispatch
from .test_dispatch import ACTOR, AS_OF, NOW, Keep, _customer, _free_port

# the dispatch stories' fixtures: a real SMTP server on the loopback, e-mail steps at +5, +20 and +40 days
smtp = test_dispatch.smtp
three_emails = test_dispatch.three_emails

pytestmark = pytest.mark.django_db


def _mailer(port: int, timeout: float = 5):  # type: ignore[no-untyped-def]
    return override_settings(
        MAILERS={
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": timeout},
            }
        },
        DEFAULT_FROM_EMAIL="relances@acme.example",
    )


def _customers(org, count: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(count):
        customer = _customer(org, ref=f"411C{i:02d}", email_address=f"compta{i}@client{i}.example")
        InvoiceFactory(customer=customer, number=f"F-{i}", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 20))


class Connections(Keep):
    """Keeps every message with the connection it came on (the client's port)."""

    def __init__(self, *, drop_after: int | None = None) -> None:
        super().__init__()
        self.peers: list[tuple[str, int]] = []
        self.drop_after = drop_after

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # type: ignore[no-untyped-def]
        if self.drop_after is not None and self.peers.count(session.peer) >= self.drop_after:
            server.transport.close()  # the server drops the connection (a restart, an idle limit...)
            return "421 4.4.2 closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


class Stalls(Keep):
    """Takes the message and never answers, until released."""

    def __init__(self) -> None:
        super().__init__()
        self.released = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        while not self.released.is_set():
            await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def silent_server():  # type: ignore[no-untyped-def]
    """A port that accepts connections and never says a word (a mail server hung, or a firewall that swallows)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def test_one_connection_serves_the_whole_dispatch(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Connections())
    _customers(org, 4)
    run_collections(org, AS_OF, actor=ACTOR)
    result = dispatch_due(org, now=NOW, actor=ACTOR)
    assert (result.sent, result.retried, result.failed, result.waiting_retry) == (4, 0, 0, 0)
    assert result.smtp_unreachable is False
    assert len(server.messages) == 4
    assert len(set(server.peers)) == 1


def test_a_connection_the_server_drops_is_opened_again_and_the_message_sent(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    """The server closes the connection at the next message after each one it accepts: each message after the
    first finds it closed, opens a new one, and goes; none is counted as a failed attempt."""
    server = smtp(Connections(drop_after=1))
    _customers(org, 3)
    run_collections(org, AS_OF, actor=ACTOR)
    result = dispatch_due(org, now=NOW, actor=ACTOR)
    assert (result.sent, result.retried, result.failed, result.smtp_unreachable) == (3, 0, 0, False)
    assert sorted(rcpt[0] for rcpt, _raw in server.messages) == [f"compta{i}@client{i}.example" for i in range(3)]
    assert len(set(server.peers)) == 3
    assert set(Action.objects.values_list("state", "attempts")) == {("sent", 1)}


def test_a_server_that_cannot_be_reached_stops_the_dispatch_and_everything_waits(org, three_emails):  # type: ignore[no-untyped-def]
    port = _free_port()
    _customers(org, 5)
    run_collections(org, AS_OF, actor=ACTOR)
    with _mailer(port):
        result = dispatch_due(org, now=NOW, actor=ACTOR)
    assert (result.sent, result.retried, result.failed, result.waiting_retry) == (0, 0, 0, 5)
    assert result.smtp_unreachable is True
    assert result.smtp_error.startswith(f"127.0.0.1:{port}: ConnectionRefusedError: ")
    rows = list(Action.objects.order_by("id").values_list("state", "attempts", "next_attempt_at", "claimed_by"))
    assert rows == [("planned", 0, None, "")] * 5
    assert not Event.objects.filter(kind__in=["collections.email_failed", "collections.email_sent"]).exists()

    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with _mailer(port):
            again = dispatch_due(org, now=NOW, actor=ACTOR)
    finally:
        controller.stop()
    assert (again.sent, again.waiting_retry, again.smtp_unreachable) == (5, 0, False)
    assert len(handler.messages) == 5
    assert set(Action.objects.values_list("state", "attempts", "last_error")) == {("sent", 1, "")}


def test_a_server_that_never_answers_costs_one_timeout_not_one_per_message(org, three_emails, silent_server):  # type: ignore[no-untyped-def]
    _customers(org, 8)
    run_collections(org, AS_OF, actor=ACTOR)
    started = time.monotonic()
    with _mailer(silent_server, timeout=1):
        result = dispatch_due(org, now=NOW, actor=ACTOR)
    elapsed = time.monotonic() - started
    assert elapsed < 4, elapsed  # one timeout of 1 s, not eight
    assert (result.sent, result.retried, result.failed, result.waiting_retry) == (0, 0, 0, 8)
    assert result.smtp_unreachable is True
    assert result.smtp_error == f"127.0.0.1:{silent_server}: no answer within 1 s"
    assert set(Action.objects.values_list("state", "attempts")) == {("planned", 0)}


def test_a_server_that_stops_answering_in_the_middle_of_a_message_stops_the_dispatch(org, three_emails):  # type: ignore[no-untyped-def]
    """The message in flight may or may not have been taken: it counts one attempt and is tried again later, as
    the same bytes; the others are not handed to a server that does not answer."""
    handler = Stalls()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    _customers(org, 3)
    run_collections(org, AS_OF, actor=ACTOR)
    try:
        started = time.monotonic()
        with _mailer(controller.port, timeout=1):
            result = dispatch_due(org, now=NOW, actor=ACTOR)
        elapsed = time.monotonic() - started
    finally:
        handler.released.set()
        controller.stop()
    assert elapsed < 4, elapsed
    assert (result.sent, result.retried, result.failed, result.waiting_retry) == (0, 1, 0, 3)
    assert result.smtp_unreachable is True
    assert result.smtp_error == f"127.0.0.1:{controller.port}: no answer within 1 s"
    assert Action.objects.order_by("id")[0].last_error == result.smtp_error
    first, *others = Action.objects.order_by("id")
    assert (first.state, first.attempts, first.next_attempt_at) == ("planned", 1, NOW + BACKOFF[0])
    assert first.content and first.message_id
    assert [(a.state, a.attempts, a.content) for a in others] == [("planned", 0, "")] * 2


def test_recouvre_dispatch_and_run_exit_3_when_the_mail_server_cannot_be_reached(org, three_emails, capsys):  # type: ignore[no-untyped-def]
    port = _free_port()
    _customers(org, 2)
    with _mailer(port):
        assert main(["run", "--org", "acme", "--as-of", AS_OF.isoformat(), "--json"]) == 3
        run = json.loads(capsys.readouterr().out)
        assert (run["actions"], run["emails_sent"], run["failed"], run["waiting_retry"]) == (2, 0, 0, 2)
        assert run["smtp_unreachable"] is True
        assert run["smtp_error"].startswith(f"127.0.0.1:{port}: ConnectionRefusedError: ")

        assert main(["dispatch", "--json"]) == 3
        payload = json.loads(capsys.readouterr().out)
        assert (payload["emails_sent"], payload["waiting_retry"], payload["smtp_unreachable"]) == (0, 2, True)

        assert main(["dispatch"]) == 3
        out, err = capsys.readouterr()
        assert out == (
            "0 e-mails sent, 0 to try again later, 0 failed, 0 no longer needed.\n2 e-mails waiting to be sent again.\n"
        )
        assert err == (
            f"recouvre: the mail server could not be reached ({payload['smtp_error']}): the e-mails due stay "
            "queued and the next dispatch sends them (recouvre dispatch, or the scheduler).\n"
        )
        assert main(["run", "--org", "acme", "--as-of", AS_OF.isoformat()]) == 3
        out, err = capsys.readouterr()
        assert "  0 e-mails sent, 0 failed.\n  2 e-mails waiting to be sent again.\n" in out
        assert err.startswith("recouvre: the mail server could not be reached (127.0.0.1:")

    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with _mailer(port):
            assert main(["dispatch", "--json"]) == 0
    finally:
        controller.stop()
    payload = json.loads(capsys.readouterr().out)
    assert (payload["emails_sent"], payload["waiting_retry"], payload["smtp_unreachable"]) == (2, 0, False)
    assert payload["smtp_error"] is None
    assert len(handler.messages) == 2


def test_the_timeout_and_the_lease_come_from_the_environment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    show = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'recouvre.settings'); django.setup(); "
        "from django.conf import settings as s; "
        "print(s.MAILERS['default']['OPTIONS']['timeout'], s.RECOUVRE_SMTP_TIMEOUT, s.RECOUVRE_SEND_LEASE_SECONDS)"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RECOUVRE_SMTP", "RECOUVRE_SEND_LEASE"))}
    base |= {"RECOUVRE_DATA_DIR": str(tmp_path), "RECOUVRE_SMTP_URL": "smtp://127.0.0.1:2525"}

    def settings_with(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", show], env=base | env, capture_output=True, text=True, timeout=60)

    assert settings_with().stdout == "20 20 120\n"
    assert settings_with(RECOUVRE_SMTP_TIMEOUT="7.5", RECOUVRE_SEND_LEASE_SECONDS="45").stdout == "7.5 7.5 45.0\n"
    wrong = settings_with(RECOUVRE_SEND_LEASE_SECONDS="0")
    assert wrong.returncode != 0
    assert "RECOUVRE_SEND_LEASE_SECONDS: not a number of seconds above 0: '0'" in wrong.stderr
