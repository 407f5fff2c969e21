"""Planning stories: an invoice walks up a ladder of steps at +5, +20 and +40 days, day after day.

Between runs the tests do what the storage layer will do: a planned step is recorded as done on its send date
(``level`` and ``last_step_on`` of the item, ``last_contact_on`` of the customer), see ``record``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recouvre.core.businessdays import ALSACE_MOSELLE, FRANCE
from recouvre.core.dunning import (
    Channel,
    CustomerInput,
    Hold,
    HoldKind,
    OpenItem,
    PlannedAction,
    Policy,
    Reason,
    RunPlan,
    Skip,
    Step,
    iter_plan,
    plan,
    plan_customer,
)
from recouvre.core.policies import FRENCH_DEFAULT

EMAIL, LETTER, RL = Channel.EMAIL, Channel.LETTER, Channel.REGISTERED_LETTER
CALL, TASK = Channel.CALL_TASK, Channel.INTERNAL_TASK

# The story policy: +5 (e-mail), +20 (e-mail, 7 days after the first at least), +40 (registered letter, approval).
LADDER = Policy(
    "story",
    "Story",
    (
        Step("first", 5, EMAIL, "first"),
        Step("second", 20, EMAIL, "second", min_gap_days=7),
        Step("third", 40, RL, "third", needs_approval=True, min_gap_days=7, deadline_days=15),
    ),
)
DUE = date(2026, 3, 5)  # a Thursday: +4 is Monday 9 March, +5 Tuesday 10, +20 Wednesday 25


def day(n: int, due: date = DUE) -> date:
    return due + timedelta(days=n)


def invoice(
    invoice_id: int,
    due_on: date = DUE,
    amount: str = "1200.00",
    *,
    customer_id: int = 1,
    level: int = 0,
    last_step_on: date | None = None,
    currency: str = "EUR",
) -> OpenItem:
    return OpenItem(
        invoice_id, customer_id, f"F-{invoice_id:04d}", due_on, Decimal(amount), currency, level, last_step_on
    )


def customer(customer_id: int = 1, policy: Policy = LADDER, **kwargs) -> CustomerInput:  # type: ignore[no-untyped-def]
    return CustomerInput(customer_id, policy, **kwargs)


def run(as_of: date, customers: list[CustomerInput], items: list[OpenItem], **kwargs) -> RunPlan:  # type: ignore[no-untyped-def]
    return plan(as_of, customers, sorted(items, key=lambda i: i.customer_id), **kwargs)


def record(result: RunPlan, customers: list[CustomerInput], items: list[OpenItem]):  # type: ignore[no-untyped-def]
    """What storage does with a plan: each advancing line is done on its action's send date."""
    done: dict[int, tuple[int, date]] = {}
    contacted: dict[int, date] = {}
    for action in result.actions:
        for line in action.advancing:
            assert line.new_level is not None
            done[line.invoice_id] = (line.new_level, action.send_on)
        if action.channel.reaches_customer:
            contacted[action.customer_id] = action.send_on
    items = [
        replace(i, level=done[i.invoice_id][0], last_step_on=done[i.invoice_id][1]) if i.invoice_id in done else i
        for i in items
    ]
    customers = [
        replace(c, last_contact_on=contacted[c.customer_id]) if c.customer_id in contacted else c for c in customers
    ]
    return customers, items


def steps_planned(result: RunPlan) -> list[tuple[int, str]]:
    return sorted((line.invoice_id, line.step.key) for a in result.actions for line in a.advancing if line.step)


# --- One invoice up the ladder --------------------------------------------------------------------------------------


def test_nothing_at_plus_4_then_the_first_step_at_plus_5_and_nothing_more_that_day():
    customers, items = [customer()], [invoice(1)]

    on_4 = run(day(4), customers, items)
    assert on_4.actions == []
    assert on_4.skipped == [Skip(1, Reason.NOTHING_DUE, "first", day(5))]

    on_5 = run(day(5), customers, items)
    (action,) = on_5.actions
    assert action.key == (1, date(2026, 3, 10), EMAIL)
    assert action.template == "first"
    assert not action.needs_approval
    assert action.deadline_on is None
    assert action.line_keys == ((1, "first"),)
    (line,) = action.lines
    assert (line.number, line.open_amount, line.days_overdue, line.level, line.stage, line.new_level) == (
        "F-0001",
        Decimal("1200.00"),
        5,
        0,
        "first",
        1,
    )
    assert on_5.skipped == []

    customers, items = record(on_5, customers, items)
    assert items == [invoice(1, level=1, last_step_on=date(2026, 3, 10))]
    again = run(day(5), customers, items)
    assert again.actions == []
    assert again.skipped == [Skip(1, Reason.NOTHING_DUE, "second", day(20))]


