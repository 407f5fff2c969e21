"""Stories of a collector closing a call with its outcome: each outcome creates what it means, and says so on the
customer's timeline."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from recouvre.collections.models import Action, CustomerCollection, Hold
from recouvre.collections.outbox import process_due
from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.tasks.models import Task
from recouvre.tasks.services import cancel_task, complete_task, create_task, reassign_task
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

PARIS = ZoneInfo("Europe/Paris")
ROBOT = Actor.system("run")
pytestmark = pytest.mark.django_db


@pytest.fixture
def marc(org):  # type: ignore[no-untyped-def]
    return MembershipFactory(organization=org, user__username="marc", user__first_name="Marc", role="collector").user


@pytest.fixture
def dupont(org, marc):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")
    CustomerCollection.objects.create(organization=org, customer=customer, collector=marc)
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


def _call_task(org, when: datetime) -> Task:  # type: ignore[no-untyped-def]
    run_collections(org, when.date(), actor=ROBOT)
    assert process_due(org, now=when, actor=ROBOT).tasks_opened == 1
    return Task.objects.get(kind="call", state="open")


def _said(customer, kind: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [describe(e) for e in Event.objects.filter(customer=customer, kind=kind).order_by("id")]


def test_a_promise_on_the_phone_pauses_the_customer_until_the_promised_day(org, calls, dupont, marc):  # type: ignore[no-untyped-def]
    monday = datetime(2026, 3, 16, 9, 0, tzinfo=PARIS)
    with time_machine.travel(monday, tick=False):
        task = _call_task(org, monday)
        complete_task(
            task,
            outcome="promise",
            actor=Actor.of(marc),
            note="Will pay both on Friday 27",
            amount=Decimal("1545.67"),
            promised_on=date(2026, 3, 27),
        )

    task.refresh_from_db()
    assert (task.state, task.outcome, task.outcome_note, task.done_by) == (
        "done",
        "promise",
        "Will pay both on Friday 27",
        marc,
    )
    hold = Hold.objects.get(customer=dupont)
    assert (hold.kind, hold.amount, hold.promised_on, hold.starts_on, hold.ends_on) == (
        "promise",
        Decimal("1545.67"),
        date(2026, 3, 27),
        date(2026, 3, 16),
        date(2026, 3, 27),
    )
    assert _said(dupont, "task.done") == [
        "Task done (promise to pay): Call Dupont SARL (step: phone call). Will pay both on Friday 27"
    ]
    assert Event.objects.filter(customer=dupont, kind="collections.promise_recorded").count() == 1

    # On 24 March the firm e-mail of F-1001 (+20) is reached: the promise holds it back.
    result = run_collections(org, date(2026, 3, 24), actor=ROBOT)
    assert result.actions == 0
    assert [(s.customer_id, s.reason) for s in result.skipped] == [(dupont.pk, "on_hold")]
    assert not Action.objects.filter(channel="email").exists()


def test_no_answer_calls_again_two_business_days_later(org, calls, dupont, marc):  # type: ignore[no-untyped-def]
    task = create_task(org, dupont, kind="call", title="Call Dupont SARL", actor=ROBOT, due_on=date(2026, 4, 2))

    # Thursday 2 April 2026: Friday 3 counts, the weekend and Easter Monday (6 April) do not.
    complete_task(task, outcome="no_answer", actor=Actor.of(marc), today=date(2026, 4, 2))

    again = Task.objects.get(state="open")
    assert (again.kind, again.title, again.due_on, again.assignee, again.follows) == (
        "call",
        "Call Dupont SARL",
        date(2026, 4, 7),
        marc,
        task,
    )
    assert _said(dupont, "task.done") == ["Task done (no answer): Call Dupont SARL."]
    assert not Hold.objects.exists()


def test_no_answer_in_alsace_moselle_does_not_call_back_on_good_friday(org, calls, dupont, marc):  # type: ignore[no-untyped-def]
    from recouvre.collections.configuration import save_settings

    save_settings(org, actor=ROBOT, alsace_moselle=True)
    task = create_task(org, dupont, kind="call", title="Call Dupont SARL", actor=ROBOT, due_on=date(2026, 4, 2))

    # Thursday 2 April 2026: Good Friday (3 April) is closed too, so Tuesday 7 and Wednesday 8 April.
    complete_task(task, outcome="no_answer", actor=Actor.of(marc), today=date(2026, 4, 2))

    assert Task.objects.get(state="open").due_on == date(2026, 4, 8)


def test_a_wrong_number_asks_for_the_right_one(org, calls, dupont, marc):  # type: ignore[no-untyped-def]
    task = create_task(org, dupont, kind="call", title="Call Dupont SARL", actor=ROBOT, due_on=date(2026, 3, 16))

    complete_task(
        task, outcome="wrong_number", actor=Actor.of(marc), note="Number is a pizzeria", today=date(2026, 3, 16)
    )

    fix = Task.objects.get(state="open")
    assert (fix.kind, fix.title, fix.due_on, fix.assignee) == (
        "internal",
        "Find the right phone number of Dupont SARL",
        date(2026, 3, 16),
        marc,
    )
    assert _said(dupont, "task.wrong_number") == ["Wrong phone number on file: Number is a pizzeria"]
    assert _said(dupont, "task.done") == ["Task done (wrong number): Call Dupont SARL. Number is a pizzeria"]


def test_a_dispute_on_the_phone_holds_the_invoice(org, calls, dupont, marc):  # type: ignore[no-untyped-def]
    f1002 = dupont.invoices.get(number="F-1002")
    task = create_task(org, dupont, kind="call", title="Call Dupont SARL", actor=ROBOT)

    complete_task(
        task,
        outcome="dispute",
        actor=Actor.of(marc),
        note="Two pallets missing",
        reason_code="quantity",
        amount=Decimal("120.00"),
        invoice=f1002,
        today=date(2026, 3, 16),
    )

    hold = Hold.objects.get()
    assert (hold.kind, hold.invoice, hold.reason_code, hold.amount) == ("dispute", f1002, "quantity", Decimal("120.00"))
    assert Task.objects.get().outcome == "dispute"


def test_a_dispute_needs_its_invoice_and_then_nothing_is_recorded(org, calls, dupont, marc):  # type: ignore[no-untyped-def]
    task = create_task(org, dupont, kind="call", title="Call Dupont SARL", actor=ROBOT)

    with pytest.raises(ValidationError):
        complete_task(task, outcome="dispute", actor=Actor.of(marc), reason_code="quantity")

    task.refresh_from_db()
    assert task.state == "open"
    assert not Hold.objects.exists()
    assert not Event.objects.filter(kind="task.done").exists()


def test_already_paid_pauses_while_the_payment_is_looked_for(org, calls, dupont, marc):  # type: ignore[no-untyped-def]
    task = create_task(org, dupont, kind="call", title="Call Dupont SARL", actor=ROBOT)

    complete_task(
        task, outcome="already_paid", actor=Actor.of(marc), note="Paid by transfer on 10 March", today=date(2026, 3, 16)
    )

    hold = Hold.objects.get()
    assert (hold.kind, hold.starts_on, hold.ends_on) == ("already_paid", date(2026, 3, 16), date(2026, 3, 25))


def test_a_closed_task_cannot_be_closed_again(org, calls, dupont, marc):  # type: ignore[no-untyped-def]
    task = create_task(org, dupont, kind="internal", title="Send the file to the lawyer", actor=ROBOT)
    complete_task(task, outcome="done", actor=Actor.of(marc))

    with pytest.raises(ValidationError):
        complete_task(task, outcome="done", actor=Actor.of(marc))
    with pytest.raises(ValidationError):
        cancel_task(task, actor=Actor.of(marc))
    assert Event.objects.filter(kind="task.done").count() == 1


def test_reassign_and_cancel(org, calls, dupont, marc):  # type: ignore[no-untyped-def]
    julie = MembershipFactory(organization=org, user__username="julie", role="collector").user
    outsider = MembershipFactory(user__username="outsider").user
    task = create_task(org, dupont, kind="other", title="Check the delivery note", actor=ROBOT)

    reassign_task(task, assignee=julie, actor=Actor.of(marc))
    with pytest.raises(ValidationError):
        reassign_task(task, assignee=outsider, actor=Actor.of(marc))
    cancel_task(task, actor=Actor.of(julie), reason="found it")

    task.refresh_from_db()
    assert (task.assignee, task.state, task.done_by) == (julie, "cancelled", julie)
    assert _said(dupont, "task.reassigned") == ["Task given to julie: Check the delivery note."]
    assert _said(dupont, "task.cancelled") == ["Task cancelled: Check the delivery note (found it)."]
