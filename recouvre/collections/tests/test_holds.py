"""Stories of holds: disputes, promises to pay, payment plans, "already paid", insolvency and pauses, walked
through the real daily run (``run_collections``) and the real planner.

The test policy (``ladder``): e-mails at +5 and +20 days, a registered letter at +40. ACME's customer Boulangerie
Dupont owes invoice F-1 of 1 200.00 EUR, due Monday 2 March 2026: left alone, it is reminded on Saturday 7 March
(sent Monday 9), again on Sunday 22 March (sent Monday 23) and by registered letter on Saturday 11 April.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from recouvre.collections import holds
from recouvre.collections.models import (
    Action,
    CollectionSettings,
    CustomerCollection,
    Hold,
    Instalment,
    ItemStep,
    PaymentPlan,
)
from recouvre.collections.selectors import planner_inputs
from recouvre.collections.services import release_hold, run_collections
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import CreditNote, Event
from recouvre.ledger.services import allocate, record_payment
from recouvre.ledger.timeline import describe
from recouvre.tasks.models import Task
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, UserFactory
from recouvre.testing.outbox import carry_out

pytestmark = pytest.mark.django_db
ROBOT = Actor.system("daily run")
EUR = Decimal


@pytest.fixture
def claire_actor(user):  # type: ignore[no-untyped-def]
    return Actor.of(user)


@pytest.fixture
def dupont(org, ladder, user):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUP", name="Boulangerie Dupont")
    CustomerCollection.objects.create(organization=org, customer=customer, collector=user)
    return customer


def invoice(customer, number="F-1", total="1200.00", due_on=date(2026, 3, 2)):  # type: ignore[no-untyped-def]
    return InvoiceFactory(
        customer=customer, number=number, total=EUR(total), issued_on=due_on - timedelta(days=30), due_on=due_on
    )


def pay(customer, inv, amount, on):  # type: ignore[no-untyped-def]
    """The customer pays ``amount`` on ``on``, and the payment is applied to ``inv``."""
    payment = record_payment(
        customer.organization, ROBOT, customer=customer, received_on=on, amount=EUR(amount), source_key=f"bank-{on}"
    )
    allocate(ROBOT, invoice=inv, amount=EUR(amount), payment=payment)
    return payment


def run(org, as_of):  # type: ignore[no-untyped-def]
    """The day's run, and what it planned carried out (sent, posted, done)."""
    result = run_collections(org, as_of, actor=ROBOT)
    carry_out(org)
    return result


def run_days(org, first, last):  # type: ignore[no-untyped-def]
    day = first
    while day <= last:
        run(org, day)
        day += timedelta(days=1)


def steps(*invoices):  # type: ignore[no-untyped-def]
    """(invoice number, step, planned for) of every step recorded for these invoices, in order."""
    return list(
        ItemStep.objects.filter(invoice__in=invoices)
        .order_by("planned_on", "invoice__number")
        .values_list("invoice__number", "step_key", "planned_on")
    )


def timeline(customer, *kinds):  # type: ignore[no-untyped-def]
    return [describe(e) for e in Event.objects.filter(customer=customer, kind__in=kinds).order_by("id")]


# ------------------------------------------------------------------------------------------------ disputes


