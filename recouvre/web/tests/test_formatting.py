"""Money and dates as each reader writes them (no database)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import translation

from recouvre.web.formatting import day, moment, money, number
from recouvre.web.templatetags.recouvre import percent_of

NNBSP, NBSP = "\u202f", "\xa0"


def test_money_in_french_and_english():
    assert money(Decimal("1234.56"), "EUR", "fr") == f"1{NNBSP}234,56{NBSP}€"
    assert money(Decimal("1234.56"), "EUR", "en") == "€1,234.56"
    assert money(Decimal("-0.5"), "EUR", "fr") == f"-0,50{NBSP}€"
    assert money(Decimal("1234567.8"), "EUR", "en") == "€1,234,567.80"
    assert money(Decimal("99.99"), "USD", "fr") == f"99,99{NBSP}$US"
    assert money(None, "EUR", "fr") == ""


def test_money_follows_the_active_language():
    with translation.override("en"):
        assert money(Decimal("5"), "EUR") == "€5.00"
    with translation.override("fr"):
        assert money(Decimal("5"), "EUR") == f"5,00{NBSP}€"
    with translation.override("de"):  # not offered: French
        assert money(Decimal("5"), "EUR") == f"5,00{NBSP}€"


def test_numbers_and_dates():
    assert number(Decimal("1234.5"), "fr") == f"1{NNBSP}234,50"
    assert number(Decimal("1234.5"), "en") == "1,234.50"
    assert day(date(2026, 11, 23), "fr") == "23/11/2026"
    assert day(date(2026, 11, 23), "en") == "23 Nov 2026"
    assert day(None, "fr") == ""


def test_instants_are_shown_in_paris_time():
    utc = datetime(2026, 7, 1, 22, 30, tzinfo=ZoneInfo("UTC"))
    assert moment(utc, "fr") == "02/07/2026 00:30"
    assert moment(utc, "en") == "2 Jul 2026, 00:30"


def test_template_filters():
    template = Template("{% load recouvre %}{{ amount|money:'EUR' }} {{ when|day }}")
    with translation.override("en"):
        assert template.render(Context({"amount": Decimal("1234.56"), "when": date(2026, 11, 23)})) == (
            "€1,234.56 23 Nov 2026"
        )


def test_bar_widths():
    assert percent_of(Decimal("300.00"), Decimal("1200.00")) == "25.0"
    assert percent_of(Decimal("1200.00"), Decimal("1200.00")) == "100.0"
    assert percent_of(Decimal("0.00"), Decimal("1200.00")) == "0"
    assert percent_of(Decimal("1.00"), Decimal("100000.00")) == "0.5"  # a tiny amount stays visible
    assert percent_of(Decimal("5.00"), Decimal("0.00")) == "0"
