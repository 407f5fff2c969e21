"""``recouvre import statement``: the JSON report, the human report, exit codes 0, 1 and 2, ``--account``,
``--dry-run``, and the CSV mapping saved with ``recouvre mapping save --kind statement``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recouvre.bank.models import BankAccount, BankEntry, BankStatement
from recouvre.cli import main
from recouvre.imports.models import ImportMapping, ImportRun

from .files import IBAN, JANUARY_1_15, JANUARY_10_31, OTHER_IBAN, Entry, Statement, camt053, csv_export

pytestmark = pytest.mark.django_db


def cli(capsys, *argv: object) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def january(tmp_path: Path) -> Path:
    path = tmp_path / "releve-janvier.xml"
    path.write_bytes(camt053(JANUARY_1_15))
    return path


def test_json_report_then_a_second_import_adds_nothing(org, capsys, january) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, "import", "statement", january, "--org", "acme", "--json")

    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "format": "camt.053",
        "statements": 1,
        "entries": 3,
        "created": 3,
        "duplicates": 0,
        "totals": {"EUR": {"credits": "1734.55", "debits": "11.04"}},
        "matched": 0,
        "suggested": 0,
        "unmatched": 2,
        "warnings": [
            {
                "code": "account_added",
                "message": "new bank account FR76 3000 3012 3401 2345 6789 057: added to the organization's bank "
                "accounts",
                "line": 3,
                "account": IBAN,
            }
        ],
        "errors": [],
    }

    code, out, _err = cli(capsys, "import", "statement", january, "--json")
    again = json.loads(out)
    assert code == 0
    assert (again["created"], again["duplicates"], again["unmatched"], again["totals"]) == (
        0,
        3,
        0,
        {"EUR": {"credits": "1734.55", "debits": "11.04"}},
    )
    assert BankEntry.objects.filter(organization=org).count() == 3


def test_human_report(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "two.xml"
    path.write_bytes(camt053(JANUARY_10_31, Statement("S-2", [Entry("99.00", "2024-01-09", "O-1")], iban=OTHER_IBAN)))

    code, out, _err = cli(capsys, "import", "statement", path)

    assert code == 0
    assert out.splitlines() == [
        "two.xml (camt.053): 2 statements, 4 entries: 4 created, 0 already imported",
        "  EUR: credits 849.10, debits 42.00",
        "  0 applied, 0 suggested, 3 credits to match",
        "  warning: line 3: new bank account FR76 3000 3012 3401 2345 6789 057: added to the organization's bank "
        "accounts",
        "  warning: line 11: new bank account FR14 2004 1010 0505 0001 3M02 606: added to the organization's bank "
        "accounts",
    ]


def test_account_and_dry_run(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "two.xml"
    path.write_bytes(camt053(JANUARY_1_15, Statement("S-2", [Entry("99.00", "2024-01-09", "O-1")], iban=OTHER_IBAN)))

    code, out, _err = cli(capsys, "import", "statement", path, "--account", OTHER_IBAN, "--dry-run")
    assert code == 0
    assert out.splitlines()[0] == (
        "two.xml (camt.053): 1 statement, 1 entry: 1 created, 0 already imported (dry run: nothing written)"
    )
    assert (BankAccount.objects.count(), BankEntry.objects.count(), ImportRun.objects.count()) == (0, 0, 0)

    code, out, _err = cli(capsys, "import", "statement", path, "--account", OTHER_IBAN, "--json")
    assert (code, json.loads(out)["created"]) == (0, 1)
    assert list(BankAccount.objects.values_list("account_id", flat=True)) == [OTHER_IBAN]


def test_a_refused_file_exits_1_with_the_line_and_the_reason(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "broken.xml"
    path.write_bytes(camt053(JANUARY_1_15).replace(b">500.00<", b">5OO.00<"))

    code, out, err = cli(capsys, "import", "statement", path, "--json")

    assert code == 1
    payload = json.loads(out)
    assert payload["errors"] == [{"line": 9, "message": "'5OO.00' is not an amount (digits, a dot, up to 5 decimals)"}]
    assert (payload["format"], payload["created"], payload["entries"], payload["totals"]) == ("camt.053", 0, 0, {})

    code, out, err = cli(capsys, "import", "statement", path)
    assert (code, out) == (1, "")
    assert err == (
        "broken.xml: refused, nothing was written: line 9: '5OO.00' is not an amount (digits, a dot, up to 5 "
        "decimals)\n"
    )
    assert (BankAccount.objects.count(), BankStatement.objects.count(), BankEntry.objects.count()) == (0, 0, 0)
    assert list(ImportRun.objects.values_list("status", flat=True)) == ["refused", "refused"]


def test_usage_errors_exit_2(org, capsys, january) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = cli(capsys, "import", "statement", january, "--mapping", "nope")
    assert code == 2 and "No mapping named nope for bank statements" in err
    code, _out, err = cli(capsys, "import", "statement", january.with_name("absent.xml"))
    assert code == 2 and "absent.xml: no such file" in err
    code, _out, err = cli(capsys, "import", "invoices", january, "--account", IBAN)
    assert (code, err) == (2, "recouvre: error: --account applies to bank statements only\n")
    code, _out, err = cli(capsys, "import", "statement", january, "--create-customers")
    assert (code, err) == (2, "recouvre: error: --create-customers does not apply to bank statements\n")
    assert (ImportRun.objects.count(), BankEntry.objects.count()) == (0, 0)


def test_a_csv_export_with_its_saved_mapping(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "export.csv"
    path.write_bytes(csv_export([("03/01/2024", "VIR ACME F2024-001", "1 234,55"), ("04/01/2024", "FRAIS", "-8,00")]))

    code, _out, err = cli(capsys, "import", "statement", path, "--json")
    assert code == 1  # a CSV export needs its mapping

    code, out, err = cli(
        capsys,
        "mapping",
        "save",
        "ma-banque",
        "--kind",
        "statement",
        "--column",
        "text=Libellé",
        "--date-format",
        "%d/%m/%Y",
        "--account",
        IBAN,
    )
    assert (code, out) == (0, "Mapping ma-banque saved for statement\n")
    saved = ImportMapping.objects.get(organization=org, name="ma-banque")
    assert (saved.kind, saved.columns, saved.options) == (
        "statement",
        {"text": "Libellé"},
        {"date_format": "%d/%m/%Y", "decimal_separator": ",", "reference_is_unique": False, "account": IBAN},
    )
    code, out, _err = cli(capsys, "mapping", "list", "--json")
    assert [m for m in json.loads(out) if m["name"] == "ma-banque"][0]["options"]["account"] == IBAN

    code, out, _err = cli(capsys, "import", "statement", path, "--mapping", "ma-banque", "--json")
    payload = json.loads(out)
    assert code == 0
    assert (payload["format"], payload["created"], payload["totals"]) == (
        "csv",
        2,
        {"EUR": {"credits": "1234.55", "debits": "8.00"}},
    )
    assert [w["code"] for w in payload["warnings"]] == ["account_added", "currency_assumed"]

    code, _out, err = cli(capsys, "mapping", "save", "x", "--kind", "statement", "--column", "montant=Montant")
    assert code == 1 and "'montant' is not a field of a bank statement" in err
    code, _out, err = cli(
        capsys, "mapping", "save", "y", "--kind", "invoices", "--column", "number=N", "--decimal-separator", "."
    )
    assert code == 2 and "are for bank statements" in err


def test_a_statement_over_max_size_is_refused_and_nothing_is_written(org, capsys, january) -> None:  # type: ignore[no-untyped-def]
    size = january.stat().st_size

    code, out, _err = cli(capsys, "import", "statement", january, "--max-size", size - 1, "--json")

    assert code == 1
    assert json.loads(out)["errors"] == [
        {"line": 0, "message": f"the file is {size} bytes, more than the {size - 1} bytes a bank file may have"}
    ]
    assert not BankEntry.objects.exists() and not BankStatement.objects.exists()
    code, out, err = cli(capsys, "import", "statement", january, "--max-size", "1K")
    assert (code, out) == (1, "")
    assert "refused, nothing was written" in err and "more than the 1024 bytes a bank file may have" in err
    assert not BankEntry.objects.exists()
    assert cli(capsys, "import", "statement", january, "--max-size", size, "--json")[0] == 0
    assert BankEntry.objects.count() == 3
