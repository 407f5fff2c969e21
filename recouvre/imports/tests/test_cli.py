"""``recouvre import`` and ``recouvre mapping``: exit codes, JSON output, human output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.utils import translation

from recouvre.cli import main
from recouvre.imports.models import ImportMapping
from recouvre.ledger.models import Invoice

FIXTURES = Path(__file__).parent / "fixtures"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():  # type: ignore[no-untyped-def]
    """Messages are checked in English, the source language (the default language is French)."""
    with translation.override("en"):
        yield


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_json_success(org, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, "import", "customers", FIXTURES / "customers_en.csv", "--org", "acme", "--json")

    assert code == 0
    payload = json.loads(out)
    assert {k: payload[k] for k in ("created", "updated", "unchanged", "errors")} == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
    }
    assert payload["details"]["customers"] == {"created": 3, "updated": 0, "unchanged": 0}


def test_import_refused_exit_1_with_every_error_in_json(org, capsys) -> None:  # type: ignore[no-untyped-def]
    cli(capsys, "import", "customers", FIXTURES / "customers_en.csv", "--json")

    code, out, _ = cli(capsys, "import", "invoices", FIXTURES / "invoices_bad.csv", "--org", "acme", "--json")

    assert code == 1
    payload = json.loads(out)
    assert (payload["created"], payload["updated"], payload["unchanged"]) == (0, 0, 0)
    assert [(e["line"], e["field"]) for e in payload["errors"]] == [
        (3, "issue_date"),
        (4, "customer_id"),
        (5, "due_date"),
        (5, "amount_incl_tax"),
        (5, "currency"),
        (7, "invoice_number"),
        (8, "customer_id"),
    ]
    assert payload["errors"][0] == {"line": 3, "field": "issue_date", "message": "not a valid date: '2025-02-30'"}
    assert Invoice.objects.count() == 0


def test_import_refused_human_output_names_file_line_and_field(org, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = cli(capsys, "import", "invoices", FIXTURES / "invoices_bad.csv")

    assert code == 1
    assert "invoices_bad.csv: refused, nothing was written (" in err
    assert "  invoices_bad.csv: line 3, issue_date: not a valid date: '2025-02-30'" in err


def test_dry_run_human_output(org, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, "import", "customers", FIXTURES / "customers_en.csv", "--dry-run")

    assert code == 0
    assert out.splitlines()[0] == "customers_en.csv: 3 created, 0 updated, 0 unchanged (dry run: nothing written)"
    assert "  Customers: 3 would be created, 0 would be updated, 0 would be unchanged" in out
    code, out, _ = cli(capsys, "import", "customers", FIXTURES / "customers_en.csv", "--json")
    assert json.loads(out)["created"] == 3


def test_create_customers_flag(org, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, "import", "invoices", FIXTURES / "invoices_en.csv", "--create-customers", "--json")

    assert code == 0
    assert json.loads(out)["details"]["customers"]["created"] == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--org", "nobody"], "no organization with the short name 'nobody'"),
        (["--mapping", "nope"], "No mapping named nope for invoices"),
        (["--mapping", "generic-payments"], "The mapping generic-payments is for payments, not invoices."),
    ],
)
def test_usage_errors_exit_2(org, capsys, argv: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    with translation.override("en"):
        code, _out, err = cli(capsys, "import", "invoices", FIXTURES / "invoices_en.csv", *argv)
    assert code == 2
    assert message in err


def test_missing_file_and_bad_kind_are_usage_errors(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = cli(capsys, "import", "invoices", tmp_path / "absent.csv")
    assert code == 2
    assert "absent.csv: no such file" in err
    with pytest.raises(SystemExit) as exc:
        main(["import", "receipts", str(FIXTURES / "invoices_en.csv")])
    assert exc.value.code == 2


def test_mapping_save_list_and_use(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(
        capsys,
        "mapping",
        "save",
        "erp",
        "--kind",
        "invoices",
        "--column",
        "number=DocNo",
        "--column",
        "customer_ref = Debtor",
        "--column",
        "total=Gross",
        "--month-first",
    )
    assert (code, out) == (0, "Mapping erp saved for invoices\n")
    saved = ImportMapping.objects.get(organization=org, name="erp")
    assert saved.columns == {"number": "DocNo", "customer_ref": "Debtor", "total": "Gross"}
    assert saved.options == {"dayfirst": False, "reference_is_unique": False}

    code, out, _ = cli(capsys, "mapping", "list", "--json")
    listed = {m["name"]: m for m in json.loads(out)}
    assert listed["erp"]["builtin"] is False
    assert listed["generic-invoices"]["builtin"] is True

    cli(capsys, "import", "customers", FIXTURES / "customers_en.csv")
    path = tmp_path / "erp.csv"
    path.write_text("DocNo,Debtor,Date,Gross\nE-1,411ALPHA,03/12/2025,10.00\n")
    code, out, _ = cli(capsys, "import", "invoices", path, "--mapping", "erp", "--json")
    assert code == 0
    assert json.loads(out)["created"] == 1
    assert str(Invoice.objects.get(number="E-1").issued_on) == "2025-03-12"


def test_mapping_save_refusals(org, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = cli(capsys, "mapping", "save", "erp", "--kind", "invoices", "--column", "number")
    assert code == 2
    assert "--column expects FIELD=HEADER, got 'number'" in err
    code, _out, err = cli(capsys, "mapping", "save", "erp", "--kind", "invoices", "--column", "totl=Gross")
    assert code == 1
    assert "'totl' is not a field of invoices" in err
    assert not ImportMapping.objects.exists()
