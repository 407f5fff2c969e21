"""Credit insurance (*assurance-crédit*): when an unpaid invoice of an insured customer must be declared to the
insurer, and how much of it the insured limit covers. Pure: no database.

The policy (*police*) fixes a maximum extension period (*délai maximum de prolongation*): an invoice still unpaid
that many days after its original due date must be declared as a threatened claim (*déclaration de menace de
sinistre*, *avis de retard*), sometimes within a further number of days the policy gives. These are contractual
values the user enters for each policy (a customer's cover may set its own extension period); nothing here is a
legal figure.

- ``declaration_deadline``: the due date + the extension period + the further days (0 when the policy gives none).
- ``status``: ``declared`` once recorded, ``overdue`` after the deadline, ``soon`` within ``SOON_DAYS`` days of it,
  ``pending`` before.
- ``insured_shares``: the insured limit (*agrément*) is shared by the customer's covered open invoices, the oldest
  due first (then by number): each invoice takes what is left of the limit up to its open amount, so the shares
  never add up to more than the limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

ZERO = Decimal("0.00")
# An invoice is "to declare soon" this many days before its declaration deadline (it then shows on the panel).
SOON_DAYS = 30

DECLARED, OVERDUE, SOON, PENDING = "declared", "overdue", "soon", "pending"


@dataclass(frozen=True, slots=True)
class Terms:
    """What the policy (or the customer's cover) says: days of extension after the due date, then days to
    declare (0 when the declaration is due on the last day of the extension)."""

    max_extension_days: int
    declaration_days: int = 0

    def __post_init__(self) -> None:
        if self.max_extension_days < 0 or self.declaration_days < 0:
            raise ValueError("days cannot be negative")


def declaration_deadline(due_on: date, terms: Terms) -> date:
    """The last day to declare an invoice due on ``due_on`` that is still unpaid."""
    return due_on + timedelta(days=terms.max_extension_days + terms.declaration_days)


def status(deadline: date, today: date, *, declared: bool = False) -> str:
    if declared:
        return DECLARED
    if today > deadline:
        return OVERDUE
    if (deadline - today).days <= SOON_DAYS:
        return SOON
    return PENDING


def covers_on(issued_on: date, starts_on: date | None, ends_on: date | None) -> bool:
    """Whether a cover from ``starts_on`` until ``ends_on`` (either open) covers an invoice issued on
    ``issued_on`` (the cover applies to the sales made while it runs)."""
    return (starts_on is None or issued_on >= starts_on) and (ends_on is None or issued_on <= ends_on)


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    key: object  # the caller's id
    due_on: date
    number: str
    open_amount: Decimal


def insured_shares(invoices: Sequence[OpenInvoice], limit: Decimal) -> dict[object, Decimal]:
    """Each invoice's insured share of its open amount: the limit taken by the oldest due first."""
    left = max(limit, ZERO)
    shares: dict[object, Decimal] = {}
    for inv in sorted(invoices, key=lambda i: (i.due_on, i.number)):
        share = min(max(inv.open_amount, ZERO), left)
        shares[inv.key] = share
        left -= share
    return shares
