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
        # Whatever a test does, no page may break the Content-Security-Policy: Chromium says so on the console.
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page.csp_violations = violations  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            context.close()
            browser.close()
        assert violations == [], "the page broke its Content-Security-Policy"


def test_log_in_open_a_customer_and_read_the_aged_balance(transactional_db, live_server, browser_page):
    from playwright.sync_api import expect

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
    expect(page.locator("html")).to_have_attribute("lang", "en", timeout=15_000)
    assert page.locator(".topbar-title").inner_text() == "Aged balance"
    assert plain(page.locator('#aging-total [data-total="total"]').inner_text()) == "€3,650.00"


def test_the_main_pages_keep_to_their_content_security_policy(transactional_db, live_server, browser_page):
    """Every main page, a member's and an administrator's, loads its styles and scripts from files only: Chromium
    reports no violation of the policy (the fixture checks the console), the bars of the aged balance are drawn,
    and the page is styled by its stylesheet."""
    from django.urls import reverse

    from recouvre.testing.factories import MembershipFactory, OrganizationFactory

    org = OrganizationFactory(slug="acme", name="ACME Distribution SAS")
    other = OrganizationFactory(slug="rival", name="Rival Industries SA")
    user = MembershipFactory(organization=org, user__username="claire").user
    ledger = build_ledger(org, other, user)
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator(".login-card").evaluate("e => getComputedStyle(e).borderRadius") == "10px"
    page.fill("#id_username", "claire")
    page.fill("#id_password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    urls = [
        reverse("home"),
        reverse("customer_list"),
        reverse("customer_detail", args=[ledger.dupont.pk]),
        reverse("invoice_list"),
        reverse("invoice_detail", args=[ledger.invoices["F-004"].pk]),
        reverse("aging"),
        reverse("worklist"),
        reverse("run_preview"),
        reverse("approvals"),
        reverse("policies"),
        reverse("templates"),
        reverse("template_edit", args=["reminder", "fr"]),
        reverse("collection_settings"),
        reverse("penalty_settings"),
        reverse("letter_list"),
        reverse("legal_settings"),
        reverse("privacy_settings"),
        reverse("legal_rates"),
        reverse("import"),
        reverse("password_change"),
    ]
    for url in urls:
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None and response.status == 200, url
        assert "default-src 'self'" in (response.header_value("content-security-policy") or ""), url
        page.wait_for_load_state("load")
        assert page.csp_violations == [], url  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}{reverse('aging')}?as_of=2026-03-31")
    widths = page.locator(".bar-fill").evaluate_all("rects => rects.map(r => r.getBoundingClientRect().width)")
    assert max(widths) > 100 and min(w for w in widths if w) < max(widths)
    # The user menu leads to the password change page.
    page.click("#password-change-link")
    page.wait_for_url(f"{live_server.url}{reverse('password_change')}")
    assert page.locator("#id_new_password1").is_visible()


def test_on_a_short_screen_every_menu_entry_can_be_reached(transactional_db, live_server, browser_page):
    """At 1366×620 the menu is taller than the screen: it scrolls on its own, so Import and the language selector
    at its foot can be reached and used."""
    from recouvre.testing.factories import MembershipFactory, OrganizationFactory

    org = OrganizationFactory(slug="acme", name="ACME Distribution SAS")
    user = MembershipFactory(organization=org, user__username="claire", role="admin").user
    user.set_password("correct horse battery")
    user.save()
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 620})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "claire")
    page.fill("#id_password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    sidebar = page.locator(".sidebar")
    assert sidebar.evaluate("s => s.scrollHeight > s.clientHeight")  # more menu than screen: it must scroll
    page.locator(".nav a[href='/imports/']").click()
    page.wait_for_url(f"{live_server.url}/imports/")
    page.select_option("#language-select", "en")
    page.wait_for_load_state()
    assert page.locator(".topbar-title").inner_text() == "Import"


def test_on_a_phone_the_menu_folds_and_no_page_scrolls_sideways(transactional_db, live_server, browser_page):
    """At 390 px wide the menu folds behind a button that opens it; the dashboard, the worklist and the invoices
    are no wider than the screen."""
    from recouvre.testing.factories import MembershipFactory, OrganizationFactory

    org = OrganizationFactory(slug="acme", name="ACME Distribution SAS")
    user = MembershipFactory(organization=org, user__username="claire", role="admin").user
    user.set_password("correct horse battery")
    user.save()
    build_ledger(org, OrganizationFactory(slug="other"), user)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "claire")
    page.fill("#id_password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    import_link = page.locator(".nav a[href='/imports/']")
    assert not import_link.is_visible()  # folded
    page.locator(".menu-button").click()
    assert import_link.is_visible()
    for path in ("/", "/worklist/", "/invoices/"):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide on a 390 px screen"
    import_link.evaluate("a => a.scrollIntoView()")
    page.locator(".menu-button").click()
    import_link.click()
    page.wait_for_url(f"{live_server.url}/imports/")
