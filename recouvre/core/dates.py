"""Business dates as people write them, and payment terms."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .i18n import _


class DateError(ValueError):
    """A date that cannot be read without guessing."""


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")


def parse_date(text: str, *, dayfirst: bool = True) -> date:
    """Read ``2025-03-12``, ``20250312``, ``12/03/2025``, ``12.03.2025``, ``12-03-25``.

    Slash dates are day first (French usage) unless ``dayfirst=False`` (US ``M/D/YYYY`` files).
    Two-digit years are 2000-2099. Impossible dates are refused with the text in the message.
    """
    s = text.strip()
    if not s:
        raise DateError(_("empty date"))
    try:
        if m := _ISO.match(s):
            y, mo, d = int(m[1]), int(m[2]), int(m[3])
        elif m := _COMPACT.match(s):
            y, mo, d = int(m[1]), int(m[2]), int(m[3])
        elif m := _DMY.match(s):
            a, b, y = int(m[1]), int(m[2]), int(m[3])
            d, mo = (a, b) if dayfirst else (b, a)
            if y < 100:
                y += 2000
        else:
            raise DateError(_("not a date: %(text)r (expected DD/MM/YYYY or YYYY-MM-DD)") % {"text": text})
        return date(y, mo, d)
    except ValueError as exc:
        if isinstance(exc, DateError):
            raise
        raise DateError(_("not a valid date: %(text)r") % {"text": text}) from exc


def as_date(value: object, *, dayfirst: bool = True) -> date:
    """A cell value from a spreadsheet or a text file as a ``date``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_date(str(value), dayfirst=dayfirst)


def end_of_month(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    """``days`` after the invoice date; with ``end_of_month``, then to the end of that month
    (*45 jours fin de mois*, computed as invoice date + days, then end of month: LEGAL-FR §1.2 method A)."""

    days: int = 30
    end_of_month: bool = False

    def due_on(self, issued_on: date) -> date:
        due = issued_on + timedelta(days=self.days)
        return end_of_month(due) if self.end_of_month else due

    def label(self) -> str:
        if self.end_of_month:
            return _("%(days)s days end of month") % {"days": self.days}
        return _("%(days)s days") % {"days": self.days}
