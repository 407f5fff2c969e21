"""Securities and amicable steps, pure: what to call before suing, the guarantor to inform (C. civ. 2303) and the
suspension of prescription by a mediation or conciliation (C. civ. 2238), with exact dates and amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recouvre.core import routes
from recouvre.core.prescription import ClaimFacts, DebtorKind, Event, EventKind, compute
from recouvre.core.securities import (
    GuarantorKind,
    OpenItem,
    SecurityFacts,
    SecurityKind,
    Suspension,
    call_proposals,
    first_incident,
    guarantor_notice_due_on,
    secured_amount,
    suspended_limit,
    validate,
)

D = date
M = Decimal


def test_a_mediation_pushes_the_limit_to_six_months_after_its_end() -> None:
    # 91 days suspended: 15 April 2027 + 91 days = 15 July 2027; the end + 6 months = 30 November 2027 is later.
    assert suspended_limit(D(2027, 4, 15), D(2022, 4, 15), Suspension(D(2027, 3, 1), D(2027, 5, 31))) == D(2027, 11, 30)


def test_a_long_mediation_early_in_the_period_adds_the_days_suspended() -> None:
    # 1 February 2024 -> 1 February 2025: 366 days; 15 March 2026 + 366 days = 16 March 2027 (> 1 August 2025).
    assert suspended_limit(D(2026, 3, 15), D(2021, 3, 15), Suspension(D(2024, 2, 1), D(2025, 2, 1))) == D(2027, 3, 16)


def test_a_mediation_after_the_limit_or_still_running() -> None:
    assert suspended_limit(D(2026, 3, 15), D(2021, 3, 15), Suspension(D(2026, 3, 16), D(2026, 4, 1))) == D(2026, 3, 15)
    assert suspended_limit(D(2026, 3, 15), D(2021, 3, 15), Suspension(D(2026, 1, 5))) is None


def test_prescription_of_an_invoice_suspended_by_a_mediation() -> None:
    facts = ClaimFacts(
        DebtorKind.BUSINESS,
        D(2021, 3, 15),
        D(2021, 4, 14),
        events=(Event(D(2026, 1, 10), EventKind.AMICABLE, ends_on=D(2026, 2, 9)),),
    )
    result = compute(facts)
    # 30 days suspended: 14 April 2026; the end + 6 months is 9 August 2026, later.
    assert result.limit_on == D(2026, 8, 9)
    assert result.suspended_by == facts.events[0]
    assert result.interrupted_by is None
    running = compute(
        ClaimFacts(
            DebtorKind.BUSINESS, D(2021, 3, 15), D(2021, 4, 14), events=(Event(D(2026, 1, 10), EventKind.AMICABLE),)
        )
    )
    assert running.limit_on is None and running.suspended


def test_an_acknowledgment_during_a_mediation_starts_a_new_period_suspended_too() -> None:
    facts = ClaimFacts(
        DebtorKind.BUSINESS,
        D(2021, 3, 15),
        D(2021, 4, 14),
        events=(
            Event(D(2026, 1, 10), EventKind.AMICABLE, ends_on=D(2026, 3, 1)),
            Event(D(2026, 2, 1), EventKind.ACKNOWLEDGMENT),
        ),
    )
    # New period from 1 February 2026: 1 February 2031, pushed by the 28 days to 1 March 2026 -> 1 March 2031.
    assert compute(facts).limit_on == D(2031, 3, 1)


def test_a_mediation_started_after_prescription_changes_nothing() -> None:
    facts = ClaimFacts(
        DebtorKind.CONSUMER,
        D(2021, 3, 15),
        D(2021, 4, 14),
        events=(Event(D(2023, 6, 1), EventKind.AMICABLE, ends_on=D(2023, 7, 1)),),
    )
    assert compute(facts).limit_on == D(2023, 3, 15)


def test_guarantees_called_before_suing_up_to_their_limit() -> None:
    on = D(2027, 3, 1)
    claims = [("F-1", M("8000.00")), ("F-2", M("1500.00"))]
    securities = [
        SecurityFacts(SecurityKind.CAUTION_SOLIDAIRE, "Jean Martin", GuarantorKind.NATURAL_PERSON, M("5000.00"), id=1),
        SecurityFacts(
            SecurityKind.AUTONOMOUS, "Banque Populaire", GuarantorKind.COMPANY, None, invoices=("F-2",), id=2
        ),
        SecurityFacts(SecurityKind.CAUTION_SIMPLE, "Lucie Petit", GuarantorKind.NATURAL_PERSON, M("20000.00"), id=3),
        SecurityFacts(
            SecurityKind.AVAL, "Holding SA", GuarantorKind.COMPANY, M("1000.00"), ends_on=D(2027, 2, 28), id=4
        ),
        SecurityFacts(SecurityKind.DEPOSIT, limit=M("900.00"), id=5),
    ]
    found = call_proposals(securities, claims, on)
    assert [(p.security_id, p.amount) for p in found] == [(2, M("1500.00")), (1, M("5000.00")), (3, M("9500.00"))]
    assert found[0].text == (
        "Before suing, call the autonomous guarantee of Banque Populaire for 1 500.00 EUR: it is paid on first demand, "
        "whatever the debtor objects (C. civ. 2321)."
    )
    assert "bénéfice de discussion" in found[2].text and "9 500.00 EUR" in found[2].text
    assert secured_amount(securities[0], claims) == M("5000.00")


def test_validation_of_a_security() -> None:
    assert validate(SecurityFacts(SecurityKind.CAUTION_SOLIDAIRE)) == [
        "Give the guarantor's name.",
        "Say whether the guarantor is a natural person or a company.",
    ]
    assert validate(SecurityFacts(SecurityKind.DEPOSIT)) == ["Give the amount of the deposit."]
    assert validate(SecurityFacts(SecurityKind.RETENTION_OF_TITLE, starts_on=D(2027, 2, 1), ends_on=D(2027, 1, 1))) == [
        "The end date is before the start date."
    ]


def test_the_guarantor_is_informed_of_the_first_unremedied_incident() -> None:
    caution = SecurityFacts(
        SecurityKind.CAUTION_SOLIDAIRE, "Jean Martin", GuarantorKind.NATURAL_PERSON, starts_on=D(2027, 1, 1)
    )
    items = [
        OpenItem("F-0", D(2026, 12, 15), M("300.00")),  # due before the guarantee
        OpenItem("F-2", D(2027, 2, 28), M("100.00")),
        OpenItem("F-1", D(2027, 1, 31), M("1200.00")),
        OpenItem("F-3", D(2027, 4, 1), M("50.00")),  # not yet due
    ]
    incident = first_incident(caution, items, D(2027, 3, 10))
    assert incident is not None and incident.number == "F-1"
    assert guarantor_notice_due_on(incident.due_on) == D(2027, 2, 28)
    assert guarantor_notice_due_on(incident.due_on, 2) == D(2027, 3, 31)


def test_the_legal_route_calls_the_guarantees_and_offers_mediation() -> None:
    facts = routes.ClaimFacts(
        today=D(2027, 3, 1),
        principal=M("9500.00"),
        debtor=routes.DebtorKind.TRADER,
        days_overdue=90,
        formal_notice_on=D(2027, 1, 10),
        formal_notice_deadline=D(2027, 1, 25),
        securities=(
            SecurityFacts(SecurityKind.CAUTION_SOLIDAIRE, "Jean Martin", GuarantorKind.NATURAL_PERSON, M("5000.00")),
        ),
        claims=(("F-1", M("8000.00")), ("F-2", M("1500.00"))),
    )
    found = routes.recommend(facts)
    assert found.route is routes.Route.INJONCTION
    assert found.reasons[-3:] == (
        "Before suing, call the caution solidaire of Jean Martin for 5 000.00 EUR: a joint guarantor pays as soon as "
        "the debtor defaults.",
        "Before court, the Médiateur des entreprises (free, between companies) can be asked to mediate; prescription "
        "is suspended from the day both parties agree to it (C. civ. 2238).",
        "A conciliateur de justice (free) can also be asked to reconcile the parties; prescription is suspended from "
        "the first meeting (C. civ. 2238).",
    )
    tried = routes.recommend(
        routes.ClaimFacts(**{**_asdict(facts), "amicable_tried": True, "debtor": routes.DebtorKind.CONSUMER})
    )
    assert not any("Médiateur" in r or "conciliateur" in r for r in tried.reasons)
    running = routes.recommend(
        routes.ClaimFacts(**{**_asdict(facts), "amicable": "conciliateur", "amicable_on": D(2027, 2, 20)})
    )
    assert running.route is routes.Route.MEDIATION
    assert running.reasons[0] == (
        "Conciliateur de justice since 2027-02-20: prescription is suspended while it runs (C. civ. 2238)."
    )


def test_insolvency_proposes_the_retention_of_title_claim() -> None:
    facts = routes.ClaimFacts(
        today=D(2027, 3, 1),
        principal=M("9500.00"),
        debtor=routes.DebtorKind.TRADER,
        insolvency="insolvency",
        insolvency_on=D(2027, 2, 1),
        securities=(SecurityFacts(SecurityKind.RETENTION_OF_TITLE),),
    )
    found = routes.recommend(facts)
    assert found.route is routes.Route.INSOLVENCY
    assert found.reasons[-1] == (
        "A retention-of-title clause is recorded: claim the goods from the court officer within 3 months of the "
        "publication of the opening judgment (C. com. L624-9)."
    )


def _asdict(facts: routes.ClaimFacts) -> dict[str, object]:
    return {name: getattr(facts, name) for name in routes.ClaimFacts.__slots__}  # type: ignore[attr-defined]


def test_the_order_check_proposes_a_deposit_above_a_risk_level() -> None:
    from recouvre.core.credit import CompanyStatus, Decision, Thresholds, order_check

    setting = Thresholds(deposit_from="review", deposit_percent=30)
    found = order_check(
        amount=M("4999.99"), exposure=M("0.00"), limit=None, score=40, overdue=M("0.00"), thresholds=setting
    )
    assert (found.decision, found.deposit, found.deposit_percent) == (Decision.REVIEW, M("1500.00"), 30)
    assert found.reasons[0].text == (
        "It can be accepted against a deposit of 30% of the order, 1500.00, paid before delivery (your setting for "
        "orders that would be reviewed or refused)."
    )
    assert found.as_dict()["deposit"] == "1500.00"
    only_refused = Thresholds(deposit_from="refuse", deposit_percent=50)
    kept = order_check(
        amount=M("1000.00"), exposure=M("0.00"), limit=None, score=40, overdue=M("0.00"), thresholds=only_refused
    )
    assert kept.deposit is None and kept.as_dict()["deposit"] is None
    refused = order_check(
        amount=M("1000.00"), exposure=M("0.00"), limit=None, score=10, overdue=M("0.00"), thresholds=only_refused
    )
    assert refused.deposit == M("500.00")
    insolvent = order_check(
        amount=M("1000.00"),
        exposure=M("0.00"),
        limit=None,
        score=10,
        overdue=M("0.00"),
        company_status=CompanyStatus.INSOLVENCY,
        thresholds=only_refused,
    )
    assert insolvent.deposit is None
