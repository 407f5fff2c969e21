"""The formal notice's deadline from its receipt (pure)."""

from __future__ import annotations

from datetime import date

from recouvre.core.formal_notice import payment_deadline, receipt


def test_until_a_date_is_recorded_the_letter_is_taken_as_received_three_business_days_after_posting() -> None:
    # Posted Thursday 30 April 2026: 1 May is a holiday, so received Wednesday 6 May; 15 days: Thursday 21 May.
    assert receipt(date(2026, 4, 30), first_presented_on=None, acknowledged_on=None, allowance_days=3).on == date(
        2026, 5, 6
    )
    assert payment_deadline(date(2026, 4, 30), 15) == date(2026, 5, 21)


def test_a_recorded_date_wins_the_acknowledgment_over_the_first_presentation() -> None:
    posted = date(2026, 12, 7)
    assert payment_deadline(posted, 15, first_presented_on=date(2026, 12, 8)) == date(2026, 12, 23)
    # acknowledged on 10 December: 15 days is Friday 25 December (Christmas), so Monday 28 December
    found = receipt(posted, first_presented_on=date(2026, 12, 8), acknowledged_on=date(2026, 12, 10), allowance_days=3)
    assert (found.on, found.basis) == (date(2026, 12, 10), "acknowledged")
    assert payment_deadline(posted, 15, acknowledged_on=date(2026, 12, 10)) == date(2026, 12, 28)
    assert payment_deadline(posted, 15, allowance_days=0) == date(2026, 12, 22)
