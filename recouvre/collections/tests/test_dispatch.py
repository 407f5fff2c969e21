"""Stories of e-mail dispatch against a real SMTP server (aiosmtpd on the loopback)."""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import logging
import socket
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from recouvre.collections.dispatch import BACKOFF, claimant_id, dispatch_due
from recouvre.collections.models import Action, CustomerCollection, Policy, Step
from recouvre.collections.rendering import format_amount
from recouvre.collections.services import run_collections
from recouvre.core.creditor_ref import customer_rf, format_rf, is_valid_rf
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Contact, Event
from recouvre.ledger.timeline import describe
from recouvre.tasks.models import Task
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, UserFactory

# The test SMTP servers run in threads that may still log after pytest has closed the captured streams.
_smtp_log = logging.getLogger("mail.log")
_smtp_log.propagate = False
_smtp_log.addHandler(logging.NullHandler())

ACTOR = Actor.system("test")
PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


class Keep:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.original_content or envelope.content)))
        return "250 OK"


class Answer:
    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        return self.reply


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    """Start an SMTP server with a handler: ``smtp(Keep())``; the mailer points at it; stopped at teardown."""
    started: list[Controller] = []
    overrides = []

    def start(handler):  # type: ignore[no-untyped-def]
        port = _free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        o = override_settings(
            MAILERS={
                "default": {
                    "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
                }
            },
            DEFAULT_FROM_EMAIL="relances@acme.example",
        )
        o.enable()
        overrides.append(o)
        return handler

    yield start
    for o in reversed(overrides):
        o.disable()
    for controller in started:
        controller.stop()


@pytest.fixture
def three_emails(org):  # type: ignore[no-untyped-def]
    """E-mail steps at +5, +20 (firm) and +40 days."""
    policy = Policy.objects.create(organization=org, key="mail", name="Mail", segment="standard")
    for i, (key, days) in enumerate((("reminder", 5), ("firm", 20), ("formal_notice", 40)), start=1):
        Step.objects.create(policy=policy, position=i, key=key, offset_days=days, channel="email", template=key)
    org.iban, org.bic, org.siren = "FR7630006000011234567890189", "AGRIFRPPXXX", "552100554"
    org.legal_mentions = "SAS au capital de 10 000 EUR - RCS Paris 552 100 554"
    org.save()
    return policy


def _customer(org, *, language="fr", email_address="compta@dupont.example", ref="411DUPONT"):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref=ref, name="Dupont SARL", language=language, email="")
    if email_address:
        Contact.objects.create(
            organization=org, customer=customer, name="Sales", role="purchasing", email="ventes@x.example"
        )
        Contact.objects.create(
            organization=org, customer=customer, name="Compta", role="billing", email=email_address, is_primary=True
        )
    return customer


FIVE = [  # number, due date, total: due 2026-03-02 is +25 (firm), 2026-03-20 is +7 (reminder), 2026-01-20 +66
    ("F-1", date(2026, 3, 20), Decimal("1200.00")),
    ("F-2", date(2026, 3, 20), Decimal("80.50")),
    ("F-3", date(2026, 3, 2), Decimal("2345.67")),
    ("F-4", date(2026, 3, 2), Decimal("10.00")),
    ("F-5", date(2026, 1, 20), Decimal("999.99")),
]
AS_OF = date(2026, 3, 27)  # a Friday
NOW = datetime(2026, 3, 27, 9, 0, tzinfo=PARIS)


def _five(customer):  # type: ignore[no-untyped-def]
    for number, due_on, total in FIVE:
        InvoiceFactory(
            customer=customer, number=number, issued_on=due_on - timedelta(days=30), due_on=due_on, total=total
        )


def _parse(raw: bytes):  # type: ignore[no-untyped-def]
    return email.message_from_bytes(raw, policy=email.policy.default)


def _text(msg) -> str:  # type: ignore[no-untyped-def]
    return str(msg.get_body(("plain",)).get_content())


