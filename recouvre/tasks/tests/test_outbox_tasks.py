"""Stories of the call and internal-task steps of the outbox becoming tasks on the collector's worklist."""

from __future__ import annotations

import threading
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from recouvre.collections.models import Action, CustomerCollection
from recouvre.collections.outbox import process_due
from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.tasks.models import Task
from recouvre.tasks.services import open_due_tasks
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

PARIS = ZoneInfo("Europe/Paris")
ROBOT = Actor.system("run")
pytestmark = pytest.mark.django_db


def _dupont(org, collector=None):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")
    if collector is not None:
        CustomerCollection.objects.create(organization=org, customer=customer, collector=collector)
    InvoiceFactory(
        customer=customer,
        number="F-1001",
        issued_on=date(2026, 2, 2),
        due_on=date(2026, 3, 4),
        total=Decimal("1200.00"),
    )
    InvoiceFactory(
        customer=customer, number="F-1002", issued_on=date(2026, 2, 5), due_on=date(2026, 3, 6), total=Decimal("345.67")
    )
    return customer


def test_a_due_call_step_opens_one_task_for_the_collector_listing_the_invoices(org, calls):  # type: ignore[no-untyped-def]
    marc = MembershipFactory(organization=org, user__username="marc", role="collector").user
    customer = _dupont(org, collector=marc)
    run_collections(org, date(2026, 3, 16), actor=ROBOT)  # Monday: F-1001 at +12 reaches the call
    action = Action.objects.get(channel="call_task")

    result = process_due(org, now=datetime(2026, 3, 16, 8, 30, tzinfo=PARIS), actor=ROBOT)

    assert result.tasks_opened == 1
    task = Task.objects.get()
    assert (task.kind, task.state, task.assignee, task.customer, task.due_on) == (
        "call",
        "open",
        marc,
        customer,
        date(2026, 3, 16),
    )
    assert task.title == "Call Dupont SARL (step: phone call)"
    assert task.details.splitlines() == [
        "Step call of policy calls, due 2026-03-16. Invoices:",
        "F-1001 due 2026-03-04: €1,200.00, 12 days overdue, stage call",
        "F-1002 due 2026-03-06: €345.67, 10 days overdue, stage call",
        "Total overdue: €1,545.67",
    ]
    action.refresh_from_db()
    assert (action.state, action.sent_at) == ("sent", datetime(2026, 3, 16, 8, 30, tzinfo=PARIS))
    event = Event.objects.get(customer=customer, kind="task.opened")
    assert describe(event) == "Task for marc, due 2026-03-16: Call Dupont SARL (step: phone call)"

    again = process_due(org, now=datetime(2026, 3, 16, 14, 0, tzinfo=PARIS), actor=ROBOT)
    assert again.tasks_opened == 0
    assert Task.objects.count() == 1
    assert Event.objects.filter(kind="task.opened").count() == 1


def test_a_call_planned_for_monday_waits_until_monday(org, calls):  # type: ignore[no-untyped-def]
    _dupont(org)
    run_collections(org, date(2026, 3, 14), actor=ROBOT)  # Saturday: the call is planned for Monday 16 March
    assert Action.objects.get(channel="call_task").send_on == date(2026, 3, 16)

    assert open_due_tasks(org, now=datetime(2026, 3, 15, 9, 0, tzinfo=PARIS), actor=ROBOT) == 0
    assert not Task.objects.exists()
    assert open_due_tasks(org, now=datetime(2026, 3, 16, 9, 0, tzinfo=PARIS), actor=ROBOT) == 1
    assert Task.objects.get().assignee is None  # no collector: nobody's until assigned


def test_the_legal_step_becomes_an_internal_task(org, calls):  # type: ignore[no-untyped-def]
    customer = _dupont(org)
    f1001 = customer.invoices.get(number="F-1001")
    Action.objects.create(
        organization=org,
        customer=customer,
        channel="internal_task",
        send_on=date(2026, 4, 14),
        template="legal",
        step_key="legal",
        policy_key="calls",
        lines=[
            {
                "invoice_id": f1001.pk,
                "number": "F-1001",
                "due_on": "2026-03-04",
                "open_amount": "1200.00",
                "currency": "EUR",
                "days_overdue": 41,
                "stage": "legal",
            },
        ],
    )

    assert open_due_tasks(None, now=datetime(2026, 4, 14, 9, 0, tzinfo=PARIS), actor=ROBOT) == 1

    task = Task.objects.get()
    assert (task.kind, task.title, task.step_key) == ("internal", "Dupont SARL: escalate to legal action", "legal")
    assert task.details.splitlines()[-1] == "Total overdue: €1,200.00"


def test_email_and_tasks_awaiting_approval_are_not_tasks(org, calls):  # type: ignore[no-untyped-def]
    customer = _dupont(org)
    Action.objects.create(
        organization=org, customer=customer, channel="email", send_on=date(2026, 3, 16), template="firm"
    )
    Action.objects.create(
        organization=org,
        customer=customer,
        channel="call_task",
        send_on=date(2026, 3, 16),
        template="call",
        state="awaiting_approval",
        needs_approval=True,
    )

    assert open_due_tasks(org, now=datetime(2026, 3, 16, 9, 0, tzinfo=PARIS), actor=ROBOT) == 0
    assert not Task.objects.exists()


