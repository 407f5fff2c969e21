"""Prescription dates and their interruptions, and the insolvency declaration deadlines (LEGAL-FR §4, §6.2, §10)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvre.core.businessdays import is_business_day
from recouvre.core.prescription import (
    ClaimFacts,
    DebtorKind,
    Event,
    EventKind,
    Options,
    Start,
    add_months,
    alert_level,
    compute,
    declaration_alert,
    declaration_deadline,
    foreclosure_relief_deadline,
)

D = date
B2B, B2C, PUBLIC = DebtorKind.BUSINESS, DebtorKind.CONSUMER, DebtorKind.PUBLIC
ISSUED, DUE = D(2021, 3, 15), D(2021, 4, 14)


@pytest.mark.parametrize(
    ("story", "debtor", "events", "limit"),
    [
        ("a trader's invoice lapses 5 years after it was issued", B2B, (), D(2026, 3, 15)),
        ("a consumer's invoice lapses after 2 years", B2C, (), D(2023, 3, 15)),
        (
            "a reminder does not interrupt",
            B2B,
            (Event(D(2025, 1, 10), EventKind.REMINDER),),
            D(2026, 3, 15),
        ),
        (
            "a mise en demeure does not interrupt",
            B2B,
            (Event(D(2025, 6, 2), EventKind.FORMAL_NOTICE),),
            D(2026, 3, 15),
        ),
        (
            "an acknowledgment starts a new 5-year period",
            B2B,
            (Event(D(2024, 9, 30), EventKind.ACKNOWLEDGMENT),),
            D(2029, 9, 30),
        ),
        (
            "a partial payment starts a new 2-year period against a consumer",
            B2C,
            (Event(D(2022, 11, 3), EventKind.PARTIAL_PAYMENT),),
            D(2024, 11, 3),
        ),
        (
            "the last of several interruptions counts",
            B2B,
            (
                Event(D(2022, 1, 5), EventKind.PARTIAL_PAYMENT),
                Event(D(2023, 6, 1), EventKind.PAYMENT_PLAN),
                Event(D(2023, 2, 1), EventKind.ACKNOWLEDGMENT),
            ),
            D(2028, 6, 1),
        ),
        (
            "a payment after the claim lapsed does not revive it",
            B2C,
            (Event(D(2023, 3, 16), EventKind.PARTIAL_PAYMENT),),
            D(2023, 3, 15),
        ),
        (
            "a payment on the last day still interrupts",
            B2C,
            (Event(D(2023, 3, 15), EventKind.PARTIAL_PAYMENT),),
            D(2025, 3, 15),
        ),
        (
            "a court claim keeps it interrupted while the case runs",
            B2B,
            (Event(D(2024, 2, 1), EventKind.LEGAL_ACTION),),
            None,
        ),
        (
            "after the case ends a new period runs from its end",
            B2B,
            (Event(D(2024, 2, 1), EventKind.LEGAL_ACTION, ends_on=D(2025, 7, 9)),),
            D(2030, 7, 9),
        ),
        (
            "a claim declared in insolvency keeps it interrupted until the procedure closes",
            B2B,
            (Event(D(2025, 5, 20), EventKind.INSOLVENCY_DECLARATION),),
            None,
        ),
        (
            "a public body's debt lapses on 31 December, four years after the year it arose",
            PUBLIC,
            (),
            D(2025, 12, 31),
        ),
    ],
)
def test_limitation_date(story: str, debtor: DebtorKind, events: tuple[Event, ...], limit: date | None) -> None:
    result = compute(ClaimFacts(debtor, ISSUED, DUE, events=events))
    assert result.limit_on == limit, story
    assert result.suspended is (limit is None)


def test_a_reminder_leaves_the_period_running_from_the_start() -> None:
    result = compute(ClaimFacts(B2B, ISSUED, DUE, events=(Event(D(2025, 1, 10), EventKind.REMINDER),)))
    assert result.interrupted_by is None
    assert result.running_from == ISSUED


def test_the_start_is_the_performance_date_when_known_else_the_issue_date_minus_the_margin() -> None:
    assert compute(ClaimFacts(B2B, ISSUED, DUE, performed_on=D(2021, 2, 26))).limit_on == D(2026, 2, 26)
    assert compute(ClaimFacts(B2B, ISSUED, DUE), Options(performance_margin_days=31)).limit_on == D(2026, 2, 12)
    assert compute(ClaimFacts(B2B, ISSUED, DUE), Options(start=Start.DUE_DATE)).limit_on == D(2026, 4, 14)
    assert compute(ClaimFacts(PUBLIC, ISSUED, DUE), Options(public_rule="five_years")).limit_on == D(2026, 3, 15)


def test_29_february_plus_five_years_is_28_february() -> None:
    assert compute(ClaimFacts(B2B, D(2024, 2, 29), D(2024, 3, 31))).limit_on == D(2029, 2, 28)


def test_interruptions_never_reach_past_twenty_years() -> None:
    events = tuple(Event(D(2021 + 4 * k, 3, 1), EventKind.ACKNOWLEDGMENT) for k in range(6))  # 2021 ... 2041
    assert compute(ClaimFacts(B2B, ISSUED, DUE, events=events)).limit_on == D(2041, 3, 15)


@pytest.mark.parametrize(
    ("today", "alert"),
    [
        (D(2025, 9, 14), ""),
        (D(2025, 9, 15), "6m"),
        (D(2025, 12, 15), "3m"),
        (D(2026, 2, 14), "3m"),
        (D(2026, 2, 15), "1m"),
        (D(2026, 3, 15), "1m"),
        (D(2026, 3, 16), "overdue"),
    ],
)
def test_alerts_six_three_and_one_month_ahead_and_when_passed(today: date, alert: str) -> None:
    assert alert_level(D(2026, 3, 15), today) == alert


@pytest.mark.parametrize(
    ("published", "outside", "deadline"),
    [
        # LEGAL-FR §10's example: BODACC 12 March 2026 -> 12 May 2026 (a Tuesday).
        (D(2026, 3, 12), False, D(2026, 5, 12)),
        # 4 months outside metropolitan France: 12 July 2026 is a Sunday -> Monday 13 July.
        (D(2026, 3, 12), True, D(2026, 7, 13)),
        # 31 December + 2 months = 28 February 2027, a Sunday -> Monday 1 March.
        (D(2026, 12, 31), False, D(2027, 3, 1)),
        # 1 March + 2 months = 1 May (Labour Day, a Saturday in 2027) -> Monday 3 May.
        (D(2027, 3, 1), False, D(2027, 5, 3)),
        # 14 May 2026 + 2 months = 14 July (Bastille Day, a Tuesday) -> Wednesday 15 July.
        (D(2026, 5, 14), False, D(2026, 7, 15)),
    ],
)
def test_claim_declaration_deadline(published: date, outside: bool, deadline: date) -> None:
    assert declaration_deadline(published, outside_metropolitan=outside) == deadline


def test_relief_from_foreclosure_within_six_months() -> None:
    # 12 September 2026 is a Saturday -> Monday 14 September.
    assert foreclosure_relief_deadline(D(2026, 3, 12)) == D(2026, 9, 14)


def test_declaration_alert() -> None:
    deadline = D(2026, 5, 12)
    assert declaration_alert(deadline, D(2026, 4, 1), declared=False) == "open"
    assert declaration_alert(deadline, D(2026, 4, 27), declared=False) == "15d"
    assert declaration_alert(deadline, D(2026, 5, 5), declared=False) == "7d"
    assert declaration_alert(deadline, D(2026, 5, 13), declared=False) == "overdue"
    assert declaration_alert(deadline, D(2026, 5, 13), declared=True) == ""


# ------------------------------------------------------------------------------------------------ properties

days = st.dates(min_value=D(2015, 1, 1), max_value=D(2035, 12, 31))
kinds = st.sampled_from(list(EventKind))
events = st.lists(st.builds(Event, on=days, kind=kinds), max_size=6).map(tuple)
debtors = st.sampled_from([B2B, B2C, PUBLIC])


@given(debtors, days, events)
def test_an_event_never_brings_the_limit_earlier(debtor: DebtorKind, issued: date, found: tuple[Event, ...]) -> None:
    plain = compute(ClaimFacts(debtor, issued, issued)).limit_on
    limit = compute(ClaimFacts(debtor, issued, issued, events=found)).limit_on
    assert plain is not None
    assert limit is None or limit >= plain


@given(
    debtors,
    days,
    events,
    st.lists(st.builds(Event, on=days, kind=st.sampled_from([EventKind.REMINDER, EventKind.FORMAL_NOTICE]))),
)
def test_reminders_and_formal_notices_never_change_anything(
    debtor: DebtorKind, issued: date, found: tuple[Event, ...], letters: list[Event]
) -> None:
    assert compute(ClaimFacts(debtor, issued, issued, events=found)) == compute(
        ClaimFacts(debtor, issued, issued, events=found + tuple(letters))
    )


@given(days, st.booleans())
def test_the_declaration_deadline_is_a_working_day_at_least_two_months_after(published: date, outside: bool) -> None:
    deadline = declaration_deadline(published, outside_metropolitan=outside)
    assert is_business_day(deadline)
    assert add_months(published, 4 if outside else 2) <= deadline
