"""French late-payment interest and the 40 EUR recovery indemnity, for one invoice (``docs/interest.md``).

Regimes (``Regime``):

- **b2b** (C. com. L441-10 II): from the day after the due date printed on the invoice, no reminder needed, at the
  ECB main refinancing rate in force on 1 January (days of January-June) or 1 July (days of July-December)
  + 10 points, each day at its own half-year's rate. ``Options.rate_frozen_at_start`` takes instead the rate of the
  half-year in which the delay started for the whole delay (the other reading of the text, LEGAL-FR §1.3). A
  contractual rate (``ContractRate``: a fixed rate, N × the legal interest rate, or the ECB rate + N points)
  replaces it, but never below 3 × the legal interest rate "all other cases" of the same half-year: below it the
  clause is not a valid derogation and that half-year takes the statutory rate (``BelowFloor.STATUTORY``, the
  default, LEGAL-FR §1.3 "floor anomaly"), or the floor itself (``BelowFloor.FLOOR``, the other reading, since
  LEGAL-FR marks the point uncertain), and a note says so. The floor only constrains a contractual rate: in 2024
  it exceeded the statutory rate, which still applies when the contract is silent. 40 EUR indemnity per late
  invoice (D441-5) plus documented extra recovery costs.
- **b2c** and **civil** (C. civ. 1231-6, 1344-1; C. mon. fin. L313-2, L313-3): the legal interest rate of the
  creditor's category, each day at its own half-year's rate, from the day after the *mise en demeure* (or after
  the judgment when there is no notice); + 5 points from the day after two months have passed since the judgment
  became enforceable. A company collecting from a consumer (b2c) uses the "all other cases" rate; ``civil`` takes
  the creditor's category from ``Claim.creditor``. Never an indemnity or recovery costs (CPCE L111-8).
- **public** (CCP L2192-13, R2192-31): the ECB rate in force on the first day of the half-year in which the delay
  started + 8 points, fixed for the whole delay, and the 40 EUR indemnity.

The base is the amount including tax still unpaid: a payment reduces it from the day after it is received, a
credit note from its own date (LEGAL-FR §1.3). The debtor's payments and credit notes not allocated to any invoice
yet reduce it the same way (``Claim.credits``): interest runs on what is actually overdue once the money already
received is counted, allocated to the oldest overdue invoices first (``allocate_credits``); they never change the
principal still owed on the invoice, nor the 40 EUR indemnity, owed for each invoice paid late. Interest is
simple: ``base × rate × days / divisor`` for each period of constant base and rate, the divisor being 365
(default), 360, or the days of the year the period falls in (``DayCount.ACTUAL``: periods are split at 1 January).

**Rounding, the one rule:** periods keep full precision (``Period.interest``); the interest of the invoice is their
exact sum rounded once, half-up to the cent (``InterestResult.interest``). Nothing else is rounded: the base and
the indemnity are already in cents, and a period's interest shown to the cent (``Period.interest_cents``, the
calculator's table and JSON) is for reading only, never summed. Claims on several invoices add the rounded
interest of each invoice. So interest split at a date into two windows adds up exactly before rounding, and to
within one cent after.

**Rates not published yet.** Every day whose rate is known is computed. The days of a half-year whose ECB rate or
legal interest rate is missing from the tables are carried as ``OpenPeriod`` (start, end, base and the legal rule
as data, ``recouvre.core.raterules``): the result is then not ``complete``, its totals are *à parfaire*, and the
rule is claimed in words ("taux BCE + 10 points à compter du 1er juillet 2026"). The 40 EUR indemnity never
depends on a rate. A public buyer's rate is fixed for the whole delay, so a delay starting in a half-year whose ECB
rate is missing is open as a whole. ``compute(..., strict=True)`` raises ``MissingRateError`` naming the first
missing half-year instead.

Everything here is pure: the rate tables and ``until`` are passed in. A claim that cannot be computed without
guessing raises ``ClaimError``.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from typing import Any

from .i18n import _
from .raterules import ContractKind, ContractRate, OpenPeriod, RateRule, RuleKind
from .ratetables import Creditor, HalfYear, MissingRateError, RateKind, RateTables

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
FIXED_INDEMNITY = Decimal("40.00")  # EUR per late invoice, C. com. D441-5 and CCP D2192-35
B2B_POINTS = Decimal(10)  # C. com. L441-10 II
PUBLIC_POINTS = Decimal(8)  # CCP R2192-31
FLOOR_MULTIPLE = Decimal(3)  # C. com. L441-10 II: a contractual rate is at least 3 × the legal interest rate
JUDGMENT_UPLIFT_POINTS = Decimal(5)  # C. mon. fin. L313-3
JUDGMENT_UPLIFT_MONTHS = 2
HALF_YEAR_RULES_SINCE = date(2013, 1, 1)  # half-year fixing and the 40 EUR indemnity (loi 2012-387, décret 2012-1115)
_PRECISION = 60  # significant digits of the unrounded computations


class ClaimError(ValueError):
    """A claim that cannot be computed without guessing (a missing date, payments above the amount...)."""


class Regime(StrEnum):
    B2B = "b2b"
    B2C = "b2c"
    CIVIL = "civil"
    PUBLIC = "public"

    @property
    def professional_debtor(self) -> bool:
        """Whether the debtor owes the 40 EUR indemnity and documented recovery costs."""
        return self in (Regime.B2B, Regime.PUBLIC)


class DayCount(StrEnum):
    D365 = "365"
    D360 = "360"
    ACTUAL = "actual"  # 365, or 366 for the days of a leap year


class BelowFloor(StrEnum):
    """What replaces a contractual rate below 3 × the legal interest rate."""

    FLOOR = "floor"  # the floor itself (the contractual rate raised to the legal minimum)
    STATUTORY = "statutory"  # the statutory rate, ECB + 10 points (LEGAL-FR §1.3 "floor anomaly" handling)


class ReductionKind(StrEnum):
    PAYMENT = "payment"  # reduces the base from the day after it is received
    CREDIT_NOTE = "credit_note"  # reduces the base from its own date


@dataclass(frozen=True, slots=True)
class Reduction:
    """A payment received or a credit note, on ``on``, for ``amount`` (positive, in cents)."""

    on: date
    amount: Decimal
    kind: ReductionKind = ReductionKind.PAYMENT

    @property
    def reduces_from(self) -> date:
        return self.on + timedelta(days=1) if self.kind is ReductionKind.PAYMENT else self.on


@dataclass(frozen=True, slots=True)
class Claim:
    """One invoice: ``amount`` including tax, the due date printed on it, and what the law needs to know."""

    amount: Decimal
    due_on: date
    regime: Regime = Regime.B2B
    reductions: tuple[Reduction, ...] = ()
    contract_rate: ContractRate | Decimal | None = None  # b2b only; a Decimal is a fixed rate in percent per year
    notice_on: date | None = None  # the mise en demeure (b2c, civil)
    judgment_enforceable_on: date | None = None  # a money judgment became enforceable (b2c, civil)
    creditor: Creditor = Creditor.PROFESSIONAL  # whose legal rate (civil); b2c is always a professional creditor
    extra_costs: Decimal = ZERO  # documented recovery costs beyond the 40 EUR (b2b, public)
    credits: tuple[Reduction, ...] = ()
    """The debtor's unapplied payments and credit notes counted against this invoice (``allocate_credits``): they
    reduce the base of the interest as ``reductions`` do, but neither the principal nor the indemnity."""

    def __post_init__(self) -> None:
        if isinstance(self.contract_rate, Decimal | int):
            object.__setattr__(self, "contract_rate", ContractRate(ContractKind.FIXED, Decimal(self.contract_rate)))

    @property
    def contract(self) -> ContractRate | None:
        assert not isinstance(self.contract_rate, Decimal)
        return self.contract_rate


@dataclass(frozen=True, slots=True)
class Options:
    day_count: DayCount = DayCount.D365
    rate_frozen_at_start: bool = False  # b2b: the rate of the half-year the delay started in, for the whole delay
    below_floor: BelowFloor = BelowFloor.STATUTORY
    count_start_day: bool = False  # b2c, civil: the day of the notice (or judgment) itself bears interest


DEFAULT_OPTIONS = Options()


@dataclass(frozen=True, slots=True)
class Period:
    """Days ``start`` to ``end`` (both included) on a constant ``base`` at a constant ``rate`` (percent)."""

    start: date
    end: date
    base: Decimal
    rate: Decimal
    divisor: int
    interest: Decimal  # full precision, never rounded

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def interest_cents(self) -> Decimal:
        """For reading only: the invoice's interest is rounded from the exact sum of its periods."""
        return self.interest.quantize(CENT, rounding=ROUND_HALF_UP)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "days": self.days,
            "base": _cents(self.base),
            "rate": rate_text(self.rate),
            "interest": str(self.interest_cents),
        }


