"""The payment-behaviour score, the exposure levels and the order check, from plain facts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from recouvre.core.credit import (
    CompanyStatus,
    Decision,
    Facts,
    Level,
    Settled,
    Thresholds,
    exposure_level,
    order_check,
    score,
    summarise,
)

D = Decimal


def points(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {c.key: str(c.points) for c in result.components}


def test_a_customer_paying_later_than_before_within_its_limit() -> None:
    # 1 000 paid on time 10 days ago; 3 000 paid 20 days late 100 days ago (before the last 3 months).
    facts = summarise(
        [Settled(D("1000.00"), 10, 0), Settled(D("3000.00"), 100, 20)],
        promises_kept=1,
        promises_broken=1,
        disputes=1,
        exposure=D("9000.00"),
        limit=D("10000.00"),
    )
    assert (facts.delay, facts.delay_recent, facts.delay_earlier) == (D("15.0"), D("0.0"), D("20.0"))
    result = score(facts)
    assert points(result) == {
        "average_delay": "22.5",  # 30 × (1 − 15 / 60)
        "delay_trend": "10.0",  # the delay shrank
        "late_share": "10.0",  # 1 of 2 late
        "promises": "7.5",  # 1 kept of 2
        "disputes": "5.0",  # one dispute
        "exposure": "5.0",  # 90 % of the limit
        "company_status": "5.0",
    }
    assert result.score == 65
    texts = [c.text for c in result.components]
    assert texts[0] == ("Invoices settled in the last 12 months were paid on average 15.0 days after their due date.")
    assert texts[1] == "The delay shrank: 0.0 days over the last 3 months against 20.0 days before."
    assert texts[2] == "1 of 2 invoices settled in the last 12 months were paid late."
    assert texts[5] == "Exposure 9000.00 is 90% of the credit limit of 10000.00."


def test_a_new_customer_gets_half_the_points_of_what_is_unknown() -> None:
    result = score(Facts())
    assert points(result) == {
        "average_delay": "15.0",
        "delay_trend": "5.0",
        "late_share": "10.0",
        "promises": "15.0",
        "disputes": "10.0",
        "exposure": "10.0",
        "company_status": "5.0",
    }
    assert result.score == 70
    assert result.components[5].text == "No credit limit is set."
    assert result.components[6].text == "The company's status is not known."


def test_a_worsening_customer_over_its_limit_in_insolvency() -> None:
    facts = summarise(
        [Settled(D("1000.00"), 30, 30), Settled(D("1000.00"), 200, 10)],
        exposure=D("12000.00"),
        limit=D("10000.00"),
        company_status=CompanyStatus.INSOLVENCY,
    )
    result = score(facts)
    assert points(result) == {
        "average_delay": "20.0",
        "delay_trend": "3.3",  # 20 days longer: 10 × (1 − 20 / 30)
        "late_share": "0.0",
        "promises": "15.0",
        "disputes": "10.0",
        "exposure": "0.0",
        "company_status": "0.0",
    }
    assert result.score == 48
    assert result.components[1].text == "The delay grew: 30.0 days over the last 3 months against 10.0 days before."


def test_facts_survive_their_storing() -> None:
    facts = summarise([Settled(D("500.00"), 5, 3)], disputes=2, exposure=D("10.00"), limit=None)
    assert Facts.from_dict(facts.as_dict()) == facts


@pytest.mark.parametrize(
    ("exposure", "limit", "level"),
    [
        ("7999.99", "10000", Level.NONE),
        ("8000.00", "10000", Level.NEAR),
        ("10000.00", "10000", Level.NEAR),
        ("10000.01", "10000", Level.OVER),
        ("170591.00", "170000", Level.OVER),
        ("50000.00", None, Level.NONE),
        ("0.00", "0", Level.NONE),
        ("1.00", "0", Level.OVER),
    ],
)
def test_exposure_levels(exposure: str, limit: str | None, level: Level) -> None:
    assert exposure_level(D(exposure), None if limit is None else D(limit)) is level


def _check(**kw):  # type: ignore[no-untyped-def]
    given = {"amount": D("2000"), "exposure": D("1000"), "limit": D("10000"), "score": 80, "overdue": D("0")}
    return order_check(**{**given, **kw})


def test_order_accepted_with_its_reasons() -> None:
    result = _check()
    assert result.decision is Decision.ACCEPT
    assert [r.text for r in result.reasons] == [
        "Score 80 of 100.",
        "Exposure with this order: 3000.00, within the credit limit of 10000.00.",
        "Nothing is overdue.",
    ]
    assert result.as_dict()["available"] == "9000"


def test_order_reviewed_for_a_low_score_near_the_limit_or_overdue() -> None:
    assert _check(score=49).decision is Decision.REVIEW
    assert _check(exposure=D("6000")).decision is Decision.REVIEW  # 8 000: 80 % of the limit
    assert _check(overdue=D("10")).decision is Decision.REVIEW
    over = _check(exposure=D("9000"))
    assert over.decision is Decision.REVIEW
    assert over.reasons[0].text == (
        "This order of 2000.00 takes the exposure from 9000.00 to 11000.00, 1000.00 over the credit limit of 10000.00."
    )


def test_order_refused() -> None:
    assert _check(score=24).decision is Decision.REFUSE
    assert _check(exposure=D("9000"), overdue=D("500")).decision is Decision.REFUSE
    refused = _check(company_status=CompanyStatus.INSOLVENCY)
    assert refused.decision is Decision.REFUSE
    assert refused.reasons[0].text == "The company is in insolvency proceedings."
    assert _check(score=30, thresholds=Thresholds(review_below=60, refuse_below=35)).decision is Decision.REFUSE


def test_order_without_limit_or_score() -> None:
    result = _check(limit=None, score=None)
    assert result.decision is Decision.ACCEPT
    assert [r.text for r in result.reasons][:2] == [
        "No score computed yet: run the collections or recouvre risk score.",
        "No credit limit is set: exposure would be 3000.00 with this order of 2000.00.",
    ]
    with pytest.raises(ValueError):
        _check(amount=D("0"))