def test_a_dispute_stops_one_invoice_while_the_others_are_still_reminded(org, dupont, user, claire_actor):
    kept = invoice(dupont, "F-1")
    disputed = invoice(dupont, "F-2", "750.00", date(2026, 3, 3))
    hold = holds.open_dispute(
        org,
        disputed,
        reason_code="quantity",
        amount=EUR("250.00"),
        owner=user,
        note="10 boxes invoiced, 7 delivered",
        actor=claire_actor,
        today=date(2026, 3, 5),
    )
    assert (hold.kind, hold.invoice_id, hold.reason_code, hold.amount, hold.owner, hold.starts_on, hold.ends_on) == (
        "dispute",
        disputed.pk,
        "quantity",
        EUR("250.00"),
        user,
        date(2026, 3, 5),
        None,
    )
    assert timeline(dupont, "collections.dispute_opened") == [
        "Invoice F-2 disputed for 250.00 EUR (wrong quantity): 10 boxes invoiced, 7 delivered"
    ]

    run_days(org, date(2026, 3, 5), date(2026, 3, 20))
    assert steps(kept, disputed) == [("F-1", "first", date(2026, 3, 9))]  # reached Saturday 7, sent Monday 9
    (action,) = Action.objects.all()
    assert [(ln["number"], ln["step"], ln["hold"]) for ln in action.lines] == [
        ("F-1", "first", None),
        ("F-2", None, "dispute"),
    ]

    # The customer was wrong: collection of F-2 resumes at the next run, at its first step.
    holds.resolve_dispute(
        hold, resolution="resume", note="delivery note signed for 10", actor=claire_actor, today=date(2026, 3, 20)
    )
    run(org, date(2026, 3, 21))  # Saturday: sent Monday
    assert steps(kept, disputed)[-1] == ("F-2", "first", date(2026, 3, 23))
    hold.refresh_from_db()
    assert (hold.outcome, hold.outcome_on, hold.resolution) == (
        "resolved",
        date(2026, 3, 20),
        "delivery note signed for 10",
    )
    assert timeline(dupont, "collections.dispute_resolved") == [
        "Dispute on invoice F-2 resolved, collection resumes: delivery note signed for 10"
    ]
    with pytest.raises(ValidationError, match="already ended"):
        holds.resolve_dispute(hold, resolution="resume", actor=claire_actor)


def test_a_dispute_settled_by_a_credit_note_for_the_whole_amount_is_never_reminded_again(org, dupont, claire_actor):
    inv = invoice(dupont, "F-1")
    hold = holds.open_dispute(org, inv, reason_code="quality", actor=claire_actor, today=date(2026, 3, 4))
    assert hold.amount == EUR("1200.00")  # the whole open amount when none is given

    with pytest.raises(ValidationError, match="cannot be more than 1200.00 EUR"):
        holds.resolve_dispute(hold, resolution="credit_note", credit_amount=EUR("1200.01"), actor=claire_actor)
    assert not CreditNote.objects.exists()

    holds.resolve_dispute(
        hold,
        resolution="credit_note",
        credit_amount=EUR("1200.00"),
        note="batch spoiled",
        actor=claire_actor,
        today=date(2026, 3, 6),
    )
    note = CreditNote.objects.get()
    assert (note.number, note.total, note.issued_on, note.invoice, note.unallocated_amount) == (
        "AV-F-1",
        EUR("1200.00"),
        date(2026, 3, 6),
        inv,
        EUR("0.00"),
    )
    inv.refresh_from_db()
    assert inv.open_amount == EUR("0.00")
    hold.refresh_from_db()
    assert (hold.outcome, hold.credit_note) == ("credited", note)
    assert timeline(dupont, "collections.dispute_credited") == [
        "Dispute on invoice F-1 resolved by credit note AV-F-1 for 1200.00 EUR."
    ]
    run_days(org, date(2026, 3, 6), date(2026, 4, 30))
    assert not Action.objects.exists()


def test_a_partial_credit_note_leaves_the_rest_reminded(org, dupont, claire_actor):
    inv = invoice(dupont, "F-1")
    hold = holds.open_dispute(
        org, inv, reason_code="price", amount=EUR("300.00"), actor=claire_actor, today=date(2026, 3, 4)
    )
    with pytest.raises(ValidationError, match="cannot be more than 300.00 EUR"):
        holds.resolve_dispute(hold, resolution="credit_note", credit_amount=EUR("300.01"), actor=claire_actor)
    holds.resolve_dispute(
        hold, resolution="credit_note", credit_amount=EUR("300.00"), actor=claire_actor, today=date(2026, 3, 10)
    )
    run(org, date(2026, 3, 10))
    (action,) = Action.objects.all()
    assert [(ln["number"], ln["open_amount"], ln["step"]) for ln in action.lines] == [("F-1", "900.00", "first")]