@dataclass(frozen=True, slots=True)
class Note:
    """Something the reader of the result must know (a floor applied, a reading chosen...)."""

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class InterestResult:
    principal: Decimal  # still unpaid on ``until`` (amount less payments received and credit notes dated by then)
    exact_interest: Decimal  # the exact sum of the periods
    interest: Decimal  # rounded once, half-up to the cent
    indemnity: Decimal  # 40.00 for a late invoice of a professional debtor, else 0.00
    extra_costs: Decimal
    periods: tuple[Period, ...]
    notes: tuple[Note, ...] = field(default=())
    open_periods: tuple[OpenPeriod, ...] = field(default=())  # days whose rate is not published yet
    missing: tuple[tuple[RateKind, HalfYear], ...] = field(default=())  # the figures they wait for (staff only)

    @property
    def complete(self) -> bool:
        """False when some days are claimed by their rule only: the interest and the totals are *à parfaire*."""
        return not self.open_periods

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.indemnity + self.extra_costs

    @property
    def penalties(self) -> Decimal:
        """What is claimed on top of the principal: interest, indemnity and extra costs."""
        return self.interest + self.indemnity + self.extra_costs

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        """The calculator's JSON: decimal strings; ``extra_costs`` only when there are some; ``open_periods`` with
        their rule in words in ``language`` (and as data, ``formula``)."""
        out: dict[str, Any] = {
            "complete": self.complete,
            "principal": _cents(self.principal),
            "interest": str(self.interest),
            "indemnity": str(self.indemnity),
        }
        if self.extra_costs:
            out["extra_costs"] = _cents(self.extra_costs)
        out["total"] = _cents(self.total)
        out["periods"] = [p.as_dict() for p in self.periods]
        out["open_periods"] = [p.as_dict(language) for p in self.open_periods]
        out["notes"] = [n.as_dict() for n in self.notes]
        return out


