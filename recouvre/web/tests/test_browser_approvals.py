"""A real browser approves a reminder: the credit manager opens the approval queue, previews the exact e-mail,
approves it with "send now", the background worker sends it and the SMTP server receives it. Skipped when Chromium
is not installed, unless ``RECOUVRE_REQUIRE_BROWSER=1`` makes that a failure."""

from __future__ import annotations

import email
import email.policy
from datetime import date
from decimal import Decimal

import pytest

from recouvre.collections.tests.test_dispatch import Keep, smtp  # noqa: F401  (the real SMTP server fixture)

from .test_browser import browser_page, plain  # noqa: F401  (the Chromium page fixture)

pytestmark = pytest.mark.browser


def test_preview_approve_and_send_a_reminder(transactional_db, live_server, browser_page, smtp):  # noqa: F811
    from django.utils import timezone

    from recouvre.collections.models import Action, Policy, Step
    from recouvre.collections.services import run_collections
    from recouvre.ledger.actors import Actor
    from recouvre.ledger.models import Contact
    from recouvre.operations.worker import run_ready_tasks
    from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory, OrganizationFactory

    server = smtp(Keep())
    org = OrganizationFactory(slug="acme", name="ACME Distribution SAS")
    MembershipFactory(organization=org, user__username="claire", role="credit_manager")
    policy = Policy.objects.create(organization=org, key="checked", name="Checked", segment="standard")
    Step.objects.create(
        policy=policy,
        position=1,
        key="reminder",
        offset_days=7,
        channel="email",
        template="reminder",
        needs_approval=True,
    )
    dupont = CustomerFactory(organization=org, ref="411DUP", name="Dupont SARL", language="fr")
    Contact.objects.create(
        organization=org, customer=dupont, name="Compta", email="compta@dupont.example", is_primary=True
    )
    today = timezone.localdate()
    due = date.fromordinal(today.toordinal() - 15)
    InvoiceFactory(customer=dupont, number="F-101", issued_on=due, due_on=due, total=Decimal("1200.00"))
    run_collections(org, today, actor=Actor.system("test"))
    [action] = Action.objects.filter(state="awaiting_approval")
    page = browser_page

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "claire")
    page.fill("#id_password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    # The queue, from the Collections menu.
    page.click("nav.nav a[href$='/collections/approvals/']")
    page.wait_for_url("**/collections/approvals/")
    row = page.locator(f'#approvals tr[data-action="{action.pk}"]')
    assert "Dupont SARL" in row.inner_text() and "F-101" in row.inner_text()
    assert plain(row.locator("td.num").inner_text()) == "1 200,00 €"

    # The exact e-mail: headers, and the HTML part in a sandboxed frame.
    row.locator(f"a[href$='/collections/approvals/{action.pk}/']").click()
    page.wait_for_url(f"**/collections/approvals/{action.pk}/")
    assert page.locator("#email-to").inner_text() == "compta@dupont.example"
    subject = page.locator("#email-subject").inner_text()
    assert subject == "Rappel : factures en attente de règlement – ACME Distribution SAS"
    frame = page.frame_locator("#email-html")
    assert "F-101" in frame.locator("table").inner_text()
    assert "F-101" in page.locator("#email-text").inner_text()

    # Approve, send now: queued for the background worker, which sends it.
    page.click("#decide-one button[value=approve]")
    page.wait_for_selector(".message.success")
    page.wait_for_load_state("load")  # the page and its frame loaded before the worker writes (SQLite: one writer)
    action.refresh_from_db()
    assert action.state == "planned" and server.messages == []
    assert run_ready_tasks() == 1
    action.refresh_from_db()
    assert action.state == "sent"
    assert page.locator("#decide-one").count() == 0  # decided: no more buttons
    assert len(server.messages) == 1
    recipients, raw = server.messages[0]
    assert recipients == ["compta@dupont.example"]
    assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == subject


def test_the_template_preview_follows_the_typing(transactional_db, live_server, browser_page):  # noqa: F811
    from django.utils import timezone

    from recouvre.ledger.models import Contact
    from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory, OrganizationFactory

    org = OrganizationFactory(slug="acme", name="ACME Distribution SAS")
    MembershipFactory(organization=org, user__username="claire", role="credit_manager")
    dupont = CustomerFactory(organization=org, ref="411DUP", name="Dupont SARL", language="en")
    Contact.objects.create(
        organization=org, customer=dupont, name="Compta", email="compta@dupont.example", is_primary=True
    )
    due = date.fromordinal(timezone.localdate().toordinal() - 15)
    InvoiceFactory(customer=dupont, number="F-101", issued_on=due, due_on=due, total=Decimal("1200.00"))
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "claire")
    page.fill("#id_password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/collections/templates/reminder/en/")
    # The built-in wording, rendered for the customer as soon as the page opens.
    expect(page.locator("#preview-to")).to_have_text("compta@dupont.example", timeout=15_000)
    assert (
        page.locator("#preview-subject").inner_text() == "Reminder: invoices awaiting payment – ACME Distribution SAS"
    )
    page.fill("#id_subject", "{{ customer.name }} owes {{ total }}")
    expect(page.locator("#preview-subject")).to_have_text("Dupont SARL owes €1,200.00", timeout=15_000)
    # The HTML part, in its sandboxed frame (a document of its own), with the e-mail's own inline styles applied.
    frame = page.frame_locator("#preview-html")
    expect(frame.locator("table")).to_contain_text("F-101", timeout=15_000)
    assert frame.locator("table").first.evaluate("t => getComputedStyle(t).borderCollapse") == "collapse"
    page.fill("#id_body", "Hello\n{% if %}")
    page.wait_for_selector("#preview-error:not([hidden])")
    assert page.locator("#preview-error").get_attribute("data-line") == "2"
