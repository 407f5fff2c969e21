"""The review of bank matches on an entry's page: the suggestions with their confidence and reasons in words,
Accept, Not a customer payment, Undo (POST, for members who may edit, with the CSRF token), never another
organization's."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from recouvre.bank.models import BankEntry, BankSuggestion, CustomerIban
from recouvre.bank.services import import_statement
from recouvre.bank.tests.test_matching import PAYER_IBAN, Credit, camt
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Invoice
from recouvre.organizations.models import Role
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

from .helpers import text

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return logged_client


@pytest.fixture
def suggested(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411LECOMTE", name="Cabinet Lecomte")
    invoice = InvoiceFactory(customer=customer, number="F-2026-0070", due_on=date(2026, 3, 1), total=Decimal("700.00"))
    import_statement(
        org, camt(Credit("700.00", "2026-03-20", "CABINET LECOMTE", PAYER_IBAN, "VIREMENT")), "a.xml", actor=ACTOR
    )
    return customer, invoice, BankEntry.objects.get(organization=org)


def test_suggestions_are_shown_in_words_and_accepted_then_undone(english, suggested) -> None:  # type: ignore[no-untyped-def]
    customer, invoice, entry = suggested
    page = english.get(reverse("bank_entry", args=[entry.pk]))
    body = text(page)
    assert "Suggested matches" in body
    assert "F-2026-0070 700.00 EUR" in body
    assert "the payer's name CABINET LECOMTE is close to the customer's name Cabinet Lecomte" in body
    assert re.findall(r"<script(?![^>]*\bsrc=)", page.content.decode()) == []  # no inline script (strict CSP)
    suggestion = BankSuggestion.objects.get(entry=entry, rank=0)

    response = english.post(reverse("bank_entry_accept", args=[entry.pk]), {"suggestion": suggestion.pk})

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.state == "applied"
    assert Invoice.objects.get(pk=invoice.pk).open_amount == Decimal("0.00")
    assert CustomerIban.objects.filter(customer=customer, iban=PAYER_IBAN).exists()
    body = text(english.get(reverse("bank_entry", args=[entry.pk])))
    assert "Match applied to the invoices; the payer's account is linked to the customer." in body
    assert "applied after review" in body

    english.post(reverse("bank_entry_undo", args=[entry.pk]), {"note": "wrong customer"})

    entry.refresh_from_db()
    assert entry.state == "suggested"
    assert Invoice.objects.get(pk=invoice.pk).open_amount == Decimal("700.00")

    english.post(reverse("bank_entry_ignore", args=[entry.pk]), {"reason": "refund"})
    entry.refresh_from_db()
    assert entry.state == "ignored"


def test_a_viewer_cannot_accept_and_a_get_changes_nothing(org, client, suggested) -> None:  # type: ignore[no-untyped-def]
    _customer, _invoice, entry = suggested
    viewer = MembershipFactory(organization=org, user__username="vic", role=Role.VIEWER).user
    client.force_login(viewer)
    suggestion = BankSuggestion.objects.get(entry=entry, rank=0)
    page = client.get(reverse("bank_entry", args=[entry.pk]))
    assert reverse("bank_entry_accept", args=[entry.pk]) not in page.content.decode()
    assert client.post(reverse("bank_entry_accept", args=[entry.pk]), {"suggestion": suggestion.pk}).status_code == 403
    assert client.get(reverse("bank_entry_accept", args=[entry.pk])).status_code in (403, 405)
    entry.refresh_from_db()
    assert entry.state == "suggested"


def test_without_the_csrf_token_nothing_is_applied(user, suggested) -> None:  # type: ignore[no-untyped-def]
    _customer, _invoice, entry = suggested
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    suggestion = BankSuggestion.objects.get(entry=entry, rank=0)
    assert client.post(reverse("bank_entry_accept", args=[entry.pk]), {"suggestion": suggestion.pk}).status_code == 403
    entry.refresh_from_db()
    assert entry.state == "suggested"


def test_another_organizations_entry_is_not_found(other_org, client, suggested) -> None:  # type: ignore[no-untyped-def]
    _customer, _invoice, entry = suggested
    stranger = MembershipFactory(organization=other_org, user__username="rob").user
    client.force_login(stranger)
    suggestion = BankSuggestion.objects.get(entry=entry, rank=0)
    assert client.get(reverse("bank_entry", args=[entry.pk])).status_code == 404
    assert client.post(reverse("bank_entry_accept", args=[entry.pk]), {"suggestion": suggestion.pk}).status_code == 404
    assert client.post(reverse("bank_entry_ignore", args=[entry.pk]), {"reason": "x"}).status_code == 404
    assert client.post(reverse("bank_entry_undo", args=[entry.pk])).status_code == 404
    entry.refresh_from_db()
    assert entry.state == "suggested"