def test_what_a_dispute_refuses(org, other_org, dupont, claire_actor):
    inv = invoice(dupont, "F-1")
    rival = invoice(CustomerFactory(organization=other_org), "R-1")
    with pytest.raises(ValidationError, match="another organization"):
        holds.open_dispute(org, rival, reason_code="price", actor=claire_actor)
    with pytest.raises(ValidationError, match="Unknown reason"):
        holds.open_dispute(org, inv, reason_code="bored", actor=claire_actor)
    with pytest.raises(ValidationError, match="more than zero"):
        holds.open_dispute(org, inv, reason_code="price", amount=EUR("0.00"), actor=claire_actor)
    stranger = UserFactory(username="mallory")  # not a member of ACME
    with pytest.raises(ValidationError, match="must be a member"):
        holds.open_dispute(org, inv, reason_code="price", owner=stranger.pk, actor=claire_actor)
    assert holds.open_dispute(org, inv, reason_code="price", owner=claire_actor.user.pk, actor=claire_actor).owner == (
        claire_actor.user
    )
    with pytest.raises(ValidationError, match="already disputed"):
        holds.open_dispute(org, inv, reason_code="quality", actor=claire_actor)
    assert Hold.objects.count() == 1


# ------------------------------------------------------------------------------------------------ promises


def test_a_promise_kept_before_its_date_ends_as_kept_and_nothing_is_sent(org, dupont, claire_actor):
    inv = invoice(dupont, "F-1")
    run(org, date(2026, 3, 9))  # the first reminder
    hold = holds.record_promise(
        org,
        dupont,
        amount=EUR("1200.00"),
        promised_on=date(2026, 3, 27),
        invoices=[inv],
        actor=claire_actor,
        today=date(2026, 3, 10),
    )
    assert timeline(dupont, "collections.promise_recorded") == [
        "Promise to pay 1200.00 EUR by 2026-03-27 for invoices F-1."
    ]
    run_days(org, date(2026, 3, 10), date(2026, 3, 24))  # the second step (+20) falls inside the promise
    assert steps(inv) == [("F-1", "first", date(2026, 3, 9))]
    pay(dupont, inv, "1200.00", date(2026, 3, 25))
    run_days(org, date(2026, 3, 25), date(2026, 4, 30))
    hold.refresh_from_db()
    assert (hold.outcome, hold.outcome_on) == ("kept", date(2026, 3, 25))
    assert steps(inv) == [("F-1", "first", date(2026, 3, 9))]
    assert Action.objects.count() == 1
    assert timeline(dupont, "collections.promise_kept", "collections.promise_broken") == [
        "Promise to pay 1200.00 EUR by 2026-03-27 kept (1200.00 EUR received)."
    ]


def test_a_broken_promise_makes_the_next_step_due_at_once_and_tells_the_collector(org, dupont, user, claire_actor):
    inv = invoice(dupont, "F-1")
    run(org, date(2026, 3, 9))
    hold = holds.record_promise(
        org,
        dupont,
        amount=EUR("1200.00"),
        promised_on=date(2026, 3, 13),
        invoices=[inv],
        actor=claire_actor,
        today=date(2026, 3, 10),
    )
    pay(dupont, inv, "500.00", date(2026, 3, 12))  # not what was promised
    run_days(org, date(2026, 3, 10), date(2026, 3, 13))  # the promised day is still the customer's
    assert steps(inv) == [("F-1", "first", date(2026, 3, 9))]

    run(org, date(2026, 3, 14))  # Saturday: broken; the second step (normally Sunday 22 March) is due now
    hold.refresh_from_db()
    assert (hold.outcome, hold.outcome_on) == ("broken", date(2026, 3, 14))
    assert steps(inv) == [("F-1", "first", date(2026, 3, 9)), ("F-1", "second", date(2026, 3, 16))]
    action = Action.objects.get(step_key="second")
    assert (action.send_on, [(ln["number"], ln["open_amount"]) for ln in action.lines]) == (
        date(2026, 3, 16),
        [("F-1", "700.00")],
    )
    assert timeline(dupont, "collections.promise_broken") == [
        "Promise to pay 1200.00 EUR by 2026-03-13 broken (500.00 EUR received): the next reminder is due at once."
    ]
    task = Task.objects.get()
    assert (task.kind, task.assignee, task.title, task.due_on) == (
        "promise_broken",
        user,
        "Promise to pay 1200.00 EUR by 2026-03-13 not kept",
        date(2026, 3, 14),
    )

    # Only the next step is hurried: the registered letter keeps its date (+40, Saturday 11 April).
    run_days(org, date(2026, 3, 14), date(2026, 4, 10))
    assert len(steps(inv)) == 2
    run(org, date(2026, 4, 11))
    assert steps(inv)[-1] == ("F-1", "third", date(2026, 4, 13))
    assert Task.objects.count() == 1
    assert Event.objects.filter(kind="collections.promise_broken").count() == 1


