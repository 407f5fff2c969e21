"""The bank pages of this capability: an entry split by hand (the customer found by its account reference or
name, the invoices prefilled oldest first, refusals shown with what was typed) and the settings of the bank
matching (administrators; errors next to the fields; an event on change)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from recouvre.bank.models import BankApplication, BankEntry, BankMatchSettings
from recouvre.bank.services import import_statement
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event, Payment
from recouvre.organizations.models import Role
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

from .test_matching import Credit, camt, open_amounts

ACTOR = Actor.system("test")
pytestmark = pytest.mark.django_db


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return logged_client


@pytest.fixture
def waiting(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411MARTIN", name="Boulangerie Martin SARL")
    first = InvoiceFactory(customer=customer, number="F-2026-0041", due_on=date(2026, 3, 4), total=Decimal("800.00"))
    second = InvoiceFactory(customer=customer, number="F-2026-0042", due_on=date(2026, 3, 10), total=Decimal("400.00"))
    import_statement(org, camt(Credit("1000.00", "2026-03-18", "INCONNU", "", "VIREMENT")), "a.xml", actor=ACTOR)
    return customer, first, second, BankEntry.objects.get(organization=org)


def test_an_entry_is_split_by_hand_from_its_page(english, waiting) -> None:  # type: ignore[no-untyped-def]
    customer, first, second, entry = waiting
    url = reverse("bank_entry", args=[entry.pk])

    found = english.get(url, {"customer_q": "411martin"}).content.decode()
    assert "Split by hand" in found
    assert f"?split_customer={customer.pk}" in found

    form = english.get(url, {"split_customer": customer.pk}).content.decode()
    assert f'name="amount_{first.pk}" value="800.00"' in form
    assert f'name="amount_{second.pk}" value="200.00"' in form

    refused = english.post(
        reverse("bank_entry_split", args=[entry.pk]),
        {"customer": customer.pk, f"amount_{first.pk}": "800,00", f"amount_{second.pk}": "400"},
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "the invoices get 1200.00 EUR, more than the 1000.00 EUR of the transfer" in body
    assert f'name="amount_{second.pk}" value="400"' in body
    assert not Payment.objects.exists()

    done = english.post(
        reverse("bank_entry_split", args=[entry.pk]),
        {"customer": customer.pk, f"amount_{first.pk}": "800,00", f"amount_{second.pk}": ""},
    )
    assert done.status_code == 302
    entry.refresh_from_db()
    assert entry.state == "applied"
    assert open_amounts(first, second) == [Decimal("0.00"), Decimal("400.00")]
    assert Payment.objects.get().amount == Decimal("1000.00")
    assert BankApplication.objects.get(entry=entry).reasons == [{"code": "manual", "params": {}}]
    page = english.get(url).content.decode()
    assert "Split by hand" not in page
    assert "applied by hand" in page


def test_splitting_needs_the_edit_permission_and_stays_in_the_organization(org, other_org, waiting) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    customer, first, second, entry = waiting
    viewer = Client()
    viewer.force_login(MembershipFactory(organization=org, role=Role.VIEWER).user)
    assert "Split by hand" not in viewer.get(reverse("bank_entry", args=[entry.pk])).content.decode()
    response = viewer.post(reverse("bank_entry_split", args=[entry.pk]), {"customer": customer.pk})
    assert response.status_code == 403
    stranger = Client()
    stranger.force_login(MembershipFactory(organization=other_org, role=Role.ADMIN).user)
    assert stranger.post(reverse("bank_entry_split", args=[entry.pk]), {"customer": customer.pk}).status_code == 404
    assert not Payment.objects.exists()


def test_the_bank_settings_page(org, english) -> None:  # type: ignore[no-untyped-def]
    assert reverse("bank_settings") in english.get(reverse("bank")).content.decode()
    page = english.get(reverse("bank_settings")).content.decode()
    assert 'name="auto_threshold" value="0.95"' in page
    assert 'name="identify_hold_days" value="7"' in page

    bad = english.post(
        reverse("bank_settings"), {"auto_threshold": "1.5", "tolerance": "-1", "identify_hold_days": "120"}
    )
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "Ensure this value is less than or equal to 1.00." in body
    assert "Ensure this value is greater than or equal to 0." in body
    assert "Ensure this value is less than or equal to 90." in body
    assert not BankMatchSettings.objects.filter(organization=org).exists()

    good = english.post(
        reverse("bank_settings"), {"auto_threshold": "0.90", "tolerance": "2.50", "identify_hold_days": "5"}
    )
    assert good.status_code == 302
    row = BankMatchSettings.objects.get(organization=org)
    assert (row.auto_threshold, row.tolerance, row.identify_hold_days) == (Decimal("0.90"), Decimal("2.50"), 5)
    event = Event.objects.get(organization=org, kind="bank.settings_changed")
    assert event.data["identify_hold_days"] == 5


def test_only_an_administrator_changes_the_bank_settings(org) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    manager = Client()
    manager.force_login(MembershipFactory(organization=org, role=Role.CREDIT_MANAGER).user)
    assert manager.get(reverse("bank_settings")).status_code == 200
    response = manager.post(
        reverse("bank_settings"), {"auto_threshold": "0.50", "tolerance": "1.00", "identify_hold_days": "7"}
    )
    assert response.status_code == 403
    assert not BankMatchSettings.objects.filter(organization=org).exists()