def split_by_instalment(reductions: Sequence[Reduction], amounts: Sequence[Decimal]) -> list[list[Reduction]]:
    """Share ``reductions`` (payments and credit notes, in date order) among instalments of ``amounts``: each
    settles the oldest instalment still open first, as the ledger does; what exceeds them all goes to the last."""
    shares: list[list[Reduction]] = [[] for _ in amounts]
    left = list(amounts)
    k = 0
    for r in sorted(reductions, key=lambda r: (r.on, r.kind)):
        rest = r.amount
        while rest > 0:
            while k < len(left) - 1 and left[k] <= 0:
                k += 1
            part = rest if k == len(left) - 1 else min(rest, left[k])
            shares[k].append(Reduction(r.on, part, r.kind))
            left[k] -= part
            rest -= part
    return shares


def compute_instalments(
    claim: Claim,
    dues: Sequence[tuple[date, Decimal]],
    until: date,
    tables: RateTables,
    options: Options = DEFAULT_OPTIONS,
    *,
    since: date | None = None,
) -> InterestResult:
    """``compute`` for an invoice payable in several instalments (``dues``: due date and amount, in order, adding
    up to the claim's amount): each instalment bears interest from its own due date, on what is left of it once
    the payments and credits settled the instalments oldest first; the 40 EUR indemnity is counted once for the
    invoice (when any instalment is paid late), and extra costs once."""
    amounts = [amount for _due, amount in dues]
    reductions = split_by_instalment(claim.reductions, amounts)
    credits = split_by_instalment(claim.credits, amounts)
    results = [
        compute(
            Claim(
                amount=amount,
                due_on=due_on,
                regime=claim.regime,
                reductions=tuple(reductions[k]),
                contract_rate=claim.contract_rate,
                notice_on=claim.notice_on,
                judgment_enforceable_on=claim.judgment_enforceable_on,
                creditor=claim.creditor,
                extra_costs=claim.extra_costs if k == 0 else ZERO,
                credits=tuple(credits[k]),
            ),
            until,
            tables,
            options,
            since=since,
        )
        for k, (due_on, amount) in enumerate(dues)
    ]
    exact = sum((r.exact_interest for r in results), ZERO)
    notes: list[Note] = []
    for r in results:
        notes.extend(n for n in r.notes if n not in notes)
    missing: list[tuple[RateKind, HalfYear]] = []
    for r in results:
        missing.extend(m for m in r.missing if m not in missing)
    return InterestResult(
        principal=sum((r.principal for r in results), ZERO),
        exact_interest=exact,
        interest=exact.quantize(CENT, rounding=ROUND_HALF_UP),
        indemnity=max((r.indemnity for r in results), default=ZERO),
        extra_costs=sum((r.extra_costs for r in results), ZERO),
        periods=tuple(sorted((p for r in results for p in r.periods), key=lambda p: (p.start, p.end))),
        notes=tuple(notes),
        open_periods=tuple(p for r in results for p in r.open_periods),
        missing=tuple(missing),
    )


