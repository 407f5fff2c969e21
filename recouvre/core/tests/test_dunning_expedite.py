"""A broken promise to pay: the next step of the promised invoices is due at once, and only the next one.

The story ladder of ``test_dunning``: e-mails at +5 and +20 (7 days after the first at least), a registered letter
at +40. Invoice F-0001 of 1 200.00 EUR falls due on Thursday 5 March 2026.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from recouvre.core.dunning import Expedite, Hold, HoldKind, Reason, Skip

from .test_dunning import customer, day, expected_next_index, held, invoice, record, run, situations, steps_planned


def test_a_broken_promise_brings_the_next_step_forward_to_the_day_it_is_broken():
    # The first reminder went out at +5; the customer promised to pay by +10 and did not.
    items = [invoice(1, level=1, last_step_on=day(5))]
    assert steps_planned(run(day(11), [customer()], items)) == []  # the second step waits for +20

    broken = [customer(last_contact_on=day(5), expedite=(Expedite(day(11), invoice_id=1),))]
    result = run(day(11), broken, items)
    assert steps_planned(result) == [(1, "second")]
    (action,) = result.actions
    assert (action.send_on, action.template) == (day(11), "second")  # Monday 16 March

    # Only the next step: the registered letter keeps its own date (+40) and its gap.
    broken, items = record(result, broken, items)
    assert steps_planned(run(day(12), broken, items)) == []
    assert run(day(39), broken, items).skipped == [Skip(1, Reason.NOTHING_DUE, "third", day(40))]
    assert steps_planned(run(day(40), broken, items)) == [(1, "third")]


def test_an_invoice_never_reminded_takes_its_first_step_at_once():
    items = [invoice(1)]
    assert run(day(2), [customer()], items).skipped == [Skip(1, Reason.NOTHING_DUE, "first", day(5))]
    assert steps_planned(run(day(2), [customer(expedite=(Expedite(day(2)),))], items)) == [(1, "first")]


def test_the_customer_is_still_never_contacted_twice_the_same_day():
    items = [invoice(1, level=1, last_step_on=day(5))]
    contacted_today = customer(last_contact_on=day(11), expedite=(Expedite(day(11), invoice_id=1),))
    assert run(day(11), [contacted_today], items).skipped == [Skip(1, Reason.GAP_NOT_REACHED, "second", day(12))]
    assert steps_planned(run(day(12), [contacted_today], items)) == [(1, "second")]


def test_only_the_invoices_of_the_broken_promise_are_hurried():
    items = [invoice(1, level=1, last_step_on=day(5)), invoice(2, level=1, last_step_on=day(5))]
    result = run(day(11), [customer(last_contact_on=day(5), expedite=(Expedite(day(11), invoice_id=2),))], items)
    assert steps_planned(result) == [(2, "second")]
    (action,) = result.actions
    assert [(ln.number, ln.reason) for ln in action.lines] == [("F-0001", Reason.NOTHING_DUE), ("F-0002", None)]


def test_a_promise_broken_without_invoices_hurries_every_invoice_of_the_customer():
    items = [invoice(1, level=1, last_step_on=day(5)), invoice(2, day(3))]
    result = run(day(11), [customer(last_contact_on=day(5), expedite=(Expedite(day(11)),))], items)
    assert steps_planned(result) == [(1, "second"), (2, "first")]


def test_a_break_dated_later_than_the_run_changes_nothing_yet():
    items = [invoice(1, level=1, last_step_on=day(5))]
    assert steps_planned(run(day(11), [customer(expedite=(Expedite(day(12)),))], items)) == []


def test_other_holds_still_stop_a_hurried_invoice():
    items = [invoice(1, level=1, last_step_on=day(5))]
    dispute = Hold(HoldKind.DISPUTE, day(8), None, invoice_id=1)
    result = run(day(11), [customer(holds=(dispute,), expedite=(Expedite(day(11)),))], items)
    assert result.actions == []
    assert result.skipped == [Skip(1, Reason.ON_HOLD, "dispute", None)]


@st.composite
def hurried(draw):  # type: ignore[no-untyped-def]
    """A random situation of ``test_dunning`` where some customers have broken promises, on some invoices or all."""
    as_of, customers, items = draw(situations())
    out = []
    for c in customers:
        own = [i.invoice_id for i in items if i.customer_id == c.customer_id]
        expedite = tuple(
            Expedite(as_of - timedelta(days=draw(st.integers(-2, 30))), draw(st.none() | st.sampled_from(own or [0])))
            for _ in range(draw(st.integers(0, 2)))
        )
        out.append(replace(c, expedite=expedite))
    return as_of, out, items


@settings(max_examples=300, deadline=None)
@given(hurried())
def test_a_hurried_plan_still_climbs_one_step_at_a_time_never_on_hold_never_twice_a_day(situation):
    as_of, customers, items = situation
    result = run(as_of, customers, items)
    by_item = {i.invoice_id: i for i in items}
    by_customer = {c.customer_id: c for c in customers}
    advancing = [(a, line) for a in result.actions for line in a.advancing]
    assert len({line.invoice_id for _, line in advancing}) == len(advancing)
    for action, line in advancing:
        item, cust = by_item[line.invoice_id], by_customer[action.customer_id]
        assert line.new_level - 1 == expected_next_index(cust.policy, item, result.send_on)  # never skips
        assert not held(cust, item, as_of)
        assert item.last_step_on is None or item.last_step_on < as_of  # never two steps of an item a day
        if action.channel.reaches_customer and cust.last_contact_on is not None:
            assert as_of > cust.last_contact_on  # never two contacts a day
        if as_of < item.due_on + timedelta(days=line.step.offset_days):  # early: only for a broken promise
            assert any(e.covers(item, as_of) for e in cust.expedite)
    customers, items = record(result, customers, items)
    again = run(as_of, customers, items)
    assert not {line.invoice_id for _, line in advancing} & {ln.invoice_id for a in again.actions for ln in a.advancing}
