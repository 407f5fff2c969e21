"""A real browser (the system Chromium, driven by Playwright) logs in, opens a customer and reads the aged
balance. Skipped when Chromium is not installed, unless ``RECOUVRE_REQUIRE_BROWSER=1`` makes that a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .helpers import build_ledger

# Playwright's sync API runs an event loop in this thread; the Django calls made here are plain and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def plain(s: str) -> str:
    return " ".join(s.replace("\u202f", " ").replace("\xa0", " ").split())


@pytest.fixture
def browser_page():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("RECOUVRE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"RECOUVRE_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR", viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def test_log_in_open_a_customer_and_read_the_aged_balance(transactional_db, live_server, browser_page):
    from recouvre.testing.factories import MembershipFactory, OrganizationFactory

    org = OrganizationFactory(slug="acme", name="ACME Distribution SAS")
    other = OrganizationFactory(slug="rival", name="Rival Industries SA")
    user = MembershipFactory(organization=org, user__username="claire").user
    build_ledger(org, other, user)
    page = browser_page

    # Log in through the form.
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "claire")
    page.fill("#id_password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".topbar-title").inner_text() == "Tableau de bord"

    # Open a customer from the list.
    page.click("nav.nav >> text=Clients")
    page.wait_for_url("**/customers/")
    assert "Rival Secret Client" not in page.content()
    page.click("#customers >> text=Boulangerie Dupont")
    page.wait_for_selector("#customer-name")
    assert page.locator("#customer-name").inner_text() == "Boulangerie Dupont"
    assert plain(page.locator('[data-figure="open"]').inner_text()) == "2 000,00 €"
    assert plain(page.locator('[data-figure="balance"]').inner_text()) == "1 900,00 €"

    # The aged balance on 31 March 2026.
    page.click("nav.nav >> text=Balance âgée")
    page.wait_for_url("**/aging/")
    page.fill("#id_as_of", "2026-03-31")
    page.click("button:has-text('Afficher')")
    page.wait_for_url("**/aging/?as_of=2026-03-31*")
    total_row = page.locator("#aging-total")
    assert plain(total_row.locator('[data-total="total"]').inner_text()) == "3 650,00 €"
    assert plain(total_row.locator('[data-bucket="over_90"]').inner_text()) == "1 200,00 €"
    assert plain(total_row.locator('[data-total="balance"]').inner_text()) == "3 550,00 €"

    # Our own JavaScript switches the language as soon as another one is chosen.
    page.select_option("#language-select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator(".topbar-title").inner_text() == "Aged balance"
    assert plain(page.locator('#aging-total [data-total="total"]').inner_text()) == "€3,650.00"
