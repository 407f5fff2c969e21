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


def test_on_the_alsace_moselle_calendar_26_december_is_not_a_business_day() -> None:
    from recouvre.core.businessdays import ALSACE_MOSELLE, FRANCE

    # Posted Wednesday 24 December 2025: Christmas, then 26 December closed in Alsace-Moselle only. Received Tuesday
    # 30 December (French calendar) or Wednesday 31 December; 15 days later: 14 or 15 January 2026.
    assert payment_deadline(date(2025, 12, 24), 15, calendar=FRANCE) == date(2026, 1, 14)
    assert payment_deadline(date(2025, 12, 24), 15, calendar=ALSACE_MOSELLE) == date(2026, 1, 15)
    # Acknowledged Thursday 11 December 2025: 15 days is Friday 26 December, Monday 29 December in Alsace-Moselle.
    assert payment_deadline(date(2025, 12, 8), 15, acknowledged_on=date(2025, 12, 11)) == date(2025, 12, 26)
    assert payment_deadline(date(2025, 12, 8), 15, acknowledged_on=date(2025, 12, 11), calendar=ALSACE_MOSELLE) == date(
        2025, 12, 29
    )
