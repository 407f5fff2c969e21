"""A real browser: a collector agrees a payment plan on the customer page, typing the instalments row by row, then
opens a dispute from an invoice page. Skipped when Chromium is not installed (see ``test_browser``)."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import pytest

from .helpers import build_ledger
from .test_browser import browser_page, plain  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


def test_a_payment_plan_typed_row_by_row_and_a_dispute_from_the_invoice_page(
    transactional_db,
    live_server,
    browser_page,  # noqa: F811
):  # type: ignore[no-untyped-def]
    import time_machine

    from recouvre.collections.models import Hold, PaymentPlan
    from recouvre.testing.factories import MembershipFactory, OrganizationFactory

    org = OrganizationFactory(slug="acme", name="ACME Distribution SAS")
    other = OrganizationFactory(slug="rival", name="Rival Industries SA")
    user = MembershipFactory(organization=org, user__username="claire").user
    with time_machine.travel(date(2026, 3, 31), tick=False):
        ledger = build_ledger(org, other, user)
    page = browser_page
    # The browser is French; this story reads the pages in English.
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "claire")
    page.fill("#id_password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/customers/{ledger.dupont.pk}/")
    panel = page.locator("#holds")
    panel.locator("summary", has_text="Agree a payment plan").click()
    plan_form = panel.locator(f"form[action='/customers/{ledger.dupont.pk}/holds/plan/']")
    for number in ("F-002", "F-003"):
        plan_form.locator("label", has_text=number).click()
    plan_form.locator("input[name='instalments-0-due_on']").fill("2099-04-30")
    plan_form.locator("input[name='instalments-0-amount']").fill("400,00")
    plan_form.locator("input[name='instalments-1-due_on']").fill("2099-05-29")
    plan_form.locator("input[name='instalments-1-amount']").fill("400,00")
    plan_form.locator("button[type=submit]").click()
    page.wait_for_selector(".message.success")
    if os.environ.get("RECOUVRE_SCREENSHOTS"):
        page.evaluate("document.querySelectorAll('#holds details').forEach(d => d.open = true)")
        page.screenshot(path=os.environ["RECOUVRE_SCREENSHOTS"] + "/holds.png", full_page=True)
    plan = PaymentPlan.objects.get()
    assert (plan.total, sorted(plan.invoices.values_list("number", flat=True))) == (
        Decimal("800.00"),
        ["F-002", "F-003"],
    )
    assert "F-003, F-002" in plain(page.locator("#holds").inner_text())

    page.goto(f"{live_server.url}/invoices/{ledger.invoices['F-001'].pk}/")
    box = page.locator("#disputes")
    box.locator("select[name='reason_code']").select_option("not_delivered")
    box.locator("input[name='amount']").fill("1 200,00")
    box.locator("button[type=submit]").click()
    page.wait_for_url("**#disputes")
    dispute = Hold.objects.get(kind="dispute")
    assert (dispute.invoice.number, dispute.reason_code, dispute.amount) == (
        "F-001",
        "not_delivered",
        Decimal("1200.00"),
    )