def test_a_promise_for_the_whole_customer_holds_every_invoice(org, dupont, claire_actor):
    first, second = invoice(dupont, "F-1"), invoice(dupont, "F-2", "300.00")
    holds.record_promise(
        org, dupont, amount=EUR("1500.00"), promised_on=date(2026, 3, 20), actor=claire_actor, today=date(2026, 3, 1)
    )
    result = run(org, date(2026, 3, 9))
    assert [(s.reason, s.detail, s.next_on) for s in result.skipped] == [("on_hold", "promise", date(2026, 3, 21))]
    record_payment(org, ROBOT, customer=dupont, received_on=date(2026, 3, 19), amount=EUR("1500.00"), source_key="b")
    assert holds.review_commitments(org, date(2026, 3, 19), actor=ROBOT)["promises_kept"] == 1
    assert steps(first, second) == []


def test_what_a_promise_refuses(org, dupont, claire_actor):
    inv = invoice(dupont, "F-1")
    with pytest.raises(ValidationError, match="already passed"):
        holds.record_promise(
            org, dupont, amount=EUR("10.00"), promised_on=date(2026, 3, 1), actor=claire_actor, today=date(2026, 3, 2)
        )
    with pytest.raises(ValidationError, match="more than zero"):
        holds.record_promise(org, dupont, amount=EUR("-5.00"), promised_on=date(2026, 4, 1), actor=claire_actor)
    with pytest.raises(ValidationError, match="too many decimals"):
        holds.record_promise(org, dupont, amount=EUR("5.001"), promised_on=date(2099, 4, 1), actor=claire_actor)
    other = CustomerFactory(organization=org)
    with pytest.raises(ValidationError, match="is not an invoice of"):
        holds.record_promise(
            org, other, amount=EUR("5.00"), promised_on=date(2099, 4, 1), invoices=[inv], actor=claire_actor
        )
    assert not Hold.objects.exists()


# ------------------------------------------------------------------------------------------------ payment plans