def test_another_organizations_actions_are_left_to_it(org, other_org, calls):  # type: ignore[no-untyped-def]
    theirs = CustomerFactory(organization=other_org)
    Action.objects.create(
        organization=other_org, customer=theirs, channel="call_task", send_on=date(2026, 3, 16), template="call"
    )

    assert open_due_tasks(org, now=datetime(2026, 3, 16, 9, 0, tzinfo=PARIS), actor=ROBOT) == 0
    assert open_due_tasks(other_org, now=datetime(2026, 3, 16, 9, 0, tzinfo=PARIS), actor=ROBOT) == 1
    assert Task.objects.get().organization == other_org


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's shared in-memory test database refuses a second writer"
)
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_open_each_task_once(org, calls):  # type: ignore[no-untyped-def]
    for i in range(15):
        customer = CustomerFactory(organization=org, ref=f"411C{i:02d}")
        Action.objects.create(
            organization=org,
            customer=customer,
            channel="call_task",
            send_on=date(2026, 3, 16),
            template="call",
            step_key="call",
        )
    start = threading.Barrier(2)
    opened: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            opened.append(open_due_tasks(None, now=datetime(2026, 3, 16, 9, 0, tzinfo=PARIS), actor=ROBOT))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sum(opened) == 15
    assert Task.objects.count() == 15
    assert Event.objects.filter(kind="task.opened").count() == 15
    assert Action.objects.filter(state="sent").count() == 15


def test_a_call_about_invoices_paid_since_planning_is_not_needed(org, calls):  # type: ignore[no-untyped-def]
    from recouvre.ledger.services import allocate, record_payment

    customer = _dupont(org)
    run_collections(org, date(2026, 3, 14), actor=ROBOT)  # Saturday: the call is planned for Monday
    payment = record_payment(
        org, ROBOT, customer=customer, amount=Decimal("1545.67"), received_on=date(2026, 3, 15), source_key="pay-1"
    )
    for invoice in customer.invoices.all():
        allocate(ROBOT, payment=payment, invoice=invoice, amount=invoice.total)

    assert open_due_tasks(org, now=datetime(2026, 3, 16, 9, 0, tzinfo=PARIS), actor=ROBOT) == 0

    assert not Task.objects.exists()
    assert Action.objects.get(channel="call_task").state == "cancelled"
    event = Event.objects.get(customer=customer, kind="task.not_needed")
    assert describe(event) == "No task opened for step call: every invoice it listed has been paid."


def test_a_call_lists_only_what_is_still_owed(org, calls):  # type: ignore[no-untyped-def]
    from recouvre.ledger.services import allocate, record_payment

    customer = _dupont(org)
    run_collections(org, date(2026, 3, 14), actor=ROBOT)
    payment = record_payment(
        org, ROBOT, customer=customer, amount=Decimal("545.67"), received_on=date(2026, 3, 15), source_key="pay-1"
    )
    allocate(ROBOT, payment=payment, invoice=customer.invoices.get(number="F-1002"), amount=Decimal("345.67"))
    allocate(ROBOT, payment=payment, invoice=customer.invoices.get(number="F-1001"), amount=Decimal("200.00"))

    assert open_due_tasks(org, now=datetime(2026, 3, 16, 9, 0, tzinfo=PARIS), actor=ROBOT) == 1

    assert Task.objects.get().details.splitlines()[1:] == [
        "F-1001 due 2026-03-04: €1,000.00, 12 days overdue, stage call",
        "Total overdue: €1,000.00",
    ]


def test_a_call_due_while_the_last_one_is_open_joins_it(org, calls):  # type: ignore[no-untyped-def]
    """F-1001 reaches its call on Monday 16 March; a new invoice F-1003 reaches its own call a week later while the
    collector has not called yet: still one open call, now listing the three invoices owed."""
    customer = _dupont(org)
    run_collections(org, date(2026, 3, 16), actor=ROBOT)
    process_due(org, now=datetime(2026, 3, 16, 9, 0, tzinfo=PARIS), actor=ROBOT)
    InvoiceFactory(
        customer=customer,
        number="F-1003",
        issued_on=date(2026, 2, 12),
        due_on=date(2026, 3, 13),
        total=Decimal("50.00"),
    )
    run_collections(org, date(2026, 3, 23), actor=ROBOT)
    assert Action.objects.filter(channel="call_task").count() == 2
    result = process_due(org, now=datetime(2026, 3, 23, 9, 0, tzinfo=PARIS), actor=ROBOT)
    assert result.tasks_opened == 0
    task = Task.objects.get()
    assert task.state == "open"
    assert [line.split(" ")[0] for line in task.details.splitlines()[1:-1]] == ["F-1001", "F-1002", "F-1003"]
    assert task.details.splitlines()[-1] == "Total overdue: €1,595.67"
    joined = Event.objects.get(customer=customer, kind="task.joined")
    assert describe(joined) == "Step call joined the open task: Call Dupont SARL (step: phone call)"
    assert set(Action.objects.filter(channel="call_task").values_list("state", flat=True)) == {"sent"}
