"""Stories of reminder e-mails carrying the invoice PDFs on file, received by a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
import socket
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from recouvre.collections.dispatch import dispatch_due
from recouvre.collections.models import Action, Policy, Step
from recouvre.collections.services import run_collections
from recouvre.documents.services import attach_document, withdraw_document
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Contact
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

from .conftest import pdf_text

_smtp_log = logging.getLogger("mail.log")
_smtp_log.propagate = False
_smtp_log.addHandler(logging.NullHandler())

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
PARIS = ZoneInfo("Europe/Paris")
AS_OF = date(2026, 3, 27)  # a Friday
NOW = datetime(2026, 3, 27, 9, 0, tzinfo=PARIS)


class Keep:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.original_content or envelope.content)))
        return "250 OK"


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    """A real SMTP server on the loopback that keeps what it receives; the mailer points at it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    with override_settings(MAILERS=mailers, DEFAULT_FROM_EMAIL="relances@acme.example"):
        yield handler
    controller.stop()


@pytest.fixture
def customer(org):  # type: ignore[no-untyped-def]
    """Dupont SARL, reminded by e-mail 5 days after the due date, with three invoices due on 2 March 2026."""
    policy = Policy.objects.create(organization=org, key="mail", name="Mail", segment="standard")
    Step.objects.create(policy=policy, position=1, key="reminder", offset_days=5, channel="email", template="reminder")
    dupont = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL", language="en")
    Contact.objects.create(organization=org, customer=dupont, email="compta@dupont.example", is_primary=True)
    for number, total in (("FA-2025-001", "1200.00"), ("FA-2025-002", "80.50"), ("FA-2025-003", "10.00")):
        InvoiceFactory(
            customer=dupont, number=number, issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2), total=Decimal(total)
        )
    return dupont


def _invoice(org, number):  # type: ignore[no-untyped-def]
    return org.invoices.get(number=number)


def _attach(org, number, content, **kw):  # type: ignore[no-untyped-def]
    return attach_document(
        org, ACTOR, kind="invoice_pdf", file_name=f"{number}.pdf", content=content, invoice=_invoice(org, number), **kw
    ).document


def _send(org, server):  # type: ignore[no-untyped-def]
    assert run_collections(org, AS_OF, actor=ACTOR).emails == 1
    result = dispatch_due(org, now=NOW, actor=ACTOR)
    assert (result.sent, result.failed) == (1, 0)
    assert len(server.messages) == 1
    return email.message_from_bytes(server.messages[0][1], policy=email.policy.default)


def _pdfs(msg) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    return {
        part.get_filename(): part.get_content()
        for part in msg.iter_attachments()
        if part.get_content_type() == "application/pdf"
    }


def test_the_reminder_carries_the_invoice_pdfs_on_file_byte_for_byte(org, customer, server, pdf):  # type: ignore[no-untyped-def]
    first, third = pdf("Facture FA-2025-001"), pdf("Facture FA-2025-003")
    _attach(org, "FA-2025-001", first)
    _attach(org, "FA-2025-003", third)
    attach_document(  # a contract of the invoice is not an invoice PDF: not attached
        org,
        ACTOR,
        kind="contract",
        file_name="contrat.pdf",
        content=pdf("Contrat"),
        invoice=_invoice(org, "FA-2025-002"),
    )

    msg = _send(org, server)

    received = _pdfs(msg)
    assert list(received) == ["FA-2025-001.pdf", "FA-2025-003.pdf"]
    assert received["FA-2025-001.pdf"] == first
    assert received["FA-2025-003.pdf"] == third
    assert "Facture FA-2025-003" in pdf_text(received["FA-2025-003.pdf"])
    text = str(msg.get_body(("plain",)).get_content())
    assert "FA-2025-002 | 2 Mar 2026 | 25 | €80.50" in text
    assert "available on request" not in text

    action = Action.objects.get()
    raw = server.messages[0][1]
    assert action.content.encode("utf-8") == raw
    assert action.content_sha256 == hashlib.sha256(raw).hexdigest()
    stored = email.message_from_bytes(action.content.encode("utf-8"), policy=email.policy.default)
    assert _pdfs(stored)["FA-2025-001.pdf"] == first


