"""The portal's "Pay" page, by transfer: the organization's bank details, the customer's RF reference and the EPC QR
code of exactly the amount chosen (euros only); nothing when the organization has no IBAN."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils.html import escape

from recouvre.core.creditor_ref import epc_qr_data_uri, epc_qr_payload
from recouvre.ledger.actors import CLI
from recouvre.portal import links
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db

IBAN = "FR7630006000011234567890189"


@pytest.fixture
def customer(org):  # type: ignore[no-untyped-def]
    org.iban, org.bic, org.account_holder = IBAN, "AGRIFRPP", "ACME Distribution"
    org.save()
    return CustomerFactory(organization=org, ref="411DUPONT", name="Dupont Bâtiment SARL", language="fr")


@pytest.fixture
def token(customer):  # type: ignore[no-untyped-def]
    return links.token_of(links.issue_link(customer, actor=CLI))


def test_the_transfer_details_and_the_qr_code_carry_exactly_the_invoices_chosen(client, customer, token) -> None:  # type: ignore[no-untyped-def]
    a = InvoiceFactory(customer=customer, number="FA-2026-0101", total=Decimal("1000.00"))
    b = InvoiceFactory(customer=customer, number="FA-2026-0102", total=Decimal("734.56"))
    reference = customer.payment_reference

    everything = client.get(f"/p/{token}/pay/")
    assert everything.status_code == 200
    assert everything["Cache-Control"] == "no-store, private"
    page = everything.content.decode()
    assert "ACME Distribution" in page
    assert "FR76 3000 6000 0112 3456 7890 189" in page and "AGRIFRPP" in page
    assert customer.payment_reference_printed in page
    assert "1\u202f734,56\u00a0€" in page  # all that is due, by default
    all_due = epc_qr_payload("ACME Distribution", IBAN, "AGRIFRPP", Decimal("1734.56"), "EUR", reference_rf=reference)
    assert everything.context["qr_payload"] == all_due
    assert f'src="{escape(epc_qr_data_uri(all_due))}"' in page

    one = client.get(f"/p/{token}/pay/?cur=EUR&i={b.pk}")
    page = one.content.decode()
    expected = epc_qr_payload("ACME Distribution", IBAN, "AGRIFRPP", Decimal("734.56"), "EUR", reference_rf=reference)
    assert one.context["qr_payload"] == expected
    assert expected.splitlines()[7] == "EUR734.56" and expected.splitlines()[-1] == reference
    assert f'src="{escape(epc_qr_data_uri(expected))}"' in page
    assert f'value="{b.pk}" checked' in page and f'value="{a.pk}" checked' not in page
    assert "CSP" not in page  # nothing of the server's settings is shown

    # The account page leads to it.
    assert f"/p/{token}/pay/" in client.get(f"/p/{token}/").content.decode()


def test_no_qr_code_for_an_amount_in_dollars_and_the_page_says_why(client, customer, token) -> None:  # type: ignore[no-untyped-def]
    InvoiceFactory(customer=customer, number="FA-EUR-1", total=Decimal("100.00"))
    InvoiceFactory(customer=customer, number="FA-USD-1", total=Decimal("250.05"), currency="USD")
    euros = client.get(f"/p/{token}/pay/")
    assert "FA-EUR-1" in euros.content.decode() and "FA-USD-1" not in euros.content.decode()
    assert "?cur=USD" in euros.content.decode()
    dollars = client.get(f"/p/{token}/pay/?cur=USD&lang=en")
    page = dollars.content.decode()
    assert dollars.context["qr_payload"] == "" and dollars.context["qr_uri"] == ""
    assert "<img" not in page
    assert "FR76 3000 6000 0112 3456 7890 189" in page and "$250.05" in page
    assert "for payments in euros only" in page


def test_no_bank_details_when_the_organization_has_no_iban(client, customer, token) -> None:  # type: ignore[no-untyped-def]
    org = customer.organization
    org.iban = org.bic = ""
    org.save()
    InvoiceFactory(customer=customer, total=Decimal("100.00"))
    answer = client.get(f"/p/{token}/pay/?lang=en")
    page = answer.content.decode()
    assert answer.context["transfer"] is None and "<img" not in page
    assert "IBAN" not in page and customer.payment_reference_printed not in page
    assert "answer our latest message or call us" in page


def test_another_customers_invoices_cannot_be_chosen(client, customer, token) -> None:  # type: ignore[no-untyped-def]
    mine = InvoiceFactory(customer=customer, total=Decimal("100.00"))
    theirs = InvoiceFactory(customer=CustomerFactory(organization=customer.organization), total=Decimal("900.00"))
    answer = client.get(f"/p/{token}/pay/?cur=EUR&i={mine.pk}&i={theirs.pk}")
    assert answer.context["amount"] == Decimal("100.00")
    assert answer.context["chosen_ids"] == [mine.pk]
