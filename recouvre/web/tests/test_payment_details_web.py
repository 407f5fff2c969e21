"""The bank details on the collections settings page (checked like ``recouvre org set --iban``), the customer's
payment reference on its page and in ``recouvre customer show``."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.urls import reverse

from recouvre.cli import main
from recouvre.core.creditor_ref import customer_rf, format_rf
from recouvre.ledger.models import Event
from recouvre.organizations.models import Organization
from recouvre.testing.factories import CustomerFactory, MembershipFactory

from .helpers import text

pytestmark = pytest.mark.django_db
IBAN = "FR7630006000011234567890189"


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return logged_client


def _post(client, **values):  # type: ignore[no-untyped-def]
    data = {"bank-account_holder": "", "bank-iban": "", "bank-bic": ""}
    data.update({f"bank-{k}": v for k, v in values.items()})
    return client.post(reverse("collection_settings"), data)


def test_the_bank_details_are_set_on_the_settings_page(org, english):  # type: ignore[no-untyped-def]
    page = english.get(reverse("collection_settings"))
    assert "Payment details" in text(page) and 'name="bank-iban"' in page.content.decode()

    response = _post(english, iban="FR76 3000 6000 0112 3456 7890 189", bic="agrifrppxxx", account_holder="ACME")
    assert response.status_code == 302
    stored = Organization.objects.get(pk=org.pk)
    assert (stored.iban, stored.bic, stored.account_holder) == (IBAN, "AGRIFRPPXXX", "ACME")
    assert Event.objects.filter(kind="collections.bank_details_changed").count() == 1
    # shown again in groups of four
    assert 'value="FR76 3000 6000 0112 3456 7890 189"' in english.get(reverse("collection_settings")).content.decode()


def test_the_settings_page_refuses_a_wrong_iban_and_writes_nothing(org, english):  # type: ignore[no-untyped-def]
    org.iban = IBAN
    org.save()
    response = _post(english, iban="FR76 3000 6000 0112 3456 7890 188", bic="AGRIFRPPXXX")
    assert response.status_code == 200
    assert (
        "IBAN: 'FR76 3000 6000 0112 3456 7890 188' is not a valid IBAN (its length or its check digits are wrong)."
    ) in text(response)
    response = _post(english, iban=IBAN, bic="AGRI")
    assert "BIC: 'AGRI' is not a valid BIC (8 or 11 letters and digits)." in text(response)
    stored = Organization.objects.get(pk=org.pk)
    assert (stored.iban, stored.bic) == (IBAN, "")
    assert not Event.objects.filter(kind="collections.bank_details_changed").exists()


def test_only_an_administrator_changes_the_bank_details(org, client):  # type: ignore[no-untyped-def]
    manager = MembershipFactory(organization=org, role="credit_manager", user__username="paul").user
    client.force_login(manager)
    assert "Seul un administrateur peut modifier les coordonnées bancaires." in text(
        client.get(reverse("collection_settings"))
    )
    assert _post(client, iban=IBAN).status_code == 403
    assert Organization.objects.get(pk=org.pk).iban == ""


def test_the_customer_shows_its_payment_reference(org, english, capsys):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUP", name="Dupont SARL")
    rf = customer_rf(org.pk, customer.pk)
    page = english.get(reverse("customer_detail", args=[customer.pk])).content.decode()
    assert f'<span class="mono" id="payment-reference">{format_rf(rf)}</span>' in page
    assert main(["customer", "show", "411DUP", "--org", "acme", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["payment_reference"] == rf
