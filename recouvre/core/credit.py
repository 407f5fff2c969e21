"""Credit risk decisions, from plain facts: the payment-behaviour score of a customer (0-100, each component's
points and a sentence saying why), the exposure alert level against a credit limit, and the order check (accept,
review or refuse, with reasons). No database: ``recouvre.risk.credit`` reads the facts for all customers at once.

The score is the sum of seven components (``docs/credit.md`` gives the formula); a component whose facts are
unknown (no invoice settled in the last twelve months, no credit limit) gets half its points (the delay
components) or all of them (no limit, no promise, company status unknown), and its sentence says so.

Amounts are ``Decimal`` in the organization's currency; points are rounded half-up to one decimal, the score
(their sum) half-up to a whole number.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .i18n import GettextFn, NgettextFn, gettext
from .i18n import ngettext as _ngettext_active

_ = gettext

ZERO = Decimal("0")
ONE = Decimal("1")
TENTH = Decimal("0.1")
CENT = Decimal("0.01")

# The components and their maximum points (they add up to 100).
DELAY_POINTS = Decimal(30)
TREND_POINTS = Decimal(10)
LATE_SHARE_POINTS = Decimal(20)
PROMISE_POINTS = Decimal(15)
DISPUTE_POINTS = Decimal(10)
EXPOSURE_POINTS = Decimal(10)
STATUS_POINTS = Decimal(5)

DELAY_ZERO_AT_DAYS = Decimal(60)  # an average delay of 60 days or more: no point
TREND_FREE_DAYS = Decimal(0)  # the recent delay no longer than the earlier one: all points
TREND_ZERO_AT_DAYS = Decimal(30)  # 30 days longer or more: no point
POINTS_PER_DISPUTE = Decimal(5)

Money = Callable[[Decimal], str]
Number = Callable[[Decimal], str]


def plain_money(amount: Decimal) -> str:
    """An amount as written when no formatter is given: ``1234.50``."""
    return str(amount.quantize(CENT))


class CompanyStatus(enum.StrEnum):
    """What is known of the company: ``unknown`` until a company watch says otherwise; ``insolvency`` when
    collective proceedings are open (an insolvency hold on the customer), ``ceased`` when it stopped trading."""

    UNKNOWN = "unknown"
    ACTIVE = "active"
    INSOLVENCY = "insolvency"
    CEASED = "ceased"


class Level(enum.StrEnum):
    """Exposure against the credit limit."""

    NONE = "none"
    NEAR = "near"  # at or over the warning share of the limit (80 %), not over it
    OVER = "over"  # over the limit


class Decision(enum.StrEnum):
    ACCEPT = "accept"
    REVIEW = "review"
    REFUSE = "refuse"


_DECISION_RANK = {Decision.ACCEPT: 0, Decision.REVIEW: 1, Decision.REFUSE: 2}


@dataclass(frozen=True, slots=True)
class Thresholds:
    """An organization's thresholds: an order is reviewed below ``review_below`` and refused below
    ``refuse_below`` (scores); exposure at or above ``warning_percent`` of the limit warns."""

    review_below: int = 50
    refuse_below: int = 25
    warning_percent: int = 80
    # Propose to accept against a deposit (*acompte*) of ``deposit_percent`` % of the order when the decision would
    # be ``deposit_from`` ("review": review or refuse; "refuse": refuse only; "": never). A business choice of the
    # organization: no law sets these figures.
    deposit_from: str = ""
    deposit_percent: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.refuse_below <= self.review_below <= 100:
            raise ValueError("thresholds: 0 <= refuse_below <= review_below <= 100")
        if not 1 <= self.warning_percent <= 100:
            raise ValueError("thresholds: warning_percent from 1 to 100")
        if self.deposit_from not in ("", "review", "refuse"):
            raise ValueError("thresholds: deposit_from is '', 'review' or 'refuse'")
        if self.deposit_from and not 1 <= self.deposit_percent <= 100:
            raise ValueError("thresholds: deposit_percent from 1 to 100")


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True, slots=True)
class Settled:
    """One invoice settled (by payments) in the window: its amount, the day it was settled and its days late
    (settled after the due date; 0 when on time)."""

    amount: Decimal
    settled_on_days_ago: int
    days_late: int


@dataclass(frozen=True, slots=True)
class Facts:
    """What the score is computed from, for one customer on a day (``summarise`` makes the delay figures from the
    invoices settled in the last twelve months): how many were settled and how many of them late, their
    amount-weighted average days late over the twelve months, over the last three months (``delay_recent``) and
    over the nine before (``delay_earlier``); promises to pay kept and broken and disputes opened in the twelve
    months; the exposure and the credit limit; the company's status."""

    settled_count: int = 0
    late_count: int = 0
    delay: Decimal | None = None
    delay_recent: Decimal | None = None
    delay_earlier: Decimal | None = None
    promises_kept: int = 0
    promises_broken: int = 0
    disputes: int = 0
    exposure: Decimal = ZERO
    limit: Decimal | None = None
    company_status: CompanyStatus = CompanyStatus.UNKNOWN
    warning_percent: int = 80

    def as_dict(self) -> dict[str, object]:
        def text(d: Decimal | None) -> str | None:
            return None if d is None else str(d)

        return {
            "settled_count": self.settled_count,
            "late_count": self.late_count,
            "delay": text(self.delay),
            "delay_recent": text(self.delay_recent),
            "delay_earlier": text(self.delay_earlier),
            "promises_kept": self.promises_kept,
            "promises_broken": self.promises_broken,
            "disputes": self.disputes,
            "exposure": str(self.exposure),
            "limit": text(self.limit),
            "company_status": self.company_status.value,
            "warning_percent": self.warning_percent,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Facts:
        def dec(key: str) -> Decimal | None:
            value = data.get(key)
            return None if value is None else Decimal(str(value))

        def num(key: str, default: int = 0) -> int:
            value = data.get(key)
            return int(str(value)) if value is not None else default

        return cls(
            settled_count=num("settled_count"),
            late_count=num("late_count"),
            delay=dec("delay"),
            delay_recent=dec("delay_recent"),
            delay_earlier=dec("delay_earlier"),
            promises_kept=num("promises_kept"),
            promises_broken=num("promises_broken"),
            disputes=num("disputes"),
            exposure=dec("exposure") or ZERO,
            limit=dec("limit"),
            company_status=CompanyStatus(str(data.get("company_status") or CompanyStatus.UNKNOWN.value)),
            warning_percent=num("warning_percent", 80),
        )


RECENT_DAYS = 91  # the last three months of the trend: settled fewer than 91 days before the day of the score
WINDOW_DAYS = 365  # the twelve months looked at


def summarise(settled: Sequence[Settled], recent_days: int = RECENT_DAYS, **other: Any) -> Facts:
    """``Facts`` with the delay figures of the invoices settled in the window, and the ``other`` facts given."""
    return Facts(
        settled_count=len(settled),
        late_count=sum(1 for s in settled if s.days_late > 0),
        delay=weighted_delay(settled),
        delay_recent=weighted_delay([s for s in settled if s.settled_on_days_ago < recent_days]),
        delay_earlier=weighted_delay([s for s in settled if s.settled_on_days_ago >= recent_days]),
        **other,
    )


@dataclass(frozen=True, slots=True)
class Component:
    key: str
    points: Decimal
    max_points: Decimal
    text: str
    value: str = ""  # the fact, as a plain figure (``12.5``, ``0.40``), for machines

    def as_dict(self) -> dict[str, str]:
        return {
            "key": self.key,
            "points": str(self.points),
            "max_points": str(self.max_points),
            "value": self.value,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Score:
    score: int
    components: tuple[Component, ...]

    def as_dict(self) -> dict[str, object]:
        return {"score": self.score, "components": [c.as_dict() for c in self.components]}


def _round(points: Decimal) -> Decimal:
    return points.quantize(TENTH, rounding=ROUND_HALF_UP)


def _clamp(x: Decimal) -> Decimal:
    return max(ZERO, min(ONE, x))


def weighted_delay(settled: Sequence[Settled]) -> Decimal | None:
    """The amount-weighted average days late of ``settled`` (None when empty), to one decimal."""
    total = sum((s.amount for s in settled), ZERO)
    if not settled or total <= 0:
        return None
    return _round(sum((s.amount * s.days_late for s in settled), ZERO) / total)


def exposure_level(exposure: Decimal, limit: Decimal | None, warning_percent: int = 80) -> Level:
    """``over`` when ``exposure`` is more than ``limit``; ``near`` when it is at least ``warning_percent`` of it
    (and more than nothing); ``none`` otherwise, and without a limit."""
    if limit is None:
        return Level.NONE
    if exposure > limit:
        return Level.OVER
    if exposure > 0 and exposure * 100 >= limit * warning_percent:
        return Level.NEAR
    return Level.NONE


def percent_of(exposure: Decimal, limit: Decimal | None) -> int | None:
    """``exposure`` as a whole percentage of ``limit`` (rounded half-up); None without a limit or with a zero one."""
    if limit is None or limit <= 0:
        return None
    return int((exposure * 100 / limit).quantize(ONE, rounding=ROUND_HALF_UP))


def _delay(facts: Facts, number: Number, _: GettextFn, ngettext: NgettextFn) -> Component:
    avg = facts.delay
    if avg is None:
        return Component(
            "average_delay",
            _round(DELAY_POINTS / 2),
            DELAY_POINTS,
            _("No invoice settled in the last 12 months: half the points."),
        )
    points = _round(DELAY_POINTS * _clamp(ONE - avg / DELAY_ZERO_AT_DAYS))
    return Component(
        "average_delay",
        points,
        DELAY_POINTS,
        _("Invoices settled in the last 12 months were paid on average %(days)s days after their due date.")
        % {"days": number(avg)},
        str(avg),
    )


def _trend(facts: Facts, number: Number, _: GettextFn, ngettext: NgettextFn) -> Component:
    now, before = facts.delay_recent, facts.delay_earlier
    if now is None or before is None:
        return Component(
            "delay_trend",
            _round(TREND_POINTS / 2),
            TREND_POINTS,
            _("Not enough invoices settled in both periods to see a trend: half the points."),
        )
    change = now - before
    points = _round(TREND_POINTS * _clamp(ONE - (change - TREND_FREE_DAYS) / (TREND_ZERO_AT_DAYS - TREND_FREE_DAYS)))
    if change > 0:
        text = _("The delay grew: %(now)s days over the last 3 months against %(before)s days before.")
    elif change < 0:
        text = _("The delay shrank: %(now)s days over the last 3 months against %(before)s days before.")
    else:
        text = _("The delay is steady: %(now)s days over the last 3 months as before.")
    return Component(
        "delay_trend", points, TREND_POINTS, text % {"now": number(now), "before": number(before)}, str(change)
    )


def _late_share(facts: Facts, _: GettextFn, ngettext: NgettextFn) -> Component:
    n = facts.settled_count
    if not n:
        return Component(
            "late_share",
            _round(LATE_SHARE_POINTS / 2),
            LATE_SHARE_POINTS,
            _("No invoice settled in the last 12 months: half the points."),
        )
    late = facts.late_count
    share = Decimal(late) / n
    text = ngettext(
        "%(late)d of %(count)d invoice settled in the last 12 months was paid late.",
        "%(late)d of %(count)d invoices settled in the last 12 months were paid late.",
        n,
    ) % {"late": late, "count": n}
    return Component(
        "late_share", _round(LATE_SHARE_POINTS * (ONE - share)), LATE_SHARE_POINTS, text, str(share.quantize(CENT))
    )


def _promises(facts: Facts, _: GettextFn, ngettext: NgettextFn) -> Component:
    kept, broken = facts.promises_kept, facts.promises_broken
    if kept + broken == 0:
        return Component(
            "promises", _round(PROMISE_POINTS), PROMISE_POINTS, _("No promise to pay fell due in the last 12 months.")
        )
    points = _round(PROMISE_POINTS * kept / (kept + broken))
    text = ngettext(
        "%(broken)d promise to pay broken and %(kept)d kept in the last 12 months.",
        "%(broken)d promises to pay broken and %(kept)d kept in the last 12 months.",
        broken,
    ) % {"broken": broken, "kept": kept}
    return Component("promises", points, PROMISE_POINTS, text, f"{broken}/{kept + broken}")


def _disputes(facts: Facts, _: GettextFn, ngettext: NgettextFn) -> Component:
    n = facts.disputes
    points = max(ZERO, DISPUTE_POINTS - POINTS_PER_DISPUTE * n)
    if n == 0:
        text = _("No dispute opened in the last 12 months.")
    else:
        text = ngettext(
            "%(count)d dispute opened in the last 12 months.", "%(count)d disputes opened in the last 12 months.", n
        ) % {"count": n}
    return Component("disputes", _round(points), DISPUTE_POINTS, text, str(n))


def _exposure(facts: Facts, money: Money, _: GettextFn, ngettext: NgettextFn) -> Component:
    level = exposure_level(facts.exposure, facts.limit, facts.warning_percent)
    if facts.limit is None:
        return Component("exposure", _round(EXPOSURE_POINTS), EXPOSURE_POINTS, _("No credit limit is set."))
    share = percent_of(facts.exposure, facts.limit)
    values = {"exposure": money(facts.exposure), "limit": money(facts.limit), "percent": share}
    if level is Level.OVER:
        points = ZERO
        text = _("Exposure %(exposure)s is over the credit limit of %(limit)s.") % values
    elif level is Level.NEAR:
        points = EXPOSURE_POINTS / 2
        text = _("Exposure %(exposure)s is %(percent)s%% of the credit limit of %(limit)s.") % values
    else:
        points = EXPOSURE_POINTS
        text = _("Exposure %(exposure)s is within the credit limit of %(limit)s.") % values
    return Component("exposure", _round(points), EXPOSURE_POINTS, text, "" if share is None else str(share))


def _status(facts: Facts, _: GettextFn, ngettext: NgettextFn) -> Component:
    status = facts.company_status
    if status is CompanyStatus.INSOLVENCY:
        return Component(
            "company_status", _round(ZERO), STATUS_POINTS, _("The company is in insolvency proceedings."), status
        )
    if status is CompanyStatus.CEASED:
        return Component("company_status", _round(ZERO), STATUS_POINTS, _("The company has ceased trading."), status)
    if status is CompanyStatus.ACTIVE:
        return Component("company_status", _round(STATUS_POINTS), STATUS_POINTS, _("The company is active."), status)
    return Component(
        "company_status", _round(STATUS_POINTS), STATUS_POINTS, _("The company's status is not known."), status
    )


def _as_written(message: str) -> str:
    return message


def _english_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def score(facts: Facts, money: Money = plain_money, number: Number = str, *, texts: bool = True) -> Score:
    """The payment-behaviour score of one customer: 0 (worst) to 100 (best), with its components; ``money``
    writes the amounts in the sentences, ``number`` the days (``14.7``; ``14,7`` in French). Without ``texts``
    the sentences are left untranslated (English as written): for storing the points, where nobody reads them."""
    g, ng = (gettext, _ngettext_active) if texts else (_as_written, _english_plural)
    parts = (
        _delay(facts, number, g, ng),
        _trend(facts, number, g, ng),
        _late_share(facts, g, ng),
        _promises(facts, g, ng),
        _disputes(facts, g, ng),
        _exposure(facts, money, g, ng),
        _status(facts, g, ng),
    )
    total = sum((c.points for c in parts), ZERO).quantize(ONE, rounding=ROUND_HALF_UP)
    return Score(int(max(ZERO, min(Decimal(100), total))), parts)


# ------------------------------------------------------------------------------------------ the order check


@dataclass(frozen=True, slots=True)
class Reason:
    decision: Decision
    text: str


@dataclass(frozen=True, slots=True)
class OrderCheck:
    decision: Decision
    reasons: tuple[Reason, ...]
    exposure: Decimal
    after: Decimal
    limit: Decimal | None
    score: int | None
    overdue: Decimal
    available: Decimal | None = field(default=None)
    # The deposit to ask for to accept the order (``Thresholds.deposit_from``), None when none is proposed.
    deposit: Decimal | None = None
    deposit_percent: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "decision": self.decision.value,
            "deposit": None if self.deposit is None else str(self.deposit),
            "deposit_percent": self.deposit_percent,
            "reasons": [r.text for r in self.reasons],
            "exposure": str(self.exposure),
            "exposure_after": str(self.after),
            "limit": None if self.limit is None else str(self.limit),
            "available": None if self.available is None else str(self.available),
            "score": self.score,
            "overdue": str(self.overdue),
        }


def order_check(
    *,
    amount: Decimal,
    exposure: Decimal,
    limit: Decimal | None,
    score: int | None,
    overdue: Decimal,
    company_status: CompanyStatus = CompanyStatus.UNKNOWN,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    money: Money = plain_money,
) -> OrderCheck:
    """Whether to take an order of ``amount`` from a customer whose exposure is ``exposure`` now: the worst of the
    findings below decides, and every finding is a reason.

    Refuse: the company is in insolvency proceedings or has ceased trading; the score is below
    ``refuse_below``; the order takes the exposure over the limit while some of it is overdue.
    Review: the score is below ``review_below``; the order takes the exposure over the limit (nothing overdue), or
    to ``warning_percent`` of it or more; something is overdue.
    Accept otherwise. With no stored score yet (``None``), the score gives no finding and the reasons say so."""
    if amount <= 0:
        raise ValueError("the order amount must be positive")
    after = exposure + amount
    reasons: list[Reason] = []
    amounts = {"amount": money(amount), "exposure": money(exposure), "after": money(after), "overdue": money(overdue)}
    if company_status is CompanyStatus.INSOLVENCY:
        reasons.append(Reason(Decision.REFUSE, _("The company is in insolvency proceedings.")))
    elif company_status is CompanyStatus.CEASED:
        reasons.append(Reason(Decision.REFUSE, _("The company has ceased trading.")))
    if score is None:
        reasons.append(Reason(Decision.ACCEPT, _("No score computed yet: run the collections or recouvre risk score.")))
    elif score < thresholds.refuse_below:
        reasons.append(
            Reason(
                Decision.REFUSE,
                _("Score %(score)d of 100, below %(threshold)d.")
                % {"score": score, "threshold": thresholds.refuse_below},
            )
        )
    elif score < thresholds.review_below:
        reasons.append(
            Reason(
                Decision.REVIEW,
                _("Score %(score)d of 100, below %(threshold)d.")
                % {"score": score, "threshold": thresholds.review_below},
            )
        )
    else:
        reasons.append(Reason(Decision.ACCEPT, _("Score %(score)d of 100.") % {"score": score}))
    available = None
    if limit is None:
        reasons.append(
            Reason(
                Decision.ACCEPT,
                _("No credit limit is set: exposure would be %(after)s with this order of %(amount)s.") % amounts,
            )
        )
    else:
        available = limit - exposure
        values = {**amounts, "limit": money(limit), "excess": money(after - limit)}
        level = exposure_level(after, limit, thresholds.warning_percent)
        if level is Level.OVER:
            text = (
                _(
                    "This order of %(amount)s takes the exposure from %(exposure)s to %(after)s, %(excess)s over the "
                    "credit limit of %(limit)s."
                )
                % values
            )
            reasons.append(Reason(Decision.REFUSE if overdue > 0 else Decision.REVIEW, text))
        elif level is Level.NEAR:
            reasons.append(
                Reason(
                    Decision.REVIEW,
                    _(
                        "This order of %(amount)s takes the exposure to %(after)s, %(percent)s%% of the credit limit "
                        "of %(limit)s."
                    )
                    % {**values, "percent": percent_of(after, limit)},
                )
            )
        else:
            reasons.append(
                Reason(
                    Decision.ACCEPT,
                    _("Exposure with this order: %(after)s, within the credit limit of %(limit)s.") % values,
                )
            )
    if overdue > 0:
        reasons.append(Reason(Decision.REVIEW, _("%(overdue)s is overdue.") % amounts))
    else:
        reasons.append(Reason(Decision.ACCEPT, _("Nothing is overdue.")))
    decision = max((r.decision for r in reasons), key=_DECISION_RANK.__getitem__)
    # The reasons that decide first, then the others.
    ordered = tuple(
        sorted(reasons, key=lambda r: -_DECISION_RANK[r.decision]) if decision is not Decision.ACCEPT else reasons
    )
    deposit = deposit_for(amount, decision, company_status, thresholds)
    if deposit is not None:
        ordered = (
            Reason(
                Decision.ACCEPT,
                (
                    _(
                        "It can be accepted against a deposit of %(percent)s%% of the order, %(deposit)s, paid before "
                        "delivery (your setting for orders that would be reviewed or refused)."
                    )
                    if thresholds.deposit_from == "review"
                    else _(
                        "It can be accepted against a deposit of %(percent)s%% of the order, %(deposit)s, paid before "
                        "delivery (your setting for orders that would be refused)."
                    )
                )
                % {"percent": thresholds.deposit_percent, "deposit": money(deposit)},
            ),
            *ordered,
        )
    return OrderCheck(
        decision,
        ordered,
        exposure,
        after,
        limit,
        score,
        overdue,
        available,
        deposit,
        thresholds.deposit_percent if deposit is not None else None,
    )


def deposit_for(
    amount: Decimal, decision: Decision, company_status: CompanyStatus, thresholds: Thresholds
) -> Decimal | None:
    """The deposit to ask for an order of ``amount`` whose decision is ``decision``: ``deposit_percent`` % of it,
    rounded half-up to the cent, when the decision is at or above ``deposit_from``; never for a company in
    insolvency proceedings or that ceased trading (a deposit does not make such an order safe)."""
    if not thresholds.deposit_from or company_status in (CompanyStatus.INSOLVENCY, CompanyStatus.CEASED):
        return None
    if _DECISION_RANK[decision] < _DECISION_RANK[Decision(thresholds.deposit_from)]:
        return None
    return (amount * thresholds.deposit_percent / Decimal(100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