def test_a_payment_plan_honoured_to_the_end_keeps_its_invoices_out_of_reminders(org, dupont, claire_actor):
    big, small = invoice(dupont, "F-1"), invoice(dupont, "F-2", "600.00")
    outside = invoice(dupont, "F-3", "300.00")
    plan = holds.create_payment_plan(
        org,
        dupont,
        invoices=[big, small],
        instalments=[
            (date(2026, 3, 31), EUR("600.00")),
            (date(2026, 4, 30), EUR("600.00")),
            (date(2026, 5, 29), EUR("600.00")),
        ],
        note="three monthly transfers",
        actor=claire_actor,
        today=date(2026, 3, 5),
    )
    assert (plan.total, plan.currency, plan.status, plan.signed_on) == (
        EUR("1800.00"),
        "EUR",
        "active",
        date(2026, 3, 5),
    )
    assert timeline(dupont, "collections.plan_created") == [
        "Payment plan agreed for invoices F-1, F-2: 3 instalments, 1800.00 EUR in all, from 2026-03-31 to 2026-05-29."
    ]
    payments = {date(2026, 3, 31): small, date(2026, 4, 29): big, date(2026, 5, 28): big}
    day = date(2026, 3, 5)
    while day <= date(2026, 6, 5):
        if day in payments:
            pay(dupont, payments[day], "600.00", day)
        run(org, day)
        day += timedelta(days=1)

    assert steps(big, small) == []
    assert steps(outside) == [
        ("F-3", "first", date(2026, 3, 9)),
        ("F-3", "second", date(2026, 3, 23)),
        ("F-3", "third", date(2026, 4, 13)),
    ]
    plan.refresh_from_db()
    assert (plan.status, plan.ended_on, plan.hold.outcome) == ("completed", date(2026, 5, 28), "completed")
    assert list(plan.instalments.values_list("honoured_on", flat=True)) == [
        date(2026, 3, 31),
        date(2026, 4, 29),
        date(2026, 5, 28),
    ]
    assert timeline(dupont, "collections.instalment_honoured", "collections.plan_completed") == [
        "Instalment 1 of 3 of the payment plan (600.00 EUR due 2026-03-31) honoured.",
        "Instalment 2 of 3 of the payment plan (600.00 EUR due 2026-04-30) honoured.",
        "Instalment 3 of 3 of the payment plan (600.00 EUR due 2026-05-29) honoured.",
        "Payment plan completed: 1800.00 EUR paid.",
    ]


def test_a_missed_instalment_breaks_the_plan_resumes_collection_and_tells_the_collector(
    org, dupont, user, claire_actor
):  # type: ignore[no-untyped-def]
    inv = invoice(dupont, "F-1")
    plan = holds.create_payment_plan(
        org,
        dupont,
        invoices=[inv],
        instalments=[(date(2026, 3, 31), EUR("600.00")), (date(2026, 4, 30), EUR("600.00"))],
        actor=claire_actor,
        today=date(2026, 3, 5),
    )
    pay(dupont, inv, "600.00", date(2026, 3, 31))
    run_days(org, date(2026, 3, 5), date(2026, 5, 3))  # 30 April + 3 days of grace: still waiting
    assert steps(inv) == []
    plan.refresh_from_db()
    assert plan.status == "active"

    run(org, date(2026, 5, 4))
    plan.refresh_from_db()
    assert (plan.status, plan.ended_on, plan.hold.outcome) == ("broken", date(2026, 5, 4), "broken")
    assert list(plan.instalments.values_list("honoured_on", "missed_on")) == [
        (date(2026, 3, 31), None),
        (None, date(2026, 5, 4)),
    ]
    # Collection resumes where the invoice stands: first seen late, its first step.
    assert steps(inv) == [("F-1", "first", date(2026, 5, 4))]
    (action,) = Action.objects.all()
    assert action.lines[0]["open_amount"] == "600.00"
    assert timeline(dupont, "collections.plan_broken") == [
        "Payment plan broken: the instalment of 2026-04-30 (600.00 EUR) is not paid, 600.00 EUR missing. "
        "Collection resumes."
    ]
    task = Task.objects.get()
    assert (task.kind, task.assignee, task.title, task.details) == (
        "instalment_missed",
        user,
        "Instalment of 2026-04-30 missed: payment plan broken",
        "600.00 EUR missing out of 1200.00 EUR due so far.",
    )
    # Reviewing again changes nothing.
    before = Event.objects.count()
    assert holds.review_commitments(org, date(2026, 5, 4), actor=ROBOT) == dict.fromkeys(
        ("promises_kept", "promises_broken", "instalments_honoured", "plans_completed", "plans_broken"), 0
    )
    run(org, date(2026, 5, 4))
    assert (Event.objects.count(), Task.objects.count(), Action.objects.count()) == (before, 1, 1)


