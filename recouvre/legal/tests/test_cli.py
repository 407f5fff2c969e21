"""``recouvre interest``, ``recouvre rates import`` and ``recouvre rates list``, as a user runs them.

The worked examples of LEGAL-FR.md come out to the cent from the command line too (the engine's own tests,
``recouvre/core/tests/test_interest.py``, go through all of them); a half-year the tables lack is refused by name
until its official figures are imported, and the import is all or nothing, and harmless to repeat.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from recouvre.cli import main
from recouvre.legal.models import EcbRate, LegalRate

pytestmark = pytest.mark.django_db


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_brief_invoice_with_a_partial_payment(capsys):  # type: ignore[no-untyped-def]
    code, out, err = cli(
        capsys,
        "interest", "--amount", "12000", "--due", "2025-03-15", "--until", "2025-06-30",
        "--payment", "2025-05-02:5000", "--json",
    )  # fmt: skip

    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "complete": True,
        "principal": "7000.00",
        "interest": "356.31",
        "indemnity": "40.00",
        "total": "7396.31",
        "periods": [
            {"from": "2025-03-16", "to": "2025-05-02", "days": 48, "base": "12000.00", "rate": "13.15",
             "interest": "207.52"},
            {"from": "2025-05-03", "to": "2025-06-30", "days": 59, "base": "7000.00", "rate": "13.15",
             "interest": "148.79"},
        ],
        "open_periods": [],
        "notes": [],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "interest", "indemnity"),
    [
        # LEGAL-FR §1.6 examples 1, 2 (and its frozen-rate reading), 3
        (["--due", "2025-03-15", "--until", "2025-06-30"], "462.59", "40.00"),
        (["--due", "2025-05-15", "--until", "2025-09-30"], "566.37", "40.00"),
        (["--due", "2025-05-15", "--until", "2025-09-30", "--rate-frozen-at-start"], "596.61", "40.00"),
        (["--due", "2026-01-31", "--until", "2026-03-02"], "119.84", "40.00"),
        # §1.8 public buyer
        (["--due", "2025-05-15", "--until", "2025-09-30", "--regime", "public"], "505.87", "40.00"),
        # §1.3 floor: 12 % below 3 × 5.07 % in 2024 H1 and 3 × 4.92 % in 2024 H2
        # (not a valid derogation: the statutory rate 14.50 % / 14.25 %; the floor on the other reading)
        (["--due", "2024-03-15", "--until", "2024-09-30", "--contract-rate", "12"], "941.10", "40.00"),
        (
            ["--due", "2024-03-15", "--until", "2024-09-30", "--contract-rate", "12", "--below-floor", "floor"],
            "981.50",
            "40.00",
        ),
        # 3 × the legal rate and ECB + points
        (["--due", "2025-03-15", "--until", "2025-06-30", "--contract-rate", "3xlegal"], "391.53", "40.00"),
    ],
)
def test_the_worked_examples_of_twelve_thousand_euros(capsys, argv, interest, indemnity):  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, "interest", "--amount", "12 000,00", *argv, "--json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert (result["interest"], result["indemnity"]) == (interest, indemnity)
    assert Decimal(result["total"]) == Decimal("12000.00") + Decimal(interest) + Decimal(indemnity)


def test_legal_interest_from_the_notice_and_after_a_judgment(capsys):  # type: ignore[no-untyped-def]
    code, out, _ = cli(
        capsys,
        "interest", "--amount", "1500", "--due", "2025-04-30", "--until", "2025-08-31",
        "--regime", "b2c", "--notice-date", "2025-05-20", "--json",
    )  # fmt: skip
    result = json.loads(out)
    assert (code, result["interest"], result["indemnity"], result["total"]) == (0, "13.28", "0.00", "1513.28")
    assert [(p["from"], p["to"], p["days"], p["rate"], p["interest"]) for p in result["periods"]] == [
        ("2025-05-21", "2025-06-30", 41, "3.71", "6.25"),
        ("2025-07-01", "2025-08-31", 62, "2.76", "7.03"),
    ]

    code, out, _ = cli(
        capsys,
        "interest", "--amount", "1500", "--due", "2025-04-30", "--until", "2025-08-31",
        "--regime", "civil", "--creditor", "individual", "--notice-date", "20/05/2025", "--json",
    )  # fmt: skip
    assert (code, json.loads(out)["interest"]) == (0, "29.09")

    code, out, _ = cli(
        capsys,
        "interest", "--amount", "10000", "--due", "2025-03-10", "--until", "2025-09-30",
        "--regime", "civil", "--judgment-date", "2025-03-10", "--json",
    )  # fmt: skip
    result = json.loads(out)
    assert (code, result["interest"]) == (0, "379.30")
    assert [p["rate"] for p in result["periods"]] == ["3.71", "8.71", "7.76"]
    assert "judgment_uplift" in [n["code"] for n in result["notes"]]


def test_the_readable_table(capsys):  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, "interest", "--amount", "12000", "--due", "2025-05-15", "--until", "2025-09-30")

    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Invoice of 12000.00 due 2025-05-15, b2b, to 2025-09-30",
        "From        To          Days      Base  Rate %  Interest",
        "2025-05-16  2025-06-30    46  12000.00   13.15    198.87",
        "2025-07-01  2025-09-30    92  12000.00   12.15    367.50",
        "Principal      12000.00",
        "Interest         566.37",
        "Indemnity         40.00",
        "Total          12606.37",
        "Interest is rounded once, on the exact sum of the periods (each period is shown to the cent).",
    ]


def test_a_consumer_is_never_charged_recovery_costs(capsys):  # type: ignore[no-untyped-def]
    code, out, err = cli(
        capsys,
        "interest", "--amount", "1500", "--due", "2025-04-30", "--until", "2025-08-31",
        "--regime", "b2c", "--notice-date", "2025-05-20", "--extra-costs", "150",
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert "CPCE L111-8" in err


def test_bad_arguments_are_usage_errors(capsys):  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit_:
        main(["interest", "--amount", "12000", "--due", "2025-03-15", "--payment", "5000"])
    assert exit_.value.code == 2
    assert "expected DATE:AMOUNT" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------- rates

H2_2026_LEGAL = (
    "# Arrêté du 18 juin 2026 relatif à la fixation du taux de l'intérêt légal (figures of this test, not official)\n"
    "period_start;period_end;rate_professionals_percent;rate_individuals_percent\n"
    "01/07/2026;31/12/2026;2,50;6,50\n"
)
H2_2026_ECB = "effective_date,rate_percent\n2026-07-01,2.15\n"


def test_the_acceptance_case_2026_h2_is_open_and_the_indemnity_stays(capsys):  # type: ignore[no-untyped-def]
    code, out, err = cli(
        capsys, "interest", "--amount", "12000", "--due", "2026-05-15", "--until", "2026-12-07", "--json"
    )
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["complete"] is False
    assert result["periods"] == [
        {"from": "2026-05-16", "to": "2026-06-30", "days": 46, "base": "12000.00", "rate": "12.15",
         "interest": "183.75"},
    ]  # fmt: skip
    assert [(p["from"], p["base"]) for p in result["open_periods"]] == [("2026-07-01", "12000.00")]
    assert result["open_periods"][0]["rule"] == (
        "ECB main refinancing rate in force on 1 July 2026 plus 10 points, from 1 July 2026"
    )
    assert (result["interest"], result["indemnity"], result["total"]) == ("183.75", "40.00", "12223.75")
    # the readable output says what is to be completed, and how the administrator completes it
    code, out, _ = cli(capsys, "interest", "--amount", "12000", "--due", "2026-05-15", "--until", "2026-12-07")
    assert code == 0
    assert "2026-07-01 to 2026-12-07, 160 days on 12000.00: to be completed" in out
    assert "Total (to be completed)" in out
    assert "recouvre rates update" in out
    # --strict keeps the explicit refusal naming the half-year
    code, out, err = cli(
        capsys, "interest", "--amount", "12000", "--due", "2026-05-15", "--until", "2026-12-07", "--strict"
    )
    assert code == 1 and "2026 H2" in err


def test_a_missing_half_year_is_refused_under_strict_until_its_rates_are_imported(capsys, tmp_path):  # type: ignore[no-untyped-def]
    calc = ("interest", "--amount", "1500", "--due", "2026-05-31", "--until", "2026-08-31",
            "--regime", "b2c", "--notice-date", "2026-06-10", "--json", "--strict")  # fmt: skip
    code, out, err = cli(capsys, *calc)
    assert code == 1
    assert json.loads(out)["half_year"] == "2026 H2"
    assert err.startswith("recouvre: refused: no legal interest rate (taux de l'intérêt légal) for 2026 H2")

    legal = tmp_path / "taux-legal-2026-S2.csv"
    legal.write_text(H2_2026_LEGAL, encoding="utf-8")
    code, out, err = cli(capsys, "rates", "import", legal, "--json", "--reference", "Arrêté du 18 juin 2026 (test)")
    assert (code, err) == (0, "")
    assert LegalRate.objects.get(year=2026, half=2).reference == "Arrêté du 18 juin 2026 (test)"
    assert json.loads(out) == {
        "file": str(legal), "kind": "legal", "created": 1, "updated": 0, "unchanged": 0, "imported": True,
        "errors": [],
    }  # fmt: skip

    code, out, _ = cli(capsys, *calc)
    assert code == 0
    # 1 500 × 2.62 % × 20/365 + 1 500 × 2.50 % × 62/365 = 2.1534... + 6.3698... = 8.5232...
    assert [(p["from"], p["rate"]) for p in json.loads(out)["periods"]] == [
        ("2026-06-11", "2.62"),
        ("2026-07-01", "2.50"),
    ]
    assert json.loads(out)["interest"] == "8.52"

    # the ECB rate in force on 1 July 2026 comes the same way for b2b penalties
    code, out, _ = cli(
        capsys, "interest", "--amount", "12000", "--due", "2026-06-15", "--until", "2026-07-15", "--strict"
    )
    assert code == 1
    ecb = tmp_path / "bce.csv"
    ecb.write_text(H2_2026_ECB, encoding="utf-8")
    assert cli(capsys, "rates", "import", ecb, "--kind", "ecb")[0] == 0
    code, out, _ = cli(
        capsys, "interest", "--amount", "12000", "--due", "2026-06-15", "--until", "2026-07-15", "--json"
    )
    # 12 000 × 12.15 % × 30/365 = 119.8356...
    assert (code, json.loads(out)["interest"]) == (0, "119.84")


def test_importing_the_same_file_twice_changes_nothing_and_a_new_figure_replaces_the_old(capsys, tmp_path):  # type: ignore[no-untyped-def]
    legal = tmp_path / "legal.csv"
    legal.write_text(H2_2026_LEGAL, encoding="utf-8")
    assert cli(capsys, "rates", "import", legal)[0] == 0
    code, out, _ = cli(capsys, "rates", "import", legal)
    assert (code, out.strip()) == (0, f"{legal}: legal interest rates, 0 added, 0 changed, 1 already there")
    assert LegalRate.objects.count() == 1

    legal.write_text(H2_2026_LEGAL.replace("2,50;6,50", "2,55;6,50"), encoding="utf-8")
    code, out, _ = cli(capsys, "rates", "import", legal, "--json")
    assert (json.loads(out)["updated"], LegalRate.objects.get().professionals) == (1, Decimal("2.55"))


def test_imported_rates_take_precedence_over_the_shipped_ones(capsys, tmp_path):  # type: ignore[no-untyped-def]
    corrected = tmp_path / "legal-2025.csv"
    corrected.write_text(
        "period_start,period_end,rate_professionals_percent,rate_individuals_percent\n2025-01-01,2025-06-30,3.00,7.00\n",
        encoding="utf-8",
    )
    assert cli(capsys, "rates", "import", corrected)[0] == 0

    code, out, _ = cli(
        capsys, "interest", "--amount", "1500", "--due", "2025-04-30", "--until", "2025-06-30",
        "--regime", "b2c", "--notice-date", "2025-05-20", "--json",
    )  # fmt: skip
    # 1 500 × 3.00 % × 41/365 = 5.0547...
    assert [p["rate"] for p in json.loads(out)["periods"]] == ["3.00"]

    code, out, _ = cli(capsys, "rates", "list", "--kind", "legal", "--json")
    rows = {r["half_year"]: r for r in json.loads(out)["legal"]}
    assert rows["2025 H1"] == {
        "half_year": "2025 H1", "period_start": "2025-01-01", "period_end": "2025-06-30",
        "rate_professionals": "3.00", "rate_individuals": "7.00", "source": str(corrected), "reference": "",
    }  # fmt: skip
    assert rows["2025 H2"]["source"] == "shipped"
    assert rows["2014 H2"]["rate_professionals"] == "0.04"  # the annual rates of 2000-2014 are in both halves


def test_a_bad_rate_file_is_refused_whole_naming_file_line_and_field(capsys, tmp_path):  # type: ignore[no-untyped-def]
    bad = tmp_path / "ecb.csv"
    bad.write_text("effective_date,rate_percent\n2026-07-01,2.15\n2026-09-31,2.00\n2026-10-15,deux\n", "utf-8")

    code, out, err = cli(capsys, "rates", "import", bad)

    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"{bad}: refused, nothing was written:",
        f"  {bad}, line 3, effective_date: not a valid date: '2026-09-31'",
        f"  {bad}, line 4, rate_percent: not a rate in percent: 'deux' (expected e.g. 2.15, from 0 to 99.9999)",
    ]
    assert EcbRate.objects.count() == 0  # the good first row was not written either

    code, out, _ = cli(capsys, "rates", "import", bad, "--kind", "legal", "--json")
    assert code == 1
    assert json.loads(out)["errors"][0]["message"].startswith("the header must be period_start,period_end,")


def test_rates_list_shows_both_tables(capsys):  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, "rates", "list", "--json")
    tables = json.loads(out)
    assert code == 0
    assert tables["ecb"][-2:] == [
        {"effective_date": "2025-06-11", "rate": "2.15", "source": "shipped"},
        {"effective_date": "2026-02-05", "rate": "2.15", "source": "shipped"},
    ]
    assert tables["legal"][-1]["half_year"] == "2026 H1"
    code, out, _ = cli(capsys, "rates", "list")
    assert "  2024-12-18    3.15 %  shipped" in out.splitlines()