def compute(
    claim: Claim,
    until: date,
    tables: RateTables,
    options: Options = DEFAULT_OPTIONS,
    *,
    since: date | None = None,
    strict: bool = False,
) -> InterestResult:
    """Interest, indemnity and principal of ``claim`` for the days up to ``until`` included (the day the funds are
    received, or today for "to date"). With ``since``, only the days after ``since`` bear interest, and the
    indemnity and extra costs are counted only when the delay starts after ``since`` (a statement following another
    one), so that they are claimed once. Days whose rate is not in ``tables`` are carried as open periods (see the
    module description); with ``strict`` they raise ``MissingRateError`` instead."""
    _check(claim)
    first_day = _first_day(claim, options)
    counted_from = first_day if since is None else max(first_day, since + timedelta(days=1))
    principal = claim.amount - sum((r.amount for r in claim.reductions if r.on <= until), ZERO)
    notes: list[Note] = []
    # late: the invoice was not paid by its due date (unapplied credits aside: the indemnity is per invoice paid late)
    late = until >= first_day and _base_on(claim, first_day, credits=False) > 0
    # the indemnity and the extra costs belong to the window in which the delay starts (counted once)
    in_window = late and (since is None or since < first_day)
    indemnity = FIXED_INDEMNITY if claim.regime.professional_debtor and in_window else ZERO
    extra_costs = claim.extra_costs if in_window else ZERO
    if claim.extra_costs and not late:
        notes.append(Note("not_late", _("the invoice is not late: no recovery costs are claimable")))
    if claim.regime in (Regime.B2B, Regime.PUBLIC) and counted_from <= until and first_day < HALF_YEAR_RULES_SINCE:
        raise ClaimError(
            _(
                "a delay starting on %(day)s is before 1 January 2013: the half-year rates and the 40 EUR indemnity "
                "did not exist yet, and Recouvre does not compute the earlier rules"
            )
            % {"day": first_day.isoformat()}
        )
    periods: list[Period] = []
    open_periods: list[OpenPeriod] = []
    missing: list[tuple[RateKind, HalfYear]] = []
    if counted_from <= until:
        rate_of = _rate_function(claim, options, tables, first_day, notes)
        for start, end in _segments(claim, counted_from, until):
            base = _base_on(claim, start)
            if base <= 0:
                continue
            try:
                rate = rate_of(start)
            except MissingRateError as exc:
                if strict:
                    raise
                if (exc.kind, exc.half_year) not in missing:
                    missing.append((exc.kind, exc.half_year))
                rule = _open_rule(claim, options, first_day, start)
                last = open_periods[-1] if open_periods else None
                if (
                    last is not None
                    and last.end + timedelta(days=1) == start
                    and (last.base, last.rule) == (base, rule)
                ):
                    open_periods[-1] = OpenPeriod(last.start, end, base, rule)
                else:
                    open_periods.append(OpenPeriod(start, end, base, rule))
                continue
            divisor = _divisor(options.day_count, start)
            with localcontext() as ctx:
                ctx.prec = _PRECISION
                days = (end - start).days + 1
                interest = base * rate * days / (100 * divisor)
            previous = periods[-1] if periods else None
            if (
                previous is not None
                and previous.end + timedelta(days=1) == start
                and (previous.base, previous.rate, previous.divisor) == (base, rate, divisor)
            ):
                with localcontext() as ctx:
                    ctx.prec = _PRECISION
                    periods[-1] = Period(previous.start, end, base, rate, divisor, previous.interest + interest)
            else:
                periods.append(Period(start, end, base, rate, divisor, interest))
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        exact = sum((p.interest for p in periods), Decimal(0))
    counted = [c for c in claim.credits if c.reduces_from <= until]
    if counted and counted_from <= until:
        notes.append(
            Note(
                "unapplied_credits",
                _(
                    "interest on the amount less %(amount)s of payments and credit notes not applied yet, from "
                    "%(day)s (the unapplied credits go to the oldest overdue invoices first)"
                )
                % {
                    "amount": _cents(sum((c.amount for c in counted), ZERO)),
                    "day": min(c.reduces_from for c in counted).isoformat(),
                },
            )
        )
    if not claim.regime.professional_debtor:
        notes.append(
            Note(
                "no_indemnity",
                _("no 40 EUR indemnity and no recovery costs: they are owed by professional debtors only"),
            )
        )
    if options.day_count is not DayCount.D365:
        notes.append(Note("day_count", _("day count: %(rule)s") % {"rule": _DAY_COUNT_TEXT[options.day_count]()}))
    if open_periods:
        notes.append(
            Note(
                "to_be_completed",
                _(
                    "from %(day)s the rate is not published yet: those days are claimed by their legal rule and the "
                    "interest and the totals are to be completed"
                )
                % {"day": open_periods[0].start.isoformat()},
            )
        )
    return InterestResult(
        principal=principal,
        exact_interest=exact,
        interest=exact.quantize(CENT, rounding=ROUND_HALF_UP),
        indemnity=indemnity,
        extra_costs=extra_costs,
        periods=tuple(periods),
        notes=tuple(_unique(notes)),
        open_periods=tuple(open_periods),
        missing=tuple(missing),
    )