def test_a_missed_day_is_caught_up():
    # No run on +5 (nor +6): the first step goes out on +7.
    (action,) = run(day(7), [customer()], [invoice(1)]).actions
    assert action.line_keys == ((1, "first"),)


def test_the_second_step_at_plus_20_only_once_the_first_was_done():
    done_on_5 = invoice(1, level=1, last_step_on=day(5))
    assert steps_planned(run(day(19), [customer(last_contact_on=day(5))], [done_on_5])) == []
    assert steps_planned(run(day(20), [customer(last_contact_on=day(5))], [done_on_5])) == [(1, "second")]

    # Never reminded before: at +20 the invoice gets the first step, not the second.
    assert steps_planned(run(day(20), [customer()], [invoice(1)])) == [(1, "first")]


def test_the_second_step_waits_seven_days_after_a_late_first_step():
    done_on_18 = invoice(1, level=1, last_step_on=day(18))  # first step sent late, on Monday 23 March
    customers = [customer(last_contact_on=day(18))]

    on_20 = run(day(20), customers, [done_on_18])
    assert on_20.actions == []
    assert on_20.skipped == [Skip(1, Reason.GAP_NOT_REACHED, "second", date(2026, 3, 30))]
    assert steps_planned(run(day(24), customers, [done_on_18])) == []
    assert steps_planned(run(day(25), customers, [done_on_18])) == [(1, "second")]  # Monday 30 March


def test_an_invoice_first_seen_at_plus_45_starts_at_the_first_step_and_catches_up_one_step_per_contact():
    due = date(2026, 3, 2)  # a Monday; +45 is Thursday 16 April 2026
    customers, items = [customer()], [invoice(1, due)]
    sent: list[tuple[date, str]] = []
    for n in range(45, 75):
        result = run(day(n, due), customers, items)
        sent += [(a.send_on, line.step.key) for a in result.actions for line in a.advancing if line.step]
        customers, items = record(result, customers, items)
    assert sent == [
        (date(2026, 4, 16), "first"),  # +45: the first step, although the third's date has passed
        (date(2026, 4, 23), "second"),  # 7 days later
        (date(2026, 4, 30), "third"),  # 7 days later again, the day before 1 May
    ]
    assert items[0].level == 3


def test_walking_every_day_from_the_due_date_sends_each_step_once_on_its_day():
    customers, items = [customer()], [invoice(1)]
    sent: list[tuple[date, str]] = []
    for n in range(-10, 80):
        result = run(day(n), customers, items)
        sent += [(a.send_on, line.step.key) for a in result.actions for line in a.advancing if line.step]
        customers, items = record(result, customers, items)
    assert sent == [
        (date(2026, 3, 10), "first"),  # +5, a Tuesday
        (date(2026, 3, 25), "second"),  # +20, a Wednesday
        (date(2026, 4, 14), "third"),  # +40, a Tuesday
    ]
    last = run(day(80), customers, items)
    assert last.skipped == [Skip(1, Reason.NO_MORE_STEPS, "", None)]


def test_the_registered_letter_needs_approval_and_gives_fifteen_days():
    item = invoice(1, level=2, last_step_on=day(20))
    (action,) = run(day(40), [customer(last_contact_on=day(20))], [item]).actions
    assert action.channel == RL
    assert action.needs_approval
    assert action.send_on == date(2026, 4, 14)
    assert action.deadline_on == date(2026, 4, 29)  # 15 days later, a Wednesday


def test_a_deadline_on_a_weekend_or_holiday_moves_to_the_next_business_day():
    # Sent Friday 17 April 2026 (+43 for an invoice due 5 March): 15 days is Saturday 2 May, then 1 May's weekend.
    item = invoice(1, level=2, last_step_on=day(20))
    (action,) = run(date(2026, 4, 17), [customer(last_contact_on=day(20))], [item]).actions
    assert action.deadline_on == date(2026, 5, 4)


# --- Send dates ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "send_on"),
    [
        (date(2026, 3, 10), date(2026, 3, 10)),  # a Tuesday: the same day
        (date(2026, 3, 14), date(2026, 3, 16)),  # a Saturday run sends on Monday
        (date(2026, 3, 15), date(2026, 3, 16)),  # a Sunday run sends on Monday
        (date(2026, 5, 1), date(2026, 5, 4)),  # Friday 1 May 2026: Monday 4 May
        (date(2026, 4, 6), date(2026, 4, 7)),  # Easter Monday 2026
        (date(2026, 7, 14), date(2026, 7, 15)),  # Bastille Day, a Tuesday
        (date(2026, 12, 25), date(2026, 12, 28)),  # Christmas, a Friday
    ],
)
def test_no_send_on_weekends_and_french_public_holidays(as_of, send_on):
    item = invoice(1, as_of - timedelta(days=6))
    result = run(as_of, [customer()], [item])
    assert result.send_on == send_on
    (action,) = result.actions
    assert action.send_on == send_on
    assert action.key == (1, send_on, EMAIL)


