from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvre.core.routes import (
    ClaimFacts,
    CourtKind,
    DebtorKind,
    Route,
    alert_step,
    competent_court,
    injonction_refusals,
    months_deadline,
    opposition_deadline,
    order_lapsed,
    recommend,
    seat_town,
    service_deadline,
)

TODAY = date(2026, 11, 23)
NOTICE = date(2026, 10, 1)
NOTICE_DEADLINE = date(2026, 10, 16)


def facts(**kw: object) -> ClaimFacts:
    base: dict[str, object] = {
        "today": TODAY,
        "principal": Decimal("8400.00"),
        "interest": Decimal("212.40"),
        "debtor": DebtorKind.TRADER,
        "days_overdue": 90,
        "formal_notice_on": NOTICE,
        "formal_notice_deadline": NOTICE_DEADLINE,
        "debtor_town": "Rennes",
    }
    base.update(kw)
    return ClaimFacts(**base)  # type: ignore[arg-type]


# (story, facts, route, court, alternatives, a reason that must be given)
TABLE = [
    (
        "nothing owed",
        {"principal": Decimal("0.00")},
        Route.NOTHING,
        CourtKind.NONE,
        (),
        "No principal is owed.",
    ),
    (
        "time-barred claim",
        {
            "principal": Decimal("0.00"),
            "time_barred": (("F-1", Decimal("8400.00")),),
            "prescription_on": date(2026, 11, 1),
        },
        Route.TIME_BARRED,
        CourtKind.NONE,
        (),
        "the last day to act was 2026-11-01",
    ),
    (
        "recently overdue, no notice",
        {"days_overdue": 20, "formal_notice_on": None, "formal_notice_deadline": None},
        Route.AMICABLE,
        CourtKind.NONE,
        (Route.FORMAL_NOTICE,),
        "The oldest invoice is 20 days overdue",
    ),
    (
        "long overdue, no notice",
        {"days_overdue": 60, "formal_notice_on": None, "formal_notice_deadline": None},
        Route.FORMAL_NOTICE,
        CourtKind.NONE,
        (),
        "No formal notice has been sent",
    ),
    (
        "notice waiting to be posted",
        {"days_overdue": 60, "formal_notice_on": None, "formal_notice_deadline": None, "formal_notice_pending": True},
        Route.FORMAL_NOTICE,
        CourtKind.NONE,
        (),
        "One is waiting to be approved or posted",
    ),
    (
        "notice deadline still running",
        {"formal_notice_deadline": date(2026, 11, 30)},
        Route.AWAIT_NOTICE,
        CourtKind.NONE,
        (),
        "gives until 2026-11-30 to pay",
    ),
    (
        "uncontested between traders",
        {},
        Route.INJONCTION,
        CourtKind.COMMERCE,
        (),
        "Between traders the commercial court",
    ),
    (
        "uncontested in a TAE town",
        {"debtor_town": "Lyon"},
        Route.INJONCTION,
        CourtKind.TAE,
        (),
        "tribunal des activités économiques until 31 December 2028",
    ),
    (
        "uncontested small claim",
        {"principal": Decimal("4800.00"), "interest": Decimal("200.00")},
        Route.INJONCTION,
        CourtKind.COMMERCE,
        (Route.SMALL_CLAIMS,),
        "At 5 000.00 EUR (principal and interest), the small-claims procedure",
    ),
    (
        "just over the small-claims ceiling",
        {"principal": Decimal("4800.00"), "interest": Decimal("200.01")},
        Route.INJONCTION,
        CourtKind.COMMERCE,
        (),
        "the injonction de payer fits (CPC 1405)",
    ),
    (
        "uncontested against a consumer",
        {"debtor": DebtorKind.CONSUMER},
        Route.INJONCTION,
        CourtKind.JUDICIAIRE,
        (),
        "The debtor is not a trader: the tribunal judiciaire is competent.",
    ),
    (
        "uncontested against a non-trader",
        {"debtor": DebtorKind.NON_TRADER, "debtor_town": "Paris"},
        Route.INJONCTION,
        CourtKind.JUDICIAIRE,
        (),
        "The debtor is not a trader",
    ),
    (
        "contested between traders",
        {"contested": True, "principal": Decimal("12000.00")},
        Route.ASSIGNATION,
        CourtKind.COMMERCE,
        (),
        "A lawyer is required above 10 000 EUR.",
    ),
    (
        "contested small consumer claim",
        {"contested": True, "principal": Decimal("900.00"), "debtor": DebtorKind.CONSUMER},
        Route.ASSIGNATION,
        CourtKind.JUDICIAIRE,
        (),
        "(CPC 750-1)",
    ),
    (
        "debtor abroad",
        {"debtor_in_france": False},
        Route.ASSIGNATION,
        CourtKind.COMMERCE,
        (),
        "the injonction de payer is not available (CPC 1406)",
    ),
    (
        "large claim at a TAE",
        {"debtor_town": "Paris", "principal": Decimal("60000.00")},
        Route.INJONCTION,
        CourtKind.TAE,
        (),
        "contribution pour la justice économique",
    ),
]


