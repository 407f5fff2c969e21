"""Invoices payable in several instalments (*facture à échéances multiples*): one invoice, one number, and a
schedule of amounts due each on its own date.

An invoice with a single due date has no schedule. An invoice with a schedule has two instalments or more, in
order of their due dates (strictly later each time), each for a positive amount, adding up to the invoice's total;
the invoice's own due date is the first instalment's.

What is settled on the invoice (payments and credit notes allocated to it) settles the instalments oldest first:
the first instalment is paid before the second is touched. So an instalment's open amount follows from the amount
settled on the whole invoice and from the amounts due up to it (``Due.open_of``), and the instalments' open
amounts always add up to the invoice's.

Pure: no Django, no database, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from .i18n import _

ZERO = Decimal("0.00")
MAX_INSTALMENTS = 120


class Part(NamedTuple):
    """One instalment as a file or a person gives it: its due date and amount."""

    due_on: date
    amount: Decimal


class Due(NamedTuple):
    """One instalment of an invoice as stored: its position (1, 2...) among ``of``, due date, amount, and the
    amount due up to and including it (``cumulative``)."""

    position: int
    of: int
    due_on: date
    amount: Decimal
    cumulative: Decimal

    def open_of(self, settled: Decimal) -> Decimal:
        """What is still open on this instalment when ``settled`` is settled on the whole invoice (oldest first)."""
        return min(self.amount, max(ZERO, self.cumulative - settled))


def schedule(parts: Sequence[Part]) -> tuple[Due, ...]:
    """The instalments of ``parts`` (already checked with ``schedule_errors``), numbered from 1."""
    out: list[Due] = []
    running = ZERO
    count = len(parts)
    for position, part in enumerate(parts, start=1):
        running += part.amount
        out.append(Due(position, count, part.due_on, part.amount, running))
    return tuple(out)


def merge_same_dates(parts: Sequence[Part]) -> tuple[Part, ...]:
    """The parts in date order, the amounts due on the same day added together."""
    by_day: dict[date, Decimal] = {}
    for part in parts:
        by_day[part.due_on] = by_day.get(part.due_on, ZERO) + part.amount
    return tuple(Part(day, amount) for day, amount in sorted(by_day.items()))


def schedule_errors(parts: Sequence[Part], *, total: Decimal, issued_on: date | None) -> list[str]:
    """Why ``parts`` cannot be the schedule of an invoice of ``total`` issued on ``issued_on`` (empty: it can).
    Messages name the instalment (its position) and are translated."""
    errors: list[str] = []
    if len(parts) < 2:
        errors.append(_("a schedule has two instalments at least; an invoice with one due date has none"))
        return errors
    if len(parts) > MAX_INSTALMENTS:
        errors.append(_("at most %(max)s instalments") % {"max": MAX_INSTALMENTS})
        return errors
    previous: date | None = None
    for position, part in enumerate(parts, start=1):
        where = {"position": position, "due": part.due_on.isoformat(), "amount": part.amount}
        if part.amount <= 0:
            errors.append(_("instalment %(position)s: %(amount)s is not a positive amount") % where)
        if issued_on is not None and part.due_on < issued_on:
            errors.append(
                _("instalment %(position)s: due %(due)s, before the issue date %(issued)s")
                % {**where, "issued": issued_on.isoformat()}
            )
        if previous is not None and part.due_on <= previous:
            errors.append(
                _("instalment %(position)s: due %(due)s, not after the instalment before it (%(previous)s)")
                % {**where, "previous": previous.isoformat()}
            )
        previous = part.due_on
    added = sum((p.amount for p in parts), ZERO)
    if added != total:
        errors.append(
            _("the instalments add up to %(sum)s, not to the invoice's total %(total)s")
            % {"sum": added, "total": total}
        )
    return errors


class ScheduleError(ValueError):
    """A schedule written in a way that cannot be read."""


def parse_schedule(
    text: str, *, read_date: Callable[[str], date], read_amount: Callable[[str], Decimal]
) -> tuple[Part, ...]:
    """Read ``2026-01-31:500.00;2026-02-28:500.00``: instalments separated by ``;``, each a due date and an amount
    separated by ``:`` (dates and amounts as the rest of the file writes them, read by ``read_date`` and
    ``read_amount``, which raise ``ValueError`` with a message). ``ScheduleError`` names the instalment that cannot
    be read."""
    parts: list[Part] = []
    pieces = [piece.strip() for piece in text.strip().strip(";").split(";")]
    for position, piece in enumerate(pieces, start=1):
        due_text, sep, amount_text = piece.partition(":")
        if not sep or not due_text.strip() or not amount_text.strip():
            raise ScheduleError(
                _("instalment %(position)s: %(text)r is not a due date and an amount (2026-01-31:500.00)")
                % {"position": position, "text": piece}
            )
        try:
            due_on = read_date(due_text.strip())
            amount = read_amount(amount_text.strip())
        except ValueError as exc:
            raise ScheduleError(
                _("instalment %(position)s: %(reason)s") % {"position": position, "reason": exc}
            ) from exc
        parts.append(Part(due_on, amount))
    return tuple(parts)
