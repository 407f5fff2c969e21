"""Paying by card or SEPA direct debit from the portal: Recouvre creates Stripe's hosted Checkout for the invoices the
customer chose (checked here against a loopback server answering a recorded Checkout Session) and sends the customer
there; coming back records nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from recouvre.ledger.actors import CLI
from recouvre.ledger.models import Event, Payment
from recouvre.payments.models import Checkout, CheckoutState
from recouvre.portal import links
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

from .conftest import SECRET_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(org):  # type: ignore[no-untyped-def]
    org.iban, org.bic = "FR7630006000011234567890189", "AGRIFRPP"
    org.save()
    return CustomerFactory(organization=org, ref="411DUPONT", name="Dupont Bâtiment SARL", language="fr")


def test_paying_online_creates_a_stripe_checkout_for_the_chosen_invoices_and_redirects_to_it(
    client, stripe_api, account, customer
) -> None:  # type: ignore[no-untyped-def]
    a = InvoiceFactory(customer=customer, number="FA-2026-0101", total=Decimal("1000.00"))
    b = InvoiceFactory(customer=customer, number="FA-2026-0102", total=Decimal("734.56"))
    InvoiceFactory(customer=customer, number="FA-2026-0103", total=Decimal("500.00"))
    rival = InvoiceFactory(customer=CustomerFactory(organization=customer.organization), total=Decimal("99.00"))
    token = links.token_of(links.issue_link(customer, actor=CLI))

    page = client.get(f"/p/{token}/pay/?cur=EUR&i={b.pk}&i={a.pk}")
    assert "https://checkout.stripe.com" in page["Content-Security-Policy"]  # the form may be sent on there
    assert f"/p/{token}/pay/card/" in page.content.decode()

    answer = client.post(f"/p/{token}/pay/card/", {"cur": "EUR", "i": [b.pk, a.pk, rival.pk]})
    assert answer.status_code == 303
    assert answer["Location"] == stripe_api.session["url"]

    [sent] = stripe_api.requests
    assert sent.path == "/v1/checkout/sessions"
    assert sent.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    form = dict(sent.form)
    checkout = Checkout.objects.get()
    assert sent.headers["Idempotency-Key"] == checkout.reference
    assert form["mode"] == "payment"
    assert form["line_items[0][quantity]"] == "1"
    assert form["line_items[0][price_data][currency]"] == "eur"
    assert form["line_items[0][price_data][unit_amount]"] == "173456"  # 1 734,56 € in cents, exactly
    assert form["line_items[0][price_data][product_data][name]"] in (
        "Factures FA-2026-0102, FA-2026-0101",  # the customer's language
        "Invoices FA-2026-0102, FA-2026-0101",  # until the French catalogue has the words
    )
    assert form["payment_method_types[0]"] == "card" and form["payment_method_types[1]"] == "sepa_debit"
    assert form["client_reference_id"] == checkout.reference
    assert form["metadata[recouvre_checkout]"] == checkout.reference
    assert form["success_url"] == f"http://testserver/p/{token}/pay/done/?session={{CHECKOUT_SESSION_ID}}"
    assert form["cancel_url"] == f"http://testserver/p/{token}/pay/?cur=EUR&cancelled=1"
    assert form["locale"] == "fr"

    assert checkout.session_id == stripe_api.session["id"]
    assert checkout.state == CheckoutState.OPEN
    assert checkout.amount == Decimal("1734.56") and checkout.currency == "EUR"
    assert checkout.invoice_ids == [b.pk, a.pk]  # the other customer's invoice is left out
    assert Event.objects.get(customer=customer, kind="payments.checkout_started").data["invoices"] == [
        "FA-2026-0102",
        "FA-2026-0101",
    ]

    # Coming back from Stripe's page says the payment is being confirmed and records nothing.
    back = client.get(f"/p/{token}/pay/done/?session={checkout.session_id}&lang=en")
    assert back.status_code == 200
    assert "Your payment is being confirmed" in back.content.decode()
    assert not Payment.objects.exists()


def test_when_stripe_does_not_answer_the_customer_is_told_to_pay_by_transfer(
    client, stripe_api, account, customer
) -> None:  # type: ignore[no-untyped-def]
    a = InvoiceFactory(customer=customer, total=Decimal("1000.00"))
    stripe_api.status = 500
    token = links.token_of(links.issue_link(customer, actor=CLI))
    answer = client.post(f"/p/{token}/pay/card/", {"cur": "EUR", "i": [a.pk]})
    assert answer.status_code == 503
    assert "FR76 3000 6000 0112 3456 7890 189" in answer.content.decode()  # the transfer is still offered
    assert Checkout.objects.get().state == CheckoutState.NOT_STARTED
    assert not Event.objects.filter(kind="payments.checkout_started").exists()


def test_no_card_payment_without_the_setting_or_without_the_organizations_account(client, settings, customer) -> None:  # type: ignore[no-untyped-def]
    a = InvoiceFactory(customer=customer, total=Decimal("1000.00"))
    settings.RECOUVRE_PAYMENT_PROVIDER = "stripe"  # offered by the server, but this organization has no account
    token = links.token_of(links.issue_link(customer, actor=CLI))
    page = client.get(f"/p/{token}/pay/")
    assert f"/p/{token}/pay/card/" not in page.content.decode()
    assert "checkout.stripe.com" not in page["Content-Security-Policy"]
    answer = client.post(f"/p/{token}/pay/card/", {"cur": "EUR", "i": [a.pk]})
    assert answer.status_code == 400
    assert not Checkout.objects.exists()


def test_a_usd_checkout_offers_card_only_and_counts_cents(client, stripe_api, account, customer) -> None:  # type: ignore[no-untyped-def]
    usd = InvoiceFactory(customer=customer, total=Decimal("250.05"), currency="USD")
    token = links.token_of(links.issue_link(customer, actor=CLI))
    assert client.post(f"/p/{token}/pay/card/", {"cur": "USD", "i": [usd.pk]}).status_code == 303
    form = dict(stripe_api.requests[0].form)
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["line_items[0][price_data][unit_amount]"] == "25005"
    assert "payment_method_types[1]" not in form
