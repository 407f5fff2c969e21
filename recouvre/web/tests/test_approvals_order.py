"""The approval queue sorted by amount and by date on the server, stale reminders flagged, and "approve and open
next" going to the reminder that came next in the order the reader chose."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from recouvre.collections.models import Action, Policy, Step
from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 3, 25)  # a Wednesday


@pytest.fixture(autouse=True)
def wednesday():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 3, 25, 10, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return logged_client


@pytest.fixture
def queue(org):  # type: ignore[no-untyped-def]
    """Three reminders awaiting approval: Alpha 300.00 (send 23 March, planned 18 March: 5 business days ago),
    Bravo 5 000.00 (send 25 March, planned Friday 20 March: 3 business days), Charlie 1 200.00 (send 24 March,
    planned today)."""
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
    for name, ref, total, due in (
        ("Alpha SA", "411A", "300.00", date(2026, 3, 1)),
        ("Bravo SAS", "411B", "5000.00", date(2026, 3, 15)),
        ("Charlie SARL", "411C", "1200.00", date(2026, 3, 10)),
    ):
        customer = CustomerFactory(organization=org, ref=ref, name=name, language="en")
        InvoiceFactory(
            customer=customer, number=f"F-{ref}", issued_on=date(2026, 2, 1), due_on=due, total=Decimal(total)
        )
    run_collections(org, TODAY, actor=Actor.system("test"))
    actions = {a.customer.name: a for a in Action.objects.filter(state="awaiting_approval").select_related("customer")}
    assert sorted(actions) == ["Alpha SA", "Bravo SAS", "Charlie SARL"]
    for name, send_on, planned in (
        ("Alpha SA", date(2026, 3, 23), datetime(2026, 3, 18, 9, 0, tzinfo=PARIS)),
        ("Bravo SAS", date(2026, 3, 25), datetime(2026, 3, 20, 9, 0, tzinfo=PARIS)),
        ("Charlie SARL", date(2026, 3, 24), datetime(2026, 3, 25, 8, 0, tzinfo=PARIS)),
    ):
        Action.objects.filter(pk=actions[name].pk).update(send_on=send_on, created_at=planned)
    return actions


def _order(html: str, queue) -> list[str]:  # type: ignore[no-untyped-def]
    by_id = {str(a.pk): name for name, a in queue.items()}
    return [by_id[i] for i in re.findall(r'<tr data-action="(\d+)"', html)]


def test_the_queue_sorts_by_amount_and_by_date_on_the_server(english, queue) -> None:  # type: ignore[no-untyped-def]
    url = reverse("approvals")
    assert _order(english.get(url).content.decode(), queue) == ["Alpha SA", "Charlie SARL", "Bravo SAS"]
    assert _order(english.get(url + "?sort=-date").content.decode(), queue) == ["Bravo SAS", "Charlie SARL", "Alpha SA"]
    assert _order(english.get(url + "?sort=amount").content.decode(), queue) == [
        "Alpha SA",
        "Charlie SARL",
        "Bravo SAS",
    ]
    page = english.get(url + "?sort=-amount").content.decode()
    assert _order(page, queue) == ["Bravo SAS", "Charlie SARL", "Alpha SA"]
    assert 'aria-sort="descending"' in page
    assert _order(english.get(url + "?sort=bogus").content.decode(), queue) == ["Alpha SA", "Charlie SARL", "Bravo SAS"]


def test_a_reminder_waiting_more_than_three_business_days_is_flagged(english, queue) -> None:  # type: ignore[no-untyped-def]
    page = english.get(reverse("approvals")).content.decode()
    cells = dict(re.findall(r'<tr data-action="(\d+)">.*?<td class="waiting[^"]*">([^<]*)</td>', page, re.S))
    assert cells[str(queue["Alpha SA"].pk)] == "waiting since 7 days · stale"
    assert cells[str(queue["Bravo SAS"].pk)] == "waiting since 5 days"  # 3 business days: not yet stale
    assert cells[str(queue["Charlie SARL"].pk)] == "waiting since 1 day"  # planned today, to go out yesterday
    assert "1 has waited more than 3 business days." in page
    detail = english.get(reverse("approval_detail", args=[queue["Alpha SA"].pk])).content.decode()
    assert re.search(r'<dd id="waiting" class="stale">waiting since 7 days · stale</dd>', detail)


def test_approve_and_open_next_follows_the_order_chosen(english, queue) -> None:  # type: ignore[no-untyped-def]
    alpha, bravo, charlie = queue["Alpha SA"], queue["Bravo SAS"], queue["Charlie SARL"]
    # by amount, largest first: Bravo, Charlie, Alpha
    page = english.get(reverse("approval_detail", args=[bravo.pk]) + "?sort=-amount").content.decode()
    assert 'name="sort" value="-amount"' in page and 'id="approve-next"' in page
    went = english.post(reverse("approval_decide"), {"ids": [bravo.pk], "then": "next", "sort": "-amount"})
    assert went["Location"] == reverse("approval_detail", args=[charlie.pk]) + "?sort=-amount"
    assert Action.objects.get(pk=bravo.pk).state == "planned"
    went = english.post(reverse("approval_decide"), {"ids": [charlie.pk], "then": "next", "sort": "-amount"})
    assert went["Location"] == reverse("approval_detail", args=[alpha.pk]) + "?sort=-amount"
    went = english.post(reverse("approval_decide"), {"ids": [alpha.pk], "then": "next", "sort": "-amount"}, follow=True)
    assert went.redirect_chain[-1][0] == reverse("approvals") + "?sort=-amount"
    assert "No reminder after this one awaits approval in this order." in went.content.decode()
    assert list(Action.objects.filter(state="planned").order_by("id").values_list("customer__name", flat=True)) == [
        "Alpha SA",
        "Bravo SAS",
        "Charlie SARL",
    ]


def test_approve_and_open_next_by_date_from_the_middle(english, queue) -> None:  # type: ignore[no-untyped-def]
    alpha, bravo, charlie = queue["Alpha SA"], queue["Bravo SAS"], queue["Charlie SARL"]
    # by send date: Alpha (23), Charlie (24), Bravo (25); from Charlie the next is Bravo, then the end (Alpha is left)
    went = english.post(reverse("approval_decide"), {"ids": [charlie.pk], "then": "next"})
    assert went["Location"] == reverse("approval_detail", args=[bravo.pk])
    went = english.post(reverse("approval_decide"), {"ids": [bravo.pk], "then": "next"})
    assert went["Location"] == reverse("approvals")
    assert Action.objects.get(pk=alpha.pk).state == "awaiting_approval"


def test_bulk_approval_still_asks_first(english, queue) -> None:  # type: ignore[no-untyped-def]
    ids = [a.pk for a in queue.values()]
    ask = english.post(reverse("approval_decide"), {"ids": ids, "decision": "approve"})
    assert ask.status_code == 200
    assert "web/approval_confirm.html" in [t.name for t in ask.templates]
    assert Action.objects.filter(state="awaiting_approval").count() == 3


def test_the_stale_count_over_the_queue_agrees_with_each_reminders_flag() -> None:
    from datetime import timedelta
    from types import SimpleNamespace

    from recouvre.collections import approvals
    from recouvre.core.businessdays import BusinessCalendar

    calendar = BusinessCalendar()
    for today in (TODAY, date(2026, 5, 4), date(2026, 12, 28)):  # a Wednesday, the Monday after 1 May, Christmas
        cutoff = approvals.stale_before(today, calendar)
        for back in range(0, 15):
            since = today - timedelta(days=back)
            action = SimpleNamespace(
                created_at=datetime(since.year, since.month, since.day, 9, tzinfo=PARIS), send_on=since
            )
            _days, business = approvals.waiting_days(action, today, calendar)  # type: ignore[arg-type]
            assert (business > approvals.STALE_AFTER_BUSINESS_DAYS) == (since <= cutoff), (today, since)


def test_a_long_queue_is_shown_a_hundred_at_a_time_in_the_order_chosen(english, queue, org) -> None:  # type: ignore[no-untyped-def]
    from recouvre.web.views import approvals as view

    url = reverse("approvals")
    view.APPROVALS_PER_PAGE, kept = 2, view.APPROVALS_PER_PAGE
    try:
        first = english.get(url + "?sort=-amount").content.decode()
        second = english.get(url + "?sort=-amount&page=2").content.decode()
    finally:
        view.APPROVALS_PER_PAGE = kept
    assert _order(first, queue) == ["Bravo SAS", "Charlie SARL"]
    assert _order(second, queue) == ["Alpha SA"]
    for page in (first, second):
        assert "3 reminders awaiting approval" in page  # the whole queue, whatever the page
        assert "1 has waited more than 3 business days." in page
    assert "Page 2 of 2" in second and "sort=-amount&amp;page=1" in second
