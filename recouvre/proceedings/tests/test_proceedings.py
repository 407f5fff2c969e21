"""Stories of court proceedings: the route recommended for Dupont, opening proceedings (collection stops), the
order's dates and the deadlines they set on the worklist, closing them (collection resumes)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from recouvre.collections.holds import open_dispute
from recouvre.collections.models import Hold, HoldKind
from recouvre.core.routes import CourtKind, Route
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.proceedings.deadlines import deadlines
from recouvre.proceedings.models import Proceeding
from recouvre.proceedings.recommendation import legal_route
from recouvre.proceedings.services import (
    add_enforcement_step,
    close_proceeding,
    open_proceeding,
    update_proceeding,
)
from recouvre.testing.factories import CustomerFactory

from .conftest import ACTOR, AFTER_DEADLINE, AS_OF, TOTAL


def _sentences(kind: str) -> list[str]:
    return [describe(e) for e in Event.objects.filter(kind=kind).order_by("id")]


def test_before_any_formal_notice_a_long_overdue_customer_is_sent_one(org, dupont):  # type: ignore[no-untyped-def]
    route = legal_route(org, dupont, AS_OF)
    assert route.recommendation.route is Route.FORMAL_NOTICE
    assert route.facts.principal == TOTAL
    assert route.facts.days_overdue == 66
    assert "The oldest invoice is 66 days overdue." in route.recommendation.reasons


def test_a_formal_notice_produced_but_not_posted_is_not_yet_sent(org, dupont):  # type: ignore[no-untyped-def]
    from recouvre.collections.services import run_collections
    from recouvre.letters.services import produce_due_letters

    from .conftest import NOW

    run_collections(org, AS_OF, actor=ACTOR)
    produce_due_letters(org, now=NOW, actor=ACTOR)
    recommendation = legal_route(org, dupont, date(2026, 4, 20)).recommendation
    assert recommendation.route is Route.FORMAL_NOTICE
    assert (
        "One is waiting to be approved or posted: it counts from the day it is sent or posted."
        in recommendation.reasons
    )


def test_while_the_notice_runs_wait_then_the_injonction_de_payer_at_the_commercial_court(org, noticed):  # type: ignore[no-untyped-def]
    waiting = legal_route(org, noticed, date(2026, 4, 13)).recommendation
    assert waiting.route is Route.AWAIT_NOTICE
    assert "The formal notice of 2026-03-27 gives until 2026-04-16 to pay." in waiting.reasons

    route = legal_route(org, noticed, AFTER_DEADLINE)
    assert (route.recommendation.route, route.recommendation.court) == (Route.INJONCTION, CourtKind.COMMERCE)
    assert route.facts.principal == TOTAL
    assert route.facts.interest > Decimal("200.00")  # 5 x 40 EUR indemnity and interest
    assert route.recommendation.alternatives == (Route.SMALL_CLAIMS,)  # under 5 000 EUR with interest
    assert "The formal notice of 2026-03-27 was left unpaid." in route.recommendation.reasons


def test_a_dispute_leaves_its_invoice_out_and_contesting_everything_makes_it_a_contested_claim(org, noticed):  # type: ignore[no-untyped-def]
    invoice = noticed.invoices.get(number="F-3")
    open_dispute(org, invoice, reason_code="quality", note="Damaged goods", actor=ACTOR, today=AS_OF)
    recommendation = legal_route(org, noticed, AFTER_DEADLINE).recommendation
    assert recommendation.route is Route.INJONCTION  # for the four other invoices
    assert recommendation.alternatives == (Route.SMALL_CLAIMS, Route.ASSIGNATION)
    for other in noticed.invoices.exclude(number="F-3"):
        open_dispute(org, other, reason_code="quality", actor=ACTOR, today=AS_OF)
    recommendation = legal_route(org, noticed, AFTER_DEADLINE).recommendation
    assert (recommendation.route, recommendation.alternatives) == (Route.ASSIGNATION, ())


def test_a_consumer_goes_to_the_tribunal_judiciaire(org, notice_policy):  # type: ignore[no-untyped-def]
    from .conftest import five_invoices, make_customer

    customer = make_customer(org, ref="411MARTIN", name="Jeanne Martin", kind="consumer")
    five_invoices(customer, prefix="C")
    assert legal_route(org, customer, AS_OF).facts.debtor == "consumer"
    customer.kind, customer.tags = "business", ["non-trader"]
    assert legal_route(org, customer, AS_OF).facts.debtor == "non_trader"


def test_opening_proceedings_stops_collection_and_closing_them_resumes_it(org, noticed):  # type: ignore[no-untyped-def]
    p = open_proceeding(
        org, noticed, route="injonction", court="Tribunal de commerce de Montpellier", actor=ACTOR, today=AFTER_DEADLINE
    )
    hold = Hold.objects.get(pk=p.hold_id)
    assert (hold.kind, hold.invoice_id, hold.starts_on, hold.ends_on, hold.released_at) == (
        HoldKind.MANUAL,
        None,
        AFTER_DEADLINE,
        None,
        None,
    )
    assert hold.reason == "Court proceedings: Injonction de payer (order for payment)"
    assert _sentences("proceedings.opened") == [
        "Court proceedings opened: Injonction de payer (order for payment) before Tribunal de commerce de "
        "Montpellier; collection stops until they are closed."
    ]
    with pytest.raises(ValidationError, match="already open"):
        open_proceeding(org, noticed, route="assignation", actor=ACTOR, today=AFTER_DEADLINE)

    close_proceeding(p, actor=ACTOR, outcome="Paid in full after service", today=date(2026, 6, 2))
    hold.refresh_from_db()
    assert (hold.released_at is not None, hold.outcome_on) == (True, date(2026, 6, 2))
    assert _sentences("proceedings.closed") == [
        "Court proceedings (Injonction de payer (order for payment)) closed on 2026-06-02: Paid in full after service"
    ]
    with pytest.raises(ValidationError):
        update_proceeding(p, actor=ACTOR, status="filed")


def test_the_order_sets_the_service_deadline_and_service_the_opposition_deadline(org, noticed):  # type: ignore[no-untyped-def]
    p = open_proceeding(org, noticed, route="injonction", actor=ACTOR, today=AFTER_DEADLINE)
    p = update_proceeding(p, actor=ACTOR, status="filed", filed_on=date(2026, 4, 2))
    p = update_proceeding(p, actor=ACTOR, status="order_granted", order_on=date(2026, 4, 10))
    assert p.service_deadline == date(2026, 10, 12)  # 10 October 2026 is a Saturday
    assert _sentences("proceedings.updated")[-1] == (
        "Court proceedings (Injonction de payer (order for payment)): status: Order granted, order date: 2026-04-10. "
        "Serve the order by 2026-10-12."
    )
    p = update_proceeding(p, actor=ACTOR, status="served", served_on=date(2026, 4, 20))
    assert p.opposition_deadline == date(2026, 5, 20)
    assert _sentences("proceedings.updated")[-1].endswith("The debtor may oppose until 2026-05-20.")

    with pytest.raises(ValidationError, match="before its date"):
        update_proceeding(p, actor=ACTOR, served_on=date(2026, 4, 9))

    add_enforcement_step(p, on=date(2026, 5, 26), step="Saisie-attribution", note="BNP account", actor=ACTOR)
    p.refresh_from_db()
    assert p.enforcement == [{"on": "2026-05-26", "step": "Saisie-attribution", "note": "BNP account"}]
    assert p.status == "enforcement"
    assert _sentences("proceedings.enforcement") == ["Enforcement on 2026-05-26: Saisie-attribution BNP account"]


def test_orders_under_decree_2026_96_are_served_within_3_months_and_the_regime_can_be_set(org, noticed, settings):  # type: ignore[no-untyped-def]
    p = open_proceeding(org, noticed, route="injonction", actor=ACTOR, today=AFTER_DEADLINE)
    p = update_proceeding(p, actor=ACTOR, order_on=date(2026, 9, 14))
    assert p.service_deadline == date(2026, 12, 14)
    p = update_proceeding(p, actor=ACTOR, service_regime="6m")
    assert p.service_deadline == date(2027, 3, 15)  # 14 March 2027 is a Sunday
    p = update_proceeding(p, actor=ACTOR, service_regime="auto")
    settings.RECOUVRE_DECREE_2026_96_FROM = "2026-10-01"
    assert Proceeding.objects.get(pk=p.pk).service_deadline == date(2027, 3, 15)


def test_deadlines_alert_30_15_and_7_days_before_and_once_overdue(org, noticed, other_org):  # type: ignore[no-untyped-def]
    p = open_proceeding(org, noticed, route="injonction", actor=ACTOR, today=AFTER_DEADLINE)
    update_proceeding(p, actor=ACTOR, order_on=date(2026, 4, 10))  # serve by Monday 12 October 2026
    assert deadlines(org, date(2026, 9, 11)) == []
    alerts = {d.alert for d in deadlines(org, date(2026, 9, 12))}
    assert alerts == {"30d"}
    [d] = deadlines(org, date(2026, 10, 5))
    assert (d.kind, d.due_on, d.customer_id, d.alert) == ("proceedings", date(2026, 10, 12), noticed.pk, "7d")
    assert d.label == "Have the order for payment against Dupont SARL served (it lapses after this day)"
    assert d.url == f"/customers/{noticed.pk}/#legal-route"
    assert deadlines(org, date(2026, 10, 13))[0].alert == "overdue"
    assert deadlines(other_org, date(2026, 10, 5)) == []

    update_proceeding(p, actor=ACTOR, served_on=date(2026, 7, 15))  # the status left as it was
    [d] = deadlines(org, date(2026, 8, 10))
    assert (d.due_on, d.alert) == (date(2026, 8, 17), "7d")  # 15 August is a Saturday and a holiday
    assert d.label == "End of Dupont SARL's time to oppose the order for payment: enforce from the next day"
    update_proceeding(p, actor=ACTOR, status="opposed")
    assert deadlines(org, date(2026, 8, 10)) == []
    update_proceeding(p, actor=ACTOR, status="served")
    close_proceeding(p, actor=ACTOR, outcome="Paid", today=date(2026, 8, 11))
    assert deadlines(org, date(2026, 8, 12)) == []


def test_another_organizations_customer_cannot_be_taken_to_court(org, other_org, noticed):  # type: ignore[no-untyped-def]
    foreign = CustomerFactory(organization=other_org)
    with pytest.raises(ValidationError):
        open_proceeding(org, foreign, route="injonction", actor=ACTOR, today=AFTER_DEADLINE)
