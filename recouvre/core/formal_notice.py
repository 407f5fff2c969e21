"""When a formal notice's payment deadline ends (pure: no Django, no "today").

The letter gives its days "from receipt of this letter" (*à compter de la réception de la présente*). Receipt is the
acknowledgment of receipt when recorded (the day the debtor signed for the registered letter), else La Poste's first
presentation when recorded, else an estimate: the posting date plus a delivery allowance in business days (3 by
default; an organization setting). The days are counted by CPC 640-642 (``BusinessCalendar.deadline``).

Taking the latest recorded date (the acknowledgment, when both are known) never ends the deadline before the day
the debtor, reading "from receipt", would end it; the estimate only stands until a date is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .businessdays import FRANCE, BusinessCalendar

DEFAULT_DELIVERY_ALLOWANCE_DAYS = 3


@dataclass(frozen=True)
class Receipt:
    """The day a letter is taken to have reached the debtor, and why: ``acknowledged`` (the acknowledgment of
    receipt), ``first_presented`` (La Poste's first presentation) or ``estimated`` (posting + allowance)."""

    on: date
    basis: str


def receipt(
    posted_on: date,
    *,
    first_presented_on: date | None,
    acknowledged_on: date | None,
    allowance_days: int,
    calendar: BusinessCalendar = FRANCE,
) -> Receipt:
    """The day from which a letter posted on ``posted_on`` is taken as received (see the module description)."""
    if acknowledged_on is not None:
        return Receipt(acknowledged_on, "acknowledged")
    if first_presented_on is not None:
        return Receipt(first_presented_on, "first_presented")
    return Receipt(calendar.add_business_days(posted_on, allowance_days), "estimated")


def payment_deadline(
    posted_on: date,
    days: int,
    *,
    first_presented_on: date | None = None,
    acknowledged_on: date | None = None,
    allowance_days: int = DEFAULT_DELIVERY_ALLOWANCE_DAYS,
    calendar: BusinessCalendar = FRANCE,
) -> date:
    """The last day to pay a letter posted on ``posted_on`` that gives ``days`` days from its receipt: posted on
    Monday 7 December 2026 with the default allowance, it is taken as received on Thursday 10 December, and 15 days
    later is Friday 25 December (Christmas), so Monday 28 December."""
    received = receipt(
        posted_on,
        first_presented_on=first_presented_on,
        acknowledged_on=acknowledged_on,
        allowance_days=allowance_days,
        calendar=calendar,
    )
    return calendar.deadline(received.on, days)
