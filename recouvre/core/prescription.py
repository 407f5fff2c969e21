"""Prescription (limitation) of a claim and the deadline to declare a claim in insolvency proceedings. Pure
decisions: nothing here reads today's date or the database (LEGAL-FR §4, §6.2, §10).

**Periods.** 5 years between traders or for a trader's claim on a non-trader arising from trade (C. com. L110-4;
C. civ. 2224); 2 years for a professional's claim on a consumer for goods or services (C. conso L218-2). A public
body's debts lapse under the four-year rule of loi 68-1250 (*déchéance quadriennale*: from the first of January
after the year the right arose, for four years) — outside LEGAL-FR's reference, so it is an option
(``Options.public_rule``, default the conservative four-year rule).

**Starting point.** Case law runs the period from the performance of the works or services (the day the claim
could be claimed), not from the invoice date (LEGAL-FR §4). Recouvre knows the invoice's issue date; the start is
``issued_on`` minus ``Options.performance_margin_days`` (0 by default, set it when invoices are issued well after
delivery), or the performance date when one is known. Counting from the due date instead is an option
(``Start.DUE_DATE``) for organizations whose counsel reads it so — it gives a later, less prudent date.

**End.** The last day to act is the start plus the period, on the same day-number (29 February -> 28 February);
the period is not moved to the next business day (CPC 642 is for procedural deadlines, not for prescription).

**Interruptions** (C. civ. 2231: a new period of the same length starts): acknowledgment of the debt by the debtor
(2240) — a signed acknowledgment, a signed payment plan, a partial payment —; a court claim (2241, lasting until the
proceedings end, 2242); a claim declared in insolvency proceedings (C. com. L622-25-1, lasting until the procedure is
closed). Only an event before the limitation date interrupts. **Suspension** (C. civ. 2238): an agreed mediation or
conciliation stops the clock from its start to its end, and the claim runs again for at least six months after it ends
(``recouvre.core.securities.suspended_limit``); while it runs, the limit is unknown (``None``). Reminders and formal
notices (*mise en demeure*) never interrupt. Whatever the interruptions, nothing runs past 20 years from the start (C.
civ. 2232).

**Insolvency claim declaration.** 2 months from the publication of the opening judgment in the BODACC, 4 months for
a creditor outside metropolitan France (R622-24); request for relief from foreclosure within 6 months (L622-26).
Months end on the same day-number or the month's last day (CPC 641) and a deadline ending on a Saturday, Sunday or
public holiday moves to the next business day (CPC 642)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .businessdays import FRANCE, BusinessCalendar
from .securities import Suspension, suspended_limit


class DebtorKind(StrEnum):
    BUSINESS = "business"
    CONSUMER = "consumer"
    PUBLIC = "public"


class Start(StrEnum):
    PERFORMANCE = "performance"  # the performance date when known, else the issue date minus the margin
    DUE_DATE = "due_date"


class EventKind(StrEnum):
    ACKNOWLEDGMENT = "acknowledgment"
    PAYMENT_PLAN = "payment_plan"
    PARTIAL_PAYMENT = "partial_payment"
    LEGAL_ACTION = "legal_action"
    INSOLVENCY_DECLARATION = "insolvency_declaration"
    # Suspends (C. civ. 2238): an agreed mediation or conciliation, from its start to its end (``ends_on``).
    AMICABLE = "amicable"
    # Recorded in Recouvre but never interruptive (LEGAL-FR §4 "Not interruptive").
    REMINDER = "reminder"
    FORMAL_NOTICE = "formal_notice"


INTERRUPTIVE = frozenset(
    {
        EventKind.ACKNOWLEDGMENT,
        EventKind.PAYMENT_PLAN,
        EventKind.PARTIAL_PAYMENT,
        EventKind.LEGAL_ACTION,
        EventKind.INSOLVENCY_DECLARATION,
    }
)
# Interruptions whose effect lasts while the proceedings run: the new period starts when they end.
LASTING = frozenset({EventKind.LEGAL_ACTION, EventKind.INSOLVENCY_DECLARATION})

LONG_STOP_YEARS = 20
ALERT_MONTHS = (6, 3, 1)


@dataclass(frozen=True, slots=True)
class Event:
    on: date
    kind: EventKind
    ends_on: date | None = None  # lasting events: the day the proceedings ended (None: still running)

    @property
    def interrupts(self) -> bool:
        return self.kind in INTERRUPTIVE


@dataclass(frozen=True, slots=True)
class Options:
    start: Start = Start.PERFORMANCE
    performance_margin_days: int = 0
    business_years: int = 5
    consumer_years: int = 2
    public_rule: str = "quadrennial"  # or "five_years"


DEFAULT_OPTIONS = Options()


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    debtor: DebtorKind
    issued_on: date
    due_on: date
    performed_on: date | None = None
    events: tuple[Event, ...] = ()


@dataclass(frozen=True, slots=True)
class Prescription:
    starts_on: date  # when the first period started
    years: int
    limit_on: date | None  # the last day to act; None while a court claim or a declaration keeps it interrupted
    interrupted_by: Event | None  # the last interruption taken into account
    running_from: date  # the start of the period running now (the last interruption, or the start)
    suspended: bool = False  # True when ``limit_on`` is None: proceedings, or a mediation, in progress
    suspended_by: Event | None = None  # the last mediation or conciliation that pushed the limit (C. civ. 2238)

    def alert(self, today: date) -> str:
        return alert_level(self.limit_on, today)


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months: the same day-number, or the month's last day (31 March + 1 = 30 April)."""
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_years(d: date, years: int) -> date:
    return add_months(d, 12 * years)


