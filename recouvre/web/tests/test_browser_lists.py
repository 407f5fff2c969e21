"""A real browser on the lists: ``/`` reaches the search box from any page (not while typing in a field), a
search by invoice number opens the invoice, and at 1366×620 and at 390 px wide the customer list, the invoice list
and the aged balance never scroll sideways (on a phone each row is a card)."""

from __future__ import annotations

import pytest

from .helpers import build_ledger
from .test_browser import browser_page  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_slash_search_and_lists_at_both_sizes(transactional_db, live_server, browser_page):  # noqa: F811
    from recouvre.testing.factories import MembershipFactory, OrganizationFactory

    org = OrganizationFactory(slug="acme", name="ACME Distribution SAS")
    other = OrganizationFactory(slug="rival", name="Rival Industries SA")
    user = MembershipFactory(organization=org, user__username="claire").user
    user.set_password("correct horse battery")
    user.save()
    build_ledger(org, other, user)

    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "claire")
    page.fill("#id_password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    # "/" in a field types a slash; elsewhere it reaches the search box
    page.goto(f"{live_server.url}/customers/")
    page.click("#id_q")
    page.keyboard.press("/")
    assert page.input_value("#id_q") == "/"
    page.click(".topbar-title")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "global-search"
    page.keyboard.type("F-004")
    page.keyboard.press("Enter")
    page.wait_for_url("**/invoices/*/")

    for width, height in ((1366, 620), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        for url in ("/customers/", "/invoices/", "/aging/", "/search/?q=F-00"):
            page.goto(f"{live_server.url}{url}")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (width, url)
        if width == 390:
            page.goto(f"{live_server.url}/customers/")
            assert page.locator("#customers thead").evaluate("e => getComputedStyle(e).display") == "none"
            first = page.locator("#customers tbody tr").first
            assert first.evaluate("e => getComputedStyle(e).display") == "block"
