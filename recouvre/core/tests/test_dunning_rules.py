"""The planner's rules added for steps that must have happened: levels by key, steps in progress, triggers, a
repeating last step, the tolerance, minimums on the customer's total, e-mail fallbacks, and the policy checks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvre.core.dunning import (
    Channel,
    CustomerInput,
    OpenItem,
    Policy,
    PolicyError,
    Reason,
    Step,
    Trigger,
    plan_customer,
)

EMAIL, LETTER, RL, CALL = Channel.EMAIL, Channel.LETTER, Channel.REGISTERED_LETTER, Channel.CALL_TASK
THREE = Policy(
    "three",
    "Three",
    (
        Step("reminder", 7, EMAIL, "reminder"),
        Step("firm", 20, EMAIL, "firm", min_gap_days=7),
        Step("notice", 35, RL, "formal_notice", deadline_days=15),
    ),
)
DUE = date(2026, 3, 2)  # a Monday


def item(level: int = 0, **kw) -> OpenItem:  # type: ignore[no-untyped-def]
    kw.setdefault("open_amount", Decimal("1000.00"))
    return OpenItem(1, 1, "F-1", kw.pop("due_on", DUE), level=level, **kw)


def advancing(as_of: date, policy: Policy, *items: OpenItem, **customer) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    result = plan_customer(as_of, CustomerInput(1, policy, **customer), items)
    return [(a.channel.value, ln.number, ln.step.key) for a in result.actions for ln in a.advancing if ln.step]


def skip_reason(as_of: date, policy: Policy, *items: OpenItem, **customer) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    result = plan_customer(as_of, CustomerInput(1, policy, **customer), items)
    assert result.skip is not None
    return result.skip.reason.value, result.skip.detail


def test_a_step_awaiting_approval_holds_its_invoice_however_late() -> None:
    late = item(0, pending="reminder", replaceable=True)
    assert skip_reason(date(2026, 4, 20), THREE, late) == ("in_progress", "reminder")


def test_a_pending_reminder_goes_again_with_a_new_message_on_the_same_channel_never_escalated() -> None:
    old = item(0, pending="reminder", replaceable=True)
    new = OpenItem(2, 1, "F-2", date(2026, 3, 10), Decimal("500.00"))
    assert advancing(date(2026, 3, 17), THREE, old, new) == [("email", "F-1", "reminder"), ("email", "F-2", "reminder")]
    # A letter waiting to be posted is not replaceable: it stays in progress.
    posted_later = item(0, pending="reminder", replaceable=False)
    assert advancing(date(2026, 3, 17), THREE, posted_later, new) == [("email", "F-2", "reminder")]


def test_a_removed_step_keeps_its_place_by_its_offset() -> None:
    edited = Policy("three", "Three", (THREE.steps[0], THREE.steps[2]))  # "firm" removed
    assert edited.level_after("firm", 20) == 1  # after "reminder": next is the notice, never the reminder again
    assert edited.level_after("reminder", 7) == 1
    assert edited.level_after("gone", None) == 0
    level = edited.level_after("firm", 20)
    assert advancing(date(2026, 4, 6), edited, item(level, last_step_on=date(2026, 3, 23))) == [
        ("registered_letter", "F-1", "notice")
    ]


def test_triggers_count_from_the_invoice_date_the_end_of_the_month_and_the_previous_step() -> None:
    policy = Policy(
        "triggers",
        "Triggers",
        (
            Step("a", 40, EMAIL, "reminder", trigger=Trigger.INVOICE),
            Step("b", 10, EMAIL, "firm", trigger=Trigger.END_OF_MONTH),
            Step("c", 12, EMAIL, "firm", trigger=Trigger.PREVIOUS),
        ),
    )
    issued = date(2026, 1, 30)  # due 2 March: invoice date + 40 = 11 March
    assert advancing(date(2026, 3, 10), policy, item(issued_on=issued)) == []
    assert advancing(date(2026, 3, 11), policy, item(issued_on=issued)) == [("email", "F-1", "a")]
    # End of March + 10 = 10 April.
    after_a = item(1, issued_on=issued, last_step_on=date(2026, 3, 11))
    assert advancing(date(2026, 4, 9), policy, after_a) == []
    assert advancing(date(2026, 4, 10), policy, after_a) == [("email", "F-1", "b")]
    # 12 days after "b" was carried out (on 13 April, not planned on the 10th): 25 April.
    after_b = item(2, issued_on=issued, last_step_on=date(2026, 4, 13))
    assert advancing(date(2026, 4, 24), policy, after_b) == []
    assert advancing(date(2026, 4, 25), policy, after_b) == [("email", "F-1", "c")]


def test_the_last_step_repeats_every_n_days_at_most_m_times() -> None:
    policy = Policy(
        "repeat",
        "Repeat",
        (
            Step("reminder", 7, EMAIL, "reminder"),
            Step("again", 20, EMAIL, "firm", repeat_every_days=14, repeat_times=2),
        ),
    )
    done_once = item(2, last_step_on=date(2026, 3, 23))
    assert advancing(date(2026, 4, 5), policy, done_once) == []
    result = plan_customer(date(2026, 4, 6), CustomerInput(1, policy), [done_once])
    [line] = result.actions[0].advancing
    assert (line.step.key, line.round) == ("again", 1)  # type: ignore[union-attr]
    done_thrice = item(2, last_step_on=date(2026, 4, 20), round=2)
    assert skip_reason(date(2026, 6, 1), policy, done_thrice) == ("no_more_steps", "")


def test_only_the_last_step_repeats_and_repeats_need_both_numbers() -> None:
    with pytest.raises(PolicyError, match="only the last step"):
        Policy("p", "P", (Step("a", 7, EMAIL, "r", repeat_every_days=7, repeat_times=1), Step("b", 20, EMAIL, "f")))
    with pytest.raises(PolicyError, match="both its interval and its count"):
        Policy("p", "P", (Step("a", 7, EMAIL, "r", repeat_every_days=7),))


def test_under_the_tolerance_an_invoice_is_neither_reminded_nor_listed() -> None:
    cent = OpenItem(1, 1, "F-CENT", DUE, Decimal("0.01"))
    real = OpenItem(2, 1, "F-REAL", DUE, Decimal("80.00"))
    result = plan_customer(date(2026, 3, 9), CustomerInput(1, THREE), [cent, real], tolerance=Decimal("1.00"))
    assert [ln.number for ln in result.actions[0].lines] == ["F-REAL"]
    alone = plan_customer(date(2026, 3, 9), CustomerInput(1, THREE), [cent], tolerance=Decimal("1.00"))
    assert alone.skip is not None and alone.skip.reason is Reason.BELOW_TOLERANCE


def test_a_step_waits_for_the_customer_s_total_overdue_in_the_currency_less_its_credits() -> None:
    policy = Policy("p", "P", (Step("notice", 7, RL, "formal_notice", min_customer_total=Decimal("1000.00")),))
    a = OpenItem(1, 1, "F-1", DUE, Decimal("600.00"))
    b = OpenItem(2, 1, "F-2", DUE, Decimal("500.00"))
    assert advancing(date(2026, 3, 9), policy, a, b) == [
        ("registered_letter", "F-1", "notice"),
        ("registered_letter", "F-2", "notice"),
    ]
    credit = {"EUR": Decimal("200.00")}
    assert skip_reason(date(2026, 3, 9), policy, a, b, unapplied=credit) == ("below_min_amount", "notice")
    dollars = OpenItem(3, 1, "F-3", DUE, Decimal("900.00"), "USD")
    assert skip_reason(date(2026, 3, 9), policy, a, dollars) == ("below_min_amount", "notice")


def test_an_email_step_falls_back_to_a_letter_a_call_or_nothing_for_a_customer_without_an_address() -> None:
    assert advancing(date(2026, 3, 9), THREE, item(), email_ok=False) == [("letter", "F-1", "reminder")]
    assert advancing(date(2026, 3, 9), THREE, item(), email_ok=False, post_ok=False) == [
        ("call_task", "F-1", "reminder")
    ]
    calls = Policy("c", "C", THREE.steps, CALL)
    assert advancing(date(2026, 3, 9), calls, item(), email_ok=False) == [("call_task", "F-1", "reminder")]
    skipping = Policy("s", "S", THREE.steps, None)
    # The e-mail steps are passed over: the formal notice at +35 is the next step that can reach the customer.
    assert advancing(date(2026, 3, 9), skipping, item(), email_ok=False) == []
    assert advancing(date(2026, 4, 6), skipping, item(), email_ok=False) == [("registered_letter", "F-1", "notice")]


def test_policies_that_make_no_sense_are_named() -> None:
    early = Policy("early", "Early", (Step("courtesy", -3, EMAIL, "courtesy"),))
    assert any("first seen late" in e for e in early.sense_errors())
    notice_first = Policy(
        "nf", "NF", (Step("notice", 10, RL, "formal_notice"), Step("legal", 30, Channel.INTERNAL_TASK, "legal"))
    )
    assert any("first message" in e for e in notice_first.sense_errors())
    assert THREE.sense_errors() == []
