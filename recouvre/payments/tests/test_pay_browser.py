"""The pay page in a real browser, on a phone's screen: the EPC QR code shows (a data: image the page's policy
allows), unticking an invoice changes the amount, and paying online sends the form on to Stripe's hosted page
without the page's Content-Security-Policy stopping the redirect (Stripe's page is a stand-in served by the browser
itself: nothing leaves this machine)."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from recouvre.ledger.actors import CLI
from recouvre.portal import links
from recouvre.testing.factories import CustomerFactory, InvoiceFactory
from recouvre.web.tests.test_browser import CHROMIUM, CHROMIUM_ARGS, plain

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser


@pytest.fixture
def phone_page():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("RECOUVRE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"RECOUVRE_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        try:
            yield page
        finally:
            context.close()
            browser.close()
        assert violations == [], "the page broke its Content-Security-Policy"


def test_pay_on_a_phone_by_transfer_or_on_to_stripe(transactional_db, live_server, phone_page, stripe_api, org) -> None:  # type: ignore[no-untyped-def]
    from recouvre.payments.services import configure

    from .conftest import SECRET_KEY, WEBHOOK_SECRET

    org.iban, org.bic = "FR7630006000011234567890189", "AGRIFRPP"
    org.save()
    configure(org, CLI, provider="stripe", secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET)
    customer = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont Bâtiment SARL", language="fr")
    first = InvoiceFactory(customer=customer, number="FA-2026-0101", total=Decimal("1000.00"))
    InvoiceFactory(customer=customer, number="FA-2026-0102", total=Decimal("734.56"))
    token = links.token_of(links.issue_link(customer, actor=CLI))
    page = phone_page

    page.goto(f"{live_server.url}/p/{token}/")
    page.click(f"a[href='/p/{token}/pay/']")
    assert "1 734,56 €" in plain(page.inner_text(".total"))
    assert page.eval_on_selector(".qr img", "img => img.complete && img.naturalWidth > 0")
    assert page.eval_on_selector(".qr img", "img => img.getBoundingClientRect().width") <= 390
    page.uncheck(f"input[name=i][value='{first.pk}']")
    page.click("form.choose button")
    assert "734,56 €" in plain(page.inner_text(".total")) and "1 734,56" not in plain(page.inner_text(".total"))

    page.route(
        "https://checkout.stripe.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p id='stand-in'>Stripe</p>"),
    )
    page.click(f"form[action='/p/{token}/pay/card/'] button")
    page.wait_for_url("https://checkout.stripe.com/**")
    assert page.inner_text("#stand-in") == "Stripe"
    [sent] = stripe_api.requests
    assert dict(sent.form)["line_items[0][price_data][unit_amount]"] == "73456"
