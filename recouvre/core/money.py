"""Money: ``Decimal`` amounts with an ISO 4217 currency, and strict parsing of amounts as people write them.

Amounts are never floats. Rounding is half-up to the currency's minor unit, and only where a docstring says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .i18n import gettext, ngettext

# Minor units of the currencies we expect; anything else defaults to 2 (ISO 4217 most common case).
MINOR_UNITS: dict[str, int] = {"JPY": 0, "KRW": 0, "XOF": 0, "XAF": 0, "XPF": 0, "CLP": 0, "ISK": 0}
STORAGE_DECIMALS = 2  # amounts are stored with two decimals (see docs/architecture.md)
MAX_AMOUNT = Decimal(10) ** 13  # amounts are stored with 15 digits, 2 of them decimals: below this, in absolute value

ZERO = Decimal("0.00")


class AmountError(ValueError):
    """An amount that cannot be read without guessing."""


def minor_unit(currency: str) -> int:
    return MINOR_UNITS.get(currency.upper(), 2)


def quantize(amount: Decimal, currency: str = "EUR") -> Decimal:
    """Round half-up to the currency's minor unit (e.g. cents for EUR)."""
    exp = Decimal(1).scaleb(-minor_unit(currency))
    return amount.quantize(exp, rounding=ROUND_HALF_UP)


_SPACES = re.compile(r"[\s\u00a0\u202f']")
_CURRENCY_MARKS = re.compile(r"(?i)(€|eur|euros?|\$|usd|£|gbp|chf)")


def parse_amount(text: str, *, decimals: int = STORAGE_DECIMALS) -> Decimal:
    """Read an amount written the French or the English way and return an exact ``Decimal``.

    Accepted: ``1234.56``, ``1234,56``, ``1 234,56`` (space, non-breaking or narrow space), ``1.234,56``,
    ``1,234.56``, ``0000000074,70``, ``-12,5``, ``(12,50)``, a trailing ``€``/``EUR``. Refused (``AmountError``):
    empty text, letters, several signs, and the ambiguous ``1,234`` / ``1.234`` (one separator followed by
    exactly three digits), plus more decimals than ``decimals`` (nothing is silently rounded).
    """
    raw = text
    s = _CURRENCY_MARKS.sub("", text.strip())
    s = _SPACES.sub("", s)
    if not s:
        raise AmountError(gettext("empty amount"))
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    if s.endswith("-"):
        negative, s = True, s[:-1]
    if s[:1] in ("+", "-"):  # (not ``in "+-"``: the empty string is in every string)
        negative, s = s[0] == "-" or negative, s[1:]
    if not s or not re.fullmatch(r"[0-9.,]+", s):
        raise AmountError(gettext("not an amount: %(text)r") % {"text": raw})
    has_dot, has_comma = "." in s, "," in s
    if has_dot and has_comma:
        # The last separator is the decimal one; the other is a thousands separator.
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if dec == "," else ","
        int_part, _, frac = s.rpartition(dec)
        if dec in int_part or not re.fullmatch(r"\d{1,3}(\%s\d{3})*" % thousands, int_part):
            raise AmountError(gettext("not an amount: %(text)r") % {"text": raw})
        s = int_part.replace(thousands, "") + "." + frac
    elif has_dot or has_comma:
        sep = "." if has_dot else ","
        if s.count(sep) > 1:
            parts = s.split(sep)
            if all(len(p) == 3 for p in parts[1:]) and 1 <= len(parts[0]) <= 3:
                s = "".join(parts)
            else:
                raise AmountError(gettext("not an amount: %(text)r") % {"text": raw})
        else:
            int_part, _, frac = s.partition(sep)
            if len(frac) == 3 and 1 <= len(int_part) <= 3 and not int_part.startswith("0"):
                raise AmountError(
                    gettext("ambiguous amount %(text)r: is %(separator)r a decimal or a thousands separator?")
                    % {"text": raw, "separator": sep}
                )
            s = int_part + "." + frac
    try:
        value = Decimal(s)
    except InvalidOperation as exc:  # separators and no digit: "." or ","
        raise AmountError(gettext("not an amount: %(text)r") % {"text": raw}) from exc
    try:
        exact = value.quantize(Decimal(1).scaleb(-decimals))
    except InvalidOperation as exc:  # more digits than a Decimal holds: no amount is that large
        raise AmountError(gettext("%(text)r is too large an amount") % {"text": raw}) from exc
    if value != exact:
        raise AmountError(
            ngettext("%(text)r has more than %(n)s decimal", "%(text)r has more than %(n)s decimals", decimals)
            % {"text": raw, "n": decimals}
        )
    return -exact if negative else exact


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(gettext("not an ISO 4217 currency code: %(text)r") % {"text": self.currency})

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(
                gettext("cannot mix %(first)s and %(second)s") % {"first": self.currency, "second": other.currency}
            )


def parse_currency(text: str) -> str:
    """An ISO 4217 code, upper-cased; ``€`` is read as EUR. Refuses anything else."""
    s = text.strip().upper()
    if s in ("€", "EURO", "EUROS"):
        return "EUR"
    if len(s) != 3 or not s.isalpha() or not s.isascii():
        raise AmountError(gettext("not an ISO 4217 currency code: %(text)r") % {"text": text})
    return s


def parse_known_currency(text: str) -> str:
    """``parse_currency``, and the code must be a currency ISO 4217 knows (a current or a former one, as the
    Unicode CLDR lists them): ``XYZ`` is refused."""
    from babel.numbers import list_currencies

    code = parse_currency(text)
    if code not in list_currencies():
        raise AmountError(gettext("unknown currency code: %(text)r") % {"text": text})
    return code
