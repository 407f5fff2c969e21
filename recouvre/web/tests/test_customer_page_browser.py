"""The customer page in a real browser (the system Chromium, driven by Playwright), on a laptop's short screen
(1366×620) and on a phone (390×844): the header gives the exact figures, the recommended action is on the first
screen, the page never scrolls sideways on the phone, and a promise recorded from the action bar shows in the
header and on the timeline. Skipped when Chromium is not installed, unless ``RECOUVRE_REQUIRE_BROWSER=1``."""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest

from .helpers import build_ledger
from .test_browser import CHROMIUM, CHROMIUM_ARGS, plain

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width,height", [(1366, 620), (390, 844)])
def test_the_customer_page_on_a_laptop_and_on_a_phone(transactional_db, live_server, width, height):  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("RECOUVRE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"RECOUVRE_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    from recouvre.testing.factories import MembershipFactory, OrganizationFactory

    org = OrganizationFactory(slug="acme", name="ACME Distribution SAS")
    other = OrganizationFactory(slug="rival", name="Rival Industries SA")
    user = MembershipFactory(organization=org, user__username="claire").user
    ledger = build_ledger(org, other, user)
    promised_on = date.today() + timedelta(days=10)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(30_000)
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        try:
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("#id_username", "claire")
            page.fill("#id_password", "correct horse battery")
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")

            # Transports Lefèvre: 2 000.00 + 450.00 invoiced, 800.00 paid, everything overdue today
            page.goto(f"{live_server.url}/customers/{ledger.lefevre.pk}/")
            assert plain(page.locator("#standing-balance").inner_text()) == "1 650,00 €"
            assert plain(page.locator("#standing-overdue").inner_text()) == "1 650,00 €"
            # the recommended action is the first button of the action bar, on the first screen
            recommended = page.locator("#action-bar .button.primary").first
            expect(recommended).to_be_visible()
            assert recommended.get_attribute("data-action") == "formal_notice"
            # on the first screen (on a phone the menu is folded above the page)
            box = recommended.bounding_box()
            assert box is not None
            assert box["y"] + box["height"] <= height, box
            # nothing wider than the window: the page never scrolls sideways
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            if os.environ.get("RECOUVRE_SCREENSHOTS"):
                page.screenshot(path=f"{os.environ['RECOUVRE_SCREENSHOTS']}/customer-{width}.png")

            # a promise recorded from the action bar
            page.click("#action-bar [data-action=promise]")
            form = page.locator("#hold-promise form")
            expect(form).to_be_visible()
            form.locator("input[name$=amount]").fill("500,00")
            form.locator("input[name$=promised_on]").fill(promised_on.isoformat())
            form.locator("button[type=submit]").click()
            page.wait_for_selector(".message.success")
            day = promised_on.strftime("%d/%m/%Y")
            holds = plain(page.locator("#standing-holds").inner_text())
            assert "500,00 €" in holds and day in holds, holds
            first_entry = plain(page.locator("#timeline li").first.inner_text())
            assert "500,00 €" in first_entry and day in first_entry, first_entry
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        finally:
            context.close()
            browser.close()
    assert violations == [], "the page broke its Content-Security-Policy"
