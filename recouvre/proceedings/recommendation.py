"""The legal route of one customer today: the facts recorded in Recouvre fed to ``recouvre.core.routes.recommend``.

- principal and days overdue: the invoices overdue and open on the day (those the dossier claims);
- interest: interest and indemnity to date of those invoices (``recouvre.legal.selectors.invoices_interest``);
- contested: a dispute hold active today on the customer or one of its invoices;
- formal notice: the last formal notice sent (an e-mail's sending day, a letter's posting day) and the day it gave
  to pay;
- prescription: the earliest last day to act of the claimed invoices (``recouvre.legal.prescription``);
- debtor kind: a business is a trader unless tagged ``non-trader`` (an association, an SCI, a liberal profession),
  a public body is not a trader, a consumer is a consumer. The organization is taken to be a trader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, Q

from recouvre.collections.models import Action, ActionState, Hold, HoldKind
from recouvre.core import routes
from recouvre.ledger.models import Customer, Invoice
from recouvre.letters.models import Letter
from recouvre.organizations.models import Organization

NON_TRADER_TAGS = frozenset({"non-trader", "non-commercant", "civil"})
FORMAL_NOTICE_STEP = "formal_notice"
# A formal notice is a step of that key, or any action written with the formal-notice template (one sent from the
# customer page), as the dossier and the letters' deadlines read it.
IS_FORMAL_NOTICE = Q(step_key=FORMAL_NOTICE_STEP) | Q(template=FORMAL_NOTICE_STEP)
ZERO = Decimal("0.00")


def claimed_invoices(organization: Organization, customer: Customer, as_of: date) -> list[Invoice]:
    """The invoices a claim on ``as_of`` is about: issued by then, overdue and still open (as the dossier's)."""
    return list(
        Invoice.objects.filter(organization=organization, customer=customer, issued_on__lte=as_of, due_on__lt=as_of)
        .filter(total__gt=F("allocated_amount"))
        .select_related("customer")
        .order_by("issued_on", "number", "id")
    )


def debtor_kind(customer: Customer) -> routes.DebtorKind:
    if customer.kind == "consumer":
        return routes.DebtorKind.CONSUMER
    if customer.kind == "public" or NON_TRADER_TAGS & {str(t).strip().lower() for t in customer.tags or []}:
        return routes.DebtorKind.NON_TRADER
    return routes.DebtorKind.TRADER


@dataclass(frozen=True)
class FormalNotice:
    action_id: int
    sent_on: date
    deadline_on: date | None


def last_formal_notice(organization: Organization, customer: Customer, as_of: date) -> FormalNotice | None:
    """The last formal notice sent to ``customer`` by ``as_of``: a registered letter counts from its posting day,
    an e-mail from the day it was sent."""
    tz = ZoneInfo(settings.TIME_ZONE)
    actions = (
        Action.objects.filter(organization=organization, customer=customer, state=ActionState.SENT)
        .filter(IS_FORMAL_NOTICE)
        .order_by("-send_on", "-id")
    )
    posted = dict(
        Letter.objects.filter(organization=organization, customer=customer, posted_on__isnull=False).values_list(
            "action_id", "posted_on"
        )
    )
    found: FormalNotice | None = None
    for action in actions:
        on = posted.get(action.pk) or (action.sent_at.astimezone(tz).date() if action.sent_at else None)
        if on is None or on > as_of:
            continue
        if found is None or on > found.sent_on:
            found = FormalNotice(action.pk, on, action.deadline_on)
    return found


def formal_notice_pending(organization: Organization, customer: Customer) -> bool:
    """A formal notice is planned and not yet sent: awaiting approval, being sent, or a letter to post."""
    return (
        Action.objects.filter(
            organization=organization,
            customer=customer,
            state__in=[ActionState.AWAITING_APPROVAL, ActionState.SENDING, ActionState.READY, ActionState.PLANNED],
        )
        .filter(IS_FORMAL_NOTICE)
        .exists()
    )


def is_contested(organization: Organization, customer: Customer, as_of: date) -> bool:
    return (
        Hold.objects.filter(
            organization=organization,
            customer=customer,
            kind=HoldKind.DISPUTE,
            released_at__isnull=True,
            starts_on__lte=as_of,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=as_of))
        .exists()
    )


def prescription_on(organization: Organization, invoices: list[Invoice]) -> date | None:
    try:
        from recouvre.legal.prescription import invoices_prescription
    except ImportError:  # pragma: no cover - prescription is another part of the product
        return None
    if not invoices:
        return None
    rows = invoices_prescription(organization, invoice_ids=[i.pk for i in invoices])
    limits = [r.result.limit_on for r in rows if r.result.limit_on is not None]
    return min(limits) if limits else None


@dataclass(frozen=True)
class LegalRoute:
    recommendation: routes.Recommendation
    facts: routes.ClaimFacts
    invoices: list[Invoice] = field(default_factory=list)
    notice: FormalNotice | None = None


def legal_route(organization: Organization, customer: Customer, as_of: date) -> LegalRoute:
    from recouvre.legal.selectors import invoices_interest

    invoices = [i for i in claimed_invoices(organization, customer, as_of) if i.currency == "EUR"]
    principal = sum((i.total - i.allocated_amount for i in invoices), ZERO)
    interest = ZERO
    notice = last_formal_notice(organization, customer, as_of)
    if invoices:
        notices = {i.pk: notice.sent_on for i in invoices} if notice is not None else {}
        computed = invoices_interest(organization, [i.pk for i in invoices], as_of, notices=notices)
        for r in computed.results.values():
            interest += r.interest + r.indemnity + r.extra_costs
    facts = routes.ClaimFacts(
        today=as_of,
        principal=principal,
        interest=interest,
        debtor=debtor_kind(customer),
        days_overdue=max(((as_of - i.due_on).days for i in invoices), default=0),
        contested=is_contested(organization, customer, as_of),
        formal_notice_on=notice.sent_on if notice else None,
        formal_notice_deadline=notice.deadline_on if notice else None,
        formal_notice_pending=notice is None and formal_notice_pending(organization, customer),
        prescription_on=prescription_on(organization, invoices),
        debtor_in_france=(customer.country or "FR").upper() == "FR",
        debtor_town=customer.city,
        **insolvency_facts(organization, customer, as_of),
    )
    return LegalRoute(routes.recommend(facts), facts, invoices, notice)


def insolvency_facts(organization: Organization, customer: Customer, as_of: date) -> dict[str, Any]:
    """``insolvency`` ("insolvency", "over_indebtedness" or "") and ``insolvency_on``: the insolvency hold active on
    ``as_of`` (with the procedure recorded with it, which tells over-indebtedness)."""
    hold = (
        Hold.objects.filter(
            organization=organization,
            customer=customer,
            kind=HoldKind.INSOLVENCY,
            released_at__isnull=True,
            starts_on__lte=as_of,
        )
        .values_list("starts_on", "insolvency_procedure__kind")
        .first()
    )
    if hold is None:
        return {}
    starts_on, procedure_kind = hold
    return {
        "insolvency": "over_indebtedness" if procedure_kind == "over_indebtedness" else "insolvency",
        "insolvency_on": starts_on,
    }
