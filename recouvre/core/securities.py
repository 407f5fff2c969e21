"""Securities held for a customer's debt, and the amicable steps before court: pure decisions (no database, no
clock: the day is passed in).

**Kinds.** A personal guarantee (*cautionnement*, C. civ. 2288 ff.) is *simple* — the guarantor may ask the creditor
to pursue the debtor's assets first (*bénéfice de discussion*, C. civ. 2305) — or *solidaire*, called as soon as the
debtor defaults; an autonomous guarantee (*garantie autonome*, *à première demande*, C. civ. 2321) is paid on first
demand, independently of the secured debt; an *aval* guarantees a bill of exchange or a promissory note; a
retention-of-title clause (*clause de réserve de propriété*) lets the seller claim the goods in the buyer's
insolvency (C. com. L624-9: within 3 months of the publication of the opening judgment, LEGAL-FR §6.2); a deposit
(*acompte*) paid on an order.

**Before suing** (``call_proposals``): a caution solidaire, an autonomous guarantee and an aval are called first, for
the claim up to their limit; a caution simple is listed with its *bénéfice de discussion*. Only the securities in
force on the day count (started, not ended).

**Informing a guarantor who is a natural person** (``guarantor_notice_due_on``): C. civ. 2303 requires the creditor
to inform such a guarantor of the debtor's first payment incident not remedied within the month of its due date, on
pain of losing the interest and penalties for the period. The delay is a setting (``notice_months``, one month by
default as the article reads); it is not in Recouvre's legal reference and is to be checked with counsel.

**Amicable steps** (``suspended_limit``): from the day the parties agree to a mediation or a conciliation (or the
first meeting) prescription is suspended, and it runs again for at least six months from the day it ends
(C. civ. 2238): the last day to act is the later of the original one pushed by the days suspended and the end plus
six months."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from .i18n import _
from .interest import add_months

ZERO = Decimal("0.00")
RESUME_MONTHS = 6  # C. civ. 2238 al. 2: prescription runs again for at least six months
DEFAULT_NOTICE_MONTHS = 1  # C. civ. 2303, as the article reads: a setting, to check with counsel


class SecurityKind(StrEnum):
    CAUTION_SIMPLE = "caution_simple"
    CAUTION_SOLIDAIRE = "caution_solidaire"
    AUTONOMOUS = "autonomous_guarantee"
    AVAL = "aval"
    RETENTION_OF_TITLE = "retention_of_title"
    DEPOSIT = "deposit"


class GuarantorKind(StrEnum):
    NATURAL_PERSON = "natural_person"
    COMPANY = "company"


# Securities with a third party who pays: the guarantor's name is required.
WITH_GUARANTOR = frozenset(
    {SecurityKind.CAUTION_SIMPLE, SecurityKind.CAUTION_SOLIDAIRE, SecurityKind.AUTONOMOUS, SecurityKind.AVAL}
)
# Called before suing, without waiting for the debtor's assets to be pursued.
CALLED_FIRST = frozenset({SecurityKind.CAUTION_SOLIDAIRE, SecurityKind.AUTONOMOUS, SecurityKind.AVAL})
CAUTIONS = frozenset({SecurityKind.CAUTION_SIMPLE, SecurityKind.CAUTION_SOLIDAIRE})


def kind_label(kind: SecurityKind | str) -> str:
    return {
        SecurityKind.CAUTION_SIMPLE: _("Personal guarantee (caution simple)"),
        SecurityKind.CAUTION_SOLIDAIRE: _("Personal guarantee (caution solidaire)"),
        SecurityKind.AUTONOMOUS: _("Autonomous guarantee (garantie autonome, first demand)"),
        SecurityKind.AVAL: _("Aval on a bill of exchange or promissory note"),
        SecurityKind.RETENTION_OF_TITLE: _("Retention-of-title clause"),
        SecurityKind.DEPOSIT: _("Deposit paid (acompte)"),
    }.get(SecurityKind(kind), str(kind))


@dataclass(frozen=True, slots=True)
class SecurityFacts:
    kind: SecurityKind
    guarantor: str = ""
    guarantor_kind: GuarantorKind | None = None
    limit: Decimal | None = None  # the guarantee's ceiling, or the deposit's amount; None: no ceiling recorded
    starts_on: date | None = None
    ends_on: date | None = None
    invoices: tuple[str, ...] = ()  # the invoice numbers it secures; empty: the customer's whole debt
    id: int | None = None

    def in_force(self, on: date) -> bool:
        return (self.starts_on is None or self.starts_on <= on) and (self.ends_on is None or on <= self.ends_on)

    def covers(self, number: str) -> bool:
        return not self.invoices or number in self.invoices


def validate(facts: SecurityFacts) -> list[str]:
    """What is wrong with a security as recorded (an empty list: nothing)."""
    errors = []
    if facts.kind in WITH_GUARANTOR and not facts.guarantor.strip():
        errors.append(_("Give the guarantor's name."))
    if facts.kind in WITH_GUARANTOR and facts.guarantor_kind is None:
        errors.append(_("Say whether the guarantor is a natural person or a company."))
    if facts.limit is not None and facts.limit <= 0:
        errors.append(_("The limit or amount must be positive."))
    if facts.kind is SecurityKind.DEPOSIT and facts.limit is None:
        errors.append(_("Give the amount of the deposit."))
    if facts.starts_on is not None and facts.ends_on is not None and facts.ends_on < facts.starts_on:
        errors.append(_("The end date is before the start date."))
    return errors


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", " ") + " EUR"


@dataclass(frozen=True, slots=True)
class Proposal:
    security_id: int | None
    kind: SecurityKind
    guarantor: str
    amount: Decimal  # what can be asked: the claim secured, up to the limit
    text: str


def secured_amount(security: SecurityFacts, claims: Iterable[tuple[str, Decimal]]) -> Decimal:
    """The part of ``claims`` ((invoice number, amount) pairs) the security covers, up to its limit."""
    covered = sum((amount for number, amount in claims if security.covers(number)), ZERO)
    return covered if security.limit is None else min(covered, security.limit)


def call_proposals(
    securities: Iterable[SecurityFacts], claims: Iterable[tuple[str, Decimal]], on: date
) -> list[Proposal]:
    """What to ask of the guarantors before suing for ``claims`` on ``on``: a caution solidaire, an autonomous
    guarantee or an aval is called for the claim it secures up to its limit; a caution simple is listed with its
    bénéfice de discussion. Securities not in force, or covering none of the claims, are left out."""
    claims = list(claims)
    out = []
    for s in securities:
        if s.kind not in WITH_GUARANTOR or not s.in_force(on):
            continue
        amount = secured_amount(s, claims)
        if amount <= 0:
            continue
        values = {"guarantor": s.guarantor, "amount": _money(amount)}
        if s.kind is SecurityKind.CAUTION_SOLIDAIRE:
            text = (
                _(
                    "Before suing, call the caution solidaire of %(guarantor)s for %(amount)s: a joint guarantor pays "
                    "as soon as the debtor defaults."
                )
                % values
            )
        elif s.kind is SecurityKind.AUTONOMOUS:
            text = (
                _(
                    "Before suing, call the autonomous guarantee of %(guarantor)s for %(amount)s: it is paid on first "
                    "demand, whatever the debtor objects (C. civ. 2321)."
                )
                % values
            )
        elif s.kind is SecurityKind.AVAL:
            text = _("Before suing, present the bill to %(guarantor)s, who gave its aval, for %(amount)s.") % values
        else:
            text = (
                _(
                    "The caution simple of %(guarantor)s secures %(amount)s: the guarantor may ask that the debtor's "
                    "assets be pursued first (bénéfice de discussion, C. civ. 2305)."
                )
                % values
            )
        out.append(Proposal(s.id, s.kind, s.guarantor, amount, text))
    order = {SecurityKind.AUTONOMOUS: 0, SecurityKind.CAUTION_SOLIDAIRE: 1, SecurityKind.AVAL: 2}
    return sorted(out, key=lambda p: (order.get(p.kind, 3), -p.amount, p.guarantor))


def has_retention_of_title(securities: Iterable[SecurityFacts], on: date) -> bool:
    return any(
        s.kind is SecurityKind.RETENTION_OF_TITLE and (s.starts_on is None or s.starts_on <= on) for s in securities
    )


def deposits_total(securities: Iterable[SecurityFacts]) -> Decimal:
    return sum((s.limit or ZERO for s in securities if s.kind is SecurityKind.DEPOSIT), ZERO)


# ------------------------------------------------------------------------ C. civ. 2303: informing the guarantor


def needs_guarantor_notice(security: SecurityFacts) -> bool:
    """A personal guarantee given by a natural person: the creditor informs the guarantor of the first payment
    incident not remedied (C. civ. 2303)."""
    return security.kind in CAUTIONS and security.guarantor_kind is GuarantorKind.NATURAL_PERSON


def guarantor_notice_due_on(due_on: date, months: int = DEFAULT_NOTICE_MONTHS) -> date:
    """The last day to inform a natural-person guarantor of a payment incident due on ``due_on``: ``months`` months
    after it (one by default, C. civ. 2303 as it reads; a setting)."""
    return add_months(due_on, months)


@dataclass(frozen=True, slots=True)
class OpenItem:
    number: str
    due_on: date
    open_amount: Decimal


def first_incident(security: SecurityFacts, items: Iterable[OpenItem], on: date) -> OpenItem | None:
    """The secured debt's first payment incident not remedied on ``on``: the earliest-due open invoice it covers
    that is past due (and fell due while the security was in force), or None."""
    found = [
        i
        for i in items
        if i.open_amount > 0
        and i.due_on < on
        and security.covers(i.number)
        and (security.starts_on is None or security.starts_on <= i.due_on)
        and (security.ends_on is None or i.due_on <= security.ends_on)
    ]
    return min(found, key=lambda i: (i.due_on, i.number), default=None)


# ------------------------------------------------------------------------------------- amicable steps (2238)


class AmicableKind(StrEnum):
    MEDIATEUR_ENTREPRISES = "mediateur_entreprises"  # the Médiateur des entreprises: between professionals, free
    CONCILIATEUR = "conciliateur"  # a conciliateur de justice: free
    MEDIATION = "mediation"  # another agreed mediation


def amicable_label(kind: AmicableKind | str) -> str:
    return {
        AmicableKind.MEDIATEUR_ENTREPRISES: _("Médiateur des entreprises"),
        AmicableKind.CONCILIATEUR: _("Conciliateur de justice"),
        AmicableKind.MEDIATION: _("Agreed mediation"),
    }.get(AmicableKind(kind), str(kind))


def amicable_refusals(
    kind: AmicableKind, *, professional_debtor: bool, started_on: date, ended_on: date | None
) -> list[str]:
    errors = []
    if kind is AmicableKind.MEDIATEUR_ENTREPRISES and not professional_debtor:
        errors.append(_("The Médiateur des entreprises only handles disputes with a professional debtor."))
    if ended_on is not None and ended_on < started_on:
        errors.append(_("The end date is before the start date."))
    return errors


@dataclass(frozen=True, slots=True)
class Suspension:
    starts_on: date  # the day the parties agreed to the mediation or conciliation, or its first meeting
    ends_on: date | None = None  # None: still running


def suspended_limit(limit_on: date, period_from: date, suspension: Suspension) -> date | None:
    """The last day to act once ``suspension`` is taken into account, for a period running from ``period_from``
    whose last day was ``limit_on`` (C. civ. 2238): unchanged when the step started after the limit or ended before
    the period started; None while it runs; else the later of the limit pushed by the days suspended (counted
    from the period's start at the earliest) and the step's end plus six months.

    A mediation from 1 March 2027 to 31 May 2027 (91 days) of a claim time-barred on 15 April 2027: the later of
    15 July 2027 and 30 November 2027, so 30 November 2027."""
    if suspension.starts_on > limit_on:
        return limit_on
    if suspension.ends_on is None:
        return None
    if suspension.ends_on < period_from:
        return limit_on
    days = (suspension.ends_on - max(suspension.starts_on, period_from)).days
    return max(limit_on + timedelta(days=days), add_months(suspension.ends_on, RESUME_MONTHS))


def amicable_alternatives(*, professional_debtor: bool) -> tuple[str, ...]:
    """The amicable alternatives to offer before court: the Médiateur des entreprises for a professional debtor,
    the conciliateur de justice for any; both free, and suspending prescription while they run (C. civ. 2238)."""
    out = []
    if professional_debtor:
        out.append(
            _(
                "Before court, the Médiateur des entreprises (free, between companies) can be asked to mediate; "
                "prescription is suspended from the day both parties agree to it (C. civ. 2238)."
            )
        )
    out.append(
        _(
            "A conciliateur de justice (free) can also be asked to reconcile the parties; prescription is suspended "
            "from the first meeting (C. civ. 2238)."
        )
    )
    return tuple(out)