def allocate_credits(
    invoices: Sequence[tuple[int, Decimal]], credits: Sequence[Reduction]
) -> dict[int, tuple[Reduction, ...]]:
    """A debtor's payments and credit notes not applied yet, in one currency, shared for the interest computation
    among its overdue invoices: ``invoices`` as ``(invoice id, open amount)`` oldest due date first, ``credits``
    taken oldest first. Each invoice gets at most its open amount; what is left once every invoice is covered is
    not counted. Returns, by invoice id, the parts of the credits it gets (each keeping its credit's date and kind,
    so it reduces the base from the day an allocation of that credit would); invoices that get nothing are absent."""
    pending: list[list[Any]] = [[c, c.amount] for c in sorted(credits, key=lambda c: (c.on, c.kind)) if c.amount > 0]
    out: dict[int, tuple[Reduction, ...]] = {}
    index = 0
    for invoice_id, open_amount in invoices:
        room = open_amount
        parts: list[Reduction] = []
        while room > 0 and index < len(pending):
            credit, left = pending[index]
            take = min(room, left)
            parts.append(Reduction(credit.on, take, credit.kind))
            room -= take
            left -= take
            if left > 0:
                pending[index][1] = left
            else:
                index += 1
        if parts:
            out[invoice_id] = tuple(parts)
        if index >= len(pending):
            break
    return out


