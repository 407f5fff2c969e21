"""Stories of the daily run: what is stored in the outbox, and what a second run adds (nothing)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvre.collections.models import Action, Hold, ItemStep, Policy, Step
from recouvre.collections.services import ensure_default_policies, place_hold, release_hold, run_collections
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.services import allocate, record_payment
from recouvre.ledger.timeline import describe
from recouvre.organizations.services import create_organization
from recouvre.testing.factories import CustomerFactory, InvoiceFactory
from recouvre.testing.outbox import carry_out

ACTOR = Actor.system("test")
pytestmark = pytest.mark.django_db


def run(org, as_of):  # type: ignore[no-untyped-def]
    """The run of ``as_of``, made on that day."""
    return run_collections(org, as_of, actor=ACTOR, today=as_of)


def test_every_new_organization_starts_with_the_three_seeded_policies(db):  # type: ignore[no-untyped-def]
    org = create_organization("dupont", "Dupont SA")
    policies = {p.key: p for p in Policy.objects.filter(organization=org)}
    assert sorted(policies) == ["default", "small", "strategic"]
    assert {k: p.segment for k, p in policies.items()} == {
        "default": "standard",
        "strategic": "strategic",
        "small": "small",
    }
    default_steps = list(policies["default"].steps.order_by("position").values_list("key", "offset_days", "enabled"))
    assert default_steps == [
        ("courtesy", -3, False),
        ("reminder", 7, True),
        ("firm", 20, True),
        ("formal_notice", 35, True),
        ("legal", 50, True),
    ]
    assert list(policies["strategic"].steps.values_list("key", flat=True)).count("call") == 1
    assert ensure_default_policies(org) == []  # again: nothing more
    assert Policy.objects.filter(organization=org).count() == 3


def test_steps_at_5_and_20_days_one_per_run_and_nothing_twice(org, ladder):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUPONT")
    invoice = InvoiceFactory(customer=customer, number="F-1001", issued_on=date(2026, 2, 2), due_on=date(2026, 3, 4))

    result = run(org, date(2026, 3, 8))  # +4, a Sunday
    assert result.actions == 0
    assert [(s.reason, s.detail, s.next_on) for s in result.skipped] == [("nothing_due", "first", date(2026, 3, 9))]
    assert Action.objects.count() == 0

    result = run(org, date(2026, 3, 9))  # +5
    assert (result.actions, result.emails, result.item_steps, result.awaiting_approval) == (1, 1, 1, 0)
    action = Action.objects.get()
    assert (action.customer_id, action.channel, action.send_on, action.state, action.template) == (
        customer.pk,
        "email",
        date(2026, 3, 9),
        "planned",
        "first",
    )
    assert action.lines == [
        {
            "invoice_id": invoice.pk,
            "number": "F-1001",
            "due_on": "2026-03-04",
            "open_amount": "1200.00",
            "currency": "EUR",
            "days_overdue": 5,
            "stage": "first",
            "step": "first",
            "reason": None,
            "hold": None,
            "round": 0,
        }
    ]
    assert list(ItemStep.objects.values_list("invoice_id", "step_key", "level", "action_id", "planned_on")) == [
        (invoice.pk, "first", 1, action.pk, date(2026, 3, 9))
    ]
    events = list(Event.objects.filter(kind="collections.action_planned"))
    assert len(events) == 1
    assert describe(events[0]) == "Collection planned for 2026-03-09 by email: first (1 invoice advances)."

    again = run(org, date(2026, 3, 9))
    assert (again.actions, again.item_steps) == (0, 0)
    assert (Action.objects.count(), ItemStep.objects.count()) == (1, 1)
    assert Event.objects.filter(kind="collections.action_planned").count() == 1
    assert run(org, date(2026, 3, 23)).actions == 0  # +19, and the first step not sent yet
    assert carry_out(org) == 1  # the first e-mail goes out

    assert run(org, date(2026, 3, 23)).actions == 0  # +19
    result = run(org, date(2026, 3, 24))  # +20
    assert result.actions == 1
    second = Action.objects.get(send_on=date(2026, 3, 24))
    assert (second.template, second.lines[0]["stage"]) == ("second", "second")
    assert list(ItemStep.objects.order_by("level").values_list("step_key", flat=True)) == ["first", "second"]
    carry_out(org)

    result = run(org, date(2026, 4, 13))  # +40: the registered letter waits for approval, pay by 28 April
    assert (result.actions, result.letters, result.awaiting_approval) == (1, 1, 1)
    letter = Action.objects.get(channel="registered_letter")
    assert (letter.state, letter.send_on, letter.deadline_on) == (
        "awaiting_approval",
        date(2026, 4, 13),
        date(2026, 4, 28),
    )


def test_five_overdue_invoices_make_one_action_with_five_lines(org, ladder):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org)
    dues = [date(2026, 2, 10), date(2026, 2, 12), date(2026, 2, 20), date(2026, 2, 25), date(2026, 3, 2)]
    for i, due in enumerate(dues, start=1):
        InvoiceFactory(
            customer=customer, number=f"F-200{i}", issued_on=date(2026, 1, 10), due_on=due, total=Decimal(f"{i}00.00")
        )
    result = run(org, date(2026, 3, 9))
    assert (result.actions, result.item_steps) == (1, 5)
    action = Action.objects.get()
    assert [ln["number"] for ln in action.lines] == ["F-2001", "F-2002", "F-2003", "F-2004", "F-2005"]
    assert [ln["open_amount"] for ln in action.lines] == ["100.00", "200.00", "300.00", "400.00", "500.00"]
    assert [ln["days_overdue"] for ln in action.lines] == [27, 25, 17, 12, 7]
    assert ItemStep.objects.filter(action=action).count() == 5


def test_a_dispute_holds_one_invoice_until_released(org, ladder):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org)
    kept = InvoiceFactory(customer=customer, number="F-1", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    disputed = InvoiceFactory(customer=customer, number="F-2", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 3))
    hold = place_hold(
        org,
        customer,
        kind="dispute",
        starts_on=date(2026, 3, 5),
        invoice=disputed,
        reason="wrong quantity",
        actor=ACTOR,
    )
    result = run(org, date(2026, 3, 9))
    assert (result.actions, result.item_steps) == (1, 1)
    lines = {ln["number"]: ln for ln in Action.objects.get().lines}
    assert (lines["F-1"]["step"], lines["F-1"]["hold"]) == ("first", None)
    assert (lines["F-2"]["step"], lines["F-2"]["hold"], lines["F-2"]["reason"]) == (None, "dispute", "on_hold")
    assert list(ItemStep.objects.values_list("invoice_id", flat=True)) == [kept.pk]

    release_hold(hold, actor=ACTOR)
    result = run(org, date(2026, 3, 10))
    assert (result.actions, result.item_steps) == (1, 1)
    assert ItemStep.objects.get(invoice=disputed).planned_on == date(2026, 3, 10)
    kinds = list(Event.objects.filter(customer=customer).order_by("id").values_list("kind", flat=True))
    assert kinds == [
        "collections.hold_placed_open",
        "collections.action_planned",
        "collections.hold_released",
        "collections.action_planned",
    ]


def test_a_customer_on_hold_is_skipped_with_the_reason(org, ladder):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411HELD")
    InvoiceFactory(customer=customer, issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    place_hold(org, customer, kind="insolvency", starts_on=date(2026, 3, 1), actor=ACTOR)
    result = run(org, date(2026, 3, 9))
    assert (result.actions, result.skipped_on_hold) == (0, 1)
    assert [s.as_dict() for s in result.skipped] == [
        {
            "customer_id": customer.pk,
            "customer": "411HELD",
            "reason": "on_hold",
            "detail": "insolvency",
            "next_on": None,
        }
    ]
    assert not Event.objects.filter(kind="collections.action_planned").exists()
    placed = Event.objects.get(customer=customer)
    assert describe(placed) == "Collection paused (insolvency) from 2026-03-01 until released."


def test_full_payment_stops_everything_partial_payment_leaves_the_rest(org, ladder):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org)
    paid = InvoiceFactory(customer=customer, number="F-PAID", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 4))
    part = InvoiceFactory(customer=customer, number="F-PART", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 4))
    assert run(org, date(2026, 3, 9)).actions == 1
    carry_out(org)
    payment = record_payment(
        org, ACTOR, customer=customer, received_on=date(2026, 3, 12), amount=Decimal("1500.00"), source_key="bank-1"
    )
    allocate(ACTOR, invoice=paid, amount=Decimal("1200.00"), payment=payment)
    allocate(ACTOR, invoice=part, amount=Decimal("300.00"), payment=payment)
    result = run(org, date(2026, 3, 24))
    assert (result.actions, result.item_steps) == (1, 1)
    action = Action.objects.get(send_on=date(2026, 3, 24))
    assert [(ln["number"], ln["open_amount"], ln["step"]) for ln in action.lines] == [("F-PART", "900.00", "second")]
    allocate(
        ACTOR,
        invoice=part,
        amount=Decimal("900.00"),
        payment=record_payment(
            org, ACTOR, customer=customer, received_on=date(2026, 3, 30), amount=Decimal("900.00"), source_key="bank-2"
        ),
    )
    result = run(org, date(2026, 4, 13))
    assert (result.actions, result.skipped) == (0, [])
    assert Action.objects.count() == 2


@pytest.mark.parametrize(
    ("due_on", "as_of", "send_on"),
    [
        (date(2026, 12, 20), date(2026, 12, 25), date(2026, 12, 28)),  # Christmas (Friday) -> Monday
        (date(2026, 4, 26), date(2026, 5, 1), date(2026, 5, 4)),  # 1 May (Friday) -> Monday 4 May
        (date(2026, 3, 3), date(2026, 3, 8), date(2026, 3, 9)),  # a Sunday -> Monday
    ],
)
def test_no_action_is_dated_on_a_holiday_or_a_sunday(org, ladder, due_on, as_of, send_on):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org)
    InvoiceFactory(customer=customer, issued_on=date(2026, 1, 2), due_on=due_on)
    result = run(org, as_of)
    assert (result.actions, result.send_on) == (1, send_on)
    assert list(Action.objects.values_list("send_on", flat=True)) == [send_on]
    # The next days' runs before the send date find it already planned.
    assert run(org, send_on).actions == 0
    assert Action.objects.count() == 1


def test_an_organizations_run_never_touches_another(org, other_org, ladder):  # type: ignore[no-untyped-def]
    mine = CustomerFactory(organization=org)
    theirs = CustomerFactory(organization=other_org)
    InvoiceFactory(customer=mine, issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    InvoiceFactory(customer=theirs, issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    result = run(org, date(2026, 3, 9))
    assert result.actions == 1
    assert list(Action.objects.values_list("customer_id", "organization_id")) == [(mine.pk, org.pk)]
    assert not ItemStep.objects.filter(organization=other_org).exists()
    assert not Event.objects.filter(organization=other_org).exists()


def test_a_dry_run_counts_and_stores_nothing(org, ladder):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org)
    InvoiceFactory(customer=customer, issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    result = run_collections(org, date(2026, 3, 9), actor=ACTOR, dry_run=True)
    assert (result.actions, result.emails, result.item_steps, result.dry_run) == (1, 1, 1, True)
    assert (Action.objects.count(), ItemStep.objects.count(), Event.objects.count()) == (0, 0, 0)


def test_customer_override_policy_and_seeded_policy_by_segment(org):  # type: ignore[no-untyped-def]
    from recouvre.collections.models import CustomerCollection

    ensure_default_policies(org)
    small = CustomerFactory(organization=org, segment="small")
    strategic = CustomerFactory(organization=org, segment="strategic")
    moved = CustomerFactory(organization=org, segment="strategic")
    CustomerCollection.objects.create(
        organization=org, customer=moved, policy=Policy.objects.get(organization=org, key="small")
    )
    for c in (small, strategic, moved):
        InvoiceFactory(customer=c, issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    result = run(org, date(2026, 3, 9))  # +7: the reminder; strategic accounts approve theirs
    assert (result.actions, result.awaiting_approval) == (3, 1)
    states = dict(Action.objects.values_list("customer_id", "state"))
    assert states == {small.pk: "planned", strategic.pk: "awaiting_approval", moved.pk: "planned"}
    assert set(Action.objects.values_list("policy_key", flat=True)) == {"small", "strategic"}


def test_holds_are_refused_when_they_make_no_sense(org, other_org):  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    customer = CustomerFactory(organization=org, name="Dupont SARL", ref="411DUPONT")
    someone_else = CustomerFactory(organization=org)
    invoice = InvoiceFactory(customer=someone_else, number="F-9")
    with pytest.raises(ValidationError, match=r"Invoice F-9 is not an invoice of Dupont SARL \(411DUPONT\)\."):
        place_hold(org, customer, kind="dispute", starts_on=date(2026, 3, 1), invoice=invoice, actor=ACTOR)
    with pytest.raises(ValidationError, match=r"A hold cannot end \(2026-02-28\) before it starts \(2026-03-01\)\."):
        place_hold(org, customer, kind="manual", starts_on=date(2026, 3, 1), ends_on=date(2026, 2, 28), actor=ACTOR)
    with pytest.raises(ValidationError, match="another organization"):
        place_hold(other_org, customer, kind="manual", starts_on=date(2026, 3, 1), actor=ACTOR)
    with pytest.raises(ValidationError, match="Unknown kind of hold: vacation."):
        place_hold(org, customer, kind="vacation", starts_on=date(2026, 3, 1), actor=ACTOR)
    assert not Event.objects.exists()


def test_a_hold_ends_on_its_last_day_and_is_told_on_the_timeline(org, ladder):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org)
    InvoiceFactory(customer=customer, number="F-7", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    place_hold(
        org,
        customer,
        kind="manual",
        starts_on=date(2026, 3, 5),
        ends_on=date(2026, 3, 10),
        reason="director back on the 10th",
        actor=ACTOR,
    )
    result = run(org, date(2026, 3, 10))  # the last day of the pause
    assert [(s.reason, s.detail, s.next_on) for s in result.skipped] == [("on_hold", "manual", date(2026, 3, 11))]
    assert run(org, date(2026, 3, 11)).actions == 1
    placed = Event.objects.get(kind="collections.hold_placed")
    assert describe(placed) == "Collection paused (manual) from 2026-03-05 to 2026-03-10: director back on the 10th"
    hold = release_hold(Hold.objects.get(), actor=ACTOR)
    assert release_hold(hold, actor=ACTOR).released_at == hold.released_at  # a second release changes nothing
    assert Event.objects.filter(kind="collections.hold_released").count() == 1


def test_a_customer_given_another_policy_goes_on_from_the_step_it_reached(org, ladder):  # type: ignore[no-untyped-def]
    from recouvre.collections.models import CustomerCollection, Step

    customer = CustomerFactory(organization=org)
    invoice = InvoiceFactory(customer=customer, issued_on=date(2026, 2, 2), due_on=date(2026, 3, 4))
    assert run(org, date(2026, 3, 9)).actions == 1  # "first", level 1 of the test policy
    carry_out(org)
    # The same steps with a call before them: "first" is the second step there.
    other = Policy.objects.create(organization=org, key="other", name="Other")
    for position, (key, offset, channel) in enumerate(
        [("call", 2, "call_task"), ("first", 5, "email"), ("second", 20, "email")], start=1
    ):
        Step.objects.create(policy=other, position=position, key=key, offset_days=offset, channel=channel, template=key)
    CustomerCollection.objects.create(organization=org, customer=customer, policy=other)
    assert run(org, date(2026, 3, 23)).actions == 0  # nothing planned again
    assert run(org, date(2026, 3, 24)).actions == 1
    assert list(ItemStep.objects.filter(invoice=invoice).order_by("planned_on").values_list("step_key", flat=True)) == [
        "first",
        "second",
    ]


def test_the_data_migration_seeds_organizations_created_before_it(org):  # type: ignore[no-untyped-def]
    import importlib

    from django.apps import apps

    seed = importlib.import_module("recouvre.collections.migrations.0002_seed_policies").seed
    Policy.objects.create(organization=org, key="own", name="Own", segment="standard")
    seed(apps, None)
    seed(apps, None)  # twice: nothing more
    assert dict(Policy.objects.filter(organization=org).values_list("key", "segment")) == {
        "own": "standard",
        "default": "",
        "strategic": "strategic",
        "small": "small",
    }


def test_a_reminder_awaiting_approval_holds_its_invoice_and_goes_again_with_the_next_message(org):  # type: ignore[no-untyped-def]
    """Every written step needs approval and nobody approved the reminder of Monday 16 March. Ten days later the
    invoice is not escalated to the firm reminder: the reminder never went out. When a second invoice falls due,
    the new message carries both reminders, and the old one is withdrawn, so only one message can be approved."""
    policy = Policy.objects.create(organization=org, key="careful", name="Careful", segment="standard")
    for position, (key, days) in enumerate((("reminder", 7), ("firm", 20)), start=1):
        Step.objects.create(
            policy=policy,
            position=position,
            key=key,
            offset_days=days,
            channel="email",
            template=key,
            needs_approval=True,
            min_gap_days=7,
        )
    customer = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")
    first_invoice = InvoiceFactory(customer=customer, number="F-1", issued_on=date(2026, 2, 6), due_on=date(2026, 3, 6))
    InvoiceFactory(customer=customer, number="F-2", issued_on=date(2026, 2, 26), due_on=date(2026, 3, 26))
    first = run_collections(org, date(2026, 3, 16), actor=ACTOR)
    assert (first.awaiting_approval, first.superseded) == (1, 0)
    waiting = run_collections(org, date(2026, 3, 26), actor=ACTOR)  # F-1 at +20: its reminder is not approved
    assert (waiting.actions, [(s.reason, s.detail) for s in waiting.skipped]) == (0, [("in_progress", "reminder")])
    later = run_collections(org, date(2026, 4, 2), actor=ACTOR)  # F-2 at +7
    assert (later.awaiting_approval, later.superseded) == (1, 1)
    assert [(a.send_on.isoformat(), a.step_key, a.state) for a in Action.objects.order_by("send_on")] == [
        ("2026-03-16", "reminder", "cancelled"),
        ("2026-04-02", "reminder", "awaiting_approval"),
    ]
    new = Action.objects.get(send_on=date(2026, 4, 2))
    assert [(ln["number"], ln["step"]) for ln in new.lines] == [("F-1", "reminder"), ("F-2", "reminder")]
    assert list(ItemStep.objects.filter(invoice=first_invoice).values_list("step_key", "action_id", "done_on")) == [
        ("reminder", new.pk, None)
    ]
    event = Event.objects.get(kind="collections.action_superseded")
    assert describe(event) == (
        "Reminder of 2026-03-16 (step reminder) awaiting approval withdrawn: "
        "the one planned for 2026-04-02 replaces it."
    )
