from __future__ import annotations

from decimal import Decimal

import pytest

from recouvre.core.dunning import Channel, Policy, PolicyError, Step
from recouvre.core.policies import (
    DEFAULT_POLICIES,
    FRENCH_DEFAULT,
    SMALL_ACCOUNTS,
    STRATEGIC_ACCOUNTS,
    policy_for_segment,
)

E, RL, CALL, TASK = Channel.EMAIL, Channel.REGISTERED_LETTER, Channel.CALL_TASK, Channel.INTERNAL_TASK


def ladder(policy: Policy) -> list[tuple[str, int, Channel, bool, bool]]:
    return [(s.key, s.offset_days, s.channel, s.needs_approval, s.enabled) for s in policy.steps]


def test_the_default_french_policy():
    assert FRENCH_DEFAULT.key == "default"
    assert FRENCH_DEFAULT.name == "Default"
    assert ladder(FRENCH_DEFAULT) == [
        ("courtesy", -3, E, False, False),  # optional courtesy e-mail 3 days before, off by default
        ("reminder", 7, E, False, True),  # courteous e-mail
        ("firm", 20, E, False, True),  # firm e-mail: late-payment interest and the 40 EUR indemnity
        ("formal_notice", 35, RL, True, True),  # mise en demeure: registered letter, needs approval
        ("legal", 50, TASK, False, True),  # legal escalation task
    ]
    assert FRENCH_DEFAULT.step("formal_notice").deadline_days == 15
    assert [s.deadline_days for s in FRENCH_DEFAULT.steps if s.key != "formal_notice"] == [None] * 4
    assert [s.template for s in FRENCH_DEFAULT.steps] == ["courtesy", "reminder", "firm", "formal_notice", "legal"]
    assert [s.min_gap_days for s in FRENCH_DEFAULT.steps] == [7, 7, 10, 10, 15]
    assert {s.min_open_amount for s in FRENCH_DEFAULT.steps} == {Decimal("0.00")}


def test_strategic_accounts_call_before_the_firm_email_and_approve_every_written_step():
    assert ladder(STRATEGIC_ACCOUNTS) == [
        ("courtesy", -3, E, True, False),
        ("reminder", 7, E, True, True),
        ("call", 14, CALL, False, True),
        ("firm", 20, E, True, True),
        ("formal_notice", 35, RL, True, True),
        ("legal", 50, TASK, False, True),
    ]
    written = [s for s in STRATEGIC_ACCOUNTS.steps if s.channel in (E, Channel.LETTER, RL)]
    assert written and all(s.needs_approval for s in written)
    keys = [s.key for s in STRATEGIC_ACCOUNTS.steps]
    assert keys.index("call") < keys.index("firm")


def test_small_accounts_are_fully_automatic():
    assert ladder(SMALL_ACCOUNTS) == [
        ("courtesy", -3, E, False, False),
        ("reminder", 7, E, False, True),
        ("firm", 20, E, False, True),
        ("formal_notice", 35, RL, False, True),
        ("legal", 50, TASK, False, True),
    ]


def test_policies_by_segment():
    assert [p.key for p in DEFAULT_POLICIES] == ["default", "strategic", "small"]
    assert policy_for_segment("standard") is FRENCH_DEFAULT
    assert policy_for_segment("strategic") is STRATEGIC_ACCOUNTS
    assert policy_for_segment("small") is SMALL_ACCOUNTS
    assert policy_for_segment("unheard-of") is FRENCH_DEFAULT


def test_levels_are_positions_in_the_ladder():
    assert FRENCH_DEFAULT.level_of("courtesy") == 1
    assert FRENCH_DEFAULT.level_of("formal_notice") == 4
    assert FRENCH_DEFAULT.level_of("call") is None  # only the strategic policy calls
    assert STRATEGIC_ACCOUNTS.level_of("firm") == 4
    assert [s.key for s in FRENCH_DEFAULT.enabled_steps] == ["reminder", "firm", "formal_notice", "legal"]
    with pytest.raises(KeyError):
        FRENCH_DEFAULT.step("call")


def step(key: str, offset: int, **kwargs: object) -> Step:
    return Step(key, offset, Channel.EMAIL, key, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ((step("a", 5), step("a", 20)), "policy p: step a appears twice"),
        ((step("a", 20), step("b", 5)), "policy p, step b: 5 days is not after the previous enabled step a (20 days)"),
        ((step("a", 5), step("b", 5)), "policy p, step b: 5 days is not after the previous enabled step a (5 days)"),
        ((step("", 5),), "policy p: a step has no key"),
        ((Step("a", 5, Channel.EMAIL, ""),), "policy p, step a: no template"),
        ((step("a", 5, min_open_amount=Decimal("-1")),), "policy p, step a: the minimum amount is negative"),
        ((step("a", 5, min_gap_days=-1),), "policy p, step a: the minimum gap is negative"),
        ((step("a", 5, deadline_days=0),), "policy p, step a: the deadline must be at least a day"),
    ],
)
def test_policies_that_cannot_be_planned_are_refused(steps, message):
    with pytest.raises(PolicyError) as exc:
        Policy("p", "P", steps)
    assert str(exc.value) == message


def test_offsets_only_need_to_increase_among_enabled_steps():
    policy = Policy("p", "P", (step("a", 5), step("b", 3, enabled=False), step("c", 10)))
    assert [s.key for s in policy.enabled_steps] == ["a", "c"]
    assert Policy("empty", "No reminders", ()).steps == ()
