"""Money and dates the way the reader writes them: French ``1 234,56 €`` and ``23/11/2026``, English
``€1,234.56`` and ``23 Nov 2026``. The language is the active Django language."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from django.utils import timezone
from django.utils.translation import get_language

# Babel locale and date patterns per interface language; French is the default.
_LOCALES = {"fr": "fr_FR", "en": "en_IE"}
_DATE_PATTERNS = {"fr": "dd/MM/yyyy", "en": "d MMM yyyy"}
_DATETIME_PATTERNS = {"fr": "dd/MM/yyyy HH:mm", "en": "d MMM yyyy, HH:mm"}


def _language(language: str | None = None) -> str:
    lang = (language or get_language() or "fr").split("-")[0].lower()
    return lang if lang in _LOCALES else "fr"


def money(amount: Decimal | int | None, currency: str = "EUR", language: str | None = None) -> str:
    """``1 234,56 €`` (French, narrow no-break space for thousands) or ``€1,234.56`` (English)."""
    if amount is None or amount == "":
        return ""
    lang = _language(language)
    if lang == "en":
        # English readers expect the currency sign first and a comma for thousands.
        return format_currency(Decimal(amount), currency, format="¤#,##0.00", locale="en_IE", currency_digits=True)
    return format_currency(Decimal(amount), currency, locale=_LOCALES[lang])


def exact_money(amount: Decimal | int | None, currency: str = "EUR", language: str | None = None) -> str:
    """``money`` keeping the decimals beyond the currency's (a bank may give five): ``1,23456 €``."""
    if amount is None or amount == "":
        return ""
    lang = _language(language)
    if lang == "en":
        return format_currency(Decimal(amount), currency, format="¤#,##0.00###", locale="en_IE", currency_digits=False)
    return format_currency(
        Decimal(amount), currency, format="#,##0.00###\u00a0¤", locale=_LOCALES[lang], currency_digits=False
    )


def number(amount: Decimal | int | None, language: str | None = None) -> str:
    if amount is None or amount == "":
        return ""
    return format_decimal(Decimal(amount), format="#,##0.00", locale=_LOCALES[_language(language)])


def day(value: date | None, language: str | None = None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    lang = _language(language)
    return format_date(value, _DATE_PATTERNS[lang], locale=_LOCALES[lang])


def moment(value: datetime | None, language: str | None = None) -> str:
    """An instant in the server's time zone (Europe/Paris), to the minute."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    lang = _language(language)
    return format_datetime(value, _DATETIME_PATTERNS[lang], locale=_LOCALES[lang])


def figure(value: Decimal | int | float | None, language: str | None = None, places: int = 1) -> str:
    """A figure with ``places`` decimals (``73,2`` / ``73.2``); a round figure (``1 200``) with ``places=0``."""
    if value is None or value == "":
        return ""
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(Decimal(str(value)), format=pattern, locale=_LOCALES[_language(language)])


def month(value: date, language: str | None = None) -> str:
    """A month, short: ``nov. 2026`` / ``Nov 2026``."""
    lang = _language(language)
    return format_date(value, "MMM yyyy", locale=_LOCALES[lang])


def short_day(value: date, language: str | None = None) -> str:
    """A day without its year: ``23/11`` / ``23 Nov``."""
    lang = _language(language)
    return format_date(value, "dd/MM" if lang == "fr" else "d MMM", locale=_LOCALES[lang])
