"""The next step recommended at the head of a customer's page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from recouvre.core import next_step as ns
from recouvre.core.routes import Route

D = Decimal


def action(**facts: object) -> str:
    base: dict[str, object] = {"open": D("1000"), "overdue": D("1000"), "unapplied": D("0"), "route": Route.AMICABLE}
    base.update(facts)
    return ns.recommend(ns.Facts(**base)).action  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "facts,expected",
    [
        ({"open": D("0"), "overdue": D("0")}, ""),
        ({"open": D("0"), "overdue": D("0"), "unapplied": D("50")}, ns.STATEMENT),
        ({"unapplied": D("50")}, ns.APPLY),
        ({"proceedings_open": True, "route": Route.INSOLVENCY}, ns.LEGAL),
        ({"route": Route.INSOLVENCY}, ns.LEGAL),
        ({"promise_running": True}, ns.PAYMENT),
        ({"promise_running": True, "promise_passed": True}, ns.PROMISE),
        ({"overdue": D("0")}, ns.STATEMENT),
        ({"route": Route.FORMAL_NOTICE}, ns.FORMAL_NOTICE),
        ({"route": Route.FORMAL_NOTICE, "notice_under_way": True}, ns.PROMISE),
        ({"route": Route.INJONCTION}, ns.LEGAL),
        ({"route": Route.AWAIT_NOTICE}, ns.PROMISE),
        ({}, ns.PROMISE),
    ],
)
def test_the_recommended_step(facts: dict[str, object], expected: str) -> None:
    assert action(**facts) == expected


def test_every_recommendation_says_why() -> None:
    step = ns.recommend(ns.Facts(open=D("10"), overdue=D("10"), unapplied=D("0"), route=Route.FORMAL_NOTICE))
    assert step.reason == "Long overdue and no formal notice sent yet: send one."


@pytest.mark.parametrize(
    "kind,family",
    [
        ("invoice.created", "invoices"),
        ("credit_note.cancelled", "invoices"),
        ("payment.received", "payments"),
        ("allocation.created", "payments"),
        ("bank.payment_applied", "payments"),
        ("collections.email_sent", "reminders"),
        ("letters.posted", "reminders"),
        ("collections.action_planned", "reminders"),
        ("collections.plan_created", "holds"),
        ("collections.hold_placed", "holds"),
        ("collections.promise_recorded", "holds"),
        ("collections.dispute_opened", "holds"),
        ("invoice.disputed", "holds"),
        ("task.done", "tasks"),
        ("legal.claim_declared", "legal"),
        ("proceedings.opened", "legal"),
        ("collections.insolvency_recorded", "legal"),
        ("customer.created", "other"),
        ("import.summary", "other"),
    ],
)
def test_timeline_families(kind: str, family: str) -> None:
    from recouvre.ledger.timeline import category

    assert category(kind) == family