def test_alsace_moselle_calendar_moves_good_friday_sends():
    good_friday = date(2026, 4, 3)
    item = invoice(1, good_friday - timedelta(days=6))
    assert run(good_friday, [customer()], [item]).actions[0].send_on == good_friday
    assert run(good_friday, [customer()], [item], calendar=ALSACE_MOSELLE).actions[0].send_on == date(2026, 4, 7)


# --- One action per customer and channel ----------------------------------------------------------------------------


def test_five_overdue_invoices_at_three_stages_make_one_email_and_one_letter_listing_all_five():
    as_of = date(2026, 5, 20)  # a Wednesday
    items = [
        invoice(11, as_of - timedelta(days=50), "4000.00", level=2, last_step_on=as_of - timedelta(days=28)),
        invoice(12, as_of - timedelta(days=22), "850.50", level=1, last_step_on=as_of - timedelta(days=15)),
        invoice(13, as_of - timedelta(days=10), "120.00"),
        invoice(14, as_of - timedelta(days=3), "75.25"),
        invoice(15, as_of - timedelta(days=90), "310.00", level=3, last_step_on=as_of - timedelta(days=20)),
        invoice(16, as_of + timedelta(days=10), "999.00"),  # not yet due: not listed
    ]
    result = run(as_of, [customer(last_contact_on=as_of - timedelta(days=15))], items)
    email, letter = result.actions
    assert (email.channel, email.template, email.needs_approval) == (EMAIL, "second", False)
    assert (letter.channel, letter.template, letter.needs_approval) == (RL, "third", True)
    assert email.lines == letter.lines  # both list every overdue invoice, oldest first
    assert [(ln.number, ln.open_amount, ln.days_overdue, ln.stage) for ln in email.lines] == [
        ("F-0015", Decimal("310.00"), 90, "third"),  # every step done
        ("F-0011", Decimal("4000.00"), 50, "third"),  # advancing now, by registered letter
        ("F-0012", Decimal("850.50"), 22, "second"),  # advancing now, by e-mail
        ("F-0013", Decimal("120.00"), 10, "first"),  # advancing now, by e-mail
        ("F-0014", Decimal("75.25"), 3, None),  # overdue, not yet reminded
    ]
    assert [(ln.number, ln.reason) for ln in email.lines if ln.step is None] == [
        ("F-0015", Reason.NO_MORE_STEPS),
        ("F-0014", Reason.NOTHING_DUE),
    ]
    assert email.line_keys == ((12, "second"), (13, "first"))
    assert letter.line_keys == ((11, "third"),)
    assert email.totals == email.asked == {"EUR": Decimal("5355.75")}
    assert result.skipped == []
    assert result.summary()["actions"] == 2
    assert result.summary()["email"] == 1
    assert result.summary()["registered_letter"] == 1
    assert result.summary()["needs_approval"] == 1
    assert result.summary()["lines"] == 3


def test_courtesy_reminder_before_the_due_date_lists_the_invoices_coming_due():
    policy = Policy("courteous", "Courteous", (Step("courtesy", -3, EMAIL, "courtesy"), *LADDER.steps))
    items = [invoice(1, DUE, "500.00"), invoice(2, day(-20), "80.00", level=2, last_step_on=day(-15))]
    assert steps_planned(run(day(-4), [customer(policy=policy)], items)) == []

    (action,) = run(day(-3), [customer(policy=policy)], items).actions  # Monday 2 March
    assert action.template == "courtesy"
    assert [(ln.number, ln.days_overdue, ln.stage) for ln in action.lines] == [
        ("F-0002", 17, "first"),  # overdue, listed at its own stage
        ("F-0001", -3, "courtesy"),  # coming due in 3 days
    ]
    assert action.line_keys == ((1, "courtesy"),)


def test_an_item_first_seen_late_skips_the_courtesy_step():
    policy = Policy("courteous", "Courteous", (Step("courtesy", -3, EMAIL, "courtesy"), *LADDER.steps))
    assert steps_planned(run(day(1), [customer(policy=policy)], [invoice(1)])) == []
    assert steps_planned(run(day(5), [customer(policy=policy)], [invoice(1)])) == [(1, "first")]