@pytest.mark.parametrize(
    ("story", "given", "route", "court", "alternatives", "reason"), TABLE, ids=[t[0] for t in TABLE]
)
def test_recommendation(story, given, route, court, alternatives, reason):  # type: ignore[no-untyped-def]
    result = recommend(facts(**given))
    assert (result.route, result.court, result.alternatives) == (route, court, alternatives)
    assert any(reason in r for r in result.reasons), result.reasons


def test_the_prescription_date_is_a_reason_while_it_is_not_reached():
    result = recommend(facts(prescription_on=date(2027, 3, 1)))
    assert result.route is Route.INJONCTION
    assert (
        "Last day to act before prescription: 2027-03-01; a court claim interrupts it (C. civ. 2241)." in result.reasons
    )


def test_the_last_day_before_prescription_is_still_a_day_to_act():
    assert recommend(facts(prescription_on=TODAY)).route is Route.INJONCTION


def test_the_notice_deadline_day_itself_is_still_waited_for():
    assert recommend(facts(formal_notice_deadline=TODAY)).route is Route.AWAIT_NOTICE
    assert recommend(facts(formal_notice_deadline=date(2026, 11, 22))).route is Route.INJONCTION


def test_tae_only_during_the_experiment():
    assert competent_court(DebtorKind.TRADER, town="Marseille", on=date(2029, 1, 1)) is CourtKind.COMMERCE
    assert competent_court(DebtorKind.TRADER, town="marseille", on=date(2025, 1, 1)) is CourtKind.TAE
    assert competent_court(DebtorKind.TRADER, creditor_trader=False, town="Rennes", on=TODAY) is CourtKind.JUDICIAIRE


@pytest.mark.parametrize(
    ("order_on", "short", "expected"),
    [
        (date(2026, 4, 10), False, date(2026, 10, 12)),  # LEGAL-FR §5.2: 10 October 2026 is a Saturday
        (date(2026, 5, 11), False, date(2026, 11, 12)),  # 11 November (Armistice) is a holiday
        (date(2026, 3, 31), False, date(2026, 9, 30)),  # no 31 September: the month's last day
        (date(2026, 9, 14), True, date(2026, 12, 14)),  # décret 2026-96: 3 months
        (date(2026, 8, 31), True, date(2026, 11, 30)),
    ],
)
def test_service_deadline(order_on, short, expected):  # type: ignore[no-untyped-def]
    assert service_deadline(order_on, short=short) == expected


@pytest.mark.parametrize(
    ("served_on", "expected"),
    [
        (date(2026, 4, 20), date(2026, 5, 20)),  # LEGAL-FR §5.2
        (date(2026, 3, 31), date(2026, 4, 30)),  # 31 March + 1 month = 30 April (CPC 641)
        (date(2026, 12, 1), date(2027, 1, 4)),  # 1 January 2027 is a holiday, then a weekend
        (date(2026, 7, 15), date(2026, 8, 17)),  # 15 August 2026 is a Saturday (and a holiday)
    ],
)
def test_opposition_deadline(served_on, expected):  # type: ignore[no-untyped-def]
    assert opposition_deadline(served_on) == expected


