from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvre.core.businessdays import (
    ALSACE_MOSELLE,
    FRANCE,
    add_business_days,
    business_days_between,
    is_business_day,
    is_public_holiday,
    next_business_day,
    public_holidays,
)


def test_the_eleven_french_public_holidays_of_2026():
    assert list(public_holidays(2026)) == [
        date(2026, 1, 1),  # Jour de l'an
        date(2026, 4, 6),  # Lundi de Pâques
        date(2026, 5, 1),  # Fête du Travail
        date(2026, 5, 8),  # Victoire 1945
        date(2026, 5, 14),  # Ascension
        date(2026, 5, 25),  # Lundi de Pentecôte
        date(2026, 7, 14),  # Fête nationale
        date(2026, 8, 15),  # Assomption
        date(2026, 11, 1),  # Toussaint
        date(2026, 11, 11),  # Armistice
        date(2026, 12, 25),  # Noël
    ]
    assert public_holidays(2026)[date(2026, 7, 14)] == "Fête nationale"


def test_alsace_moselle_adds_good_friday_and_saint_stephen():
    extra = set(public_holidays(2026, alsace_moselle=True)) - set(public_holidays(2026))
    assert extra == {date(2026, 4, 3), date(2026, 12, 26)}
    assert FRANCE.is_business_day(date(2026, 4, 3))  # Good Friday, a Friday: open in Paris
    assert not ALSACE_MOSELLE.is_business_day(date(2026, 4, 3))  # closed in Strasbourg and Metz
    assert ALSACE_MOSELLE.next_business_day(date(2026, 4, 3)) == date(2026, 4, 7)  # then Easter Monday


def test_the_holiday_table_is_computed_once_per_year_and_cannot_be_changed():
    assert public_holidays(2027) is public_holidays(2027)
    with pytest.raises(TypeError):
        public_holidays(2027)[date(2027, 6, 1)] = "not a holiday"  # type: ignore[index]


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2025, 12, 25), "Christmas"),
        (date(2026, 5, 1), "Labour Day, a Friday"),
        (date(2026, 4, 6), "Easter Monday 2026"),
        (date(2026, 7, 14), "Bastille Day, a Tuesday"),
        (date(2026, 3, 15), "a Sunday"),
        (date(2026, 3, 14), "a Saturday"),
    ],
)
def test_no_business_on(day, why):
    assert not is_business_day(day), why


def test_ordinary_weekdays_are_business_days():
    assert [is_business_day(date(2026, 3, d)) for d in range(9, 16)] == [True] * 5 + [False] * 2
    assert not is_public_holiday(date(2026, 3, 9))
    assert is_public_holiday(date(2026, 11, 1))  # a Sunday and a holiday


def test_next_business_day():
    assert next_business_day(date(2026, 3, 11)) == date(2026, 3, 11)  # a Wednesday: the same day
    assert next_business_day(date(2026, 3, 14)) == date(2026, 3, 16)  # Saturday -> Monday
    assert next_business_day(date(2026, 3, 15)) == date(2026, 3, 16)  # Sunday -> Monday
    assert next_business_day(date(2026, 5, 1)) == date(2026, 5, 4)  # Friday 1 May -> Monday 4 May
    assert next_business_day(date(2026, 4, 4)) == date(2026, 4, 7)  # Easter Saturday -> Tuesday
    assert next_business_day(date(2026, 12, 25)) == date(2026, 12, 28)  # Christmas Friday -> Monday
    assert next_business_day(date(2026, 12, 31)) == date(2026, 12, 31)
    assert next_business_day(date(2027, 1, 1)) == date(2027, 1, 4)  # New Year, Friday -> Monday, across years


def test_add_business_days():
    assert add_business_days(date(2026, 4, 24), 1) == date(2026, 4, 27)  # Friday + 1 = Monday
    assert add_business_days(date(2026, 4, 30), 1) == date(2026, 5, 4)  # over 1 May and the weekend
    assert add_business_days(date(2026, 5, 2), 1) == date(2026, 5, 4)  # from a Saturday
    assert add_business_days(date(2026, 5, 4), 5) == date(2026, 5, 12)  # over 8 May (Friday)
    assert add_business_days(date(2026, 5, 4), -1) == date(2026, 4, 30)  # back over the weekend and 1 May
    assert add_business_days(date(2026, 5, 2), 0) == date(2026, 5, 2)
    assert FRANCE.add_business_days(date(2026, 12, 24), 1) == date(2026, 12, 28)
    assert ALSACE_MOSELLE.add_business_days(date(2026, 12, 24), 1) == date(2026, 12, 28)


def test_deadlines_end_on_a_business_day():
    # A formal notice sent Friday 17 April 2026 with 15 days: Saturday 2 May, so Monday 4 May (CPC 642).
    assert FRANCE.deadline(date(2026, 4, 17), 15) == date(2026, 5, 4)
    assert FRANCE.deadline(date(2026, 4, 20), 15) == date(2026, 5, 5)  # a Tuesday: unchanged


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_next_business_day_is_the_first_open_day_on_or_after(d):
    nxt = next_business_day(d)
    assert nxt >= d
    assert is_business_day(nxt)
    assert all(not is_business_day(d + timedelta(days=k)) for k in range((nxt - d).days))
    assert (nxt - d).days <= 4  # at most a long weekend


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), st.integers(-30, 30))
def test_adding_business_days_counts_exactly_that_many_open_days(d, n):
    end = add_business_days(d, n)
    assert is_business_day(end) or n == 0
    if n >= 0:
        assert business_days_between(d, end) == n
    else:
        # the open days after ``end`` up to ``d``: the |n| - 1 in between, and ``d`` itself when it is open
        assert business_days_between(end, d) == -n - 1 + is_business_day(d)


def test_next_sending_is_within_the_window_on_a_business_day() -> None:
    from datetime import datetime, time

    from recouvre.core.businessdays import FRANCE, next_sending

    window = (time(8, 0), time(19, 0))
    wed_evening = datetime(2026, 12, 9, 20, 0)
    assert next_sending(date(2026, 12, 9), wed_evening, window, FRANCE) == datetime(2026, 12, 10, 8, 0)
    wed_noon = datetime(2026, 12, 9, 12, 0)
    assert next_sending(date(2026, 12, 9), wed_noon, window, FRANCE) == wed_noon  # the next dispatch
    assert next_sending(date(2026, 12, 11), wed_noon, window, FRANCE) == datetime(2026, 12, 11, 8, 0)
    friday_night = datetime(2026, 12, 11, 22, 0)
    assert next_sending(date(2026, 12, 11), friday_night, window, FRANCE) == datetime(2026, 12, 14, 8, 0)
    # Christmas Day is closed: due on the 24th after the window, out on the 28th (a Monday).
    assert next_sending(date(2026, 12, 24), datetime(2026, 12, 24, 19, 0), window, FRANCE) == datetime(
        2026, 12, 28, 8, 0
    )