def test_no_courtesy_reminder_that_would_arrive_after_the_due_date():
    # Due Sunday 8 March; the run of Saturday 7 would send on Monday 9, after the due date: no courtesy.
    policy = Policy("courteous", "Courteous", (Step("courtesy", -3, EMAIL, "courtesy"), *LADDER.steps))
    due = date(2026, 3, 8)
    assert steps_planned(run(date(2026, 3, 5), [customer(policy=policy)], [invoice(1, due)])) == [(1, "courtesy")]
    result = run(date(2026, 3, 7), [customer(policy=policy)], [invoice(1, due)])
    assert result.actions == []
    assert result.skipped == [Skip(1, Reason.NOTHING_DUE, "first", date(2026, 3, 13))]


def test_the_default_policy_courtesy_step_is_off():
    due = date(2026, 3, 12)
    result = run(date(2026, 3, 9), [customer(policy=FRENCH_DEFAULT)], [invoice(1, due)])
    assert result.actions == []
    assert result.skipped == [Skip(1, Reason.NOTHING_DUE, "reminder", date(2026, 3, 19))]


def test_customers_are_planned_separately():
    items = [invoice(1, customer_id=1), invoice(2, customer_id=2), invoice(3, customer_id=3, due_on=day(10))]
    result = run(day(5), [customer(1), customer(2), customer(3), customer(4)], items)
    assert [a.customer_id for a in result.actions] == [1, 2]
    assert result.skipped == [Skip(3, Reason.NOTHING_DUE, "first", day(15))]  # customer 4 has no open item


# --- Payments and credits -------------------------------------------------------------------------------------------


def test_unallocated_credits_covering_the_overdue_amount_stop_the_reminder():
    items = [invoice(1, amount="700.00"), invoice(2, day(-10), "500.00", level=1, last_step_on=day(-5))]
    covered = run(day(5), [customer(unapplied={"EUR": Decimal("1200.00")})], items)
    assert covered.actions == []
    assert covered.skipped == [Skip(1, Reason.CREDITS_COVER, "EUR", None)]

    short = run(day(5), [customer(unapplied={"EUR": Decimal("1199.99")})], items)
    (action,) = short.actions
    assert action.unapplied == {"EUR": Decimal("1199.99")}
    assert action.totals == {"EUR": Decimal("1200.00")}


def test_credits_in_another_currency_do_not_cover():
    items = [invoice(1, amount="700.00")]
    (action,) = run(day(5), [customer(unapplied={"USD": Decimal("5000.00")})], items).actions
    assert action.line_keys == ((1, "first"),)


def test_a_partly_paid_invoice_is_reminded_for_the_rest():
    (action,) = run(day(5), [customer()], [invoice(1, amount="450.00")]).actions  # 1 200.00 less 750.00 paid
    assert [(ln.number, ln.open_amount) for ln in action.lines] == [("F-0001", Decimal("450.00"))]


def test_a_paid_invoice_is_not_an_open_item_and_stops_everything():
    # Paid in full: the invoice is no longer among the open items, the customer gets nothing and is not listed.
    result = run(day(25), [customer()], [])
    assert (result.actions, result.skipped) == ([], [])
    # An item with nothing left open is ignored, should a caller pass one.
    result = run(day(25), [customer()], [invoice(1, amount="0.00")])
    assert (result.actions, result.skipped) == ([], [])


# --- Holds ----------------------------------------------------------------------------------------------------------


def test_a_dispute_on_one_invoice_holds_that_invoice_only():
    items = [invoice(1, amount="300.00"), invoice(2, amount="900.00")]
    dispute = Hold(HoldKind.DISPUTE, day(2), None, invoice_id=2, reason="goods damaged")
    (action,) = run(day(5), [customer(holds=(dispute,))], items).actions
    assert action.line_keys == ((1, "first"),)
    disputed = action.lines[1]
    assert (disputed.number, disputed.step, disputed.reason, disputed.hold) == (
        "F-0002",
        None,
        Reason.ON_HOLD,
        HoldKind.DISPUTE,
    )
    assert disputed.stage is None  # shown as disputed, not advanced
    assert action.totals == {"EUR": Decimal("1200.00")}
    assert action.asked == {"EUR": Decimal("300.00")}  # the disputed invoice is not asked for


def test_a_customer_hold_blocks_every_invoice():
    items = [invoice(1), invoice(2, day(-30), level=1, last_step_on=day(-20))]
    insolvency = Hold(HoldKind.INSOLVENCY, day(-1))
    result = run(day(5), [customer(holds=(insolvency,))], items)
    assert result.actions == []
    assert result.skipped == [Skip(1, Reason.ON_HOLD, "insolvency", None)]
    assert result.summary()["skipped_on_hold"] == 1

    pause = Hold(HoldKind.MANUAL, day(0), day(12), reason="director on holiday")
    result = run(day(5), [customer(holds=(pause,))], items)
    assert result.skipped == [Skip(1, Reason.ON_HOLD, "manual", day(13))]  # resumes the day after the last day