def test_what_a_payment_plan_refuses(org, dupont, claire_actor):
    inv = invoice(dupont, "F-1")
    dollars = invoice(dupont, "F-USD", "100.00")
    dollars.currency = "USD"
    dollars.save()

    def plan(invoices, instalments):  # type: ignore[no-untyped-def]
        return holds.create_payment_plan(
            org, dupont, invoices=invoices, instalments=instalments, actor=claire_actor, today=date(2026, 3, 5)
        )

    with pytest.raises(ValidationError, match="Choose the invoices"):
        plan([], [(date(2026, 4, 1), EUR("10.00"))])
    with pytest.raises(ValidationError, match="at least one instalment"):
        plan([inv], [])
    with pytest.raises(ValidationError, match="date order"):
        plan([inv], [(date(2026, 4, 1), EUR("10.00")), (date(2026, 4, 1), EUR("10.00"))])
    with pytest.raises(ValidationError, match="before the plan is agreed"):
        plan([inv], [(date(2026, 3, 4), EUR("10.00"))])
    with pytest.raises(ValidationError, match="more than zero"):
        plan([inv], [(date(2026, 4, 1), EUR("0.00"))])
    with pytest.raises(ValidationError, match="several currencies"):
        plan([inv, dollars], [(date(2026, 4, 1), EUR("10.00"))])
    plan([inv], [(date(2026, 4, 1), EUR("1200.00"))])
    with pytest.raises(ValidationError, match="F-1 is already in an active payment plan"):
        plan([inv], [(date(2026, 4, 1), EUR("1200.00"))])
    assert PaymentPlan.objects.count() == 1


