"""A collector's morning in a real browser (the system Chromium, driven by Playwright), on a laptop's short screen
(1366×620) and on a phone (390×844): find a customer with the search box opened by "/", read where it stands in the
header, record its promise from the action bar, approve the next formal notice and find it on the Letters page
with when it will be produced. Skipped when Chromium is not installed, unless ``RECOUVRE_REQUIRE_BROWSER=1``."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal

import pytest

from .test_browser import CHROMIUM, CHROMIUM_ARGS, plain

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def working_morning():  # type: ignore[no-untyped-def]
    """11:00 in Paris on a working day, whatever the hour the tests run at (``recouvre.testing.clock``)."""
    from recouvre.testing.clock import working_morning

    with working_morning() as moment:
        yield moment


def _morning(org):  # type: ignore[no-untyped-def]
    """Dupont SARL owes 1 200.00 (15 days late, nothing due yet); Martin & Fils owe 480.50 + 900.00 (40 days late):
    their formal notice by registered letter waits for approval."""
    from django.utils import timezone

    from recouvre.collections.models import Policy, Step
    from recouvre.collections.services import run_collections
    from recouvre.ledger.actors import Actor
    from recouvre.ledger.models import Contact
    from recouvre.testing.factories import CustomerFactory, InvoiceFactory

    policy = Policy.objects.create(organization=org, key="notice", name="Notice", segment="standard")
    Step.objects.create(
        policy=policy,
        position=1,
        key="formal_notice",
        offset_days=30,
        channel="registered_letter",
        template="formal_notice",
        needs_approval=True,
        deadline_days=15,
    )
    today = timezone.localdate()
    dupont = CustomerFactory(organization=org, ref="411DUP", name="Dupont SARL", language="fr")
    Contact.objects.create(
        organization=org, customer=dupont, name="Anne Morel", email="compta@dupont.example", phone="0472000000"
    )
    late = today - timedelta(days=15)
    InvoiceFactory(customer=dupont, number="F-101", issued_on=late, due_on=late, total=Decimal("1200.00"))
    martin = CustomerFactory(
        organization=org,
        ref="411MAR",
        name="Martin & Fils",
        language="fr",
        address_line1="12 rue de la Paix",
        postal_code="69002",
        city="Lyon",
    )
    older = today - timedelta(days=40)
    InvoiceFactory(customer=martin, number="F-201", issued_on=older, due_on=older, total=Decimal("480.50"))
    InvoiceFactory(customer=martin, number="F-202", issued_on=older, due_on=older, total=Decimal("900.00"))
    run_collections(org, today, actor=Actor.system("test"))
    return dupont, martin


def _produced_at(org, action):  # type: ignore[no-untyped-def]
    """When the letter will be produced: the next sending window on a business day, from now (as Letters says)."""
    from django.utils import timezone

    from recouvre.collections.scheduler import configured, window_of
    from recouvre.collections.selectors import calendar_for
    from recouvre.core.businessdays import next_sending

    now = timezone.localtime()
    at = next_sending(action.send_on, now, window_of(org, configured()[1]), calendar_for(org))
    return None if at == now else at


@pytest.mark.parametrize("width,height", [(1366, 620), (390, 844)])
def test_a_collectors_morning(transactional_db, live_server, width, height):  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("RECOUVRE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"RECOUVRE_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from django.utils import timezone
    from playwright.sync_api import expect, sync_playwright

    from recouvre.collections.models import Action
    from recouvre.testing.factories import MembershipFactory, OrganizationFactory

    org = OrganizationFactory(slug="acme", name="ACME Distribution SAS", iban="FR7630006000011234567890189")
    MembershipFactory(organization=org, user__username="claire", role="credit_manager")
    dupont, martin = _morning(org)
    [notice] = Action.objects.filter(organization=org, state="awaiting_approval")
    assert notice.customer_id == martin.pk
    promised_on = timezone.localdate() + timedelta(days=7)
    phone = width < 900

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(30_000)
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

        def menu(href: str) -> None:
            if phone:
                page.locator(".menu-button").click()
            page.locator(f".nav a[href='{href}']").click()
            page.wait_for_url(f"{live_server.url}{href}")

        try:
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("#id_username", "claire")
            page.fill("#id_password", "correct horse battery")
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")

            # "/" puts the cursor in the search box, from any page; the customer is found by its name.
            page.keyboard.press("/")
            expect(page.locator("#global-search")).to_be_focused()
            page.keyboard.type("dupont")
            page.keyboard.press("Enter")  # a single customer found: its page opens
            page.wait_for_url(f"{live_server.url}/customers/{dupont.pk}/")

            # The header says where it stands.
            assert plain(page.locator("#standing-balance").inner_text()) == "1 200,00 €"
            assert plain(page.locator("#standing-overdue").inner_text()) == "1 200,00 €"
            assert page.evaluate("document.documentElement.scrollWidth") <= width

            # The promise, from the action bar: in the header at once.
            page.click("#action-bar a[data-action=promise]")
            form = page.locator("#hold-promise form")
            expect(form).to_be_visible()
            form.locator("input[name$=amount]").fill("1200,00")
            form.locator("input[name$=promised_on]").fill(promised_on.isoformat())
            form.locator("button[type=submit]").click()
            page.wait_for_selector(".message.success")
            holds = plain(page.locator("#standing-holds").inner_text())
            assert "1 200,00 €" in holds and promised_on.strftime("%d/%m/%Y") in holds, holds

            # The next formal notice, approved from the queue.
            menu("/collections/approvals/")
            row = page.locator(f'#approvals tr[data-action="{notice.pk}"]')
            assert "Martin & Fils" in row.inner_text()
            assert plain(row.locator("td.num").first.inner_text()) == "1 380,50 €"
            row.locator(f"a[href$='/collections/approvals/{notice.pk}/']").first.click()
            page.wait_for_url(f"**/collections/approvals/{notice.pk}/")
            page.click("#decide-one button[value=approve]")
            page.wait_for_selector(".message.success")
            notice.refresh_from_db()
            assert notice.state == "planned"

            # On Letters: approved, to be produced at the next sending window.
            menu("/letters/")
            waiting = page.locator(f'#to-produce tr[data-to-produce="{notice.pk}"]')
            expect(waiting).to_be_visible()
            text = plain(waiting.inner_text())
            assert text.startswith("Martin & Fils 411MAR Lettre recommandée mise en demeure"), text
            at = _produced_at(org, notice)
            if at is not None:  # produced at the next sending window, on a business day
                assert text.endswith(f"le {at:%d/%m/%Y} à partir de {at:%H:%M}") or "quelques minutes" in text, text
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        finally:
            context.close()
            browser.close()
    assert violations == [], "a page broke its Content-Security-Policy"
