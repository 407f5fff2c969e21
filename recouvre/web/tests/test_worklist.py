"""The worklist page: open tasks most urgent first, "my tasks" for a collector, and closing a task with its outcome.

Today is Tuesday 31 March 2026 (``frozen_today``)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recouvre.collections.models import Action, CustomerCollection, Hold, ItemStep
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.tasks.models import Task
from recouvre.tasks.services import create_task
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

from .helpers import text

pytestmark = pytest.mark.django_db
ROBOT = Actor.system("run")


def _customer(org, name: str, amount: str, due_on: date, collector=None):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, name=name)
    if collector is not None:
        CustomerCollection.objects.create(organization=org, customer=customer, collector=collector)
    InvoiceFactory(
        customer=customer,
        number=f"F-{name.upper()}",
        issued_on=due_on.replace(day=1),
        due_on=due_on,
        total=Decimal(amount),
    )
    return customer


def _call(org, customer, title: str | None = None, **kw) -> Task:  # type: ignore[no-untyped-def]
    return create_task(
        org,
        customer,
        kind="call",
        title=title or f"Call {customer.name}",
        actor=ROBOT,
        due_on=kw.pop("due_on", date(2026, 3, 31)),
        **kw,
    )


def _reached(org, customer, step_key: str, level: int) -> None:  # type: ignore[no-untyped-def]
    action = Action.objects.create(
        organization=org,
        customer=customer,
        channel="email",
        send_on=date(2026, 3, 20),
        template=step_key,
        state="sent",
        sent_at="2026-03-20T09:00:00+01:00",
    )
    for invoice in customer.invoices.all():
        ItemStep.objects.create(
            organization=org,
            invoice=invoice,
            step_key=step_key,
            level=level,
            action=action,
            planned_on=date(2026, 3, 20),
        )


def test_the_customer_who_owes_most_comes_first_then_the_oldest_then_the_furthest_step(
    logged_client, org, frozen_today
):
    small_old = _customer(org, "Charpentier", "800.00", date(2026, 1, 1))  # 89 days
    small_recent_far = _customer(org, "Bertrand", "800.00", date(2026, 3, 1))  # 30 days, firm reminder sent
    small_recent = _customer(org, "Amaury", "800.00", date(2026, 3, 1))  # 30 days, first reminder
    big = _customer(org, "Zola", "5000.00", date(2026, 3, 21))  # 10 days
    _reached(org, small_recent_far, "firm", 2)
    _reached(org, small_recent, "reminder", 1)
    for customer in (small_recent, small_old, big, small_recent_far):
        _call(org, customer)

    response = logged_client.get(reverse("worklist"))

    assert response.status_code == 200
    rows = [(r["task"].customer.name, r["amount"], r["days"], r["task"].step_reached) for r in response.context["rows"]]
    assert rows == [
        ("Zola", Decimal("5000.00"), 10, None),
        ("Charpentier", Decimal("800.00"), 89, None),
        ("Bertrand", Decimal("800.00"), 30, "firm"),
        ("Amaury", Decimal("800.00"), 30, "reminder"),
    ]
    page = text(response)
    assert "4 open tasks" in page or "4 tâches ouvertes" in page
    assert page.index("Call Zola") < page.index("Call Charpentier") < page.index("Call Bertrand")
    # The step reached in words, never its key.
    assert "seconde relance" in page or "second reminder" in page
    assert "firm" not in page.replace("firm reminder", "")


def test_a_collector_sees_their_own_tasks_first_and_can_see_everyones(org, frozen_today, member_of):  # type: ignore[no-untyped-def]
    client = member_of("collector")
    me = client.session["_auth_user_id"]
    julie = MembershipFactory(organization=org, user__username="julie", role="collector").user
    mine = _customer(org, "Mien", "100.00", date(2026, 3, 1))
    hers = _customer(org, "Sien", "900.00", date(2026, 3, 1), collector=julie)
    CustomerCollection.objects.create(organization=org, customer=mine, collector_id=me)
    _call(org, mine)
    _call(org, hers)
    create_task(org, hers, kind="other", title="Nobody's", actor=ROBOT, assignee=None)
    Task.objects.filter(title="Nobody's").update(assignee=None)

    assert [r["task"].title for r in client.get(reverse("worklist")).context["rows"]] == ["Call Mien"]
    everyone = client.get(reverse("worklist"), {"who": "all"}).context["rows"]
    assert sorted(r["task"].title for r in everyone) == ["Call Mien", "Call Sien", "Nobody's"]
    theirs = client.get(reverse("worklist"), {"who": str(julie.pk)}).context["rows"]
    assert [r["task"].title for r in theirs] == ["Call Sien"]
    nobody = client.get(reverse("worklist"), {"who": "none"}).context["rows"]
    assert [r["task"].title for r in nobody] == ["Nobody's"]


def test_an_administrator_sees_everyones_tasks_and_filters_by_kind_and_day(logged_client, org, frozen_today):
    dupont = _customer(org, "Dupont", "100.00", date(2026, 3, 1))
    _call(org, dupont, "Call today", due_on=date(2026, 3, 31))
    _call(org, dupont, "Call late", due_on=date(2026, 3, 27))
    _call(org, dupont, "Call tomorrow", due_on=date(2026, 4, 1))
    create_task(org, dupont, kind="email_failed", title="Bounced", actor=ROBOT, due_on=date(2026, 3, 31))

    def titles(**params):  # type: ignore[no-untyped-def]
        return sorted(r["task"].title for r in logged_client.get(reverse("worklist"), params).context["rows"])

    assert titles() == ["Bounced", "Call late", "Call today", "Call tomorrow"]
    assert titles(kind="email_failed") == ["Bounced"]
    assert titles(due="today") == ["Bounced", "Call today"]
    assert titles(due="overdue") == ["Call late"]
    assert titles(due="due", kind="call") == ["Call late", "Call today"]


def test_completing_a_call_with_a_promise_from_the_page(logged_client, org, user, frozen_today):
    dupont = _customer(org, "Dupont", "1545.67", date(2026, 3, 1))
    task = _call(org, dupont)

    response = logged_client.post(
        reverse("task_complete", args=[task.pk]),
        {
            "outcome": "promise",
            "promise_amount": "1 545,67",
            "promised_on": "10/04/2026",
            "note": "Virement vendredi",
            "next": reverse("worklist") + "?kind=call",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("worklist") + "?kind=call"
    task.refresh_from_db()
    assert (task.state, task.outcome, task.done_by) == ("done", "promise", user)
    hold = Hold.objects.get()
    assert (hold.kind, hold.amount, hold.promised_on, hold.starts_on) == (
        "promise",
        Decimal("1545.67"),
        date(2026, 4, 10),
        date(2026, 3, 31),
    )
    assert logged_client.get(reverse("worklist")).context["rows"] == []


def test_a_promise_without_its_amount_is_refused_and_the_task_stays_open(logged_client, org, frozen_today):
    logged_client.cookies["django_language"] = "en"
    task = _call(org, _customer(org, "Dupont", "100.00", date(2026, 3, 1)))

    response = logged_client.post(reverse("task_complete", args=[task.pk]), {"outcome": "promise"}, follow=True)

    assert response.status_code == 200
    task.refresh_from_db()
    assert task.state == "open"
    assert not Hold.objects.exists()
    assert [str(m) for m in response.context["messages"]][:1] == ["Amount promised: Enter the amount promised."]


def test_a_dispute_names_its_invoice_by_number(logged_client, org, frozen_today):
    dupont = _customer(org, "Dupont", "100.00", date(2026, 3, 1))
    task = _call(org, dupont)

    logged_client.post(
        reverse("task_complete", args=[task.pk]),
        {"outcome": "dispute", "dispute_reason": "price", "dispute_amount": "40,00", "invoice": "F-DUPONT"},
    )

    hold = Hold.objects.get()
    assert (hold.kind, hold.invoice.number, hold.reason_code, hold.amount) == (
        "dispute",
        "F-DUPONT",
        "price",
        Decimal("40.00"),
    )


def test_reassign_and_cancel_from_the_page(logged_client, org, frozen_today):
    julie = MembershipFactory(organization=org, user__username="julie", role="collector").user
    task = _call(org, _customer(org, "Dupont", "100.00", date(2026, 3, 1)))

    logged_client.post(reverse("task_reassign", args=[task.pk]), {"assignee": str(julie.pk)})
    task.refresh_from_db()
    assert task.assignee == julie
    logged_client.post(reverse("task_cancel", args=[task.pk]), {"reason": "paid"})
    task.refresh_from_db()
    assert task.state == "cancelled"
    assert Event.objects.filter(kind="task.cancelled").count() == 1


def test_a_viewer_sees_the_worklist_but_cannot_change_it(org, frozen_today, member_of):  # type: ignore[no-untyped-def]
    viewer = member_of("viewer")
    task = _call(org, _customer(org, "Dupont", "100.00", date(2026, 3, 1)))

    response = viewer.get(reverse("worklist"))
    assert response.status_code == 200
    assert "Call Dupont" in response.content.decode()
    assert reverse("task_complete", args=[task.pk]) not in response.content.decode()
    for name in ("task_complete", "task_reassign", "task_cancel"):
        assert viewer.post(reverse(name, args=[task.pk]), {"outcome": "done"}).status_code == 403
    task.refresh_from_db()
    assert task.state == "open"


def test_another_organizations_tasks_are_not_found(logged_client, org, other_org, frozen_today):
    theirs = _call(other_org, _customer(other_org, "Rival Secret Client", "900.00", date(2026, 3, 1)))
    _call(org, _customer(org, "Dupont", "100.00", date(2026, 3, 1)))

    page = logged_client.get(reverse("worklist"), {"who": "all"})
    assert "Rival Secret Client" not in page.content.decode()
    for name, data in (
        ("task_complete", {"outcome": "done"}),
        ("task_reassign", {"assignee": ""}),
        ("task_cancel", {}),
    ):
        assert logged_client.post(reverse(name, args=[theirs.pk]), data).status_code == 404
        assert logged_client.post(reverse(name, args=[999999]), data).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "open"


def test_the_worklist_costs_the_same_queries_for_3_or_40_tasks(logged_client, org, frozen_today):
    def add(n: int) -> None:
        for i in range(n):
            customer = _customer(org, f"C{i:03d}{n}", "100.00", date(2026, 3, 1))
            _reached(org, customer, "reminder", 1)
            _call(org, customer)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert logged_client.get(reverse("worklist")).status_code == 200
        return len(ctx.captured_queries)

    add(3)
    small = count()
    add(37)
    assert count() == small


def test_the_dashboard_counts_the_open_tasks(logged_client, org, user, frozen_today):
    logged_client.cookies["django_language"] = "en"
    dupont = _customer(org, "Dupont", "100.00", date(2026, 3, 1))
    _call(org, dupont, "Mine, late", due_on=date(2026, 3, 30), assignee=user)
    _call(org, dupont, "Mine, later", due_on=date(2026, 4, 2), assignee=user)
    _call(org, dupont, "Not mine, today", due_on=date(2026, 3, 31))
    done = _call(org, dupont, "Done")
    logged_client.post(reverse("task_complete", args=[done.pk]), {"outcome": "done"})

    response = logged_client.get(reverse("home"))

    assert response.context["tasks"] == {"open": 3, "due": 2, "mine": 2, "mine_due": 1}
    assert "2 due today or late, 1 of them mine" in text(response)


def test_the_customer_page_lists_its_open_tasks(logged_client, org, frozen_today):
    dupont = _customer(org, "Dupont", "100.00", date(2026, 3, 1))
    other = _customer(org, "Autre", "100.00", date(2026, 3, 1))
    _call(org, dupont, "Call Dupont about F-DUPONT", due_on=date(2026, 4, 2))
    done = _call(org, dupont, "Already called")
    logged_client.post(reverse("task_complete", args=[done.pk]), {"outcome": "done"})
    _call(org, other, "Call Autre")

    def card(customer) -> str | None:  # type: ignore[no-untyped-def]
        body = logged_client.get(reverse("customer_detail", args=[customer.pk])).content.decode()
        found = re.search(r'<section class="card flush" id="customer-tasks">(.*?)</section>', body, re.S)
        return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else None

    tasks = card(dupont)
    assert tasks is not None
    assert "Call Dupont about F-DUPONT" in tasks
    assert "02/04/2026" in tasks
    assert "Already called" not in tasks
    assert "Call Autre" not in tasks
    complete_all = Task.objects.filter(customer=other)
    for t in complete_all:
        logged_client.post(reverse("task_cancel", args=[t.pk]))
    assert card(other) is None  # no open task: no card


def test_a_call_task_says_whom_to_call_with_a_tel_link(logged_client, org, frozen_today):
    from recouvre.ledger.models import Contact

    zola = _customer(org, "Zola", "5000.00", date(2026, 3, 21))
    Contact.objects.filter(customer=zola).update(is_primary=False)
    Contact.objects.create(
        organization=org, customer=zola, name="Jeanne Zola", phone="+33 4 72 00 00 00", role="billing", is_primary=True
    )
    Contact.objects.create(organization=org, customer=zola, name="Standard", phone="04 00 00 00 00", role="other")
    silent = _customer(org, "Muet", "800.00", date(2026, 3, 1))
    Contact.objects.filter(customer=silent).update(phone="")
    _call(org, zola)
    _call(org, silent)
    page = logged_client.get(reverse("worklist")).content.decode()
    assert '<strong>Jeanne Zola</strong> · <a href="tel:+33472000000" class="mono">+33 4 72 00 00 00</a>' in page
    assert f'href="/customers/{silent.pk}/#contacts"' in page


@pytest.mark.parametrize(
    ("phone", "href"),
    [("04 72 00 00 00", "tel:0472000000"), ("+33 (0)4 72", "tel:+33472"), ("javascript:alert(1)", "tel:1"), ("", "")],
)
def test_tel_links_carry_digits_only(phone, href):
    from recouvre.web.views.worklist import tel_href

    assert tel_href(phone) == href