def years_for(debtor: DebtorKind, options: Options = DEFAULT_OPTIONS) -> int:
    if debtor is DebtorKind.CONSUMER:
        return options.consumer_years
    if debtor is DebtorKind.PUBLIC and options.public_rule == "quadrennial":
        return 4
    return options.business_years


def _period_end(start: date, debtor: DebtorKind, options: Options) -> date:
    if debtor is DebtorKind.PUBLIC and options.public_rule == "quadrennial":
        return date(start.year + 4, 12, 31)  # 1 January after the year of ``start``, plus four years
    return add_years(start, years_for(debtor, options))


def start_of(facts: ClaimFacts, options: Options = DEFAULT_OPTIONS) -> date:
    if options.start is Start.DUE_DATE:
        return facts.due_on
    if facts.performed_on is not None:
        return facts.performed_on
    return facts.issued_on - timedelta(days=options.performance_margin_days)


def compute(facts: ClaimFacts, options: Options = DEFAULT_OPTIONS) -> Prescription:
    """The limitation date of one claim with its interruptions and suspensions (see the module's docstring)."""
    start = start_of(facts, options)
    years = years_for(facts.debtor, options)
    long_stop = add_years(start, LONG_STOP_YEARS)
    limit: date | None = _period_end(start, facts.debtor, options)
    running_from = start
    last: Event | None = None
    suspensions: list[Event] = []
    suspended_by: Event | None = None

    def suspend(limit_on: date, event: Event) -> date | None:
        nonlocal suspended_by
        pushed = suspended_limit(limit_on, running_from, Suspension(event.on, event.ends_on))
        if pushed != limit_on:
            suspended_by = event
        return pushed

    for event in sorted(facts.events, key=lambda e: (e.on, e.kind)):
        if event.kind is EventKind.AMICABLE:
            if limit is None or event.on > limit:
                if limit is not None:
                    break  # prescribed before the mediation started
                continue
            if event.on < start:
                continue
            suspensions.append(event)
            limit = suspend(limit, event)
            continue
        if not event.interrupts or event.on < start:
            continue
        if limit is None and _open_lasting(last):
            break  # interrupted while the proceedings run
        if limit is not None and event.on > limit:
            break  # prescribed before the event
        # (limit None otherwise: a mediation still runs; an interruption starts a new period, suspended too)
        last = event
        if event.kind in LASTING:
            if event.ends_on is None:
                limit = None
                running_from = event.on
                continue
            running_from = event.ends_on
        else:
            running_from = event.on
        limit = _period_end(running_from, facts.debtor, options)
        for s in suspensions:  # a mediation that goes on, or ended, after the new period started
            if limit is None:
                break
            if s.ends_on is None or s.ends_on >= running_from:
                limit = suspend(limit, s)
    if limit is not None and limit > long_stop and (last is not None or suspended_by is not None):
        limit = long_stop
    return Prescription(start, years, limit, last, running_from, suspended=limit is None, suspended_by=suspended_by)


def _open_lasting(event: Event | None) -> bool:
    return event is not None and event.kind in LASTING and event.ends_on is None


def alert_level(limit_on: date | None, today: date) -> str:
    """ "overdue" once the limit has passed, "1m", "3m" or "6m" within that many months of it, else ""."""
    if limit_on is None:
        return ""
    if today > limit_on:
        return "overdue"
    for months in sorted(ALERT_MONTHS):
        if today >= add_months(limit_on, -months):
            return f"{months}m"
    return ""


# ------------------------------------------------------------------------------------ insolvency deadlines

DECLARATION_MONTHS = 2
OUTSIDE_METROPOLITAN_EXTRA_MONTHS = 2
FORECLOSURE_RELIEF_MONTHS = 6


def declaration_deadline(
    published_on: date, *, outside_metropolitan: bool = False, calendar_: BusinessCalendar = FRANCE
) -> date:
    """Last day to declare a claim: 2 months after the BODACC publication (4 for a creditor outside metropolitan
    France or a procedure opened overseas), moved to the next business day (CPC 641-642). BODACC 12 March 2026 ->
    12 May 2026 (12 July 2026 outside, a Sunday -> Monday 13 July)."""
    months = DECLARATION_MONTHS + (OUTSIDE_METROPOLITAN_EXTRA_MONTHS if outside_metropolitan else 0)
    return calendar_.next_business_day(add_months(published_on, months))


def foreclosure_relief_deadline(published_on: date, *, calendar_: BusinessCalendar = FRANCE) -> date:
    """Last day to ask the *juge-commissaire* for relief after a missed declaration (L622-26): 6 months."""
    return calendar_.next_business_day(add_months(published_on, FORECLOSURE_RELIEF_MONTHS))


def declaration_alert(deadline: date, today: date, *, declared: bool) -> str:
    """ "" once declared; "overdue" after the deadline; "7d" or "15d" close to it; "open" before."""
    if declared:
        return ""
    days = (deadline - today).days
    if days < 0:
        return "overdue"
    if days <= 7:
        return "7d"
    if days <= 15:
        return "15d"
    return "open"
