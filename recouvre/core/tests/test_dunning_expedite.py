"""A broken promise to pay: the next step of the promised invoices is due at once, and only the next one.

The story ladder of ``test_dunning``: e-mails at +5 and +20 (7 days after the first at least), a registered letter
at +40. Invoice F-0001 of 1 200.00 EUR falls due on Thursday 5 March 2026.
"""

from __future__ import annotations

from recouvre.core.dunning import Expedite, Hold, HoldKind, Reason, Skip

from .test_dunning import customer, day, invoice, record, run, steps_planned


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