def total_of(results: Iterable[InterestResult]) -> dict[str, Decimal]:
    """The claim on several invoices: each invoice's rounded amounts added up (never their unrounded interest)."""
    rows = list(results)
    return {
        "principal": sum((r.principal for r in rows), ZERO),
        "interest": sum((r.interest for r in rows), ZERO),
        "indemnity": sum((r.indemnity for r in rows), ZERO),
        "extra_costs": sum((r.extra_costs for r in rows), ZERO),
        "total": sum((r.total for r in rows), ZERO),
    }


# --------------------------------------------------------------------------------------------- internals


_DAY_COUNT_TEXT = {
    DayCount.D365: lambda: _("amount × rate × days / 365"),
    DayCount.D360: lambda: _("amount × rate × days / 360"),
    DayCount.ACTUAL: lambda: _("amount × rate × days / days of the year (366 in a leap year)"),
}


def _check(claim: Claim) -> None:
    if claim.amount <= 0:
        raise ClaimError(_("the amount must be positive, not %(amount)s") % {"amount": claim.amount})
    for amount in (claim.amount, claim.extra_costs, *(r.amount for r in claim.reductions)):
        if amount != amount.quantize(CENT):
            raise ClaimError(_("amounts are in cents: %(amount)s has more decimals") % {"amount": amount})
    for r in claim.reductions:
        if r.amount <= 0:
            raise ClaimError(
                _("a payment or credit note must be positive: %(amount)s on %(day)s")
                % {"amount": r.amount, "day": r.on.isoformat()}
            )
    for c in claim.credits:
        if c.amount <= 0 or c.amount != c.amount.quantize(CENT):
            raise ClaimError(
                _("an unapplied credit must be positive, in cents: %(amount)s on %(day)s")
                % {"amount": c.amount, "day": c.on.isoformat()}
            )
    reduced = sum((r.amount for r in (*claim.reductions, *claim.credits)), ZERO)
    if reduced > claim.amount:
        raise ClaimError(
            _("payments and credit notes (%(reduced)s) exceed the amount (%(amount)s)")
            % {"reduced": _cents(reduced), "amount": _cents(claim.amount)}
        )
    if claim.extra_costs < 0:
        raise ClaimError(_("extra recovery costs cannot be negative"))
    if claim.regime is Regime.B2B:
        if claim.judgment_enforceable_on is not None:
            raise ClaimError(_("the 5-point judgment uplift applies to legal interest (b2c, civil), not to b2b"))
    elif claim.contract_rate is not None:
        raise ClaimError(
            _("a contractual rate applies to the b2b regime only (public buyers: CCP R2192-31 sets the rate)")
        )
    if claim.contract is not None and claim.contract.value < 0:
        raise ClaimError(_("a contractual rate cannot be negative"))
    if not claim.regime.professional_debtor and claim.extra_costs:
        raise ClaimError(
            _(
                "recovery costs cannot be charged to a consumer or a civil debtor without an enforceable title "
                "(CPCE L111-8); they are claimable from professional debtors only (C. com. L441-10)"
            )
        )
    if claim.regime is Regime.PUBLIC and claim.notice_on is not None:
        raise ClaimError(_("public buyers owe interest without any notice: leave out the notice date"))
    if claim.regime is Regime.B2C and claim.creditor is Creditor.INDIVIDUAL:
        raise ClaimError(
            _("in the b2c regime the creditor is a professional; for a private individual's claim use the civil regime")
        )