def test_above_the_size_cap_the_message_says_which_invoices_are_available_on_request(
    org, customer, server, pdf, settings
):  # type: ignore[no-untyped-def]
    first, second, third = pdf("Facture FA-2025-001"), pdf("Facture FA-2025-002"), pdf("Facture FA-2025-003")
    second += b"%" * 4000  # a PDF comment makes the second one larger than the others
    for number, content in (("FA-2025-001", first), ("FA-2025-002", second), ("FA-2025-003", third)):
        _attach(org, number, content)
    settings.DOCUMENTS_MAX_ATTACHMENTS_BYTES = len(first) + len(third) + 100  # room for the first and the third

    msg = _send(org, server)

    assert _pdfs(msg) == {"FA-2025-001.pdf": first, "FA-2025-003.pdf": third}
    text = str(msg.get_body(("plain",)).get_content())
    assert text.rstrip().endswith(
        "The PDF of invoice FA-2025-002 is not attached to this message: it is available on request."
    )
    html = str(msg.get_body(("html",)).get_content())
    assert "The PDF of invoice FA-2025-002 is not attached to this message: it is available on request.</p>" in html


def test_none_fits_and_every_one_is_named(org, customer, server, pdf, settings):  # type: ignore[no-untyped-def]
    _attach(org, "FA-2025-001", pdf("Facture FA-2025-001"))
    _attach(org, "FA-2025-002", pdf("Facture FA-2025-002"))
    settings.DOCUMENTS_MAX_ATTACHMENTS_BYTES = 1000

    msg = _send(org, server)

    assert _pdfs(msg) == {}
    text = str(msg.get_body(("plain",)).get_content())
    assert (
        "The PDFs of invoices FA-2025-001, FA-2025-002 are not attached to this message: they are available on request."
        in text
    )


def test_a_withdrawn_pdf_is_not_sent_and_the_latest_version_is(org, customer, server, pdf):  # type: ignore[no-untyped-def]
    old = _attach(org, "FA-2025-001", pdf("Facture FA-2025-001 (erronée)"), now=NOW - timedelta(days=30))
    new = pdf("Facture FA-2025-001 (rectifiée)")
    _attach(org, "FA-2025-001", new, now=NOW - timedelta(days=20))
    wrong = _attach(org, "FA-2025-002", pdf("Facture FA-2025-002"))
    withdraw_document(wrong, ACTOR, reason="sent to the wrong customer")

    msg = _send(org, server)

    assert _pdfs(msg) == {"FA-2025-001.pdf": new}
    assert old.pk != wrong.pk
    assert "available on request" not in str(msg.get_body(("plain",)).get_content())


def test_a_file_gone_from_disk_is_not_attached_but_named(org, customer, server, pdf, media_root):  # type: ignore[no-untyped-def]
    doc = _attach(org, "FA-2025-001", pdf("Facture FA-2025-001"))
    (media_root / doc.storage_path).unlink()

    msg = _send(org, server)

    assert _pdfs(msg) == {}
    assert "The PDF of invoice FA-2025-001 is not attached to this message: it is available on request." in str(
        msg.get_body(("plain",)).get_content()
    )


def test_a_pdf_uploaded_in_the_web_app_reaches_the_customer_unchanged(org, customer, server, pdf, client):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from recouvre.testing.factories import MembershipFactory

    client.force_login(MembershipFactory(organization=org, role="collector").user)
    uploaded = pdf("Facture FA-2025-002 du 1er février 2026")
    invoice = _invoice(org, "FA-2025-002")
    response = client.post(
        reverse("invoice_document_upload", args=[invoice.pk]),
        {"file": SimpleUploadedFile("scan 0042.pdf", uploaded, content_type="application/pdf"), "kind": "invoice_pdf"},
    )
    assert response.status_code == 302

    msg = _send(org, server)

    assert _pdfs(msg) == {"FA-2025-002.pdf": uploaded}
