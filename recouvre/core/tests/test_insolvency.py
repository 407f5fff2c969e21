"""How a claim stands at the opening judgment, and the deadlines of insolvency and over-indebtedness."""

from __future__ import annotations

from datetime import date

from recouvre.core.insolvency import (
    ClaimStanding,
    debt_statement_contest_deadline,
    personal_recovery_declaration_deadline,
    retention_of_title_deadline,
    standing,
)

JUDGMENT = date(2026, 3, 2)


def test_a_claim_overdue_at_the_judgment_carries_interest_and_the_indemnity() -> None:
    assert standing(date(2025, 12, 31), JUDGMENT, accelerated=False) == ClaimStanding(False, False, True)


def test_a_claim_due_on_the_judgment_day_is_due_but_not_late() -> None:
    assert standing(JUDGMENT, JUDGMENT, accelerated=False) == ClaimStanding(False, False, False)
    assert standing(JUDGMENT, JUDGMENT, accelerated=True) == ClaimStanding(False, False, False)


def test_a_claim_not_yet_due_falls_due_later_unless_a_liquidation_makes_it_due() -> None:
    assert standing(date(2026, 4, 20), JUDGMENT, accelerated=False) == ClaimStanding(True, False, False)
    assert standing(date(2026, 4, 20), JUDGMENT, accelerated=True) == ClaimStanding(False, True, False)


def test_deadlines_end_on_a_working_day() -> None:
    assert retention_of_title_deadline(date(2026, 3, 12)) == date(2026, 6, 12)
    assert retention_of_title_deadline(date(2026, 2, 25)) == date(2026, 5, 26)  # 25 May 2026: Whit Monday
    assert debt_statement_contest_deadline(date(2026, 10, 2)) == date(2026, 11, 2)  # 1 November: Sunday, holiday
    assert personal_recovery_declaration_deadline(date(2026, 10, 25)) == date(2026, 12, 28)  # Christmas Day
    assert personal_recovery_declaration_deadline(date(2026, 12, 31)) == date(2027, 3, 1)  # 28 Feb 2027: a Sunday