def test_the_database_keeps_amounts_positive(org, dupont, claire_actor):
    inv = invoice(dupont, "F-1")
    plan = holds.create_payment_plan(
        org,
        dupont,
        invoices=[inv],
        instalments=[(date(2026, 4, 1), EUR("1200.00"))],
        actor=claire_actor,
        today=date(2026, 3, 5),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Instalment.objects.create(plan=plan, position=2, due_on=date(2026, 5, 1), amount=EUR("0.00"))
    # Once agreed, the instalments stay as they were agreed, and add up to the total.
    with pytest.raises(IntegrityError), transaction.atomic():
        Instalment.objects.create(plan=plan, position=2, due_on=date(2026, 5, 1), amount=EUR("10.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Instalment.objects.filter(plan=plan).update(amount=EUR("1100.00"))
    Instalment.objects.filter(plan=plan).update(honoured_on=date(2026, 4, 1))  # what the review writes is allowed
    plan.refresh_from_db()
    assert (plan.total, plan.scheduled) == (EUR("1200.00"), EUR("1200.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Hold.objects.filter(pk=plan.hold_id).update(amount=EUR("-1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Hold.objects.filter(pk=plan.hold_id).update(outcome="kept")  # an outcome needs its date and the release


def test_a_plan_whose_instalments_do_not_add_up_cannot_be_made_active(org, dupont, claire_actor):
    inv = invoice(dupont, "F-1")
    hold = holds.place_hold(org, dupont, kind="payment_plan", starts_on=date(2026, 3, 5), actor=claire_actor)
    plan = PaymentPlan.objects.create(
        organization=org,
        customer=dupont,
        hold=hold,
        status="draft",
        signed_on=date(2026, 3, 5),
        total=EUR("1200.00"),
        currency="EUR",
    )
    plan.invoices.set([inv])
    Instalment.objects.create(plan=plan, position=1, due_on=date(2026, 4, 1), amount=EUR("600.10"))
    Instalment.objects.create(plan=plan, position=2, due_on=date(2026, 5, 1), amount=EUR("599.80"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentPlan.objects.filter(pk=plan.pk).update(status="active")
    Instalment.objects.filter(plan=plan, position=2).update(amount=EUR("599.90"))
    PaymentPlan.objects.filter(pk=plan.pk).update(status="active")
    plan.refresh_from_db()
    assert (plan.status, plan.scheduled) == ("active", EUR("1200.00"))


# ------------------------------------------------------------------------------------------------ other pauses


def test_already_paid_pauses_exactly_the_configured_number_of_days(org, dupont, claire_actor):
    CollectionSettings.objects.create(organization=org, already_paid_pause_days=5)
    inv = invoice(dupont, "F-1")
    hold = holds.declare_already_paid(
        org, dupont, invoices=[inv], note="paid by cheque", actor=claire_actor, today=date(2026, 3, 6)
    )
    assert (hold.starts_on, hold.ends_on) == (date(2026, 3, 6), date(2026, 3, 10))  # 6, 7, 8, 9 and 10 March
    assert timeline(dupont, "collections.already_paid_declared") == [
        "Declared already paid (F-1): collection paused until 2026-03-10 while the payment is looked for."
    ]
    run_days(org, date(2026, 3, 6), date(2026, 3, 10))
    assert steps(inv) == []
    run(org, date(2026, 3, 11))
    assert steps(inv) == [("F-1", "first", date(2026, 3, 11))]


def test_already_paid_pauses_ten_days_when_the_organization_has_not_chosen(org, dupont, claire_actor):
    invoice(dupont, "F-1")
    hold = holds.declare_already_paid(org, dupont, actor=claire_actor, today=date(2026, 3, 6))
    assert (hold.starts_on, hold.ends_on, hold.invoice, list(hold.invoices.all())) == (
        date(2026, 3, 6),
        date(2026, 3, 15),
        None,
        [],
    )


def test_insolvency_stops_everything_until_released(org, dupont, claire_actor):
    invoices = [invoice(dupont, f"F-{n}", due_on=date(2026, 3, n)) for n in range(1, 4)]
    hold = holds.record_insolvency(
        org, dupont, procedure="redressement judiciaire", actor=claire_actor, today=date(2026, 3, 3)
    )
    assert timeline(dupont, "collections.insolvency_recorded") == [
        "Insolvency proceedings (redressement judiciaire) opened on 2026-03-03: collection stopped until released."
    ]
    with pytest.raises(ValidationError, match="already recorded"):
        holds.record_insolvency(org, dupont, actor=claire_actor)
    for day in (date(2026, 3, 9), date(2026, 4, 20), date(2026, 6, 1)):
        result = run(org, day)
        assert [(s.reason, s.detail, s.next_on) for s in result.skipped] == [("on_hold", "insolvency", None)]
    assert steps(*invoices) == []
    release_hold(hold, actor=claire_actor, today=date(2026, 6, 1))
    hold.refresh_from_db()
    assert (hold.outcome, hold.outcome_on) == ("released", date(2026, 6, 1))
    run(org, date(2026, 6, 2))
    assert [s[:2] for s in steps(*invoices)] == [("F-1", "first"), ("F-2", "first"), ("F-3", "first")]


def test_a_pause_until_a_date_ends_on_that_day(org, dupont, claire_actor):
    inv = invoice(dupont, "F-1")
    holds.pause_customer(
        org, dupont, until=date(2026, 3, 12), reason="director away", actor=claire_actor, today=date(2026, 3, 4)
    )
    run_days(org, date(2026, 3, 4), date(2026, 3, 12))
    assert steps(inv) == []
    run(org, date(2026, 3, 13))
    assert steps(inv) == [("F-1", "first", date(2026, 3, 13))]
    with pytest.raises(ValidationError, match="today or later"):
        holds.pause_customer(org, dupont, until=date(2026, 3, 1), actor=claire_actor, today=date(2026, 3, 4))


def test_lifting_a_payment_plan_by_hand_cancels_it(org, dupont, claire_actor):
    inv = invoice(dupont, "F-1")
    plan = holds.create_payment_plan(
        org,
        dupont,
        invoices=[inv],
        instalments=[(date(2026, 4, 1), EUR("1200.00"))],
        actor=claire_actor,
        today=date(2026, 3, 5),
    )
    release_hold(plan.hold, actor=claire_actor, today=date(2026, 3, 8), note="customer asked to stop")
    plan.refresh_from_db()
    assert (plan.status, plan.ended_on) == ("cancelled", date(2026, 3, 8))
    run(org, date(2026, 3, 9))
    assert steps(inv) == [("F-1", "first", date(2026, 3, 9))]


# ------------------------------------------------------------------------------------------------ the planner's reads


def test_the_planner_reads_holds_with_the_same_number_of_queries_for_one_customer_or_many(org, ladder, claire_actor):
    def make(n: int) -> None:
        for _ in range(n):
            customer = CustomerFactory(organization=org)
            a, b = invoice(customer, f"A-{customer.pk}"), invoice(customer, f"B-{customer.pk}")
            holds.record_promise(
                org,
                customer,
                amount=EUR("10.00"),
                promised_on=date(2026, 3, 20),
                invoices=[a, b],
                actor=claire_actor,
                today=date(2026, 3, 1),
            )
            holds.open_dispute(org, a, reason_code="price", actor=claire_actor, today=date(2026, 3, 1))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            inputs = planner_inputs(org, date(2026, 3, 9))
            list(inputs.items)
        return len(queries)

    make(1)
    one = count()
    make(5)
    assert count() == one
    customer_inputs = planner_inputs(org, date(2026, 3, 9)).customers.values()
    assert all(len(c.holds) == 3 for c in customer_inputs)  # the promise on A and B, the dispute on A


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's shared in-memory test database refuses a second writer"
)
@pytest.mark.django_db(transaction=True)
def test_two_reviews_at_once_tell_each_outcome_once(org, ladder, user):  # type: ignore[no-untyped-def]
    import threading

    actor = Actor.of(user)
    for n in range(10):
        customer = CustomerFactory(organization=org)
        inv = invoice(customer, f"P-{n}")
        holds.record_promise(
            org,
            customer,
            amount=EUR("100.00"),
            promised_on=date(2026, 3, 10),
            invoices=[inv],
            actor=actor,
            today=date(2026, 3, 5),
        )
        holds.create_payment_plan(
            org,
            customer,
            invoices=[invoice(customer, f"Q-{n}")],
            instalments=[(date(2026, 3, 6), EUR("1200.00"))],
            actor=actor,
            today=date(2026, 3, 5),
        )
    start = threading.Barrier(2)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(holds.review_commitments(org, date(2026, 3, 12), actor=ROBOT))
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
    assert sorted((r["promises_broken"], r["plans_broken"]) for r in results) == [(0, 0), (10, 10)]
    assert Event.objects.filter(kind="collections.promise_broken").count() == 10
    assert Event.objects.filter(kind="collections.plan_broken").count() == 10
    assert Task.objects.count() == 20


def test_a_hold_may_begin_on_a_day_passed_never_in_the_future(org, dupont, claire_actor) -> None:  # type: ignore[no-untyped-def]
    """The customer called on Friday 6 March; the collector records it on Monday 9: the hold begins on Friday, and
    the reminder of Saturday 7 March is not planned. A first day after today is refused by every service."""
    f1 = invoice(dupont)
    monday = date(2026, 3, 9)
    friday = date(2026, 3, 6)
    for record in (
        lambda starts_on: holds.open_dispute(
            org, f1, reason_code="price", actor=claire_actor, today=monday, starts_on=starts_on
        ),
        lambda starts_on: holds.record_promise(
            org, dupont, amount=EUR("100.00"), promised_on=date(2026, 3, 20), actor=claire_actor, today=monday,
            starts_on=starts_on,
        ),
        lambda starts_on: holds.declare_already_paid(
            org, dupont, actor=claire_actor, today=monday, starts_on=starts_on
        ),
        lambda starts_on: holds.pause_customer(
            org, dupont, until=date(2026, 3, 20), actor=claire_actor, today=monday, starts_on=starts_on
        ),
    ):  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            record(date(2026, 3, 10))
        assert refused.value.messages == [
            "The day it began (2026-03-10) is in the future: give today or an earlier day."
        ]
    assert not Hold.objects.exists()

    hold = holds.open_dispute(org, f1, reason_code="price", actor=claire_actor, today=monday, starts_on=friday)

    assert hold.starts_on == friday
    result = run_collections(org, date(2026, 3, 7), actor=ROBOT)
    assert (result.actions, result.skipped_on_hold) == (0, 1)