def test_months_deadline_keeps_a_working_day():
    assert months_deadline(date(2026, 1, 14), 6) == date(2026, 7, 15)  # 14 July is a holiday


@pytest.mark.parametrize(
    ("left", "step"),
    [(31, ""), (30, "30d"), (16, "30d"), (15, "15d"), (8, "15d"), (7, "7d"), (0, "7d"), (-1, "overdue")],
)
def test_alert_steps(left, step):  # type: ignore[no-untyped-def]
    due = date(2026, 12, 31)
    assert alert_step(due, date.fromordinal(due.toordinal() - left)) == step


# ------------------------------------------------------------------ insolvency, administrative contract, per claim


def test_insolvency_stops_every_route_even_the_formal_notice():
    for given in ({}, {"formal_notice_on": None, "formal_notice_deadline": None, "days_overdue": 90}):
        result = recommend(facts(insolvency=True, **given))
        assert (result.route, result.court, result.judicial) == (Route.INSOLVENCY, CourtKind.NONE, False)
    assert any("Insolvency or over-indebtedness" in r for r in injonction_refusals(facts(insolvency=True)))


def test_a_public_buyer_under_an_administrative_contract_goes_to_the_tribunal_administratif():
    result = recommend(facts(debtor=DebtorKind.NON_TRADER, administrative_contract=True))
    assert (result.route, result.court) == (Route.REFERE_PROVISION, CourtKind.ADMINISTRATIF)
    assert any("référé-provision before the tribunal administratif (CJA R541-1)" in r for r in result.reasons)
    assert injonction_refusals(facts(administrative_contract=True))
    assert injonction_refusals(facts()) == ()


def test_one_time_barred_invoice_does_not_bar_the_others():
    barred = (("F-OLD", Decimal("321.00")),)
    result = recommend(facts(time_barred=barred, prescription_on=date(2027, 3, 1)))
    assert result.route is Route.INJONCTION
    assert any("Time-barred invoices F-OLD (321.00 EUR) are left out" in r for r in result.reasons)
    everything = recommend(facts(principal=Decimal("0.00"), time_barred=barred, prescription_on=date(2026, 1, 10)))
    assert everything.route is Route.TIME_BARRED
    assert injonction_refusals(facts(principal=Decimal("0.00"), time_barred=barred))


def test_disputed_invoices_are_left_out_and_the_route_says_why():
    disputed = (("F-3", Decimal("2345.67")),)
    result = recommend(facts(disputed=disputed))
    assert result.route is Route.INJONCTION
    assert Route.ASSIGNATION in result.alternatives
    assert any("F-3 (2 345.67 EUR)" in r and "assignation au fond" in r for r in result.reasons)
    only = recommend(facts(principal=Decimal("0.00"), interest=Decimal("0.00"), disputed=disputed))
    assert (only.route, only.alternatives) == (Route.ASSIGNATION, ())
    assert injonction_refusals(facts(principal=Decimal("0.00"), disputed=disputed))


def test_an_order_not_served_in_time_lapses():
    # 6 months from 20 March 2025 is Saturday 20 September: served by Monday 22 September (CPC 641, 642)
    assert not order_lapsed(date(2025, 3, 20), None, short=False, today=date(2025, 9, 22))
    assert order_lapsed(date(2025, 3, 20), None, short=False, today=date(2025, 9, 23))
    assert not order_lapsed(date(2025, 3, 20), date(2025, 9, 22), short=False, today=date(2026, 1, 1))
    assert order_lapsed(date(2025, 3, 20), date(2025, 9, 23), short=False, today=date(2025, 9, 23))
    assert order_lapsed(date(2026, 9, 10), None, short=True, today=date(2026, 12, 11))  # 3 months (décret 2026-96)


def test_the_seat_town_is_read_from_an_address():
    assert seat_town("5 avenue Foch\n69006 Lyon") == ("69006", "Lyon")
    assert seat_town("Tour A, 10 place de la Défense, 92400 Courbevoie Cedex 3") == ("92400", "Courbevoie")
    assert seat_town("somewhere") == ("", "")