def _first_day(claim: Claim, options: Options) -> date:
    """The first day that bears interest."""
    day_after_due = claim.due_on + timedelta(days=1)
    if claim.regime in (Regime.B2B, Regime.PUBLIC):
        return day_after_due
    start = claim.notice_on or claim.judgment_enforceable_on
    if start is None:
        raise ClaimError(
            _(
                "legal interest runs from the mise en demeure (formal notice) or the judgment: give its date "
                "(the due date itself when the contract says that falling due puts the debtor in default)"
            )
        )
    return max(start if options.count_start_day else start + timedelta(days=1), day_after_due)


def _base_on(claim: Claim, day: date, *, credits: bool = True) -> Decimal:
    """The base of ``day``: the amount less the payments and credit notes counted by then, and (``credits``) the
    unapplied credits counted against it."""
    counted = (*claim.reductions, *claim.credits) if credits else claim.reductions
    return claim.amount - sum((r.amount for r in counted if r.reduces_from <= day), ZERO)


def _uplift_from(claim: Claim) -> date | None:
    """The first day of the +5 points: the day after two months have passed since the judgment became enforceable
    (months counted as in CPC 641: same day number, or the last day of a shorter month)."""
    if claim.judgment_enforceable_on is None:
        return None
    return add_months(claim.judgment_enforceable_on, JUDGMENT_UPLIFT_MONTHS) + timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months; 31 March + 1 month is 30 April."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _segments(claim: Claim, counted_from: date, until: date) -> list[tuple[date, date]]:
    """Consecutive day ranges from ``counted_from`` to ``until`` in which nothing changes: cut at each half-year
    (so at each 1 January too, where the actual day count changes its divisor), each change of the base and the
    judgment uplift."""
    cuts = {counted_from, until + timedelta(days=1)}
    half = HalfYear.of(counted_from).next()
    while half.start <= until:
        cuts.add(half.start)
        half = half.next()
    cuts.update(r.reduces_from for r in (*claim.reductions, *claim.credits) if counted_from < r.reduces_from <= until)
    uplift = _uplift_from(claim)
    if uplift is not None and counted_from < uplift <= until:
        cuts.add(uplift)
    ordered = sorted(cuts)
    return [(a, b - timedelta(days=1)) for a, b in zip(ordered, ordered[1:], strict=False)]


def _divisor(day_count: DayCount, day: date) -> int:
    if day_count is DayCount.D360:
        return 360
    if day_count is DayCount.ACTUAL:
        return 366 if calendar.isleap(day.year) else 365
    return 365


