"""Late-payment interest: every worked example of LEGAL-FR.md to the cent, then the properties the law implies.

The worked examples of LEGAL-FR.md, all reproduced below:
- §1.5 the B2B half-year table (statutory rate = ECB on 1 Jan / 1 Jul + 10, floor = 3 × legal rate "other cases"),
  2013 H1 to 2026 H1, its two "floor anomaly" rows (2024 H1 and H2) and the lag note (the ECB cut of 5 Feb 2025
  leaves 2025 H1 at 13.15 %); 2026 H2 is unknown: carried as an open period with its rule (refused only when
  strict);
- §1.6 Example 1: 12 000 due 2025-03-15 paid 2025-06-30, 107 days at 13.15 % = 462.59 + 40 = 502.59, and its
  floor check (a contractual rate must be at least 3 × 3.71 = 11.13 %);
- §1.6 Example 2: due 2025-05-15 paid 2025-09-30, 46 days at 13.15 % (198.87) + 92 days at 12.15 % (367.50)
  = 566.37 (566.3671 rounded once), and 596.61 with the rate frozen at the start;
- §1.6 Example 3: due 2026-01-31 paid 2026-03-02, 30 days at 12.15 % = 119.84 + 40;
- §1.8 public buyers: the rate of the half-year the delay started in (24 March -> 1 January, 24 July -> 1 July),
  and 12 000 due 2025-05-15 paid 2025-09-30 at 3.15 + 8 = 11.15 % for 138 days = 505.87 + 40;
- §1.9 the algorithm: per-day rate, contractual rate below the floor flagged (with the statutory rate as LEGAL-FR
  recommends, or the floor as the issue asks), rounded once at the end;
- §2.4 consumer owes 1 500 to a company, notice 2025-05-20, paid 2025-08-31: 41 days at 3.71 % (6.25) + 62 days
  at 2.76 % (7.03) = 13.28; a private individual creditor: 7.21 % then 6.65 % = 29.09;
- §2.4 judgment for 10 000, enforceable 2025-03-10, paid 2025-09-30: 61 days at 3.71 % (62.00), 51 days at
  8.71 % (121.70), 92 days at 7.76 % (195.59) = 379.30 (the segments to the cent add to 379.29: rounded once).
The payment-term due dates of §1.2 and the procedural deadlines of §5 and §10 are not interest: other modules.

Partial payments (a payment reduces the base from the day after it, a credit note from its date) are checked on
the brief's invoice: 12 000 due 2025-03-15, 5 000 paid 2025-05-02, until 2025-06-30.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recouvre.core.interest import (
    BelowFloor,
    Claim,
    ClaimError,
    DayCount,
    Options,
    Reduction,
    ReductionKind,
    Regime,
    add_months,
    compute,
    total_of,
)
from recouvre.core.raterules import (
    ContractKind,
    ContractRate,
    RateRule,
    RuleKind,
    describe_rule,
    parse_contract_rate,
)
from recouvre.core.ratetables import (
    Creditor,
    EcbRate,
    HalfYear,
    LegalRate,
    MissingRateError,
    RateFileError,
    RateKind,
    RateTables,
    parse_rate_file,
    shipped_tables,
)

TABLES = shipped_tables()
D = Decimal
INVOICE = D("12000.00")


def periods(result):  # type: ignore[no-untyped-def]
    return [(p.start, p.end, p.days, p.base, p.rate, p.interest_cents) for p in result.periods]


def codes(result):  # type: ignore[no-untyped-def]
    return [n.code for n in result.notes]


# --------------------------------------------------------------------------------------------- §1.5 the table

# half-year: (ECB on 1 Jan/1 Jul, statutory rate, legal rate "other cases", floor) — LEGAL-FR §1.5 verbatim
TABLE_1_5 = {
    (2013, 1): ("0.75", "10.75", "0.04", "0.12"),
    (2013, 2): ("0.50", "10.50", "0.04", "0.12"),
    (2014, 1): ("0.25", "10.25", "0.04", "0.12"),
    (2014, 2): ("0.15", "10.15", "0.04", "0.12"),
    (2015, 1): ("0.05", "10.05", "0.93", "2.79"),
    (2015, 2): ("0.05", "10.05", "0.99", "2.97"),
    (2016, 1): ("0.05", "10.05", "1.01", "3.03"),
    (2016, 2): ("0.00", "10.00", "0.93", "2.79"),
    (2017, 1): ("0.00", "10.00", "0.90", "2.70"),
    (2017, 2): ("0.00", "10.00", "0.90", "2.70"),
    (2018, 1): ("0.00", "10.00", "0.89", "2.67"),
    (2018, 2): ("0.00", "10.00", "0.88", "2.64"),
    (2019, 1): ("0.00", "10.00", "0.86", "2.58"),
    (2019, 2): ("0.00", "10.00", "0.87", "2.61"),
    (2020, 1): ("0.00", "10.00", "0.87", "2.61"),
    (2020, 2): ("0.00", "10.00", "0.84", "2.52"),
    (2021, 1): ("0.00", "10.00", "0.79", "2.37"),
    (2021, 2): ("0.00", "10.00", "0.76", "2.28"),
    (2022, 1): ("0.00", "10.00", "0.76", "2.28"),
    (2022, 2): ("0.00", "10.00", "0.77", "2.31"),
    (2023, 1): ("2.50", "12.50", "2.06", "6.18"),
    (2023, 2): ("4.00", "14.00", "4.22", "12.66"),
    (2024, 1): ("4.50", "14.50", "5.07", "15.21"),
    (2024, 2): ("4.25", "14.25", "4.92", "14.76"),
    (2025, 1): ("3.15", "13.15", "3.71", "11.13"),
    (2025, 2): ("2.15", "12.15", "2.76", "8.28"),
    (2026, 1): ("2.15", "12.15", "2.62", "7.86"),
}


@pytest.mark.parametrize(("half", "row"), sorted(TABLE_1_5.items()))
def test_the_b2b_rate_of_each_half_year_is_the_table_of_legal_fr(half, row):  # type: ignore[no-untyped-def]
    ecb, statutory, legal, floor = map(D, row)
    hy = HalfYear(*half)
    assert TABLES.ecb_in_force(hy) == ecb
    assert TABLES.legal_rate(hy).professionals == legal
    # the rate a silent contract gets, read from a one-day delay on the half-year's first day
    result = compute(Claim(INVOICE, hy.start - timedelta(days=1)), hy.start, TABLES)
    assert result.periods[0].rate == statutory
    # a contractual rate of 0.01 % is not valid: the statutory rate applies, or the floor on the other reading
    low = compute(Claim(INVOICE, hy.start - timedelta(days=1), contract_rate=D("0.01")), hy.start, TABLES)
    assert low.periods[0].rate == statutory
    floor_reading = Options(below_floor=BelowFloor.FLOOR)
    low = compute(
        Claim(INVOICE, hy.start - timedelta(days=1), contract_rate=D("0.01")), hy.start, TABLES, floor_reading
    )
    assert low.periods[0].rate == floor


def test_the_ecb_cut_of_february_2025_does_not_change_the_first_half_year_rate():  # type: ignore[no-untyped-def]
    assert TABLES.ecb_in_force(HalfYear(2025, 1)) == D("3.15")  # in force on 1 January, cut to 2.90 on 5 February
    result = compute(Claim(INVOICE, date(2025, 2, 28)), date(2025, 3, 31), TABLES)
    assert [p.rate for p in result.periods] == [D("13.15")]


def test_2026_h2_is_not_known_and_is_refused_by_name_when_strict():  # type: ignore[no-untyped-def]
    with pytest.raises(MissingRateError) as ecb:
        compute(Claim(INVOICE, date(2026, 5, 15)), date(2026, 9, 30), TABLES, strict=True)
    assert (ecb.value.kind, ecb.value.half_year) == (RateKind.ECB, HalfYear(2026, 2))
    assert "2026 H2" in str(ecb.value) and "2026-07-01" in str(ecb.value)
    with pytest.raises(MissingRateError) as legal:
        compute(
            Claim(INVOICE, date(2026, 5, 15), Regime.B2C, notice_on=date(2026, 6, 1)),
            date(2026, 7, 1),
            TABLES,
            strict=True,
        )
    assert (legal.value.kind, legal.value.half_year) == (RateKind.LEGAL, HalfYear(2026, 2))
    assert "2026 H2" in str(legal.value)


def test_2026_h2_is_an_open_period_with_its_legal_rule_and_the_indemnity_stays():  # type: ignore[no-untyped-def]
    result = compute(Claim(INVOICE, date(2026, 5, 15)), date(2026, 12, 7), TABLES)
    # 12 000 × 12.15 % × 46 / 365 = 183.7479...
    assert periods(result) == [(date(2026, 5, 16), date(2026, 6, 30), 46, INVOICE, D("12.15"), D("183.75"))]
    assert (result.interest, result.indemnity, result.complete) == (D("183.75"), D("40.00"), False)
    [open_period] = result.open_periods
    assert (open_period.start, open_period.end, open_period.days, open_period.base) == (
        date(2026, 7, 1),
        date(2026, 12, 7),
        160,
        INVOICE,
    )
    assert (open_period.rule.kind, open_period.rule.half_year, open_period.rule.points) == (
        RuleKind.STATUTORY,
        HalfYear(2026, 2),
        D(10),
    )
    assert describe_rule(open_period.rule, open_period.start, "fr") == (
        "taux de refinancement de la BCE en vigueur le 1er juillet 2026 majoré de 10 points, "
        "à compter du 1er juillet 2026"
    )
    assert describe_rule(open_period.rule, open_period.start, "en") == (
        "ECB main refinancing rate in force on 1 July 2026 plus 10 points, from 1 July 2026"
    )
    assert result.missing == ((RateKind.ECB, HalfYear(2026, 2)),)
    assert codes(result) == ["to_be_completed"]
    assert "recouvre" not in result.notes[0].message and "`" not in result.notes[0].message


def test_open_periods_follow_the_regime():  # type: ignore[no-untyped-def]
    # a public buyer whose delay started in 2026 H1 keeps the 2026 H1 rate for the whole delay: complete
    public = compute(Claim(INVOICE, date(2026, 5, 15), Regime.PUBLIC), date(2026, 12, 7), TABLES)
    assert public.complete and [p.rate for p in public.periods] == [D("10.15")]
    # ... but a delay starting in 2026 H2 is open as a whole, at the ECB rate of 1 July 2026 + 8 points
    late = compute(Claim(INVOICE, date(2026, 7, 20), Regime.PUBLIC), date(2026, 12, 7), TABLES)
    assert late.periods == () and late.indemnity == D("40.00")
    assert [(o.start, o.rule.kind, o.rule.points) for o in late.open_periods] == [
        (date(2026, 7, 21), RuleKind.PUBLIC, D(8))
    ]
    assert "fixe pour toute la durée du retard" in describe_rule(late.open_periods[0].rule, date(2026, 7, 21), "fr")
    # legal interest (b2c): the legal rate of 2026 H2, no indemnity
    b2c = compute(Claim(INVOICE, date(2026, 5, 15), Regime.B2C, notice_on=date(2026, 6, 1)), date(2026, 12, 7), TABLES)
    assert [p.end for p in b2c.periods] == [date(2026, 6, 30)] and b2c.indemnity == 0
    assert b2c.open_periods[0].rule == RateRule(RuleKind.LEGAL, HalfYear(2026, 2), D(0), Creditor.PROFESSIONAL)
    assert describe_rule(b2c.open_periods[0].rule, date(2026, 7, 1), "fr").startswith(
        "taux de l'intérêt légal du second semestre 2026"
    )
    # a payment in the open half-year splits the open period by base
    paid = Claim(INVOICE, date(2026, 5, 15), reductions=(Reduction(date(2026, 9, 30), D("2000.00")),))
    split = compute(paid, date(2026, 12, 7), TABLES)
    assert [(o.start, o.end, o.base) for o in split.open_periods] == [
        (date(2026, 7, 1), date(2026, 9, 30), INVOICE),
        (date(2026, 10, 1), date(2026, 12, 7), D("10000.00")),
    ]


# --------------------------------------------------------------------------------------------- §1.6 B2B


def test_example_1_the_brief_case():  # type: ignore[no-untyped-def]
    result = compute(Claim(INVOICE, date(2025, 3, 15)), date(2025, 6, 30), TABLES)

    assert periods(result) == [(date(2025, 3, 16), date(2025, 6, 30), 107, INVOICE, D("13.15"), D("462.59"))]
    assert (result.interest, result.indemnity) == (D("462.59"), D("40.00"))
    assert result.penalties == D("502.59")  # claimable on top of the principal
    assert result.total == D("12502.59")
    assert result.notes == ()


def test_example_1_paid_in_full_on_the_last_day_leaves_the_penalties_only():  # type: ignore[no-untyped-def]
    paid = Claim(INVOICE, date(2025, 3, 15), reductions=(Reduction(date(2025, 6, 30), INVOICE),))
    result = compute(paid, date(2025, 6, 30), TABLES)
    assert (result.principal, result.interest, result.indemnity, result.total) == (
        D("0.00"),
        D("462.59"),
        D("40.00"),
        D("502.59"),
    )
    # the day it is paid is the last day of interest: a later "until" adds nothing
    assert compute(paid, date(2025, 12, 31), TABLES).total == D("502.59")


def test_example_1_floor_check_a_contractual_rate_must_be_at_least_11_13():  # type: ignore[no-untyped-def]
    at_floor = compute(Claim(INVOICE, date(2025, 3, 15), contract_rate=D("11.13")), date(2025, 6, 30), TABLES)
    assert [p.rate for p in at_floor.periods] == [D("11.13")]
    assert at_floor.notes == ()
    # 12 000 × 11.13 % × 107 / 365 = 391.5287...
    assert at_floor.interest == D("391.53")

    below = compute(Claim(INVOICE, date(2025, 3, 15), contract_rate=D("9")), date(2025, 6, 30), TABLES)
    assert [p.rate for p in below.periods] == [D("13.15")]  # not a valid derogation: the statutory rate
    assert codes(below) == ["contract_rate_below_floor"]
    assert below.notes[0].message == (
        "2025 H1: the contractual rate 9.00 % is below the legal floor of 3 × the legal interest rate "
        "(3 × 3.71 % = 11.13 %): it is not a valid derogation, so the statutory rate 13.15 % (ECB 3.15 % + 10 "
        "points) applies to this half-year"
    )
    floor_reading = compute(
        Claim(INVOICE, date(2025, 3, 15), contract_rate=D("9")),
        date(2025, 6, 30),
        TABLES,
        Options(below_floor=BelowFloor.FLOOR),
    )
    assert [p.rate for p in floor_reading.periods] == [D("11.13")]
    assert floor_reading.interest == D("391.53")
    assert floor_reading.notes[0].message.endswith("(3 × 3.71 % = 11.13 %); the floor is applied")


def test_a_contractual_rate_above_the_floor_replaces_the_statutory_rate():  # type: ignore[no-untyped-def]
    result = compute(Claim(INVOICE, date(2025, 3, 15), contract_rate=D("15")), date(2025, 6, 30), TABLES)
    # 12 000 × 15 % × 107 / 365 = 527.6712...
    assert (result.interest, result.notes) == (D("527.67"), ())


def test_example_2_a_delay_across_two_half_years_is_split():  # type: ignore[no-untyped-def]
    result = compute(Claim(INVOICE, date(2025, 5, 15)), date(2025, 9, 30), TABLES)

    assert periods(result) == [
        (date(2025, 5, 16), date(2025, 6, 30), 46, INVOICE, D("13.15"), D("198.87")),
        (date(2025, 7, 1), date(2025, 9, 30), 92, INVOICE, D("12.15"), D("367.50")),
    ]
    assert result.exact_interest.quantize(D("0.0001")) == D("566.3671")
    assert (result.interest, result.indemnity, result.penalties) == (D("566.37"), D("40.00"), D("606.37"))


def test_example_2_with_the_rate_frozen_at_the_start_behind_its_flag():  # type: ignore[no-untyped-def]
    result = compute(Claim(INVOICE, date(2025, 5, 15)), date(2025, 9, 30), TABLES, Options(rate_frozen_at_start=True))
    assert periods(result) == [(date(2025, 5, 16), date(2025, 9, 30), 138, INVOICE, D("13.15"), D("596.61"))]
    assert result.interest == D("596.61")
    assert codes(result) == ["rate_frozen_at_start"]


def test_example_3_2026():  # type: ignore[no-untyped-def]
    result = compute(Claim(INVOICE, date(2026, 1, 31)), date(2026, 3, 2), TABLES)
    assert periods(result) == [(date(2026, 2, 1), date(2026, 3, 2), 30, INVOICE, D("12.15"), D("119.84"))]
    assert (result.interest, result.indemnity) == (D("119.84"), D("40.00"))


def test_a_payment_reduces_the_base_from_the_next_day():  # type: ignore[no-untyped-def]
    claim = Claim(INVOICE, date(2025, 3, 15), reductions=(Reduction(date(2025, 5, 2), D("5000.00")),))
    result = compute(claim, date(2025, 6, 30), TABLES)

    # 12 000 × 13.15 % × 48/365 = 207.5178...; 7 000 × 13.15 % × 59/365 = 148.7904...; together 356.3082...
    assert periods(result) == [
        (date(2025, 3, 16), date(2025, 5, 2), 48, INVOICE, D("13.15"), D("207.52")),
        (date(2025, 5, 3), date(2025, 6, 30), 59, D("7000.00"), D("13.15"), D("148.79")),
    ]
    assert (result.principal, result.interest, result.indemnity, result.total) == (
        D("7000.00"),
        D("356.31"),
        D("40.00"),
        D("7396.31"),
    )


def test_a_credit_note_reduces_the_base_from_its_own_date():  # type: ignore[no-untyped-def]
    claim = Claim(
        INVOICE, date(2025, 3, 15), reductions=(Reduction(date(2025, 5, 2), D("5000.00"), ReductionKind.CREDIT_NOTE),)
    )
    result = compute(claim, date(2025, 6, 30), TABLES)
    # one day less on 12 000, one more on 7 000: 47 and 60 days
    assert [(p.start, p.days, p.base) for p in result.periods] == [
        (date(2025, 3, 16), 47, INVOICE),
        (date(2025, 5, 2), 60, D("7000.00")),
    ]
    # 12 000 × 13.15 % × 47/365 + 7 000 × 13.15 % × 60/365 = 203.1945... + 151.3150... = 354.5095...
    assert result.interest == D("354.51")


def test_payments_across_half_years_and_paid_in_full():  # type: ignore[no-untyped-def]
    claim = Claim(
        INVOICE,
        date(2025, 5, 15),
        reductions=(Reduction(date(2025, 6, 10), D("4000.00")), Reduction(date(2025, 8, 20), D("8000.00"))),
    )
    result = compute(claim, date(2025, 9, 30), TABLES)
    assert [(p.start, p.end, p.base, p.rate) for p in result.periods] == [
        (date(2025, 5, 16), date(2025, 6, 10), INVOICE, D("13.15")),
        (date(2025, 6, 11), date(2025, 6, 30), D("8000.00"), D("13.15")),
        (date(2025, 7, 1), date(2025, 8, 20), D("8000.00"), D("12.15")),
    ]
    # 12 000 × 13.15 % × 26/365 + 8 000 × 13.15 % × 20/365 + 8 000 × 12.15 % × 51/365
    # = 112.4054... + 57.6438... + 135.8137... = 305.8630...
    assert (result.principal, result.interest, result.indemnity) == (D("0.00"), D("305.86"), D("40.00"))


def test_an_invoice_paid_on_its_due_date_owes_nothing():  # type: ignore[no-untyped-def]
    claim = Claim(INVOICE, date(2025, 3, 15), reductions=(Reduction(date(2025, 3, 15), INVOICE),))
    result = compute(claim, date(2025, 6, 30), TABLES)
    assert (result.interest, result.indemnity, result.total, result.periods) == (D("0.00"), D("0.00"), D("0.00"), ())


# --------------------------------------------------------------------------------------------- the floor anomaly


def test_2024_the_statutory_rate_applies_below_the_floor_when_the_contract_is_silent():  # type: ignore[no-untyped-def]
    result = compute(Claim(INVOICE, date(2024, 3, 15)), date(2024, 9, 30), TABLES)
    assert [p.rate for p in result.periods] == [D("14.50"), D("14.25")]  # not 15.21 / 14.76
    assert result.notes == ()


def test_2024_on_the_floor_reading_a_contractual_rate_below_the_floor_is_raised_to_it():  # type: ignore[no-untyped-def]
    claim = Claim(INVOICE, date(2024, 3, 15), contract_rate=D("12"))
    result = compute(claim, date(2024, 9, 30), TABLES, Options(below_floor=BelowFloor.FLOOR))
    assert [p.rate for p in result.periods] == [D("15.21"), D("14.76")]
    # 12 000 × 15.21 % × 107/365 + 12 000 × 14.76 % × 92/365 = 535.0586... + 446.4394... = 981.4980...
    assert result.interest == D("981.50")
    assert codes(result) == ["contract_rate_below_floor", "contract_rate_below_floor"]
    assert [n.message.split(":")[0] for n in result.notes] == ["2024 H1", "2024 H2"]


def test_2024_a_12_percent_clause_below_the_floor_takes_the_statutory_rate_by_default():  # type: ignore[no-untyped-def]
    claim = Claim(INVOICE, date(2024, 3, 15), contract_rate=D("12"))
    result = compute(claim, date(2024, 9, 30), TABLES)
    assert [p.rate for p in result.periods] == [D("14.50"), D("14.25")]  # not 15.21 / 14.76
    # 12 000 × 14.50 % × 107/365 + 12 000 × 14.25 % × 92/365 = 510.0821... + 431.0136... = 941.0958...
    assert result.interest == D("941.10")
    assert codes(result) == ["contract_rate_below_floor", "contract_rate_below_floor"]
    assert "the statutory rate 14.50 % (ECB 4.50 % + 10 points) applies to this half-year" in result.notes[0].message
    assert "the statutory rate 14.25 % (ECB 4.25 % + 10 points) applies to this half-year" in result.notes[1].message


def test_contractual_rates_of_each_kind():  # type: ignore[no-untyped-def]
    # 3 × the legal rate is the floor itself: 3 × 3.71 = 11.13 % in 2025 H1
    three = compute(
        Claim(INVOICE, date(2025, 3, 15), contract_rate=parse_contract_rate("3xlegal")), date(2025, 6, 30), TABLES
    )
    assert [p.rate for p in three.periods] == [D("11.13")] and three.notes == ()
    # ECB + 12 points: 3.15 + 12 = 15.15 % in 2025 H1
    ecb = compute(
        Claim(INVOICE, date(2025, 3, 15), contract_rate=parse_contract_rate("BCE + 12 points")),
        date(2025, 6, 30),
        TABLES,
    )
    assert [p.rate for p in ecb.periods] == [D("15.15")]
    # ECB + 5 points in 2024 H1 (9.50 %) is below the floor (15.21 %): the statutory rate 14.50 %
    low = compute(
        Claim(INVOICE, date(2024, 3, 15), contract_rate=parse_contract_rate("ecb+5")), date(2024, 6, 30), TABLES
    )
    assert [p.rate for p in low.periods] == [D("14.50")] and codes(low) == ["contract_rate_below_floor"]
    assert parse_contract_rate("12,5 %") == ContractRate(ContractKind.FIXED, D("12.5"))
    assert parse_contract_rate("none") is None
    with pytest.raises(ValueError, match="not a contractual rate"):
        parse_contract_rate("twelve")


# --------------------------------------------------------------------------------------------- §1.8 public buyers


def test_public_buyer_example_rate_of_the_half_year_the_delay_started_in():  # type: ignore[no-untyped-def]
    result = compute(Claim(INVOICE, date(2025, 5, 15), Regime.PUBLIC), date(2025, 9, 30), TABLES)
    assert periods(result) == [(date(2025, 5, 16), date(2025, 9, 30), 138, INVOICE, D("11.15"), D("505.87"))]
    assert (result.interest, result.indemnity, result.penalties) == (D("505.87"), D("40.00"), D("545.87"))
    assert result.notes[0].message == (
        "ECB rate in force on 2025-01-01 (3.15 %) + 8 points = 11.15 %, fixed for the whole delay (CCP R2192-31)"
    )


@pytest.mark.parametrize(
    ("expired", "rate"),
    [(date(2025, 3, 24), D("11.15")), (date(2025, 7, 24), D("10.15"))],  # ECB on 1 January 3.15, on 1 July 2.15
)
def test_public_buyer_term_expiring_24_march_or_24_july(expired, rate):  # type: ignore[no-untyped-def]
    result = compute(Claim(INVOICE, expired, Regime.PUBLIC), date(2026, 3, 31), TABLES)
    assert [p.rate for p in result.periods] == [rate]  # one rate across every half-year until paid


# --------------------------------------------------------------------------------------------- §2.4 legal interest


def test_consumer_owes_a_company_legal_interest_from_the_notice():  # type: ignore[no-untyped-def]
    claim = Claim(D("1500.00"), date(2025, 4, 30), Regime.B2C, notice_on=date(2025, 5, 20))
    result = compute(claim, date(2025, 8, 31), TABLES)

    assert periods(result) == [
        (date(2025, 5, 21), date(2025, 6, 30), 41, D("1500.00"), D("3.71"), D("6.25")),
        (date(2025, 7, 1), date(2025, 8, 31), 62, D("1500.00"), D("2.76"), D("7.03")),
    ]
    assert (result.interest, result.indemnity, result.total) == (D("13.28"), D("0.00"), D("1513.28"))
    assert "no_indemnity" in codes(result)


def test_a_private_individual_creditor_gets_the_higher_rate():  # type: ignore[no-untyped-def]
    claim = Claim(
        D("1500.00"), date(2025, 4, 30), Regime.CIVIL, notice_on=date(2025, 5, 20), creditor=Creditor.INDIVIDUAL
    )
    result = compute(claim, date(2025, 8, 31), TABLES)
    assert [p.rate for p in result.periods] == [D("7.21"), D("6.65")]
    assert result.interest == D("29.09")


def test_judgment_uplift_of_five_points_two_months_after_it_became_enforceable():  # type: ignore[no-untyped-def]
    claim = Claim(D("10000.00"), date(2025, 3, 10), Regime.CIVIL, judgment_enforceable_on=date(2025, 3, 10))
    result = compute(claim, date(2025, 9, 30), TABLES)

    assert periods(result) == [
        (date(2025, 3, 11), date(2025, 5, 10), 61, D("10000.00"), D("3.71"), D("62.00")),
        (date(2025, 5, 11), date(2025, 6, 30), 51, D("10000.00"), D("8.71"), D("121.70")),
        (date(2025, 7, 1), date(2025, 9, 30), 92, D("10000.00"), D("7.76"), D("195.59")),
    ]
    assert sum(p.interest_cents for p in result.periods) == D("379.29")  # the lines, each to the cent...
    assert result.interest == D("379.30")  # ...but the total is rounded once from 379.2986...
    assert result.indemnity == D("0.00")


def test_the_day_of_the_notice_bears_interest_only_when_configured():  # type: ignore[no-untyped-def]
    claim = Claim(D("1500.00"), date(2025, 4, 30), Regime.B2C, notice_on=date(2025, 5, 20))
    counted = compute(claim, date(2025, 8, 31), TABLES, Options(count_start_day=True))
    assert (counted.periods[0].start, counted.periods[0].days) == (date(2025, 5, 20), 42)
    # 1 500 × 3.71 % × 42/365 + 1 500 × 2.76 % × 62/365 = 6.4035... + 7.0323... = 13.4358...
    assert counted.interest == D("13.44")


def test_legal_interest_needs_the_notice_date():  # type: ignore[no-untyped-def]
    with pytest.raises(ClaimError, match="mise en demeure"):
        compute(Claim(D("1500.00"), date(2025, 4, 30), Regime.B2C), date(2025, 8, 31), TABLES)


# --------------------------------------------------------------------------------------------- day count, errors


def test_day_count_360_and_actual():  # type: ignore[no-untyped-def]
    claim = Claim(INVOICE, date(2024, 3, 15))
    d360 = compute(claim, date(2024, 6, 30), TABLES, Options(day_count=DayCount.D360))
    # 12 000 × 14.50 % × 107 / 360 = 517.1666...
    assert d360.interest == D("517.17")
    actual = compute(claim, date(2024, 6, 30), TABLES, Options(day_count=DayCount.ACTUAL))
    # 2024 is a leap year: 12 000 × 14.50 % × 107 / 366 = 508.6885...
    assert actual.interest == D("508.69")
    assert codes(actual) == ["day_count"]
    across = compute(Claim(INVOICE, date(2024, 12, 15)), date(2025, 1, 15), TABLES, Options(day_count=DayCount.ACTUAL))
    assert [(p.start, p.days, p.divisor) for p in across.periods] == [
        (date(2024, 12, 16), 16, 366),
        (date(2025, 1, 1), 15, 365),
    ]


def test_claims_that_cannot_be_computed_without_guessing_are_refused():  # type: ignore[no-untyped-def]
    due = date(2025, 3, 15)
    with pytest.raises(ClaimError, match="exceed the amount"):
        compute(Claim(INVOICE, due, reductions=(Reduction(due, D("12000.01")),)), date(2025, 6, 30), TABLES)
    with pytest.raises(ClaimError, match="CPCE L111-8"):
        compute(Claim(INVOICE, due, Regime.B2C, notice_on=due, extra_costs=D("150.00")), date(2025, 6, 30), TABLES)
    with pytest.raises(ClaimError, match="b2b regime only"):
        compute(Claim(INVOICE, due, Regime.PUBLIC, contract_rate=D("12")), date(2025, 6, 30), TABLES)
    with pytest.raises(ClaimError, match="before 1 January 2013"):
        compute(Claim(INVOICE, date(2012, 6, 30)), date(2013, 6, 30), TABLES)
    with pytest.raises(ClaimError, match="cents"):
        compute(Claim(D("100.001"), due), date(2025, 6, 30), TABLES)


def test_documented_extra_costs_are_added_for_a_professional_debtor():  # type: ignore[no-untyped-def]
    result = compute(Claim(INVOICE, date(2025, 3, 15), extra_costs=D("260.00")), date(2025, 6, 30), TABLES)
    assert (result.indemnity, result.extra_costs, result.total) == (D("40.00"), D("260.00"), D("12762.59"))
    assert result.as_dict()["extra_costs"] == "260.00"


def test_a_reminder_adds_the_rounded_amounts_of_each_invoice():  # type: ignore[no-untyped-def]
    as_of = date(2025, 6, 30)
    first = compute(Claim(INVOICE, date(2025, 3, 15)), as_of, TABLES)
    second = compute(
        Claim(D("3000.00"), date(2025, 4, 30), reductions=(Reduction(date(2025, 5, 31), D("1000.00")),)), as_of, TABLES
    )
    # second: 3 000 × 13.15 % × 31/365 + 2 000 × 13.15 % × 30/365 = 33.5054... + 21.6164... = 55.1219...
    assert second.interest == D("55.12")
    assert total_of([first, second]) == {
        "principal": D("14000.00"),
        "interest": D("517.71"),
        "indemnity": D("80.00"),
        "extra_costs": D("0.00"),
        "total": D("14597.71"),
    }


def test_the_calculator_json_shape():  # type: ignore[no-untyped-def]
    result = compute(Claim(INVOICE, date(2025, 5, 15)), date(2025, 9, 30), TABLES)
    assert result.as_dict() == {
        "complete": True,
        "principal": "12000.00",
        "interest": "566.37",
        "indemnity": "40.00",
        "total": "12606.37",
        "periods": [
            {"from": "2025-05-16", "to": "2025-06-30", "days": 46, "base": "12000.00", "rate": "13.15",
             "interest": "198.87"},
            {"from": "2025-07-01", "to": "2025-09-30", "days": 92, "base": "12000.00", "rate": "12.15",
             "interest": "367.50"},
        ],
        "open_periods": [],
        "notes": [],
    }  # fmt: skip


def test_months_are_counted_as_the_code_of_civil_procedure_does():  # type: ignore[no-untyped-def]
    assert add_months(date(2025, 3, 10), 2) == date(2025, 5, 10)
    assert add_months(date(2025, 12, 31), 2) == date(2026, 2, 28)
    assert add_months(date(2024, 12, 31), 2) == date(2025, 2, 28)
    assert add_months(date(2023, 12, 31), 2) == date(2024, 2, 29)


# --------------------------------------------------------------------------------------------- rate files


def test_a_rate_file_is_refused_whole_with_file_line_and_field():  # type: ignore[no-untyped-def]
    text = (
        "# imported by hand\n"
        "period_start,period_end,rate_professionals_percent,rate_individuals_percent\n"
        "2026-07-01,2026-12-31,2.50,6.50\n"
        "2027-01-01,2027-06-31,2.40,6.40\n"
        "2027-07-01,2027-12-31,2,4O,6.30\n"
        "2027-07-01,2027-12-31,abc,6.30\n"
        "2028-02-01,2028-06-30,2.40,6.40\n"
    )
    with pytest.raises(RateFileError) as refused:
        parse_rate_file(text, "taux.csv")
    assert [(p.file, p.line, p.field) for p in refused.value.problems] == [
        ("taux.csv", 4, "period_end"),
        ("taux.csv", 5, ""),
        ("taux.csv", 6, "rate_professionals_percent"),
        ("taux.csv", 7, "period_start"),
    ]
    assert str(refused.value.problems[3]) == (
        "taux.csv, line 7, period_start: a period starts on 1 January or 1 July, not 2028-02-01"
    )


def test_a_rate_file_says_its_kind_by_its_header():  # type: ignore[no-untyped-def]
    ecb = parse_rate_file("effective_date;rate_percent\n01/07/2026;2,15\n", "bce.csv")
    assert (ecb.kind, ecb.ecb) == (RateKind.ECB, (EcbRate(date(2026, 7, 1), D("2.15")),))
    annual = parse_rate_file(
        "period_start,period_end,rate_professionals_percent,rate_individuals_percent\n2014-01-01,2014-12-31,0.04,0.04\n",
        "legal.csv",
    )
    assert [r.half_year for r in annual.legal] == [HalfYear(2014, 1), HalfYear(2014, 2)]
    with pytest.raises(RateFileError, match="the header must be effective_date,rate_percent"):
        parse_rate_file(annual_text := "period_start,period_end\n", "x.csv", RateKind.ECB)
    assert annual_text


def test_imported_rows_take_precedence_over_the_shipped_ones():  # type: ignore[no-untyped-def]
    updated = TABLES.overridden_by(
        [EcbRate(date(2026, 7, 1), D("2.15"))], [LegalRate(HalfYear(2026, 2), D("2.50"), D("6.50"))]
    )
    result = compute(Claim(INVOICE, date(2026, 5, 15)), date(2026, 9, 30), updated)
    assert [p.rate for p in result.periods] == [D("12.15")]  # merged: the same rate both half-years
    corrected = TABLES.overridden_by([], [LegalRate(HalfYear(2025, 1), D("3.00"), D("7.00"))])
    assert corrected.legal_rate(HalfYear(2025, 1)).professionals == D("3.00")
    assert TABLES.legal_rate(HalfYear(2025, 1)).professionals == D("3.71")


# --------------------------------------------------------------------------------------------- properties

days_2013_2026 = st.dates(min_value=date(2013, 1, 1), max_value=date(2026, 6, 29))
cents = st.integers(min_value=1, max_value=10_000_000_00).map(lambda c: Decimal(c).scaleb(-2))
regimes = st.sampled_from(list(Regime))


@st.composite
def claims(draw, regime=None):  # type: ignore[no-untyped-def]
    """A claim due between 2013 and mid-2026 with up to three payments or credit notes (never more than due)."""
    chosen = draw(regime if regime is not None else regimes)
    due = draw(days_2013_2026)
    amount = draw(cents)
    reductions = []
    left = int(amount * 100)  # cents still owed
    for _ in range(draw(st.integers(0, 3))):
        if left == 0:
            break
        part = draw(st.integers(1, left))
        on = draw(st.dates(min_value=due - timedelta(days=30), max_value=date(2026, 6, 30)))
        reductions.append(Reduction(on, Decimal(part).scaleb(-2), draw(st.sampled_from(list(ReductionKind)))))
        left -= part
    notice = None
    if chosen in (Regime.B2C, Regime.CIVIL):
        notice = draw(st.dates(min_value=due, max_value=min(due + timedelta(days=400), date(2026, 6, 30))))
    contract = None
    if chosen is Regime.B2B and draw(st.booleans()):
        contract = Decimal(draw(st.integers(0, 2000))).scaleb(-2)
    creditor = draw(st.sampled_from(list(Creditor))) if chosen is Regime.CIVIL else Creditor.PROFESSIONAL
    extra = Decimal(draw(st.integers(0, 50000))).scaleb(-2) if chosen.professional_debtor else Decimal("0.00")
    return Claim(amount, due, chosen, tuple(reductions), contract, notice, creditor=creditor, extra_costs=extra)


options = st.builds(
    Options,
    day_count=st.sampled_from(list(DayCount)),
    rate_frozen_at_start=st.booleans(),
    below_floor=st.sampled_from(list(BelowFloor)),
    count_start_day=st.booleans(),
)
LAST = date(2026, 6, 30)


def first_interest_day(claim: Claim, opts: Options) -> date:
    if claim.regime in (Regime.B2B, Regime.PUBLIC):
        return claim.due_on + timedelta(days=1)
    assert claim.notice_on is not None
    return max(claim.notice_on + timedelta(days=0 if opts.count_start_day else 1), claim.due_on + timedelta(days=1))


@settings(max_examples=300, deadline=None)
@given(claims(), options, st.integers(-60, 0))
def test_no_interest_before_the_first_day_of_delay(claim, opts, back):  # type: ignore[no-untyped-def]
    start = first_interest_day(claim, opts)
    until = start - timedelta(days=1) + timedelta(days=back)
    result = compute(claim, until, TABLES, opts)
    assert (result.exact_interest, result.interest, result.periods, result.indemnity) == (0, D("0.00"), (), 0)
    if start <= LAST:  # the first day of delay bears interest, on what is still owed that day
        one_day = compute(claim, start, TABLES, opts)
        owed = claim.amount - sum((r.amount for r in claim.reductions if r.reduces_from <= start), Decimal(0))
        assert [(p.start, p.end, p.base) for p in one_day.periods] == ([(start, start, owed)] if owed else [])
        assert (one_day.exact_interest > 0) == (owed > 0)


@settings(max_examples=300, deadline=None)
@given(claims(), options, days_2013_2026, days_2013_2026)
def test_interest_never_decreases_as_until_moves_later(claim, opts, a, b):  # type: ignore[no-untyped-def]
    early, late = sorted((a, b))
    first = compute(claim, early, TABLES, opts)
    second = compute(claim, late, TABLES, opts)
    assert second.exact_interest >= first.exact_interest
    assert second.interest >= first.interest
    assert second.indemnity >= first.indemnity


@settings(max_examples=300, deadline=None)
@given(claims(), options, days_2013_2026, days_2013_2026)
def test_interest_is_additive_when_the_period_is_split_at_any_date(claim, opts, a, b):  # type: ignore[no-untyped-def]
    split, until = sorted((a, b))
    whole = compute(claim, until, TABLES, opts)
    before = compute(claim, split, TABLES, opts)
    after = compute(claim, until, TABLES, opts, since=split)
    # Unrounded: the same sum (kept to 60 significant digits: equal far below a millionth of a cent).
    with localcontext() as ctx:
        ctx.prec = 100
        assert abs(before.exact_interest + after.exact_interest - whole.exact_interest) < Decimal("1e-30")
    # Rounded once per result, half-up to the cent: the two parts differ from the whole by at most one cent.
    assert abs(before.interest + after.interest - whole.interest) <= Decimal("0.01")
    # The 40 EUR and the extra costs are counted once, in the part where the delay starts.
    assert before.indemnity + after.indemnity == whole.indemnity
    assert before.extra_costs + after.extra_costs == whole.extra_costs
    assert before.principal == whole.principal + sum(r.amount for r in claim.reductions if split < r.on <= until)


@settings(max_examples=300, deadline=None)
@given(claims(st.sampled_from([Regime.B2C, Regime.CIVIL])), options, days_2013_2026)
def test_a_consumer_or_civil_debtor_never_gets_the_40_eur(claim, opts, until):  # type: ignore[no-untyped-def]
    result = compute(claim, until, TABLES, opts)
    assert (result.indemnity, result.extra_costs) == (0, 0)
    assert result.total == result.principal + result.interest


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([h for h in sorted(TABLES.legal) if h > HalfYear(2013, 1)]),
    st.sampled_from([Regime.B2B, Regime.B2C, Regime.CIVIL]),
    st.integers(1, 400),
    st.integers(0, 180),
    options,
)
def test_a_missing_half_year_raises_the_error_naming_it(missing, regime, late, into, opts):  # type: ignore[no-untyped-def]
    """A delay running into a half-year whose legal rate is missing: legal interest needs it, and so does a b2b
    contractual rate (its floor)."""
    holed = RateTables.of(TABLES.ecb, [row for h, row in TABLES.legal.items() if h != missing])
    due = max(missing.start - timedelta(days=late), date(2013, 1, 1))
    until = min(missing.start + timedelta(days=into), missing.end)
    claim = Claim(
        INVOICE,
        due,
        regime,
        contract_rate=D("20") if regime is Regime.B2B else None,
        notice_on=due if regime is not Regime.B2B else None,
    )
    with pytest.raises(MissingRateError) as error:
        compute(claim, until, holed, replace(opts, rate_frozen_at_start=False), strict=True)
    partial = compute(claim, until, holed, replace(opts, rate_frozen_at_start=False))
    assert not partial.complete and partial.open_periods[0].start == max(missing.start, partial.open_periods[0].start)
    assert all(missing.start <= o.start and o.end <= missing.end for o in partial.open_periods)
    assert (RateKind.LEGAL, missing) in partial.missing
    assert (error.value.kind, error.value.half_year) == (RateKind.LEGAL, missing)
    assert missing.label in str(error.value)
    # the same claim stopping the day before the missing half-year is computed
    assert compute(claim, missing.start - timedelta(days=1), holed, replace(opts, rate_frozen_at_start=False))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([h for h in sorted(TABLES.legal) if h >= HalfYear(2013, 1)]), st.integers(0, 99), options)
def test_a_contractual_rate_below_the_floor_is_replaced_and_reported(half, percent, opts):  # type: ignore[no-untyped-def]
    floor = 3 * TABLES.legal_rate(half).professionals
    contract = (floor * percent / 100).quantize(Decimal("0.01"))
    if contract >= floor:
        return
    claim = Claim(INVOICE, half.start - timedelta(days=1), contract_rate=contract)
    result = compute(claim, half.end, TABLES, replace(opts, rate_frozen_at_start=False))
    expected = floor if opts.below_floor is BelowFloor.FLOOR else TABLES.ecb_in_force(half) + 10
    assert {p.rate for p in result.periods} == {expected}
    assert codes(result) == ["contract_rate_below_floor"] + (["day_count"] if opts.day_count != DayCount.D365 else [])
    assert result.notes[0].message.startswith(f"{half.label}: the contractual rate")
