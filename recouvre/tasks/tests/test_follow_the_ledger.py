"""Stories of calls and escalation steps that close themselves when the customer paid, was credited or the invoices
they are about were put on hold: the worklist stops showing them, and the timeline says why."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recouvre.collections.holds import open_dispute, place_hold
from recouvre.collections.models import Action
from recouvre.collections.outbox import process_due
from recouvre.collections.services import run_collections
from recouvre.imports.services import run_import
from recouvre.ledger import services as ledger
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Event, Invoice
from recouvre.ledger.timeline import describe
from recouvre.legal.writeoffs import write_off
from recouvre.tasks import selectors
from recouvre.tasks.models import Task
from recouvre.tasks.services import complete_task, create_task, open_due_tasks
from recouvre.tasks.settled import close_settled_tasks
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

PARIS = ZoneInfo("Europe/Paris")
ROBOT = Actor.system("run")
MONDAY = datetime(2026, 3, 16, 9, 0, tzinfo=PARIS)
pytestmark = pytest.mark.django_db


@pytest.fixture
def dupont(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")
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


def _invoice(customer: Customer, number: str) -> Invoice:
    return Invoice.objects.get(customer=customer, number=number)


def _pay(customer: Customer, number: str, amount: str, on: date) -> None:
    invoice = _invoice(customer, number)
    payment = ledger.record_payment(
        customer.organization,
        ROBOT,
        customer=customer,
        received_on=on,
        amount=Decimal(amount),
        source_key=f"TX-{number}-{amount}",
    )
    ledger.allocate(ROBOT, invoice=invoice, amount=Decimal(amount), payment=payment)


def _call_task(org) -> Task:  # type: ignore[no-untyped-def]
    """Monday 16 March: the run plans the call (F-1001 is 12 days overdue) and the outbox opens its task."""
    run_collections(org, MONDAY.date(), actor=ROBOT)
    assert process_due(org, now=MONDAY, actor=ROBOT).tasks_opened == 1
    return Task.objects.get(kind="call", state="open")


def _said(customer: Customer) -> list[str]:
    return [describe(e) for e in Event.objects.filter(customer=customer, kind="task.no_longer_needed").order_by("id")]


def test_a_call_stays_open_until_both_its_invoices_are_paid_then_the_next_run_closes_it(org, calls, dupont):  # type: ignore[no-untyped-def]
    task = _call_task(org)
    assert sorted(task.invoices.values_list("number", flat=True)) == ["F-1001", "F-1002"]

    _pay(dupont, "F-1001", "1200.00", date(2026, 3, 17))
    _pay(dupont, "F-1002", "300.00", date(2026, 3, 17))  # 45.67 still owed on F-1002
    run_collections(org, date(2026, 3, 18), actor=ROBOT)
    task.refresh_from_db()
    assert (task.state, task.closed_reason) == ("open", "")
    assert [t.pk for t in selectors.worklist(org, date(2026, 3, 18))] == [task.pk]
    assert _said(dupont) == []

    _pay(dupont, "F-1002", "45.67", date(2026, 3, 19))
    run_collections(org, date(2026, 3, 20), actor=ROBOT)

    task.refresh_from_db()
    assert (task.state, task.closed_reason, task.done_by, task.done_by_label) == ("not_needed", "paid", None, "run")
    assert task.outcome_data == {"reason": "paid", "invoices": [["F-1001", "paid"], ["F-1002", "paid"]]}
    assert task.done_at is not None
    assert list(selectors.worklist(org, date(2026, 3, 20))) == []
    assert _said(dupont) == [
        "Task closed, no longer needed (invoices paid): Call Dupont SARL (step: phone call). F-1001 paid, F-1002 paid."
    ]

    run_collections(org, date(2026, 3, 23), actor=ROBOT)  # nothing more to say the next time
    assert len(_said(dupont)) == 1


def test_the_legal_step_closes_when_its_invoice_is_disputed(org, calls, dupont):  # type: ignore[no-untyped-def]
    f1001 = _invoice(dupont, "F-1001")
    Action.objects.create(
        organization=org,
        customer=dupont,
        channel="internal_task",
        send_on=date(2026, 4, 14),
        template="legal",
        step_key="legal",
        policy_key="calls",
        lines=[{"invoice_id": f1001.pk, "number": "F-1001", "due_on": "2026-03-04", "open_amount": "1200.00"}],
    )
    assert open_due_tasks(org, now=datetime(2026, 4, 14, 9, 0, tzinfo=PARIS), actor=ROBOT) == 1
    task = Task.objects.get(kind="internal")

    open_dispute(org, f1001, reason_code="quality", actor=ROBOT, today=date(2026, 4, 15))

    task.refresh_from_db()
    assert (task.state, task.closed_reason) == ("not_needed", "on_hold")
    assert task.outcome_data["invoices"] == [["F-1001", "dispute"]]
    # F-1002, also overdue and not disputed, is not what the escalation step was about.
    assert _said(dupont) == [
        "Task closed, no longer needed (invoices on hold): Dupont SARL: escalate to legal action. F-1001 disputed."
    ]


def test_a_call_about_the_customer_only_stays_open_while_an_invoice_is_partly_paid(org, dupont):  # type: ignore[no-untyped-def]
    marc = MembershipFactory(organization=org, user__username="marc", role="collector").user
    with time_machine.travel(MONDAY, tick=False):
        task = create_task(org, dupont, kind="call", title="Call Dupont about its account", actor=Actor.of(marc))
    assert list(task.invoices.all()) == []

    with time_machine.travel(datetime(2026, 3, 17, 10, 0, tzinfo=PARIS), tick=False):
        _pay(dupont, "F-1001", "1200.00", date(2026, 3, 17))
        _pay(dupont, "F-1002", "345.00", date(2026, 3, 17))  # 0.67 left
        assert close_settled_tasks(org, actor=ROBOT, today=date(2026, 3, 17)) == 0
    task.refresh_from_db()
    assert task.state == "open"

    with time_machine.travel(datetime(2026, 3, 18, 10, 0, tzinfo=PARIS), tick=False):
        _pay(dupont, "F-1002", "0.67", date(2026, 3, 18))
        assert close_settled_tasks(org, actor=ROBOT, today=date(2026, 3, 18)) == 1
    task.refresh_from_db()
    assert (task.state, task.closed_reason) == ("not_needed", "paid")
    assert _said(dupont) == [
        "Task closed, no longer needed (invoices paid): Call Dupont about its account. F-1001 paid, F-1002 paid."
    ]


def test_a_call_added_for_a_customer_with_nothing_overdue_is_left_alone(org):  # type: ignore[no-untyped-def]
    martin = CustomerFactory(organization=org, ref="411MARTIN", name="Martin SA")
    InvoiceFactory(
        customer=martin, number="F-2001", issued_on=date(2026, 3, 1), due_on=date(2026, 3, 31), total=Decimal("80.00")
    )
    with time_machine.travel(MONDAY, tick=False):
        task = create_task(org, martin, kind="call", title="Introduce the new collector", actor=ROBOT)
        run_collections(org, MONDAY.date(), actor=ROBOT)
    task.refresh_from_db()
    assert task.state == "open"


def test_a_task_about_one_invoice_closes_when_it_is_credited_but_the_call_listing_both_stays_open(org, calls, dupont):  # type: ignore[no-untyped-def]
    call = _call_task(org)
    f1001 = _invoice(dupont, "F-1001")
    about_one = create_task(
        org, dupont, kind="call", title="Ask Dupont about the delivery of F-1001", invoice=f1001, actor=ROBOT
    )
    assert list(about_one.invoices.values_list("number", flat=True)) == ["F-1001"]

    note = ledger.create_credit_note(
        org, ROBOT, customer=dupont, number="AV-1", issued_on=date(2026, 3, 17), total=Decimal("1200.00"), invoice=f1001
    )
    ledger.allocate(ROBOT, invoice=f1001, amount=Decimal("1200.00"), credit_note=note)
    assert close_settled_tasks(org, actor=ROBOT, today=date(2026, 3, 17)) == 1

    about_one.refresh_from_db()
    call.refresh_from_db()
    assert (about_one.state, about_one.closed_reason) == ("not_needed", "credited")
    assert call.state == "open"  # F-1002 is still owed: the call is about it too
    assert _said(dupont) == [
        "Task closed, no longer needed (invoices credited): Ask Dupont about the delivery of F-1001. F-1001 credited."
    ]


def test_a_pause_of_the_whole_customer_closes_its_call(org, calls, dupont):  # type: ignore[no-untyped-def]
    call = _call_task(org)
    with time_machine.travel(datetime(2026, 3, 17, 11, 0, tzinfo=PARIS), tick=False):
        place_hold(org, dupont, kind="manual", starts_on=date(2026, 3, 18), ends_on=date(2026, 4, 30), actor=ROBOT)
    call.refresh_from_db()
    assert call.state == "open"  # the pause starts tomorrow: the run of that day closes the call

    with time_machine.travel(datetime(2026, 3, 18, 11, 0, tzinfo=PARIS), tick=False):
        run_collections(org, date(2026, 3, 18), actor=ROBOT)
    call.refresh_from_db()
    assert (call.state, call.closed_reason) == ("not_needed", "on_hold")
    assert _said(dupont) == [
        "Task closed, no longer needed (invoices on hold): Call Dupont SARL (step: phone call). "
        "F-1001 paused, F-1002 paused."
    ]


def test_a_payments_import_closes_the_call_a_write_off_the_other(org, calls, dupont, tmp_path: Path):  # type: ignore[no-untyped-def]
    martin = CustomerFactory(organization=org, ref="411MARTIN", name="Martin SA")
    InvoiceFactory(
        customer=martin, number="F-2001", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 3), total=Decimal("500.00")
    )
    run_collections(org, MONDAY.date(), actor=ROBOT)
    assert process_due(org, now=MONDAY, actor=ROBOT).tasks_opened == 2
    calls_of = {t.customer.ref: t for t in Task.objects.filter(kind="call").select_related("customer")}

    path = tmp_path / "payments.csv"
    path.write_text(
        "payment_id,customer_id,payment_date,amount,invoice_number\n"
        "TX-1,411DUPONT,2026-03-17,1200.00,F-1001\n"
        "TX-2,411DUPONT,2026-03-17,345.67,F-1002\n",
        encoding="utf-8",
    )
    run_import(org, "payments", path, actor=ROBOT)
    write_off(
        _invoice(martin, "F-2001"), actor=ROBOT, reason="other", written_off_on=date(2026, 3, 17), note="Closed down"
    )

    dupont_call, martin_call = calls_of["411DUPONT"], calls_of["411MARTIN"]
    dupont_call.refresh_from_db()
    martin_call.refresh_from_db()
    assert (dupont_call.state, dupont_call.closed_reason) == ("not_needed", "paid")
    assert (martin_call.state, martin_call.closed_reason) == ("not_needed", "written_off")
    assert _said(martin) == [
        "Task closed, no longer needed (invoices written off): Call Martin SA (step: phone call). F-2001 written off."
    ]


def test_a_call_with_no_answer_is_followed_by_one_about_the_same_invoices(org, calls, dupont):  # type: ignore[no-untyped-def]
    call = _call_task(org)
    complete_task(call, outcome="no_answer", actor=ROBOT, today=date(2026, 3, 16))
    follow = Task.objects.get(follows=call)
    assert sorted(follow.invoices.values_list("number", flat=True)) == ["F-1001", "F-1002"]

    _pay(dupont, "F-1001", "1200.00", date(2026, 3, 17))
    _pay(dupont, "F-1002", "345.67", date(2026, 3, 17))
    run_collections(org, date(2026, 3, 18), actor=ROBOT)

    call.refresh_from_db()
    follow.refresh_from_db()
    assert (call.state, call.outcome) == ("done", "no_answer")  # what a person did stays as it was
    assert (follow.state, follow.closed_reason) == ("not_needed", "paid")


def test_a_promise_taken_on_the_phone_closes_the_call_as_done_not_as_no_longer_needed(org, calls, dupont):  # type: ignore[no-untyped-def]
    call = _call_task(org)
    complete_task(
        call,
        outcome="promise",
        actor=ROBOT,
        amount=Decimal("1545.67"),
        promised_on=date(2026, 3, 27),
        today=date(2026, 3, 16),
    )
    call.refresh_from_db()
    assert (call.state, call.outcome, call.closed_reason) == ("done", "promise", "")
    assert _said(dupont) == []


def test_a_step_joining_an_open_call_adds_its_invoices(org, calls, dupont):  # type: ignore[no-untyped-def]
    call = _call_task(org)
    late = InvoiceFactory(
        customer=dupont, number="F-1003", issued_on=date(2026, 2, 10), due_on=date(2026, 3, 10), total=Decimal("99.00")
    )
    Action.objects.create(
        organization=org,
        customer=dupont,
        channel="call_task",
        send_on=date(2026, 3, 20),
        template="call",
        step_key="call",
        policy_key="calls",
        lines=[{"invoice_id": late.pk, "number": "F-1003", "due_on": "2026-03-10", "open_amount": "99.00"}],
    )
    assert open_due_tasks(org, now=datetime(2026, 3, 20, 9, 0, tzinfo=PARIS), actor=ROBOT) == 0  # joined
    assert sorted(call.invoices.values_list("number", flat=True)) == ["F-1001", "F-1002", "F-1003"]

    _pay(dupont, "F-1001", "1200.00", date(2026, 3, 21))
    _pay(dupont, "F-1002", "345.67", date(2026, 3, 21))
    assert close_settled_tasks(org, actor=ROBOT, today=date(2026, 3, 23)) == 0  # F-1003 is still owed


def test_closing_many_tasks_takes_as_many_queries_as_closing_a_few(org):  # type: ignore[no-untyped-def]
    def customers_with_paid_calls(n: int, prefix: str) -> None:
        for i in range(n):
            customer = CustomerFactory(organization=org, ref=f"411{prefix}{i}", name=f"{prefix} {i}")
            invoice = InvoiceFactory(
                customer=customer,
                number=f"{prefix}-{i}",
                issued_on=date(2026, 2, 1),
                due_on=date(2026, 3, 1),
                total=Decimal("10.00"),
            )
            create_task(org, customer, kind="call", title=f"Call {i}", invoice=invoice, actor=ROBOT)
            _pay(customer, invoice.number, "10.00", date(2026, 3, 10))

    customers_with_paid_calls(2, "A")
    with CaptureQueriesContext(connection) as few:
        assert close_settled_tasks(org, actor=ROBOT, today=date(2026, 3, 16)) == 2
    customers_with_paid_calls(40, "B")
    with CaptureQueriesContext(connection) as many:
        assert close_settled_tasks(org, actor=ROBOT, today=date(2026, 3, 16)) == 40
    assert len(many.captured_queries) == len(few.captured_queries)
    assert Task.objects.filter(state="open").count() == 0


def test_a_call_closed_by_a_pause_is_planned_again_once_the_pause_is_over(org, calls, dupont):  # type: ignore[no-untyped-def]
    call = _call_task(org)
    with time_machine.travel(datetime(2026, 3, 17, 11, 0, tzinfo=PARIS), tick=False):
        place_hold(org, dupont, kind="manual", starts_on=date(2026, 3, 17), ends_on=date(2026, 3, 20), actor=ROBOT)
    call.refresh_from_db()
    assert (call.state, call.closed_reason) == ("not_needed", "on_hold")

    run_collections(org, date(2026, 3, 19), actor=ROBOT)  # still paused: nothing planned
    assert Action.objects.filter(channel="call_task").count() == 1

    run_collections(org, date(2026, 3, 23), actor=ROBOT)  # the call never happened: it is planned again
    again = Action.objects.filter(channel="call_task").exclude(pk=call.action_id).get()
    assert (again.send_on, again.state, again.step_key) == (date(2026, 3, 23), "planned", "call")