def test_holds_are_active_from_their_first_to_their_last_day_inclusive():
    items = [invoice(1)]
    starting_tomorrow = Hold(HoldKind.PROMISE, day(6), day(20))
    assert steps_planned(run(day(5), [customer(holds=(starting_tomorrow,))], items)) == [(1, "first")]
    ended_yesterday = Hold(HoldKind.PROMISE, day(0), day(4))
    assert steps_planned(run(day(5), [customer(holds=(ended_yesterday,))], items)) == [(1, "first")]
    ending_today = Hold(HoldKind.PROMISE, day(0), day(5))
    assert steps_planned(run(day(5), [customer(holds=(ending_today,))], items)) == []


def test_after_a_dispute_ends_the_invoice_resumes_at_its_next_step():
    dispute = Hold(HoldKind.DISPUTE, day(10), day(50), invoice_id=1)  # resolved on +50
    customers, items = [customer(holds=(dispute,))], [invoice(1)]
    sent: list[tuple[date, str]] = []
    skips: list[Skip] = []
    for n in range(0, 70):
        result = run(day(n), customers, items)
        sent += [(a.send_on, line.step.key) for a in result.actions for line in a.advancing if line.step]
        skips += [s for s in result.skipped if n in (20, 50, 51)]
        customers, items = record(result, customers, items)
    assert sent == [
        (date(2026, 3, 10), "first"),  # +5
        (date(2026, 4, 27), "second"),  # +53: the Monday after the dispute ended (Friday 24 April, +50)
        (date(2026, 5, 4), "third"),  # 7 days later, not skipped
    ]
    assert skips[0] == Skip(1, Reason.ON_HOLD, "dispute", date(2026, 4, 25))


def test_an_invoice_hold_is_reported_when_the_customer_gets_nothing():
    items = [invoice(1), invoice(2, day(3))]
    promise = Hold(HoldKind.PROMISE, day(1), day(15), invoice_id=1)
    result = run(day(5), [customer(holds=(promise,))], items)
    assert result.actions == []
    assert result.skipped == [Skip(1, Reason.ON_HOLD, "promise", day(8))]  # invoice 2 reaches +5 on day 8


def test_a_customer_waiting_for_its_gap_is_reported_so_even_with_an_invoice_on_hold():
    items = [invoice(1), invoice(2)]
    dispute = Hold(HoldKind.DISPUTE, day(1), None, invoice_id=1)
    result = run(day(5), [customer(holds=(dispute,), last_contact_on=day(5))], items)
    assert result.skipped == [Skip(1, Reason.GAP_NOT_REACHED, "first", day(6))]  # invoice 2 goes out tomorrow


def test_several_holds_on_one_invoice_show_the_weightiest_and_last_until_the_last_ends():
    holds = (
        Hold(HoldKind.PROMISE, day(1), day(10), invoice_id=1),
        Hold(HoldKind.DISPUTE, day(2), day(30), invoice_id=1),
    )
    result = run(day(5), [customer(holds=holds)], [invoice(1)])
    assert result.skipped == [Skip(1, Reason.ON_HOLD, "dispute", day(31))]


# --- Gaps and minimum amounts ---------------------------------------------------------------------------------------


def test_a_customer_contacted_recently_waits_for_the_step_gap():
    policy = Policy("gapped", "Gapped", (Step("first", 5, EMAIL, "first", min_gap_days=7), *LADDER.steps[1:]))
    contacted = customer(policy=policy, last_contact_on=day(2))  # about another invoice, paid since
    result = run(day(5), [contacted], [invoice(1)])
    assert result.skipped == [Skip(1, Reason.GAP_NOT_REACHED, "first", day(9))]
    assert steps_planned(run(day(9), [contacted], [invoice(1)])) == [(1, "first")]


def test_never_two_contacts_with_a_customer_the_same_day():
    # The morning run sent invoice 1's reminder; invoice 2, imported since, waits until tomorrow.
    contacted = customer(last_contact_on=day(5))
    items = [invoice(1, level=1, last_step_on=day(5)), invoice(2)]
    result = run(day(5), [contacted], items)
    assert result.skipped == [Skip(1, Reason.GAP_NOT_REACHED, "first", day(6))]
    assert steps_planned(run(day(6), [contacted], items)) == [(2, "first")]