def _rate_function(
    claim: Claim, options: Options, tables: RateTables, first_day: date, notes: list[Note]
) -> Callable[[date], Decimal]:
    """The annual rate (percent) of a day, for this claim; adds the notes the reader needs as rates are found.
    Raises ``MissingRateError`` for a day whose rate needs a figure missing from ``tables``."""
    started = HalfYear.of(first_day)
    if claim.regime is Regime.PUBLIC:

        def public(day: date) -> Decimal:
            ecb = tables.ecb_in_force(started)
            rate = ecb + PUBLIC_POINTS
            notes.append(
                Note(
                    "public_rate_fixed",
                    _(
                        "ECB rate in force on %(day)s (%(ecb)s %%) + 8 points = %(rate)s %%, fixed for the whole "
                        "delay (CCP R2192-31)"
                    )
                    % {"day": started.start.isoformat(), "ecb": rate_text(ecb), "rate": rate_text(rate)},
                )
            )
            return rate

        return public

    if claim.regime is Regime.B2B:
        if options.rate_frozen_at_start:
            notes.append(
                Note(
                    "rate_frozen_at_start",
                    _("rate of %(half_year)s, the half-year in which the delay started, for the whole delay")
                    % {"half_year": started.label},
                )
            )
        contract = claim.contract

        def b2b(day: date) -> Decimal:
            half = started if options.rate_frozen_at_start else HalfYear.of(day)
            ecb = tables.ecb_in_force(half)
            statutory = ecb + B2B_POINTS
            if contract is None:
                return statutory
            legal = tables.legal_rate(half).professionals
            floor = FLOOR_MULTIPLE * legal
            if contract.kind is ContractKind.FIXED:
                agreed = contract.value
            elif contract.kind is ContractKind.LEGAL_MULTIPLE:
                agreed = contract.value * legal
            else:
                agreed = ecb + contract.value
            if agreed >= floor:
                return agreed
            values = {
                "half_year": half.label,
                "rate": rate_text(agreed),
                "legal": rate_text(legal),
                "floor": rate_text(floor),
                "statutory": rate_text(statutory),
                "ecb": rate_text(ecb),
            }
            if options.below_floor is BelowFloor.STATUTORY:
                notes.append(
                    Note(
                        "contract_rate_below_floor",
                        _(
                            "%(half_year)s: the contractual rate %(rate)s %% is below the legal floor of 3 × the "
                            "legal interest rate (3 × %(legal)s %% = %(floor)s %%): it is not a valid derogation, so "
                            "the statutory rate %(statutory)s %% (ECB %(ecb)s %% + 10 points) applies to this "
                            "half-year"
                        )
                        % values,
                    )
                )
                return statutory
            notes.append(
                Note(
                    "contract_rate_below_floor",
                    _(
                        "%(half_year)s: the contractual rate %(rate)s %% is below the legal floor of 3 × the legal "
                        "interest rate (3 × %(legal)s %% = %(floor)s %%); the floor is applied"
                    )
                    % values,
                )
            )
            return floor

        return b2b

    creditor = Creditor.PROFESSIONAL if claim.regime is Regime.B2C else claim.creditor
    uplift = _uplift_from(claim)
    if uplift is not None:
        notes.append(
            Note(
                "judgment_uplift",
                _(
                    "+ 5 points from %(day)s, two months after the judgment became enforceable on %(judgment)s "
                    "(C. mon. fin. L313-3)"
                )
                % {"day": uplift.isoformat(), "judgment": _date_text(claim.judgment_enforceable_on)},
            )
        )
    notes.append(
        Note(
            "legal_rate_category",
            _("legal interest rate for claims of natural persons not acting for professional needs")
            if creditor is Creditor.INDIVIDUAL
            else _('legal interest rate "all other cases" (the creditor is a professional)'),
        )
    )

    def legal(day: date) -> Decimal:
        rate = tables.legal_rate(HalfYear.of(day)).for_creditor(creditor)
        if uplift is not None and day >= uplift:
            rate += JUDGMENT_UPLIFT_POINTS
        return rate

    return legal


def _open_rule(claim: Claim, options: Options, first_day: date, day: date) -> RateRule:
    """The legal rule of ``day`` when its rate is not published yet (see ``recouvre.core.raterules``)."""
    started = HalfYear.of(first_day)
    if claim.regime is Regime.PUBLIC:
        return RateRule(RuleKind.PUBLIC, started, PUBLIC_POINTS)
    if claim.regime is Regime.B2B:
        half = started if options.rate_frozen_at_start else HalfYear.of(day)
        if claim.contract is None:
            return RateRule(RuleKind.STATUTORY, half, B2B_POINTS)
        return RateRule(
            RuleKind.CONTRACT,
            half,
            B2B_POINTS,
            contract=claim.contract,
            below_floor_statutory=options.below_floor is BelowFloor.STATUTORY,
        )
    creditor = Creditor.PROFESSIONAL if claim.regime is Regime.B2C else claim.creditor
    uplift = _uplift_from(claim)
    points = JUDGMENT_UPLIFT_POINTS if uplift is not None and day >= uplift else Decimal(0)
    return RateRule(RuleKind.LEGAL, HalfYear.of(day), points, creditor)


def _unique(notes: Sequence[Note]) -> list[Note]:
    seen: set[Note] = set()
    out = []
    for note in notes:
        if note not in seen:
            seen.add(note)
            out.append(note)
    return out


def _cents(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def rate_text(rate: Decimal) -> str:
    """``13.15``, ``12.50``, ``0.04``, ``12.125``: at least two decimals, never fewer than the rate has."""
    two = rate.quantize(CENT)
    return str(two) if two == rate else str(rate.normalize())


def _date_text(day: date | None) -> str:
    return day.isoformat() if day else ""
