"""A collector's story in the web app, without a browser: from an overdue customer's page to a formal notice sent
(produced, posted with its tracking number, received), its deadline on the customer page and the worklist's
deadlines, and the statement of account downloaded; another organization's customers are out of reach."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from recouvre.collections.models import Action
from recouvre.letters.deadlines import deadlines
from recouvre.letters.models import Letter
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

from .conftest import PARIS, make_customer, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _client(org, role):  # type: ignore[no-untyped-def]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(MembershipFactory(organization=org, role=role).user)
    return client


def test_from_an_overdue_customer_to_a_received_formal_notice_and_its_statement(org, letterhead):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    InvoiceFactory(
        customer=customer, number="F-3", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2), total=Decimal("2345.67")
    )
    manager = _client(org, "credit_manager")
    page = reverse("customer_detail", args=[customer.pk])

    with time_machine.travel(datetime(2026, 3, 27, 10, 0, tzinfo=PARIS), tick=False):  # Friday 27 March 2026
        assert "Send a formal notice now" in _text(manager.get(page))
        response = manager.post(reverse("customer_formal_notice", args=[customer.pk]), {"approve": "1"}, follow=True)
        assert "The formal notice is ready: print it, post it and record its tracking number." in _text(response)
        action = Action.objects.get(template="formal_notice")
        assert (action.state, action.deadline_on) == ("ready", date(2026, 4, 16))

        pdf = manager.get(reverse("letter_pdf", args=[action.pk]))
        assert pdf["Content-Type"] == "application/pdf"
        text = pdf_text(b"".join(pdf.streaming_content) if pdf.streaming else pdf.content).replace("\n", " ")
        assert "MISE EN DEMEURE" in text and "dans un délai de quinze jours à compter de la réception" in text
        # 25 days (3 to 27 March 2026) at 12.15 %: 2345.67 x 12.15 % x 25 / 365 = 19.52
        assert (
            "F-3 01/02/2026 02/03/2026 2\u202f345,67\u00a0€ 0,00\u00a0€ 2\u202f345,67\u00a0€ 19,52\u00a0€ 40,00\u00a0€"
            in text
        )

        response = manager.post(
            reverse("letter_post"),
            {
                "letters": [action.pk],
                "posted_on": "2026-03-27",
                f"tracking_{action.pk}": "1A 123 456 7890 1",
                "next": page + "#formal-notice",
            },
        )
        assert response.status_code == 302 and response["Location"] == page + "#formal-notice"

    with time_machine.travel(datetime(2026, 3, 31, 10, 0, tzinfo=PARIS), tick=False):
        response = manager.post(
            reverse("letter_acknowledge", args=[action.pk]),
            {"acknowledged_on": "2026-03-30", "next": page + "#formal-notice"},
            follow=True,
        )
        letter = Letter.objects.get()
        assert (letter.posted_on, letter.tracking_number, letter.acknowledged_on) == (
            date(2026, 3, 27),
            "1A12345678901",
            date(2026, 3, 30),
        )
        text = _text(response)
        assert "1A12345678901" in text
        assert 'data-deadline="2026-04-14"' in response.content.decode()  # 15 days from the receipt, 30 March
        assert "Send a formal notice now" in text  # still overdue, a new one may be sent later

    assert [(d.kind, d.due_on) for d in deadlines(org, date(2026, 4, 1))] == [("formal_notice", date(2026, 4, 14))]
    with time_machine.travel(datetime(2026, 4, 15, 10, 0, tzinfo=PARIS), tick=False):
        assert "expired unpaid: legal action can start" in _text(manager.get(page))

        statement = manager.get(reverse("customer_statement", args=[customer.pk]), {"as_of": "2026-03-27"})
        assert statement["Content-Type"] == "application/pdf"
        assert statement["Content-Disposition"] == 'attachment; filename="releve-411DUPONT-2026-03-27.pdf"'
        text = pdf_text(statement.content).replace("\n", " ")
        assert "RELEVÉ DE COMPTE au 27/03/2026" in text


def test_a_collector_asks_and_the_notice_waits_for_approval(org, letterhead):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    InvoiceFactory(customer=customer, number="F-3", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    collector = _client(org, "collector")
    with time_machine.travel(datetime(2026, 3, 27, 10, 0, tzinfo=PARIS), tick=False):
        response = collector.post(
            reverse("customer_formal_notice", args=[customer.pk]), {"approve": "1"}, follow=True
        )  # a collector may not approve: the box is ignored
        assert "The formal notice waits in the approval queue." in _text(response)
    assert Action.objects.get().state == "awaiting_approval"
    assert Letter.objects.count() == 0


def test_a_viewer_cannot_send_and_another_organization_s_customer_is_not_found(org, other_org, letterhead):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    InvoiceFactory(customer=customer, number="F-3", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    viewer = _client(org, "viewer")
    assert viewer.post(reverse("customer_formal_notice", args=[customer.pk])).status_code == 403
    assert "Send a formal notice now" not in _text(viewer.get(reverse("customer_detail", args=[customer.pk])))
    foreign = CustomerFactory(organization=other_org, ref="411OTHER")
    InvoiceFactory(customer=foreign, number="X-1", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    manager = _client(org, "credit_manager")
    assert manager.post(reverse("customer_formal_notice", args=[foreign.pk]), {"approve": "1"}).status_code == 404
    assert manager.get(reverse("customer_statement", args=[foreign.pk])).status_code == 404
    assert Action.objects.count() == 0