def test_one_contact_carries_every_due_step_held_back_only_by_the_customer_gap():
    # Invoice 1 had its reminder 12 days ago; invoice 3's reminder went out 7 days ago (and it was paid since).
    # On its own, invoice 1's firm reminder waits 10 days after that contact: until +3 days.
    as_of = date(2026, 3, 25)  # a Wednesday
    older = invoice(1, as_of - timedelta(days=20), "640.00", level=2, last_step_on=as_of - timedelta(days=12))
    contacted = customer(policy=FRENCH_DEFAULT, last_contact_on=as_of - timedelta(days=7))
    alone = run(as_of, [contacted], [older])
    assert alone.skipped == [Skip(1, Reason.GAP_NOT_REACHED, "firm", date(2026, 3, 28))]

    # Invoice 2 reaches its reminder today (7 days after the last contact is enough for a reminder): the customer
    # is contacted today, and invoice 1's firm reminder goes in the same e-mail.
    newer = invoice(2, as_of - timedelta(days=7), "95.00")
    (action,) = run(as_of, [contacted], [older, newer]).actions
    assert action.template == "firm"
    assert action.line_keys == ((1, "firm"), (2, "reminder"))


def test_a_customer_reminded_every_week_still_gets_each_invoice_s_next_steps():
    # A new invoice falls due every Monday; the weekly reminders must not hold back the older invoices' firm
    # reminders (10 days without contact) forever.
    due = date(2026, 3, 2)
    ledger = [invoice(k, due + timedelta(days=7 * (k - 1)), "100.00") for k in range(1, 7)]
    customers: list[CustomerInput] = [customer(policy=FRENCH_DEFAULT)]
    items: list[OpenItem] = []
    sent: list[tuple[date, tuple[tuple[int, str], ...]]] = []
    for n in range(0, 42):
        today = due + timedelta(days=n)
        items += [i for i in ledger if i.due_on == today]
        result = run(today, customers, items)
        sent += [(a.send_on, a.line_keys) for a in result.actions]
        customers, items = record(result, customers, items)
    assert sent == [
        (date(2026, 3, 9), ((1, "reminder"),)),
        (date(2026, 3, 16), ((2, "reminder"),)),
        (date(2026, 3, 23), ((1, "firm"), (3, "reminder"))),  # +21 for invoice 1, with invoice 3's reminder
        (date(2026, 3, 30), ((2, "firm"), (4, "reminder"))),
        (date(2026, 4, 7), ((3, "firm"), (5, "reminder"))),  # Easter Monday: on Tuesday
        (date(2026, 4, 7), ((1, "formal_notice"),)),  # the registered letter, the same day
    ]


def test_internal_tasks_do_not_wait_for_the_customer_gap():
    policy = Policy(
        "tasks",
        "Tasks",
        (Step("first", 5, EMAIL, "first"), Step("escalate", 10, TASK, "escalate", min_gap_days=30)),
    )
    items = [invoice(1, level=1, last_step_on=day(-40))]
    result = run(day(10), [customer(policy=policy, last_contact_on=day(9))], items)
    (action,) = result.actions
    assert (action.channel, action.line_keys) == (TASK, ((1, "escalate"),))


def test_an_amount_below_the_step_minimum_stops_the_invoice_there():
    policy = Policy(
        "minimum",
        "Minimum",
        (*LADDER.steps[:2], replace(LADDER.steps[2], min_open_amount=Decimal("500.00"))),
    )
    small = invoice(1, amount="499.99", level=2, last_step_on=day(20))
    large = invoice(2, amount="500.00", level=2, last_step_on=day(20))
    result = run(day(40), [customer(policy=policy, last_contact_on=day(20))], [small])
    assert result.skipped == [Skip(1, Reason.BELOW_MIN_AMOUNT, "third", None)]
    (action,) = run(day(40), [customer(policy=policy, last_contact_on=day(20))], [small, large]).actions
    assert action.line_keys == ((2, "third"),)
    assert action.lines[0].reason is Reason.BELOW_MIN_AMOUNT


def test_disabled_steps_are_passed_over_without_skipping_enabled_ones():
    policy = Policy("p", "P", (LADDER.steps[0], replace(LADDER.steps[1], enabled=False), LADDER.steps[2]))
    items = [invoice(1, level=1, last_step_on=day(5))]
    assert steps_planned(run(day(25), [customer(policy=policy, last_contact_on=day(5))], items)) == []
    (action,) = run(day(40), [customer(policy=policy, last_contact_on=day(5))], items).actions
    assert action.line_keys == ((1, "third"),)
    assert action.advancing[0].new_level == 3


# --- Inputs -----------------------------------------------------------------------------------------------------------


def test_items_must_come_grouped_by_customer():
    items = [invoice(1, customer_id=1), invoice(2, customer_id=2), invoice(3, customer_id=1)]
    with pytest.raises(ValueError, match="open items must be grouped by customer: customer 1 comes twice"):
        plan(day(5), [customer(1), customer(2)], items)


