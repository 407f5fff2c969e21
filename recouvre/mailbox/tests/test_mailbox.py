"""The mailbox of replies, against a real IMAP server (Dovecot on the loopback): a bounce turns the e-mail into a
failure with a task and the next run sends a letter; a reply reaches the customer's timeline with a task; reading
again changes nothing; what is automatic or unknown does nothing."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import timedelta

import pytest
from django.test import override_settings

from recouvre.cli import main
from recouvre.collections.dispatch import dispatch_due
from recouvre.collections.models import Action, ItemStep
from recouvre.collections.services import run_collections
from recouvre.collections.tests.test_dispatch import (  # noqa: F401 - fixtures
    ACTOR,
    AS_OF,
    NOW,
    Keep,
    _customer,
    _five,
    smtp,
    three_emails,
)
from recouvre.ledger.models import Contact, Event
from recouvre.ledger.timeline import describe
from recouvre.mailbox.models import InboundMessage
from recouvre.tasks.models import Task
from recouvre.testing.imap import imap_server  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def dsn(message_id: str, to: str, *, action: str = "failed", status: str = "5.1.1") -> bytes:
    """A delivery status notification (RFC 3464) as Postfix writes one, returning the headers of ``message_id``."""
    return (
        "From: MAILER-DAEMON@mx.dupont.example (Mail Delivery System)\r\n"
        "To: relances@acme.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Mon, 30 Mar 2026 08:12:00 +0200\r\n"
        "Message-ID: <20260330081200.AB12@mx.dupont.example>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUND"\r\n'
        "\r\n"
        "--BOUND\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "\r\n"
        "--BOUND\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; mx.dupont.example\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {to}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} <{to}>: Recipient address rejected: User unknown\r\n"
        "\r\n"
        "--BOUND\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "\r\n"
        "From: relances@acme.example\r\n"
        f"To: {to}\r\n"
        "Subject: Relance\r\n"
        f"Message-ID: {message_id}\r\n"
        "\r\n"
        "--BOUND--\r\n"
    ).encode()


def reply(in_reply_to: str, sender: str = "compta@dupont.example", subject: str = "Re: Relance") -> bytes:
    return (
        f"From: Compta Dupont <{sender}>\r\n"
        "To: relances@acme.example\r\n"
        f"Subject: {subject}\r\n"
        "Date: Mon, 30 Mar 2026 10:00:00 +0200\r\n"
        "Message-ID: <reply-1@dupont.example>\r\n"
        f"In-Reply-To: {in_reply_to}\r\n"
        f"References: {in_reply_to}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        "Bonjour, le virement de la facture F-5 part vendredi.\r\n"
        "\r\n"
        "> Madame, Monsieur,\r\n"
    ).encode()


def fetch(capsys, url: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def,type-arg]
    with override_settings(RECOUVRE_IMAP_URL=url):
        code = main(["mail", "fetch", "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.fixture
def sent(org, three_emails, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    """Dupont (e-mail and postal address) reminded by e-mail on 27 March 2026: the message and its Message-ID."""
    server = smtp(Keep())
    customer = _customer(org)
    customer.address_line1, customer.postal_code, customer.city = "12 rue des Lilas", "34000", "Montpellier"
    customer.save()
    _five(customer)
    run_collections(org, AS_OF, actor=ACTOR, today=AS_OF)
    assert dispatch_due(org, now=NOW, actor=ACTOR).sent == 1
    (recipients, raw), *more = server.messages
    assert more == [] and recipients == ["compta@dupont.example"]
    message_id = email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"]
    action = Action.objects.get(channel="email")
    assert action.message_id == message_id
    return customer, action


def test_a_bounce_fails_the_email_with_a_task_and_the_next_run_sends_a_letter(  # type: ignore[no-untyped-def]
    capsys,
    org,
    sent,
    imap_server,  # noqa: F811
):
    customer, action = sent
    Contact.objects.filter(customer=customer, email="ventes@x.example").delete()  # one address: the billing one
    steps = ItemStep.objects.filter(action=action)
    assert steps.count() == 5 and not steps.filter(done_on__isnull=True).exists()
    imap_server.deliver(dsn(action.message_id, "compta@dupont.example"))
    code, out = fetch(capsys, imap_server.url)
    assert code == 0
    assert (out["read"], out["bounces"], out["replies"]) == (1, 1, 0)
    assert out["messages"] == [
        {
            "kind": "bounce",
            "outcome": "bounce_recorded",
            "organization": "acme",
            "customer_ref": "411DUPONT",
            "action_id": action.pk,
            "addresses": ["compta@dupont.example"],
            "status": "5.1.1",
            "contacts_flagged": 1,
        }
    ]
    action.refresh_from_db()
    assert (action.state, action.sent_at) == ("failed", None)
    assert action.last_error.startswith("Returned by the recipient's mail server: 5.1.1 smtp; 550 5.1.1")
    assert steps.filter(done_on__isnull=True).count() == 5  # no longer carried out
    flagged = Contact.objects.get(customer=customer, email="compta@dupont.example")
    assert flagged.email_bounced_at is not None
    task = Task.objects.get(customer=customer)
    assert (task.kind, task.state, task.action_id) == ("email_failed", "open", action.pk)
    assert task.title == "Reach Dupont SARL another way: the e-mail was not delivered"
    event = Event.objects.get(customer=customer, kind="collections.email_bounced")
    assert describe(event) == (
        "E-mail to compta@dupont.example returned by the recipient's mail server (5.1.1): not delivered; the address "
        "is not written to again until it is changed."
    )
    assert imap_server.unseen() == 0

    # read again: nothing new
    imap_server.deliver(dsn(action.message_id, "compta@dupont.example"))  # the same report delivered twice
    code, out = fetch(capsys, imap_server.url)
    assert (code, out["read"], out["already_read"], out["bounces"]) == (0, 1, 1, 0)
    assert Task.objects.filter(customer=customer).count() == 1

    # the next run (Monday 30 March): no address left to write to, the reminder goes by letter
    monday = AS_OF + timedelta(days=3)
    run_collections(org, monday, actor=ACTOR, today=monday)
    planned = Action.objects.exclude(pk=action.pk).get(customer=customer)
    assert (planned.channel, planned.step_key, planned.state) == ("letter", "reminder", "planned")
    assert sorted(line["number"] for line in planned.lines) == ["F-1", "F-2", "F-3", "F-4", "F-5"]


def test_only_an_address_that_did_not_bounce_is_written_to(capsys, org, sent, imap_server, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    customer, action = sent
    imap_server.deliver(dsn(action.message_id, "compta@dupont.example"))
    assert fetch(capsys, imap_server.url)[0] == 0
    server = smtp(Keep())
    monday = AS_OF + timedelta(days=3)
    run_collections(org, monday, actor=ACTOR, today=monday)
    planned = Action.objects.exclude(pk=action.pk).get(customer=customer)
    assert planned.channel == "email"  # the purchasing contact's address is still good
    dispatch_due(org, now=NOW + timedelta(days=3), actor=ACTOR)
    assert [r for r, _raw in server.messages] == [["ventes@x.example"]]
    # a new address for the billing contact: the bounce was the old one's
    from recouvre.ledger.customers import edit_contact

    billing = Contact.objects.get(customer=customer, email="compta@dupont.example")
    edit_contact(billing, ACTOR, email="comptabilite@dupont.example")
    billing.refresh_from_db()
    assert (billing.email_bounced_at, billing.email_bounce_reason) == (None, "")


def test_the_customer_page_shows_the_returned_address_and_the_reply(  # type: ignore[no-untyped-def]
    capsys,
    org,
    sent,
    imap_server,  # noqa: F811
    logged_client,
):
    from django.urls import reverse

    customer, action = sent
    imap_server.deliver(dsn(action.message_id, "compta@dupont.example"))
    imap_server.deliver(reply(action.message_id))
    assert fetch(capsys, imap_server.url)[1]["read"] == 2
    billing = Contact.objects.get(customer=customer, email="compta@dupont.example")
    html = logged_client.get(reverse("customer_detail", args=[customer.pk])).content.decode()
    assert f'data-bounced="{billing.pk}"' in html
    assert html.count("data-bounced=") == 1
    assert "Bonjour, le virement de la facture F-5 part vendredi." in html  # the reply on the timeline


def test_a_reply_reaches_the_timeline_with_a_task(capsys, org, sent, imap_server):  # type: ignore[no-untyped-def]  # noqa: F811
    customer, action = sent
    imap_server.deliver(reply(action.message_id))
    code, out = fetch(capsys, imap_server.url)
    assert code == 0 and (out["replies"], out["bounces"]) == (1, 0)
    assert out["messages"][0]["matched_by"] == "message"
    event = Event.objects.get(customer=customer, kind="collections.reply_received")
    assert describe(event) == (
        "Reply from compta@dupont.example: Re: Relance — Bonjour, le virement de la facture F-5 part vendredi. > "
        "Madame, Monsieur,"
    )
    task = Task.objects.get(customer=customer, kind="reply")
    assert task.title == "Reply from Compta Dupont: Re: Relance"
    assert "Bonjour, le virement de la facture F-5 part vendredi." in task.details
    message = InboundMessage.objects.get(kind="reply")
    assert (message.organization_id, message.customer_id, message.action_id) == (org.pk, customer.pk, action.pk)
    action.refresh_from_db()
    assert action.state == "sent"  # a reply changes nothing to what was sent
    code, out = fetch(capsys, imap_server.url)
    assert (code, out["read"]) == (0, 0)
    assert Task.objects.filter(customer=customer, kind="reply").count() == 1


def test_a_reply_by_address_an_unknown_sender_and_an_out_of_office(capsys, org, sent, imap_server):  # type: ignore[no-untyped-def]  # noqa: F811
    customer, _action = sent
    imap_server.deliver(reply("<unknown@elsewhere.example>", sender="ventes@x.example", subject="Question"))
    imap_server.deliver(
        reply("<unknown@elsewhere.example>", sender="nobody@nowhere.example").replace(
            b"Message-ID: <reply-1@", b"Message-ID: <reply-2@"
        )
    )
    imap_server.deliver(
        b"From: compta@dupont.example\r\nSubject: Absence du bureau\r\nAuto-Submitted: auto-replied\r\n"
        b"Message-ID: <ooo@dupont.example>\r\n\r\nJe suis absente.\r\n"
    )
    code, out = fetch(capsys, imap_server.url)
    assert code == 0
    assert (out["read"], out["replies"], out["not_matched"], out["ignored"]) == (3, 1, 1, 1)
    assert [m["matched_by"] for m in out["messages"] if m["outcome"] == "reply_recorded"] == ["address"]
    assert Task.objects.filter(customer=customer, kind="reply").count() == 1
    assert InboundMessage.objects.count() == 3


def test_the_mailbox_unreachable_or_not_set(capsys, org):  # type: ignore[no-untyped-def]
    from recouvre.testing.imap import _free_port

    with override_settings(RECOUVRE_IMAP_URL=f"imap://u:p@127.0.0.1:{_free_port()}/INBOX", RECOUVRE_IMAP_TIMEOUT=2):
        code = main(["mail", "fetch", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 3 and out["ok"] is False and out["unreachable"] is True
    with override_settings(RECOUVRE_IMAP_URL=""):
        assert main(["mail", "fetch"]) == 2
    assert "RECOUVRE_IMAP_URL" in capsys.readouterr().err
    with override_settings(RECOUVRE_IMAP_URL="imap://u:p@mail.example.org/INBOX"):
        assert main(["mail", "fetch"]) == 2
    assert "only for a server on this machine" in capsys.readouterr().err


def test_a_delay_notice_is_not_a_bounce(capsys, org, sent, imap_server):  # type: ignore[no-untyped-def]  # noqa: F811
    _customer_, action = sent
    imap_server.deliver(dsn(action.message_id, "compta@dupont.example", action="delayed", status="4.4.1"))
    code, out = fetch(capsys, imap_server.url)
    assert (code, out["ignored"], out["bounces"]) == (0, 1, 0)
    action.refresh_from_db()
    assert action.state == "sent"


def test_reading_a_postfix_bounce_without_a_report(org) -> None:  # type: ignore[no-untyped-def]
    from recouvre.core.inbound import Kind, read

    raw = (
        b"From: Mail Delivery Subsystem <mailer-daemon@mx.example>\r\n"
        b"Subject: Mail delivery failed: returning message to sender\r\n"
        b"Message-ID: <b1@mx.example>\r\n\r\n"
        b"This message was created automatically by mail delivery software.\r\n\r\n"
        b"  compta@dupont.example\r\n    mailbox is full\r\n\r\n"
        b"------ This is a copy of the message, including all the headers. ------\r\n"
        b"Message-ID: <abc.123@acme.example>\r\nTo: compta@dupont.example\r\nSubject: Relance\r\n"
    )
    got = read(raw)
    assert got.kind is Kind.BOUNCE
    assert got.answers == ("<abc.123@acme.example>",)
    assert [f.address for f in got.failures] == ["compta@dupont.example"]
    assert read(b"From: someone@x.example\r\nSubject: hello\r\n\r\nhi\r\n").kind is Kind.REPLY
