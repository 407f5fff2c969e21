"""The same bad amount, date, missing column or FEC line is refused in French or in English: through the core's
readers in the active language, and through ``recouvre import`` in the language of ``RECOUVRE_LANGUAGE``, the
locale, else French."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.utils import translation

from recouvre.cli import main
from recouvre.core.dates import DateError, parse_date
from recouvre.core.fec import read_fec
from recouvre.core.importing import RowError
from recouvre.core.mappings import resolve_columns
from recouvre.core.money import AmountError, parse_amount
from recouvre.core.records import validate_rows

FEC_BAD_LINES = Path(__file__).parent / "fixtures" / "fec" / "bad_lines.txt"

BAD_INVOICES = (
    "invoice_number;customer_id;issue_date;amount_incl_tax\n"
    "F-1;411A;31/02/2025;100,00\n"
    "F-2;411A;01/03/2025;12,3a\n"
    "F-2;411A;02/03/2025;1,234\n"
)
NO_AMOUNT = "invoice_number;customer_id;issue_date\nF-1;411A;01/03/2025\n"

MESSAGES = {
    "en": {
        "date": "not a valid date: '31/02/2025'",
        "amount": "not an amount: '12,3a'",
        "ambiguous": "ambiguous amount '1,234': is ',' a decimal or a thousands separator?",
        "twice": "the invoice F-2 is also on line 3 of this file",
        "no_amount": (
            "no column for the amount incl. tax (a header such as 'amount_incl_tax', 'amount incl tax', "
            "'amount including tax', 'total'); columns found: 'invoice_number', 'customer_id', 'issue_date'"
        ),
        "line": "line 2, issue_date: not a valid date: '31/02/2025'",
    },
    "fr": {
        "date": "date invalide : '31/02/2025'",
        "amount": "pas un montant : '12,3a'",
        "ambiguous": "montant ambigu '1,234' : ',' est-il le séparateur décimal ou celui des milliers ?",
        "twice": "la facture F-2 figure aussi à la ligne 3 de ce fichier",
        "no_amount": (
            "aucune colonne pour « montant TTC » (un en-tête tel que 'amount_incl_tax', 'amount incl tax', "
            "'amount including tax', 'total') ; colonnes trouvées : 'invoice_number', 'customer_id', 'issue_date'"
        ),
        "line": "ligne 2, issue_date : date invalide : '31/02/2025'",
    },
}

FEC_ERRORS = {
    "en": [
        (3, "EcritureDate", "not a valid date: '20251332' (expected YYYYMMDD)"),
        (3, "PieceDate", "not a valid date: '20251332' (expected YYYYMMDD)"),
        (4, "Debit", "not an amount: '12,3,4'"),
        (4, "Credit", "not an amount: 'abc'"),
        (5, "line", "5 fields separated by tab where the header has 18"),
        (6, "CompteNum", "empty; this column is required"),
        (7, "DateLet", "not a valid date: '20250230' (expected YYYYMMDD)"),
    ],
    "fr": [
        (3, "EcritureDate", "date invalide : '20251332' (attendu : AAAAMMJJ)"),
        (3, "PieceDate", "date invalide : '20251332' (attendu : AAAAMMJJ)"),
        (4, "Debit", "pas un montant : '12,3,4'"),
        (4, "Credit", "pas un montant : 'abc'"),
        (5, "line", "5 champs (séparateur : tabulation) alors que l’en-tête en compte 18"),
        (6, "CompteNum", "vide ; cette colonne est obligatoire"),
        (7, "DateLet", "date invalide : '20250230' (attendu : AAAAMMJJ)"),
    ],
}


def rows(text: str) -> list[tuple[int, list[str]]]:
    return [(n, line.split(";")) for n, line in enumerate(text.splitlines(), start=1)]


# --------------------------------------------------------------------------------------------- core readers


@pytest.mark.parametrize("language", ["fr", "en"])
def test_amounts_and_dates_are_refused_in_the_active_language(language):
    expected = MESSAGES[language]
    with translation.override(language):
        with pytest.raises(AmountError) as amount:
            parse_amount("12,3a")
        with pytest.raises(AmountError) as ambiguous:
            parse_amount("1,234")
        with pytest.raises(DateError) as day:
            parse_date("31/02/2025")
        line = str(RowError(2, "issue_date", str(day.value)))
    assert (str(amount.value), str(ambiguous.value), str(day.value)) == (
        expected["amount"],
        expected["ambiguous"],
        expected["date"],
    )
    assert line == expected["line"]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_invoice_lines_and_a_missing_column_are_refused_in_the_active_language(language):
    expected = MESSAGES[language]
    header, *data = rows(BAD_INVOICES)
    with translation.override(language):
        columns, errors = resolve_columns("invoices", header[1])
        assert errors == [] and columns is not None
        validated = validate_rows("invoices", data, columns, header_width=len(header[1]))
        missing, problems = resolve_columns("invoices", rows(NO_AMOUNT)[0][1])
    assert validated.records == []
    assert [(e.line, e.field, e.message) for e in validated.errors] == [
        (2, "issue_date", expected["date"]),
        (3, "amount_incl_tax", expected["amount"]),
        (4, "invoice_number", expected["twice"]),
        (4, "amount_incl_tax", expected["ambiguous"]),
    ]
    assert missing is None
    assert [(e.line, e.field, e.message) for e in problems] == [(1, "total", expected["no_amount"])]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_fec_lines_are_refused_in_the_active_language(language):
    with translation.override(language):
        book = read_fec(FEC_BAD_LINES)
    assert [(e.line, e.field, e.message) for e in book.errors] == FEC_ERRORS[language]


def test_the_language_can_change_between_two_reads_of_the_same_value():
    """Nothing keeps a message translated once: each refusal is written in the language active at the time."""
    for language in ("fr", "en", "fr"):
        with translation.override(language), pytest.raises(AmountError) as exc:
            parse_amount("12,3a")
        assert str(exc.value) == MESSAGES[language]["amount"]


# --------------------------------------------------------------------------------------------- the command


def cli(capsys, *argv: object) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def bad_invoices(tmp_path: Path) -> Path:
    path = tmp_path / "factures.csv"
    path.write_text(BAD_INVOICES, encoding="utf-8")
    return path


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_recouvre_import_json_errors_in_recouvre_language(org, capsys, monkeypatch, bad_invoices, language):
    monkeypatch.setenv("RECOUVRE_LANGUAGE", language)
    monkeypatch.setenv("LANG", "en_US.UTF-8" if language == "fr" else "fr_FR.UTF-8")  # RECOUVRE_LANGUAGE wins

    code, out, _ = cli(capsys, "import", "invoices", bad_invoices, "--create-customers", "--json")

    assert code == 1
    expected = MESSAGES[language]
    assert json.loads(out)["errors"] == [
        {"line": 2, "field": "issue_date", "message": expected["date"]},
        {"line": 3, "field": "amount_incl_tax", "message": expected["amount"]},
        {"line": 4, "field": "invoice_number", "message": expected["twice"]},
        {"line": 4, "field": "amount_incl_tax", "message": expected["ambiguous"]},
    ]


@pytest.mark.django_db
def test_recouvre_import_speaks_french_on_stderr(org, capsys, monkeypatch, bad_invoices):
    monkeypatch.setenv("RECOUVRE_LANGUAGE", "fr")

    code, _, err = cli(capsys, "import", "invoices", bad_invoices, "--create-customers")

    assert code == 1
    assert "  factures.csv: ligne 2, issue_date : date invalide : '31/02/2025'\n" in err
    assert "  factures.csv: ligne 3, amount_incl_tax : pas un montant : '12,3a'\n" in err
    assert "not a valid date" not in err


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"LANG": "fr_FR.UTF-8"}, MESSAGES["fr"]["no_amount"]),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "fr_FR.UTF-8"}, MESSAGES["en"]["no_amount"]),
        ({"LANG": "C.UTF-8"}, MESSAGES["fr"]["no_amount"]),  # no language in the locale: French
        ({}, MESSAGES["fr"]["no_amount"]),
    ],
)
def test_without_recouvre_language_the_locale_decides_else_french(org, capsys, monkeypatch, tmp_path, environ, message):
    monkeypatch.delenv("RECOUVRE_LANGUAGE")
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "sans_montant.csv"
    path.write_text(NO_AMOUNT, encoding="utf-8")

    code, out, _ = cli(capsys, "import", "invoices", path, "--create-customers", "--json")

    assert code == 1
    assert json.loads(out)["errors"] == [{"line": 1, "field": "total", "message": message}]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_recouvre_import_fec_errors_in_recouvre_language(org, capsys, monkeypatch, language):
    monkeypatch.setenv("RECOUVRE_LANGUAGE", language)

    code, out, _ = cli(capsys, "import", "fec", FEC_BAD_LINES, "--json")

    assert code == 1
    errors = [(e["line"], e["field"], e["message"]) for e in json.loads(out)["errors"]]
    assert errors == FEC_ERRORS[language]


@pytest.mark.django_db
def test_an_unknown_recouvre_language_is_a_usage_error(org, capsys, monkeypatch, bad_invoices):
    monkeypatch.setenv("RECOUVRE_LANGUAGE", "de")

    code, out, err = cli(capsys, "import", "invoices", bad_invoices, "--json")

    assert (code, out) == (2, "")
    assert "RECOUVRE_LANGUAGE=de" in err and "fr, en" in err