def test_items_of_an_unknown_customer_are_refused():
    with pytest.raises(ValueError, match="open items of customer 7, who is not among the customers to plan"):
        plan(day(5), [customer(1)], [invoice(1, customer_id=7)])


def test_a_negative_level_is_refused():
    with pytest.raises(ValueError, match="invoice F-0001: level -1 is not a level"):
        plan(day(5), [customer()], [invoice(1, level=-1)])


def test_a_hold_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match=r"a hold cannot end \(2026-03-01\) before it starts \(2026-03-02\)"):
        Hold(HoldKind.MANUAL, date(2026, 3, 2), date(2026, 3, 1))


def test_items_stream_one_customer_at_a_time():
    def stream():  # type: ignore[no-untyped-def]
        for c in range(1, 4):
            for k in range(3):
                yield invoice(c * 10 + k, customer_id=c)

    results = iter_plan(day(5), [customer(c) for c in range(1, 4)], stream())
    assert [(r.customer_id, len(r.actions), r.skip) for r in results] == [(1, 1, None), (2, 1, None), (3, 1, None)]


def test_plan_one_customer():
    result = plan_customer(day(5), customer(), [invoice(1), invoice(2)])
    (action,) = result.actions
    assert action.line_keys == ((1, "first"), (2, "first"))
    with pytest.raises(ValueError, match="invoice F-0003 belongs to customer 2, not 1"):
        plan_customer(day(5), customer(), [invoice(3, customer_id=2)])


def test_reasons_and_channels_have_labels():
    assert Reason.CREDITS_COVER.label == "Unallocated payments and credits cover what is overdue"
    assert HoldKind.DISPUTE.label == "Dispute"
    assert Channel.REGISTERED_LETTER.label == "Registered letter"
    assert not TASK.reaches_customer and CALL.reaches_customer and LETTER.reaches_customer


# --- Invariants -----------------------------------------------------------------------------------------------------

AS_OF = date(2026, 6, 10)


@st.composite
def policies(draw) -> Policy:  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 5))
    offsets = sorted(draw(st.sets(st.integers(-5, 60), min_size=n, max_size=n)))
    steps = []
    for i, offset in enumerate(offsets):
        steps.append(
            Step(
                f"s{i}",
                offset,
                draw(st.sampled_from(list(Channel))),
                f"t{i}",
                draw(st.sampled_from([Decimal("0.00"), Decimal("100.00")])),
                draw(st.booleans()),
                draw(st.integers(0, 10)),
                draw(st.booleans()) if i else True,
                draw(st.none() | st.integers(1, 15)),
            )
        )
    return Policy("random", "Random", tuple(steps))


@st.composite
def situations(draw):  # type: ignore[no-untyped-def]
    policy = draw(policies())
    as_of = AS_OF + timedelta(days=draw(st.integers(0, 6)))  # any day of the week
    customers, items = [], []
    invoice_id = 0
    for customer_id in range(1, draw(st.integers(1, 4)) + 1):
        owned = []
        for _ in range(draw(st.integers(0, 6))):
            invoice_id += 1
            level = draw(st.integers(0, len(policy.steps)))
            last = as_of - timedelta(days=draw(st.integers(0, 40))) if level else None
            amount = draw(st.sampled_from(["50.00", "100.00", "1000.00"]))
            due = as_of + timedelta(days=draw(st.integers(-90, 20)))
            currency = draw(st.sampled_from(["EUR", "EUR", "USD"]))
            owned.append(
                OpenItem(invoice_id, customer_id, f"F{invoice_id}", due, Decimal(amount), currency, level, last)
            )
        holds = []
        for _ in range(draw(st.integers(0, 2))):
            starts = as_of + timedelta(days=draw(st.integers(-20, 3)))
            ends = draw(st.none() | st.integers(0, 20).map(lambda k, s=starts: s + timedelta(days=k)))
            on = draw(st.none() | st.sampled_from([i.invoice_id for i in owned] or [0]))
            holds.append(Hold(draw(st.sampled_from(list(HoldKind))), starts, ends, on))
        unapplied = draw(st.sampled_from([{}, {"EUR": Decimal("500.00")}, {"USD": Decimal("100000.00")}]))
        contact = draw(st.none() | st.integers(0, 30).map(lambda k: as_of - timedelta(days=k)))
        customers.append(CustomerInput(customer_id, policy, unapplied, contact, tuple(holds)))
        items += owned
    return as_of, customers, items


def expected_next_index(policy: Policy, item: OpenItem, send_on: date) -> int | None:
    """The first enabled step after the item's level, passing over courtesy steps (before the due date) once the
    invoice is due on the send date."""
    candidates = [
        i
        for i, s in enumerate(policy.steps)
        if s.enabled and i >= item.level and (s.offset_days >= 0 or send_on < item.due_on)
    ]
    return candidates[0] if candidates else None


