from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvre.core.dates import DateError, PaymentTerms, parse_date
from recouvre.core.money import AmountError, Money, parse_amount, parse_currency, quantize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1\u202f234,56 €", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("12 345 678,9", "12345678.90"),
        ("0000000074,70", "74.70"),
        ("-12,5", "-12.50"),
        ("(12,50)", "-12.50"),
        ("12,50-", "-12.50"),
        ("42", "42.00"),
        ("1234,500", "1234.50"),
        ("0,5", "0.50"),
        ("1.234.567", "1234567.00"),
        ("EUR 10,00", "10.00"),
    ],
)
def test_amounts_as_people_write_them(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["", "  ", "abc", "1,234", "1.234", "12,345", "1,2,3", "1.2.3", "12,3456", "--1", "1e5"]
)
def test_ambiguous_or_wrong_amounts_are_refused(text):
    with pytest.raises(AmountError):
        parse_amount(text)


def test_rounding_is_half_up_to_the_minor_unit():
    assert quantize(Decimal("0.125")) == Decimal("0.13")
    assert quantize(Decimal("-0.125")) == Decimal("-0.13")
    assert quantize(Decimal("12.5"), "JPY") == Decimal("13")


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(Decimal("1"), "EUR") + Money(Decimal("1"), "USD")
    assert Money(Decimal("1.10")) + Money(Decimal("2.20")) == Money(Decimal("3.30"))


def test_currency_codes():
    assert parse_currency(" eur ") == "EUR"
    assert parse_currency("€") == "EUR"
    with pytest.raises(AmountError):
        parse_currency("EURO1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-12", date(2025, 3, 12)),
        ("20250312", date(2025, 3, 12)),
        ("12/03/2025", date(2025, 3, 12)),
        ("12.03.2025", date(2025, 3, 12)),
        ("12-03-25", date(2025, 3, 12)),
        ("1/2/2025", date(2025, 2, 1)),
        ("2025-03-12 00:00:00", date(2025, 3, 12)),
    ],
)
def test_dates_day_first(text, expected):
    assert parse_date(text) == expected


def test_month_first_when_asked():
    assert parse_date("3/12/2025", dayfirst=False) == date(2025, 3, 12)


@pytest.mark.parametrize("text", ["", "31/02/2025", "2025-13-01", "12/03", "tomorrow", "32/01/2025"])
def test_bad_dates_are_refused(text):
    with pytest.raises(DateError):
        parse_date(text)


def test_payment_terms():
    issued = date(2026, 1, 15)
    assert PaymentTerms(30).due_on(issued) == date(2026, 2, 14)
    assert PaymentTerms(60).due_on(issued) == date(2026, 3, 16)
    # 45 days end of month, method A (LEGAL-FR §1.2): 15 Jan + 45 days = 1 Mar, then end of March.
    assert PaymentTerms(45, end_of_month=True).due_on(issued) == date(2026, 3, 31)
