"""On a phone, the customer opens the link of the reminder it received and promises to pay by a date: the runs
before that date plan nothing more for it; once the date has passed without the payment, the review of
commitments finds the promise broken and the run plans the next step again. A real browser (Chromium, a phone's
screen); skipped when Chromium is not installed, unless ``RECOUVRE_REQUIRE_BROWSER=1`` makes that a failure."""

from __future__ import annotations

import email
import email.policy
import os
import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest

from recouvre.collections.tests.test_dispatch import Keep, smtp  # noqa: F401  (the real SMTP server fixture)
from recouvre.web.tests.test_browser import CHROMIUM, CHROMIUM_ARGS, plain

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def working_morning():  # type: ignore[no-untyped-def]
    """11:00 in Paris on a working day, whatever the hour the tests run at (``recouvre.testing.clock``)."""
    from recouvre.testing.clock import working_morning

    with working_morning() as moment:
        yield moment


PHONE = {"width": 390, "height": 844}


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
        context = browser.new_context(
            locale="fr-FR", viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        violations: list[str] = []
        page.on(
            "console",
            lambda m: violations.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None,
        )
        try:
            yield page
        finally:
            context.close()
            browser.close()
        assert violations == [], "the page broke its Content-Security-Policy"


def _fits_the_screen(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_promise_made_on_a_phone_holds_the_reminders_until_it_is_broken(
    transactional_db,
    live_server,
    phone_page,
    smtp,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    from django.test import override_settings
    from django.utils import timezone

    from recouvre.collections.dispatch import dispatch_due
    from recouvre.collections.models import Action, CustomerCollection, Hold, Policy, Step
    from recouvre.collections.services import run_collections
    from recouvre.ledger.actors import Actor
    from recouvre.ledger.models import Event
    from recouvre.operations.worker import run_ready_tasks
    from recouvre.tasks.models import Task
    from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory, OrganizationFactory

    server = smtp(Keep())
    org = OrganizationFactory(slug="acme", name="ACME Distribution SAS")
    marc = MembershipFactory(organization=org, user__username="marc", user__email="marc@acme.example").user
    policy = Policy.objects.create(organization=org, key="mail", name="Mail", segment="standard")
    Step.objects.create(policy=policy, position=1, key="reminder", offset_days=5, channel="email", template="reminder")
    Step.objects.create(policy=policy, position=2, key="firm", offset_days=20, channel="email", template="firm")
    dupont = CustomerFactory(
        organization=org, ref="411DUPONT", name="Dupont Bâtiment SARL", language="fr", email="compta@dupont.example"
    )
    martin = CustomerFactory(organization=org, ref="411MARTIN", name="Martin SAS", language="fr")
    CustomerCollection.objects.create(organization=org, customer=dupont, collector=marc)
    today = timezone.localdate()
    due = today - timedelta(days=10)
    InvoiceFactory(customer=dupont, number="FA-0142", issued_on=due, due_on=due, total=Decimal("1234.56"))
    InvoiceFactory(customer=martin, number="FA-0143", issued_on=due, due_on=due, total=Decimal("800.00"))
    promised_on = today + timedelta(days=10)
    page = phone_page

    # Today's run sends the first reminder, which carries the link to the customer's portal.
    actor = Actor.system("test")
    with override_settings(RECOUVRE_PUBLIC_URL=live_server.url):
        run_collections(org, today, actor=actor, today=today)
        reminder = Action.objects.get(customer=dupont)
        send_at = timezone.make_aware(datetime.combine(reminder.send_on, time(10, 0)))
        assert dispatch_due(org, now=send_at, actor=actor).sent == 2  # Dupont's and Martin's
    [raw] = [raw for to, raw in server.messages if to == ["compta@dupont.example"]]
    text = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",)).get_content()
    links = re.findall(re.escape(live_server.url) + r"/p/[^\s/]+/", text)
    assert len(set(links)) == 1, text
    sent = len(server.messages)

    # The customer opens the link of its reminder, on its phone.
    page.goto(links[0])
    assert "FA-0142" in page.locator("ul.invoices").inner_text()
    assert _fits_the_screen(page)
    # Every form of the portal fits a phone's screen.
    for button in ("#action-plan", "#action-already-paid", "#action-dispute", "#action-contact"):
        page.click(button)
        page.wait_for_selector("form#portal-action")
        assert _fits_the_screen(page), button
        page.go_back()
    page.click("#action-promise")
    page.wait_for_selector("form#portal-action")
    assert _fits_the_screen(page)
    assert page.locator("input[name=invoices]").evaluate_all("boxes => boxes.map(b => b.checked)") == [True]
    page.fill("#id_amount", "1234,56")
    page.fill("#id_promised_on", promised_on.isoformat())
    page.click("form#portal-action button[type=submit]")
    page.wait_for_selector(".messages .success")
    said = plain(page.locator(".messages .success").inner_text())
    assert "1 234,56 €" in said and promised_on.strftime("%d/%m/%Y") in said
    assert _fits_the_screen(page)

    hold = Hold.objects.get(customer=dupont)
    assert (hold.kind, hold.amount, hold.promised_on, hold.author_label) == (
        "promise",
        Decimal("1234.56"),
        promised_on,
        "portal:customer",
    )
    assert Task.objects.get(customer=dupont).assignee == marc
    assert run_ready_tasks() == 1
    assert [to for to, _raw in server.messages[sent:]] == [["compta@dupont.example"]]
    body = email.message_from_bytes(server.messages[sent][1], policy=email.policy.default).get_body().get_content()
    assert "1\u202f234,56\u00a0€" in body and promised_on.strftime("%d/%m/%Y") in body and "FA-0142" in body

    # Later days, before and on the promised date: the runs plan Martin's next step, nothing more for Dupont.
    run_collections(org, today + timedelta(days=3), actor=actor, today=today + timedelta(days=3))
    run_collections(org, promised_on, actor=actor, today=promised_on)  # the promised day is still the customer's
    assert Action.objects.filter(customer=martin, step_key="firm").exists()
    assert list(Action.objects.filter(customer=dupont)) == [reminder]

    # The day after, nothing received: the review of commitments finds the promise broken, the run plans the step.
    after = promised_on + timedelta(days=1)
    run_collections(org, after, actor=actor, today=after)
    hold.refresh_from_db()
    assert (hold.outcome, hold.outcome_on) == ("broken", after)
    assert Event.objects.filter(customer=dupont, kind="collections.promise_broken").count() == 1
    action = Action.objects.exclude(pk=reminder.pk).get(customer=dupont)
    assert action.step_key == "firm" and [ln["number"] for ln in action.lines] == ["FA-0142"]
