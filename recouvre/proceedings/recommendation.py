"""The legal route of one customer today: the facts recorded in Recouvre fed to ``recouvre.core.routes.recommend``,
and the scope of a claim (``claim_scope``) that the route and the injonction de payer request share.

- the scope: the invoices overdue and open on the day (those the dossier claims), split in three — time-barred
  (each judged on its own limitation date, ``recouvre.legal.prescription``), disputed (a dispute hold active on
  the day on the invoice, or on the whole customer), and the rest, which can be claimed;
- principal, interest (interest and indemnity to date, ``recouvre.legal.selectors.invoices_interest``) and days
  overdue: those of the invoices that can be claimed;
- insolvency: insolvency or over-indebtedness proceedings open (a ``legal.InsolvencyProcedure`` not closed, or an
  active insolvency hold): nothing is recommended but declaring the claim;
- administrative contract: a public buyer under an administrative contract (``Customer.has_administrative_contract``);
- formal notice: the last formal notice sent (an e-mail's sending day, a letter's posting day) and the day it gave
  to pay;
- prescription: the earliest last day to act of the invoices not yet time-barred;
- securities (``recouvre.legal.securities``): the guarantees to call before suing, a retention-of-title clause in
  insolvency; the mediation or conciliation running, or one already tried;
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


def _active(kind: str, organization: Organization, customer: Customer, as_of: date) -> Any:
    return Hold.objects.filter(
        organization=organization, customer=customer, kind=kind, released_at__isnull=True, starts_on__lte=as_of
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=as_of))


def is_contested(organization: Organization, customer: Customer, as_of: date) -> bool:
    """A dispute is open on ``as_of`` on the customer or one of its invoices."""
    return _active(HoldKind.DISPUTE, organization, customer, as_of).exists()


def insolvency_open(organization: Organization, customer: Customer, as_of: date) -> bool:
    """Insolvency or over-indebtedness proceedings are open: a recorded procedure not closed (every kind blocks),
    or an insolvency hold active on ``as_of``."""
    from recouvre.legal.models import InsolvencyProcedure

    return (
        InsolvencyProcedure.objects.filter(organization=organization, customer=customer, closed_on__isnull=True)
        .exclude(state="dismissed")
        .exists()
        or _active(HoldKind.INSOLVENCY, organization, customer, as_of).exists()
    )


@dataclass(frozen=True)
class ClaimScope:
    """The customer's overdue open invoices on ``as_of`` split for a claim: ``claimable`` (neither time-barred nor
    disputed), ``time_barred`` (with each one's last day to act), ``disputed``; ``limits`` by invoice id."""

    claimable: list[Invoice]
    time_barred: list[tuple[Invoice, date]]
    disputed: list[Invoice]
    limits: dict[int, date | None]
    whole_customer_disputed: bool = False

    def facts(self) -> dict[str, Any]:
        return {
            "time_barred": tuple((i.number, i.open_amount) for i, _on in self.time_barred),
            "disputed": tuple((i.number, i.open_amount) for i in self.disputed),
            "prescription_on": min(
                (on for i in self.claimable if (on := self.limits.get(i.pk)) is not None), default=None
            ),
        }


def claim_scope(organization: Organization, customer: Customer, as_of: date) -> ClaimScope:
    """Split the invoices a claim on ``as_of`` is about (overdue, open, in euros) into what can be claimed, what is
    time-barred (each invoice on its own limitation date) and what is disputed. Four queries."""
    from recouvre.dossier.exhibits import claimed_invoices as dossier_invoices
    from recouvre.legal.prescription import invoices_prescription

    invoices = [i for i in dossier_invoices(organization, customer, as_of) if i.currency == "EUR"]
    if not invoices:
        return ClaimScope([], [], [], {})
    limits = {
        r.invoice_id: r.result.limit_on
        for r in invoices_prescription(organization, invoice_ids=[i.pk for i in invoices], as_of=as_of)
    }
    disputes = set(_active(HoldKind.DISPUTE, organization, customer, as_of).values_list("invoice_id", flat=True))
    whole = None in disputes
    claimable, barred, disputed = [], [], []
    for invoice in invoices:
        limit = limits.get(invoice.pk)
        if limit is not None and limit < as_of:
            barred.append((invoice, limit))
        elif whole or invoice.pk in disputes:
            disputed.append(invoice)
        else:
            claimable.append(invoice)
    return ClaimScope(claimable, barred, disputed, limits, whole)


@dataclass(frozen=True)
class LegalRoute:
    recommendation: routes.Recommendation
    facts: routes.ClaimFacts
    invoices: list[Invoice] = field(default_factory=list)  # the invoices that can be claimed
    notice: FormalNotice | None = None
    scope: ClaimScope | None = None

    @property
    def refusals(self) -> tuple[str, ...]:
        """Why no injonction de payer request can be made (empty: it can)."""
        return routes.injonction_refusals(self.facts)


def legal_route(organization: Organization, customer: Customer, as_of: date) -> LegalRoute:
    from recouvre.legal.selectors import invoices_interest

    scope = claim_scope(organization, customer, as_of)
    invoices = scope.claimable
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
        contested=scope.whole_customer_disputed,
        administrative_contract=customer.has_administrative_contract,
        **scope.facts(),
        formal_notice_on=notice.sent_on if notice else None,
        formal_notice_deadline=notice.deadline_on if notice else None,
        formal_notice_pending=notice is None and formal_notice_pending(organization, customer),
        debtor_in_france=(customer.country or "FR").upper() == "FR",
        debtor_town=debtor_seat(customer)[1],
        **insolvency_facts(organization, customer, as_of),
        **security_facts(organization, customer, invoices, as_of),
    )
    return LegalRoute(routes.recommend(facts), facts, invoices, notice, scope)


def security_facts(
    organization: Organization, customer: Customer, invoices: list[Invoice], as_of: date
) -> dict[str, Any]:
    """The securities recorded for the customer, the claimable invoices by number with their open principal, and
    the mediation or conciliation running on ``as_of`` (or one ended by then: ``amicable_tried``)."""
    from recouvre.legal.securities import amicable_steps, customer_facts

    steps = list(amicable_steps(organization, customer).filter(started_on__lte=as_of))
    running = next((s for s in steps if s.ended_on is None or s.ended_on >= as_of), None)
    return {
        "securities": tuple(customer_facts(organization, customer)),
        "claims": tuple((i.number, i.total - i.allocated_amount) for i in invoices),
        "amicable": running.kind if running is not None else "",
        "amicable_on": running.started_on if running is not None else None,
        "amicable_tried": any(s.ended_on is not None and s.ended_on < as_of for s in steps),
    }


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
        # a procedure recorded without its hold (or before it starts) still stops collection and court claims
        return {"insolvency": "insolvency"} if insolvency_open(organization, customer, as_of) else {}
    starts_on, procedure_kind = hold
    return {
        "insolvency": "over_indebtedness" if procedure_kind == "over_indebtedness" else "insolvency",
        "insolvency_on": starts_on,
    }


def debtor_seat(customer: Customer) -> tuple[str, str]:
    """The postal code and town of the debtor's legal address (registered office of a company, domicile of an
    individual), where it is sued (CPC 42, 1406); the billing address's when none is recorded."""
    if customer.legal_address_recorded:
        found = routes.seat_town(customer.legal_address)
        if found != ("", ""):
            return found
        return "", customer.legal_address.splitlines()[-1].strip()
    return customer.postal_code, customer.city
