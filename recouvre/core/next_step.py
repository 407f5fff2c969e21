"""The next step to take with a customer, recommended at the head of its page.

Pure rules, no database, no clock: from what the customer owes and what is under way, in this order:

1. nothing open -> nothing to chase (a statement when money of the customer is left unapplied);
2. payments or credit notes not applied while invoices are open -> apply them first: the figures are wrong until;
3. court or insolvency proceedings -> follow the legal route;
4. a promise to pay running -> record the payment when it comes (the promise's date passed: call);
5. nothing overdue -> a statement of account;
6. the legal route says a formal notice (*mise en demeure*) is due and none is under way -> send it;
7. the notice's deadline has passed unpaid (a judicial route) -> the legal route;
8. otherwise -> reach the customer and record a promise to pay (or a dispute).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from .routes import JUDICIAL_ROUTES, Route

PAYMENT = "payment"
APPLY = "apply"
PROMISE = "promise"
DISPUTE = "dispute"
STATEMENT = "statement"
FORMAL_NOTICE = "formal_notice"
LEGAL = "legal"
ACTIONS = (PAYMENT, PROMISE, DISPUTE, STATEMENT, FORMAL_NOTICE, LEGAL, APPLY)


@dataclass(frozen=True)
class Facts:
    open: Decimal
    overdue: Decimal
    unapplied: Decimal
    route: str = ""  # ``recouvre.core.routes.Route`` value recommended today
    promise_running: bool = False
    promise_passed: bool = False  # a running promise's date is past
    notice_under_way: bool = False  # a formal notice planned, awaiting approval or posted with its deadline running
    proceedings_open: bool = False


@dataclass(frozen=True)
class NextStep:
    action: str  # one of ``ACTIONS``, or "" when nothing is to be done
    reason: str


def recommend(facts: Facts) -> NextStep:
    if facts.open <= 0:
        if facts.unapplied > 0:
            return NextStep(
                STATEMENT, _("Nothing is open and money of the customer is left unapplied: send a statement.")
            )
        return NextStep("", _("Nothing is owed: nothing to chase."))
    if facts.unapplied > 0:
        return NextStep(
            APPLY, _("Payments or credit notes of the customer are not applied to its invoices yet: apply them first.")
        )
    if facts.proceedings_open:
        return NextStep(LEGAL, _("Court proceedings are open: follow them up."))
    if facts.route == Route.INSOLVENCY:
        return NextStep(LEGAL, _("Insolvency proceedings are open: declare the claim."))
    if facts.promise_running:
        if facts.promise_passed:
            return NextStep(PROMISE, _("The promised payment date has passed: call the customer."))
        return NextStep(PAYMENT, _("A promise to pay is running: record the payment when it arrives."))
    if facts.overdue <= 0:
        return NextStep(STATEMENT, _("Nothing is overdue yet: a statement of account keeps the customer informed."))
    if facts.route == Route.FORMAL_NOTICE and not facts.notice_under_way:
        return NextStep(FORMAL_NOTICE, _("Long overdue and no formal notice sent yet: send one."))
    if facts.route in JUDICIAL_ROUTES:
        return NextStep(LEGAL, _("The formal notice's deadline has passed unpaid: legal action can start."))
    return NextStep(PROMISE, _("Invoices are overdue: reach the customer and record a promise to pay or a dispute."))
