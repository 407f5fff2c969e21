"""A real browser on the worklist: a collector logs in, finds the call to make among their tasks, records the
customer's promise to pay, and the task leaves the list. Skipped when Chromium is not installed, unless
``RECOUVRE_REQUIRE_BROWSER=1`` makes that a failure."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from .test_browser import browser_page, plain  # noqa: F401  (the Chromium page fixture)

pytestmark = pytest.mark.browser


def test_a_collector_records_a_promise_from_the_worklist(transactional_db, live_server, browser_page):  # noqa: F811
    from django.utils import timezone

    from recouvre.collections.models import CustomerCollection, Hold
    from recouvre.ledger.actors import Actor
    from recouvre.tasks.models import Task
    from recouvre.tasks.services import create_task
    from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory, OrganizationFactory

    today = timezone.localdate()
    org = OrganizationFactory(slug="acme", name="ACME Distribution SAS")
    marc = MembershipFactory(organization=org, user__username="marc", role="collector").user
    julie = MembershipFactory(organization=org, user__username="julie", role="collector").user
    dupont = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")
    lefevre = CustomerFactory(organization=org, ref="411LEF", name="Transports Lefèvre")
    CustomerCollection.objects.create(organization=org, customer=dupont, collector=marc)
    CustomerCollection.objects.create(organization=org, customer=lefevre, collector=julie)
    for customer, amount in ((dupont, "1545.67"), (lefevre, "9000.00")):
        InvoiceFactory(
            customer=customer,
            issued_on=today - timedelta(days=60),
            due_on=today - timedelta(days=30),
            total=Decimal(amount),
        )
        create_task(org, customer, kind="call", title=f"Call {customer.name}", actor=Actor.system("run"), due_on=today)
    mine = Task.objects.get(customer=dupont)
    page = browser_page

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "marc")
    page.fill("#id_password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.click('nav.nav a[href="/worklist/"]')
    page.wait_for_url("**/worklist/")

    # A collector sees their own tasks: Dupont's call, not Julie's.
    rows = page.locator("#worklist tr.task-row")
    assert rows.count() == 1
    assert "Call Dupont SARL" in rows.first.inner_text()
    assert plain(rows.first.locator("td.num:not([data-priority])").first.inner_text()) == "1 545,67 €"
    # its priority: 1 545,67 € overdue (p = 1) × (1 + 30 days late / 30)
    priority = plain(rows.first.locator("td[data-priority]").inner_text())
    assert priority == "3 091,34 1 545,67 € × 1,00 × 2,00 (30 jours de retard)"

    # Only the promise's fields show once "promise" is chosen.
    page.click(f'tr[data-task="{mine.pk}"] + tr summary')
    page.select_option(f"#t{mine.pk}_outcome", "dispute")
    assert page.locator(f"#t{mine.pk}_promise_amount").is_hidden()
    assert page.locator(f"#t{mine.pk}_dispute_reason").is_visible()
    page.select_option(f"#t{mine.pk}_outcome", "promise")
    assert page.locator(f"#t{mine.pk}_dispute_reason").is_hidden()
    page.fill(f"#t{mine.pk}_promise_amount", "1 545,67")
    page.fill(f"#t{mine.pk}_promised_on", (today + timedelta(days=7)).isoformat())
    page.fill(f"#t{mine.pk}_note", "Virement vendredi")
    page.click(f'form[action="/worklist/{mine.pk}/complete/"] button[type=submit]')
    page.wait_for_selector(".message.success")

    assert page.locator("#worklist tr.task-row").count() == 0
    hold = Hold.objects.get(customer=dupont)
    assert (hold.kind, hold.amount, hold.promised_on) == ("promise", Decimal("1545.67"), today + timedelta(days=7))
    mine.refresh_from_db()
    assert (mine.state, mine.outcome, mine.done_by) == ("done", "promise", marc)