def test_one_message_lists_the_five_invoices_and_nothing_more_the_same_day(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    customer = _customer(org)
    _five(customer)
    collector = UserFactory(email="claire@acme.example", first_name="Claire", last_name="Martin")
    CustomerCollection.objects.create(organization=org, customer=customer, collector=collector)

    run = run_collections(org, AS_OF, actor=ACTOR)
    assert run.emails == 1
    result = dispatch_due(org, now=NOW, actor=ACTOR)
    assert (result.sent, result.failed, result.retried) == (1, 0, 0)

    assert len(server.messages) == 1
    rcpt, raw = server.messages[0]
    assert rcpt == ["compta@dupont.example"]
    msg = _parse(raw)
    assert msg["To"] == "compta@dupont.example"
    assert msg["From"] == "ACME Distribution SAS <relances@acme.example>"
    assert msg["Reply-To"] == "claire@acme.example"
    assert msg["Subject"] == "Rappel : factures en attente de règlement – ACME Distribution SAS"
    text = _text(msg)
    assert "F-1 | 20/03/2026 | 7 | 1\u202f200,00\u00a0€" in text
    assert "F-2 | 20/03/2026 | 7 | 80,50\u00a0€" in text
    assert "F-3 | 02/03/2026 | 25 | 2\u202f345,67\u00a0€" in text
    assert "F-4 | 02/03/2026 | 25 | 10,00\u00a0€" in text
    assert "F-5 | 20/01/2026 | 66 | 999,99\u00a0€" in text
    assert "Total dû : 4\u202f636,16\u00a0€" in text
    # the payment details: the customer's RF reference, the IBAN in groups of four, the amount demanded
    rf = format_rf(customer_rf(org.pk, customer.pk))
    assert rf.startswith("RF") and is_valid_rf(rf)
    assert (
        "Règlement par virement, en indiquant la référence ci-dessous :\n"
        "Titulaire du compte : ACME Distribution SAS\n"
        "IBAN : FR76 3000 6000 0112 3456 7890 189\n"
        "BIC : AGRIFRPPXXX\n"
        f"Référence à indiquer : {rf}\n"
        "Montant dû : 4\u202f636,16\u00a0€\n"
    ) in text.replace("\r\n", "\n")
    assert "411DUPONT" not in text.split("Total dû")[1]  # the account is no longer the reference to quote
    assert "40 euros" not in text  # the reminder step does not announce the indemnity
    assert "RCS Paris 552 100 554" in text
    html = str(msg.get_body(("html",)).get_content())
    assert "<td>F-3</td><td>02/03/2026</td>" in html
    assert f"<strong>{rf}</strong>" in html and "<strong>FR76 3000 6000 0112 3456 7890 189</strong>" in html
    assert "<svg" not in html and "BCD" not in html  # no QR code in e-mails: the text block carries everything

    action = Action.objects.get()
    assert (action.state, action.attempts, action.last_error) == ("sent", 1, "")
    assert action.sent_at == NOW
    assert action.content.encode("utf-8") == raw
    assert action.content_sha256 == hashlib.sha256(raw).hexdigest()
    events = [describe(e) for e in Event.objects.filter(kind="collections.email_sent")]
    assert events == [
        "E-mail sent to compta@dupont.example: Rappel : factures en attente de règlement – ACME Distribution SAS"
    ]

    again = run_collections(org, AS_OF, actor=ACTOR)
    assert again.actions == 0
    later = dispatch_due(org, now=NOW + timedelta(hours=3), actor=ACTOR)
    assert (later.sent, later.failed) == (0, 0)
    assert len(server.messages) == 1


def test_the_message_asks_for_what_is_left_once_an_unapplied_payment_is_deducted(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    from recouvre.ledger.services import record_payment

    server = smtp(Keep())
    customer = _customer(org)
    _five(customer)
    record_payment(org, ACTOR, customer=customer, received_on=AS_OF, amount=Decimal("636.16"), source_key="m:1")
    run_collections(org, AS_OF, actor=ACTOR)
    dispatch_due(org, now=NOW, actor=ACTOR)
    assert len(server.messages) == 1
    text = _text(_parse(server.messages[0][1])).replace("\r\n", "\n")
    assert "Total dû : 4\u202f636,16\u00a0€" in text
    assert "Avoirs et règlements non encore imputés en votre faveur : 636,16\u00a0€" in text
    assert "Montant à régler, déduction faite de vos avoirs et règlements non imputés : 4\u202f000,00\u00a0€\n" in text
    assert "Montant dû :" not in text


def test_english_customer_gets_the_english_firm_message(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    customer = _customer(org, language="en")
    InvoiceFactory(
        customer=customer, number="F-9", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2), total=Decimal("1234.50")
    )
    run_collections(org, AS_OF, actor=ACTOR)
    Action.objects.update(template="firm", deadline_on=date(2026, 4, 10))
    assert dispatch_due(None, now=NOW, actor=ACTOR).sent == 1
    msg = _parse(server.messages[0][1])
    assert msg["Subject"] == "Overdue invoices: second reminder – ACME Distribution SAS"
    assert msg["Content-Language"] == "en"
    text = _text(msg)
    assert "F-9 | 2 Mar 2026 | 25 | €1,234.50" in text
    assert "Total due: €1,234.50" in text
    assert "by 10 Apr 2026 at the latest" in text
    assert "fixed indemnity of 40 euros for recovery costs" in text


def test_french_firm_message_announces_interest_and_the_indemnity(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    customer = _customer(org)
    InvoiceFactory(
        customer=customer, number="F-9", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2), total=Decimal("1234.50")
    )
    run_collections(org, AS_OF, actor=ACTOR)
    Action.objects.update(template="firm", deadline_on=date(2026, 4, 10), unapplied={"EUR": "150.00"})
    assert dispatch_due(org, now=NOW, actor=ACTOR).sent == 1
    msg = _parse(server.messages[0][1])
    assert msg["Subject"] == "Relance : factures impayées – ACME Distribution SAS"
    assert "Avoirs et règlements non encore imputés en votre faveur : 150,00\u00a0€" in _text(msg)
    text = _text(msg)
    assert "F-9 | 02/03/2026 | 25 | 1\u202f234,50\u00a0€" in text
    assert "et au plus tard le 10/04/2026" in text
    assert "des pénalités de retard ainsi qu'une indemnité forfaitaire pour frais de recouvrement de 40 euros" in text


def test_421_is_retried_later_and_sent_once(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    smtp(Answer("421 4.3.0 try again later"))
    customer = _customer(org)
    _five(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    result = dispatch_due(org, now=NOW, actor=ACTOR)
    assert (result.sent, result.retried, result.failed) == (0, 1, 0)
    action = Action.objects.get()
    assert (action.state, action.attempts) == ("planned", 1)
    assert action.next_attempt_at == NOW + BACKOFF[0]
    assert "421" in action.last_error

    server = smtp(Keep())
    assert dispatch_due(org, now=NOW + BACKOFF[0] - timedelta(seconds=1), actor=ACTOR).sent == 0
    assert server.messages == []
    assert dispatch_due(org, now=NOW + BACKOFF[0], actor=ACTOR).sent == 1
    assert dispatch_due(org, now=NOW + timedelta(hours=1), actor=ACTOR).sent == 0
    assert len(server.messages) == 1
    action.refresh_from_db()
    assert (action.state, action.attempts, action.last_error) == ("sent", 2, "")


def test_550_fails_for_good_and_gives_the_collector_a_task(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    smtp(Answer("550 5.1.1 mailbox unknown"))
    customer = _customer(org)
    marc = UserFactory(username="marc")
    CustomerCollection.objects.create(organization=org, customer=customer, collector=marc)
    _five(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    result = dispatch_due(org, now=NOW, actor=ACTOR)
    assert (result.sent, result.retried, result.failed) == (0, 0, 1)
    action = Action.objects.get()
    assert action.state == "failed"
    assert action.next_attempt_at is None
    assert action.last_error == "compta@dupont.example: 550 5.1.1 mailbox unknown"
    event = Event.objects.get(kind="collections.email_failed")
    assert (
        describe(event) == "E-mail to compta@dupont.example not sent: compta@dupont.example: 550 5.1.1 mailbox unknown"
    )
    task = Task.objects.get()
    assert (task.kind, task.state, task.assignee, task.action) == ("email_failed", "open", marc, action)
    assert task.title == "Reach Dupont SARL another way: the e-mail was not delivered"
    assert task.details.splitlines()[0] == (
        "E-mail to compta@dupont.example not sent: compta@dupont.example: 550 5.1.1 mailbox unknown"
    )
    assert "F-5 due 2026-01-20: €999.99, 66 days overdue" in task.details
    assert task.details.splitlines()[-1] == "Total overdue: €4,636.16"
    assert dispatch_due(org, now=NOW + timedelta(days=1), actor=ACTOR).failed == 0
    assert Task.objects.count() == 1


def test_a_customer_without_an_email_address_gets_a_letter_planned_instead(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    """Decided at planning time: the e-mail step becomes a letter (the policy's default fallback), so nothing
    fails at sending time and the step is carried out when the letter is posted."""
    server = smtp(Keep())
    customer = _customer(org, email_address="")
    customer.address_line1, customer.postal_code, customer.city = "12 rue des Lilas", "34000", "Montpellier"
    customer.save()
    _five(customer)
    run_collections(org, AS_OF, actor=ACTOR, today=AS_OF)
    assert dispatch_due(org, now=NOW, actor=ACTOR).failed == 0
    action = Action.objects.get()
    assert (action.channel, action.step_key, action.state) == ("letter", "reminder", "planned")
    assert server.messages == []
    assert Task.objects.count() == 0


def test_a_customer_with_neither_email_nor_postal_address_gets_a_call(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    smtp(Keep())
    customer = _customer(org, email_address="")
    _five(customer)
    run_collections(org, AS_OF, actor=ACTOR, today=AS_OF)
    action = Action.objects.get()
    assert (action.channel, action.step_key, action.state) == ("call_task", "reminder", "planned")


def test_an_address_removed_after_planning_fails_with_a_clear_reason(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    customer = _customer(org)
    _five(customer)
    run_collections(org, AS_OF, actor=ACTOR, today=AS_OF)
    Contact.objects.filter(customer=customer).update(email="")
    assert dispatch_due(org, now=NOW, actor=ACTOR).failed == 1
    action = Action.objects.get()
    assert (action.state, action.last_error) == ("failed", "no e-mail address on file for this customer")
    assert server.messages == []


def test_connection_refused_leaves_the_email_queued_without_counting_an_attempt(org, three_emails, settings):  # type: ignore[no-untyped-def]
    port = _free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    customer = _customer(org)
    _five(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    result = dispatch_due(org, now=NOW, actor=ACTOR)
    assert (result.sent, result.retried, result.failed, result.waiting_retry) == (0, 0, 0, 1)
    assert result.smtp_unreachable is True
    assert result.smtp_error.startswith(f"127.0.0.1:{port}: ConnectionRefusedError: ")
    action = Action.objects.get()
    assert (action.state, action.attempts, action.next_attempt_at, action.claimed_by) == ("planned", 0, None, "")
    assert action.last_error == result.smtp_error
    assert not Event.objects.filter(kind="collections.email_failed").exists()


def test_an_action_claimed_by_a_live_dispatcher_waits_for_its_lease_then_is_sent_once(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    """Claimed by a dispatcher that still runs (this process) and not yet built: left alone while its lease runs,
    however long ago it was claimed and whatever the time of the dispatch; taken back once the lease ran out
    without renewal, then sent, once."""
    server = smtp(Keep())
    customer = _customer(org)
    _five(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    other = claimant_id()
    Action.objects.update(
        state="sending",
        claimed_by=other,
        claimed_at=timezone.now() - timedelta(hours=1),
        lease_until=timezone.now() + timedelta(minutes=1),
    )
    held = dispatch_due(org, now=NOW + timedelta(hours=3), actor=ACTOR)
    assert (held.sent, held.resumed, held.waiting_retry) == (0, 0, 0)
    assert server.messages == []
    assert Action.objects.get().claimed_by == other
    Action.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    result = dispatch_due(org, now=NOW, actor=ACTOR)
    assert (result.sent, result.failed, result.resumed) == (1, 0, 0)
    assert len(server.messages) == 1
    action = Action.objects.get()
    assert (action.state, action.claimed_by, action.claimed_at, action.lease_until) == ("sent", "", None, None)
    assert not Event.objects.filter(kind="collections.email_resumed").exists()


def test_a_message_stored_by_a_killed_worker_is_sent_again_as_the_same_bytes(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    """The dispatcher built and stored the message, then died (its process is gone) before recording the outcome:
    the next dispatch sends the very same bytes, same Message-ID, at once (its lease still ran), and says so on
    the timeline."""
    server = smtp(Keep())
    customer = _customer(org)
    _five(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    dispatch_due(org, now=NOW, actor=ACTOR)
    first = Action.objects.get()
    assert first.state == "sent" and len(server.messages) == 1
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = claimant_id().split(":")[0]
    Action.objects.update(
        state="sending",
        sent_at=None,
        claimed_by=f"{host}:{dead.pid}:1:0badc0de",
        claimed_at=timezone.now(),
        lease_until=timezone.now() + timedelta(minutes=2),
    )
    result = dispatch_due(org, now=NOW + timedelta(minutes=1), actor=ACTOR)
    assert (result.sent, result.resumed) == (1, 1)
    assert len(server.messages) == 2
    assert server.messages[1][1] == server.messages[0][1]  # byte for byte, Message-ID included
    action = Action.objects.get()
    assert action.content_sha256 == hashlib.sha256(server.messages[1][1]).hexdigest()
    assert action.message_id and action.message_id in action.content
    assert Event.objects.filter(kind="collections.email_resumed").count() == 1


def test_invoices_paid_since_planning_cancel_the_email(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    from recouvre.ledger.models import Invoice

    server = smtp(Keep())
    customer = _customer(org)
    InvoiceFactory(
        customer=customer, number="F-7", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 20), total=Decimal("50.00")
    )
    run_collections(org, AS_OF, actor=ACTOR)
    from recouvre.ledger.services import allocate, record_payment

    payment = record_payment(
        org, ACTOR, customer=customer, received_on=date(2026, 3, 27), amount=Decimal("50.00"), source_key="p1"
    )
    allocate(ACTOR, invoice=Invoice.objects.get(number="F-7"), amount=Decimal("50.00"), payment=payment)
    result = dispatch_due(org, now=NOW, actor=ACTOR)
    assert (result.sent, result.cancelled) == (0, 1)
    assert Action.objects.get().state == "cancelled"
    assert server.messages == []


def test_amounts_are_written_the_way_each_language_writes_them():  # type: ignore[no-untyped-def]
    assert format_amount(Decimal("1234567.5"), "EUR", "fr") == "1\u202f234\u202f567,50\u00a0€"
    assert format_amount(Decimal("1234567.5"), "EUR", "en") == "€1,234,567.50"
    assert format_amount(Decimal("-3"), "CHF", "en") == "-3.00 CHF"
    assert format_amount(Decimal("12.3"), "CHF", "fr") == "12,30\u00a0CHF"


def test_recouvre_run_sends_at_once_and_recouvre_dispatch_sends_nothing_more(org, three_emails, smtp, capsys):  # type: ignore[no-untyped-def]
    from recouvre.cli import main

    server = smtp(Keep())
    customer = _customer(org)
    _five(customer)
    assert main(["run", "--org", "acme", "--as-of", AS_OF.isoformat(), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert (payload["actions"], payload["emails_sent"], payload["failed"]) == (1, 1, 0)
    assert [rcpt for rcpt, _raw in server.messages] == [["compta@dupont.example"]]
    assert main(["dispatch", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "emails_sent": 0,
        "retried": 0,
        "failed": 0,
        "cancelled": 0,
        "resumed": 0,
        "waiting_retry": 0,
        "smtp_unreachable": False,
        "smtp_error": None,
        "letters_ready": 0,
        "tasks_opened": 0,
    }
    assert main(["run", "--org", "acme", "--as-of", AS_OF.isoformat(), "--dry-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["emails_sent"] == 0
    assert len(server.messages) == 1


def test_temporary_failures_give_up_after_five_attempts(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    smtp(Answer("421 4.3.0 try again later"))
    customer = _customer(org)
    _five(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    now = NOW
    for attempt, wait in enumerate(BACKOFF, start=1):
        assert dispatch_due(org, now=now, actor=ACTOR).retried == 1
        action = Action.objects.get()
        assert (action.state, action.attempts, action.next_attempt_at) == ("planned", attempt, now + wait)
        now += wait
    result = dispatch_due(org, now=now, actor=ACTOR)
    assert (result.retried, result.failed) == (0, 1)
    action = Action.objects.get()
    assert (action.state, action.attempts, action.next_attempt_at) == ("failed", 5, None)
    assert action.last_error.startswith("gave up after 5 attempts: compta@dupont.example: 421")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's shared in-memory test database refuses a second writer"
)
@pytest.mark.django_db(transaction=True)
def test_two_dispatches_at_once_send_each_message_once(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    for i in range(12):
        customer = _customer(org, ref=f"411C{i:02d}", email_address=f"compta{i}@example.com")
        InvoiceFactory(customer=customer, number=f"F-{i}", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 20))
    run_collections(org, AS_OF, actor=ACTOR)
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(dispatch_due(org, now=NOW, actor=Actor.system("worker")).sent)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(results) == 12
    assert sorted(rcpt[0] for rcpt, _raw in server.messages) == sorted(f"compta{i}@example.com" for i in range(12))
    assert Action.objects.filter(state="sent").count() == 12


def test_an_invalid_address_fails_for_good(org, three_emails, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    customer = _customer(org, email_address="compta@dupont.example\nBcc: x@y.example")
    _five(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    assert dispatch_due(org, now=NOW, actor=ACTOR).failed == 1
    action = Action.objects.get()
    assert action.state == "failed"
    assert action.last_error.startswith("invalid e-mail address: ")
    assert server.messages == []
