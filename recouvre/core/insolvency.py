"""Insolvency and over-indebtedness: which claims are due at the opening judgment, which carry the 40 EUR
indemnity, and the deadlines the creditor must keep (LEGAL-FR §2.6, §6). Pure functions: no Django, dates passed in.

- **Due or to fall due** (L622-25): a claim is declared as *due* when its due date is on or before the opening
  judgment, else as *to fall due* with its due date. A liquidation makes every claim due at the judgment (L643-1),
  unless the court authorised the business to go on: then claims not yet due stay to fall due.
- **Indemnity** (L441-10 II, last sentence): the 40 EUR indemnity is claimed only for an invoice already overdue at
  the judgment (due date before it); a sum falling due after it, or made due by the liquidation, carries none.
  Interest is counted up to the judgment only (L622-28), so an invoice not overdue at the judgment carries none.
- **Retention of title** (L624-9): goods sold under a retention-of-title clause are claimed within 3 months of the
  BODACC publication of the opening judgment.
- **Over-indebtedness** (C. conso): 30 days from its receipt to contest the statement of debts the commission sent
  (R723-3); when a *rétablissement personnel avec liquidation judiciaire* is published at the BODACC, 2 months from
  the publication to declare the claim.

Month deadlines end on the same day-number (the month's last day when it has none) and, like day deadlines, move to
the next business day when they end on a Saturday, a Sunday or a public holiday (CPC 640-642). LEGAL-FR marks the
three durations above as to be checked (⚠️): they are the named constants below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .businessdays import FRANCE, BusinessCalendar
from .prescription import add_months

RETENTION_OF_TITLE_MONTHS = 3  # C. com. L624-9
DEBT_STATEMENT_CONTEST_DAYS = 30  # C. conso R723-3
PERSONAL_RECOVERY_DECLARATION_MONTHS = 2  # rétablissement personnel avec liquidation judiciaire


@dataclass(frozen=True, slots=True)
class ClaimStanding:
    """How one invoice is declared: ``falls_due`` (declared with its due date), ``made_due`` (not yet due but made
    due by the liquidation), and whether interest and the 40 EUR indemnity to the judgment are claimed."""

    falls_due: bool
    made_due: bool
    overdue: bool  # already overdue at the judgment: interest to the judgment and the indemnity are claimed


def standing(due_on: date, judgment_on: date, *, accelerated: bool) -> ClaimStanding:
    """``due_on`` of an invoice covered by proceedings opened on ``judgment_on``; ``accelerated``: a liquidation
    without authorised continued activity. Due 10 March, judgment 2 March: to fall due (due in a liquidation, with
    no indemnity); due 31 December, judgment 2 March: overdue, interest and indemnity; due on the judgment day: due,
    but not yet overdue (no indemnity)."""
    not_yet_due = due_on > judgment_on
    return ClaimStanding(
        falls_due=not_yet_due and not accelerated,
        made_due=not_yet_due and accelerated,
        overdue=due_on < judgment_on,
    )


def month_deadline(start: date, months: int, calendar_: BusinessCalendar = FRANCE) -> date:
    return calendar_.next_business_day(add_months(start, months))


def retention_of_title_deadline(published_on: date, *, calendar_: BusinessCalendar = FRANCE) -> date:
    """Last day to claim goods sold under a retention-of-title clause: BODACC 12 March 2026 -> 12 June 2026."""
    return month_deadline(published_on, RETENTION_OF_TITLE_MONTHS, calendar_)


def debt_statement_contest_deadline(received_on: date, *, calendar_: BusinessCalendar = FRANCE) -> date:
    """Last day to contest the statement of debts received on ``received_on`` (the day of receipt not counted):
    received Friday 2 October 2026 -> Sunday 1 November (a holiday too) -> Monday 2 November 2026."""
    return calendar_.deadline(received_on, DEBT_STATEMENT_CONTEST_DAYS)


def personal_recovery_declaration_deadline(published_on: date, *, calendar_: BusinessCalendar = FRANCE) -> date:
    """Last day to declare the claim after a *rétablissement personnel avec liquidation judiciaire* published at the
    BODACC on ``published_on``: 2 months."""
    return month_deadline(published_on, PERSONAL_RECOVERY_DECLARATION_MONTHS, calendar_)


def deadline_alert(deadline: date, today: date) -> str:
    """ "overdue" after the deadline; "7d" or "15d" close to it; "open" before (the alerts of the declaration)."""
    days = (deadline - today).days
    if days < 0:
        return "overdue"
    if days <= 7:
        return "7d"
    if days <= 15:
        return "15d"
    return "open"