def held(c: CustomerInput, item: OpenItem, as_of: date) -> bool:
    return any(h.active_on(as_of) and h.invoice_id in (None, item.invoice_id) for h in c.holds)


def advancing_lines(result: RunPlan):  # type: ignore[no-untyped-def]
    return [(a, line) for a in result.actions for line in a.advancing]


@settings(max_examples=300, deadline=None)
@given(situations())
def test_levels_go_up_one_step_at_a_time_never_while_on_hold(situation):
    as_of, customers, items = situation
    result = plan(as_of, customers, items)
    by_item = {i.invoice_id: i for i in items}
    by_customer = {c.customer_id: c for c in customers}
    advancing = advancing_lines(result)
    assert len({line.invoice_id for _, line in advancing}) == len(advancing)  # at most one step per item
    for action, line in advancing:
        item, cust = by_item[line.invoice_id], by_customer[action.customer_id]
        assert line.new_level is not None and line.new_level > item.level  # never down
        assert line.new_level - 1 == expected_next_index(cust.policy, item, result.send_on)  # never skips
        assert not held(cust, item, as_of)
        assert as_of >= item.due_on + timedelta(days=line.step.offset_days)  # type: ignore[union-attr]
        assert action.send_on == result.send_on >= as_of
        assert FRANCE.is_business_day(action.send_on)
    # A customer is contacted only when one of the steps reaching it respects its own gap since the last contact.
    for action in result.actions:
        last = by_customer[action.customer_id].last_contact_on
        if action.channel.reaches_customer and last is not None:
            assert as_of > last
            assert any(
                line.step.channel.reaches_customer and as_of >= last + timedelta(days=line.step.min_gap_days)
                for a in result.actions
                if a.customer_id == action.customer_id
                for line in a.advancing
                if line.step is not None
            )
    assert len({a.key for a in result.actions}) == len(result.actions)
    # Every customer with open items is either contacted or skipped, never both.
    contacted = {a.customer_id for a in result.actions}
    skipped = {s.customer_id for s in result.skipped}
    assert not contacted & skipped
    assert contacted | skipped == {i.customer_id for i in items}


@settings(max_examples=200, deadline=None)
@given(situations())
def test_planning_twice_gives_the_same_plan_and_recording_it_leaves_nothing_to_do_that_day(situation):
    as_of, customers, items = situation
    first = plan(as_of, customers, items)
    assert plan(as_of, customers, items) == first
    customers, items = record(first, customers, items)
    again = plan(as_of, customers, items)
    advanced = {line.invoice_id for _, line in advancing_lines(first)}
    assert not advanced & {line.invoice_id for _, line in advancing_lines(again)}
    contacted = {a.customer_id for a in first.actions if a.channel.reaches_customer}
    assert not contacted & {a.customer_id for a in again.actions if a.channel.reaches_customer}


@settings(max_examples=60, deadline=None)
@given(situations(), st.integers(20, 60))
def test_day_after_day_each_item_climbs_its_ladder_in_order_and_respects_the_gaps(situation, days):
    as_of, customers, items = situation
    by_customer = {c.customer_id: c for c in customers}
    history: dict[int, list[tuple[date, int]]] = {i.invoice_id: [] for i in items}
    start = {i.invoice_id: i for i in items}
    for n in range(days):
        result = plan(as_of + timedelta(days=n), customers, items)
        for action, line in advancing_lines(result):
            history[line.invoice_id].append((action.send_on, line.new_level))  # type: ignore[arg-type]
        customers, items = record(result, customers, items)
    for invoice_id, done in history.items():
        item = start[invoice_id]
        policy = by_customer[item.customer_id].policy
        levels = [item.level] + [level for _, level in done]
        assert levels == sorted(set(levels))  # strictly up
        for (previous_on, _), (on, level) in zip(done, done[1:], strict=False):
            step = policy.steps[level - 1]
            assert (on - previous_on).days >= max(step.min_gap_days, 1)
        for previous, level in zip(levels[1:], levels[2:], strict=False):
            enabled_between = [i for i in range(previous, level - 1) if policy.steps[i].enabled]
            assert enabled_between == []  # no enabled step passed over


def test_a_million_items_are_not_needed_to_see_that_planning_is_linear():
    # 20 000 items over 2 000 customers: a smoke test of the hot path (the benchmark measures a million).
    items = [invoice(i, day(-(i % 60)), customer_id=i // 10) for i in range(20_000)]
    customers = [customer(c) for c in range(2_000)]
    result = plan(day(0), customers, items)
    assert result.summary()["actions"] + result.summary()["skipped"] == 2_000
    assert isinstance(result.actions[0], PlannedAction)
