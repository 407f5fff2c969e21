"""When a collections task (a phone call, an escalation step) is no longer needed: every invoice it is about that is
due is settled (paid, credited, written off) or held (a dispute, a payment plan, a promise, a pause, insolvency...),
so nobody has anything to ask the customer for. Pure: the caller reads the ledger and the holds on ``as_of``.

An invoice not due yet on ``as_of`` neither keeps the task open nor closes it: a call is about what is overdue. A
task whose invoices are none of them settled or held (nothing happened to them) stays open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Reason(StrEnum):
    """Why the task was closed, one word for the whole task. When its invoices ended differently, the first that
    applies, in this order: some are still owed but held (``on_hold``), some were written off, some were settled by
    credit notes only (``credited``), else they were paid."""

    PAID = "paid"
    CREDITED = "credited"
    WRITTEN_OFF = "written_off"
    ON_HOLD = "on_hold"


# What became of one invoice: ``paid``, ``credited``, ``written_off``, or the kind of the hold covering it
# (``recouvre.core.dunning.HoldKind`` values, and ``over_indebtedness``).
SETTLED = (Reason.PAID.value, Reason.CREDITED.value, Reason.WRITTEN_OFF.value)


@dataclass(frozen=True, slots=True)
class TaskItem:
    """One invoice a task is about, as it stands on ``as_of``. ``hold``: the kind of a live hold covering it (None:
    none); ``paid`` / ``credited`` / ``written_off``: some of it was settled by a payment, a credit note, a
    write-off."""

    invoice_id: int
    number: str
    due_on: date
    open_amount: Decimal
    hold: str | None = None
    paid: bool = False
    credited: bool = False
    written_off: bool = False


@dataclass(frozen=True, slots=True)
class NoLongerNeeded:
    """The decision to close a task: its ``reason`` and, for each invoice that made it, in the order given, the
    invoice's number and what became of it (see ``SETTLED``)."""

    reason: Reason
    items: tuple[tuple[str, str], ...]


def item_status(item: TaskItem, as_of: date) -> str | None:
    """What became of ``item``: ``paid``, ``credited``, ``written_off``, or the kind of its hold; ``"open"`` when
    it is due and still owed without a hold; None when it is not due yet on ``as_of`` (and still owed)."""
    if item.open_amount > 0:
        if item.hold is not None:
            return item.hold
        return "open" if item.due_on < as_of else None
    if item.written_off:
        return Reason.WRITTEN_OFF.value
    if item.credited and not item.paid:
        return Reason.CREDITED.value
    return Reason.PAID.value


def no_longer_needed(items: Iterable[TaskItem], as_of: date) -> NoLongerNeeded | None:
    """Close the task about ``items``? None while one of them is due and owed without a hold, or when none of them
    was settled or held (nothing says the task is done with)."""
    listed: list[tuple[str, str]] = []
    seen: set[int] = set()
    for item in items:
        if item.invoice_id in seen:
            continue
        seen.add(item.invoice_id)
        status = item_status(item, as_of)
        if status == "open":
            return None
        if status is not None:
            listed.append((item.number, status))
    if not listed:
        return None
    statuses = {status for _number, status in listed}
    if statuses - set(SETTLED):
        reason = Reason.ON_HOLD
    elif Reason.WRITTEN_OFF.value in statuses:
        reason = Reason.WRITTEN_OFF
    elif Reason.CREDITED.value in statuses:
        reason = Reason.CREDITED
    else:
        reason = Reason.PAID
    return NoLongerNeeded(reason, tuple(listed))
