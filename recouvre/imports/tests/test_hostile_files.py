"""Imports fed hostile files, through ``recouvre import``: control characters, oversized files, more errors than
anyone reads, damaged workbooks, and a database or a disk that fails mid-import. Each is a clear refusal (exit
1, the line and the field named) or a clear failure, nothing of the file is written, never a traceback."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from django.utils import translation
from openpyxl import Workbook  # type: ignore[import-untyped]

from recouvre.cli import main
from recouvre.core.importing import ImportFailed
from recouvre.imports.models import ImportRun, ImportStatus
from recouvre.imports.services import run_import
from recouvre.ledger.actors import CLI
from recouvre.ledger.models import Customer, Event, Invoice, Payment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


def cli(capsys, *argv: object) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def written() -> tuple[int, int, int, int]:
    return Customer.objects.count(), Invoice.objects.count(), Payment.objects.count(), Event.objects.count()


def csv_file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


# ------------------------------------------------------------------------------------------- control characters


def test_a_nul_in_a_customer_account_is_refused_by_the_dry_run_and_the_import(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A NUL passed the dry run and crashed the PostgreSQL import; a line feed made every download named after the
    customer fail. Both are refused, the line and the column named, in the dry run as in the import."""
    path = csv_file(
        tmp_path,
        "customers.csv",
        'customer_id;name;city\nC001;ACME;Paris\nC\x00002;Dupont;Lyon\nC003;"Durand\nFrères";Nîmes\n',
    )
    for dry_run in ("--dry-run", "--json"):
        code, out, err = cli(capsys, "import", "customers", path, "--org", "acme", dry_run)
        assert code == 1
        if dry_run == "--json":
            payload = json.loads(out)
            assert [(e["line"], e["field"]) for e in payload["errors"]] == [(3, "customer_id"), (4, "name")]
            assert payload["errors"][0]["message"] == (
                "'C\\x00002' contains a control character (U+0000 (NUL)): line breaks, tabs and other control "
                "characters are not accepted in an imported value"
            )
            assert payload["error_count"] == 2
        else:
            assert "customers.csv: refused, nothing was written (2 errors):" in err
            assert "  customers.csv: line 3, customer_id: 'C\\x00002' contains a control character (U+0000" in err
            assert "  customers.csv: line 4, name: 'Durand\\nFrères' contains a control character (U+000A" in err
    assert written() == (0, 0, 0, 0)
    assert ImportRun.objects.get().status == ImportStatus.REFUSED


def test_control_characters_in_invoice_and_payment_files_are_refused(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    invoices = csv_file(
        tmp_path,
        "invoices.csv",
        "invoice_number,customer_id,issue_date,amount_incl_tax\n"
        'F1,C001,15/01/2025,120.00\n"F\r2",C001,15/01/2025,10.00\nF3,C001,15/01/2025,1\x0c2.00\n',
    )
    code, out, _err = cli(capsys, "import", "invoices", invoices, "--create-customers", "--json")
    assert code == 1
    assert [(e["line"], e["field"]) for e in json.loads(out)["errors"]] == [
        (3, "invoice_number"),
        (5, "amount_incl_tax"),
    ]

    payments = csv_file(
        tmp_path,
        "payments.csv",
        "customer_id;payment_date;amount;reference\nC001;15/01/2025;10,00;VIR\x1b[2J 1\n",
    )
    code, out, _err = cli(capsys, "import", "payments", payments, "--create-customers", "--json")
    assert code == 1
    assert [(e["line"], e["field"]) for e in json.loads(out)["errors"]] == [(2, "reference")]
    assert written() == (0, 0, 0, 0)


def test_a_line_break_in_an_xlsx_cell_is_refused(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    wb = Workbook()
    wb.active.append(["customer_id", "name"])
    wb.active.append(["C001", "ACME"])
    wb.active.append(["C\n002", "Dupont"])
    path = tmp_path / "customers.xlsx"
    wb.save(path)
    code, _out, err = cli(capsys, "import", "customers", path)
    assert code == 1
    assert "  customers.xlsx: line 3, customer_id: 'C\\n002' contains a control character (U+000A (line feed))" in err
    assert written() == (0, 0, 0, 0)


def test_a_control_character_in_a_fec_is_refused(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    header = (
        "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\t"
        "PieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise"
    )
    line = "VE\tVentes\t1\t20250115\t411000\tClients\tC\x00001\tACME\tF1\t20250115\tFacture F1\t120,00\t0,00\t\t\t\t\t"
    path = csv_file(tmp_path, "fec.txt", f"{header}\n{line}\n")
    code, _out, err = cli(capsys, "import", "fec", path)
    assert code == 1
    assert "  fec.txt: line 2, CompAuxNum: 'C\\x00001' contains a control character (U+0000 (NUL))" in err
    assert written() == (0, 0, 0, 0)


# ------------------------------------------------------------------------------------------- sizes


def test_max_size_refuses_a_larger_file_with_exit_1(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = csv_file(tmp_path, "customers.csv", "customer_id;name\n" + "".join(f"C{n};Client {n}\n" for n in range(200)))
    code, _out, err = cli(capsys, "import", "customers", path, "--max-size", "1K")
    assert code == 1
    assert "  customers.csv: line 0, file: the file is 2.9 KB, more than the 1 KB accepted for an import" in err
    assert written() == (0, 0, 0, 0)
    code, out, _err = cli(capsys, "import", "customers", path, "--max-size", "4k", "--json")
    assert (code, json.loads(out)["created"]) == (0, 200)


@pytest.mark.parametrize(
    ("text", "size"),
    [("500M", 500 << 20), ("2G", 2 << 30), ("2GB", 2 << 30), ("2Go", 2 << 30), ("1.5g", 3 << 29), ("800", 800)],
)
def test_max_size_reads_sizes_as_people_write_them(text: str, size: int) -> None:
    from recouvre.cliutil import parse_size

    assert parse_size(text) == size


def test_a_bad_max_size_is_a_usage_error(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = csv_file(tmp_path, "customers.csv", "customer_id;name\nC1;A\n")
    with pytest.raises(SystemExit) as exc:
        main(["import", "customers", str(path), "--max-size", "lots"])
    assert exc.value.code == 2
    assert "'lots' is not a size (write e.g. 500M, 2G, 800K, or a number of bytes)" in capsys.readouterr().err


def test_the_default_max_size_is_2_gb(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A million invoice lines are 80 to 250 MB (a FEC of a million lines about 250 MB): far below 2 GB."""
    from recouvre.cli import build_parser

    args = build_parser().parse_args(["import", "fec", "export.txt"])
    assert args.max_size == 2 << 30
    path = csv_file(tmp_path, "customers.csv", "customer_id;name\nC1;A\n")
    assert cli(capsys, "import", "customers", path)[0] == 0


# ------------------------------------------------------------------------------------------- many errors


def test_a_file_of_600_bad_lines_lists_the_first_200_and_counts_them_all(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = "".join(f"F{n};C1;pas une date;12\n" for n in range(600))
    path = csv_file(tmp_path, "invoices.csv", "invoice_number;customer_id;issue_date;amount_incl_tax\n" + rows)
    code, _out, err = cli(capsys, "import", "invoices", path, "--create-customers")
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == "invoices.csv: refused, nothing was written (600 errors):"
    assert lines[1].startswith("  invoices.csv: line 2, issue_date: ")
    assert lines[200].startswith("  invoices.csv: line 201, issue_date: ")
    assert lines[201:] == ["  and 400 more errors"]

    code, out, _err = cli(capsys, "import", "invoices", path, "--create-customers", "--json")
    payload = json.loads(out)
    assert (code, len(payload["errors"]), payload["error_count"]) == (1, 200, 600)
    run = ImportRun.objects.filter(status=ImportStatus.REFUSED).first()
    assert run is not None and (run.error_count, len(run.errors)) == (600, 200)
    assert written() == (0, 0, 0, 0)


def test_large_counts_are_grouped(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = "".join(f"C{n};\n" for n in range(1500))
    path = csv_file(tmp_path, "customers.csv", "customer_id;name\n" + rows)
    code, _out, err = cli(capsys, "import", "customers", path)
    assert code == 1
    assert err.splitlines()[0] == "customers.csv: refused, nothing was written (1,500 errors):"
    assert err.splitlines()[-1] == "  and 1,300 more errors"


# ------------------------------------------------------------------------------------------- damaged workbooks


def test_an_xlsx_with_a_dtd_is_refused_cleanly(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    wb = Workbook()
    wb.active.append(["customer_id", "name"])
    wb.active.append(["C001", "ACME"])
    source = tmp_path / "source.xlsx"
    wb.save(source)
    path = tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + data
            out.writestr(info.filename, data)
    code, out, _err = cli(capsys, "import", "customers", path, "--json")
    assert code == 1
    assert json.loads(out)["errors"] == [
        {
            "line": 0,
            "field": "file",
            "message": "not a readable XLSX workbook (xl/workbook.xml: holds a document type declaration "
            "(<!DOCTYPE>), which a workbook never needs)",
        }
    ]
    assert written() == (0, 0, 0, 0)


def test_a_truncated_xlsx_is_refused_cleanly(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    wb = Workbook()
    wb.active.append(["customer_id", "name"])
    source = tmp_path / "source.xlsx"
    wb.save(source)
    path = tmp_path / "cut.xlsx"
    path.write_bytes(source.read_bytes()[:2000])
    code, _out, err = cli(capsys, "import", "customers", path)
    assert code == 1
    assert "cut.xlsx: line 0, file: not a readable XLSX workbook (not a ZIP archive, or cut short" in err


# ------------------------------------------------------------------------------------------- the database fails

CUSTOMERS = "customer_id;name;city\n" + "".join(f"C{n:05d};Client {n} {'x' * 150};Ville {n}\n" for n in range(3000))


@pytest.fixture
def full_sqlite(org):  # type: ignore[no-untyped-def]
    """An SQLite database that has room for a few more pages only: what a full disk looks like to SQLite."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's page limit")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA max_page_count")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages + 30}")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA max_page_count = {before}")


@pytest.mark.django_db(transaction=True)
def test_a_full_disk_rolls_the_import_back_and_records_the_failure(full_sqlite, org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = csv_file(tmp_path, "customers.csv", CUSTOMERS)
    code, _out, err = cli(capsys, "import", "customers", path)
    assert code == 1
    assert err == (
        "customers.csv: the import failed, nothing was written: the disk is full (database or disk is full)\n"
    )
    assert written() == (0, 0, 0, 0)
    run = ImportRun.objects.get()
    assert (run.status, run.get_status_display(), run.file_name) == (ImportStatus.FAILED, "Failed", "customers.csv")
    assert run.errors == [{"line": 0, "field": "import", "message": "the disk is full (database or disk is full)"}]

    code, out, _err = cli(capsys, "import", "customers", path, "--json")
    assert code == 1
    assert json.loads(out) == {
        "ok": False,
        "failed": True,
        "error": "the disk is full (database or disk is full)",
        "created": 0,
        "updated": 0,
        "unchanged": 0,
    }


@pytest.fixture
def locked_customers(org):  # type: ignore[no-untyped-def]
    """Another connection holds a lock on the customers' table for the length of the test."""
    if connection.vendor == "postgresql":
        import psycopg

        params = connection.get_connection_params()
        other = psycopg.connect(**params)
        other.execute(f"LOCK TABLE {Customer._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
        yield
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
        return
    name = connection.settings_dict["NAME"]
    if "mode=memory" not in str(name):
        pytest.skip("table locks of SQLite's shared cache (the in-memory test database)")
    other = sqlite3.connect(str(name), uri=True, isolation_level=None)
    other.execute("BEGIN")
    reading = other.execute(f"SELECT * FROM {Customer._meta.db_table}")  # a read lock on the table, held
    reading.fetchone()
    yield
    other.execute("ROLLBACK")
    other.close()


@pytest.mark.django_db(transaction=True)
def test_a_locked_database_rolls_the_import_back_and_records_the_failure(locked_customers, org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = csv_file(tmp_path, "customers.csv", CUSTOMERS)
    with pytest.raises(ImportFailed) as caught:
        run_import(org, "customers", path, actor=CLI)
    assert str(caught.value).startswith("the database is locked by another operation (")
    assert str(caught.value).endswith("); try again in a moment")
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.FAILED and run.error_count == 1
    assert run.errors[0]["message"] == str(caught.value)


def test_a_dry_run_that_fails_records_nothing(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # a dry run writes nothing, so only reading can fail it: a file that cannot be read
    with pytest.raises(ImportFailed, match=r"^the file could not be read or written \(\[Errno 21\] Is a directory"):
        run_import(org, "customers", tmp_path, actor=CLI, dry_run=True)
    assert ImportRun.objects.count() == 0
    with pytest.raises(ImportFailed):
        run_import(org, "customers", tmp_path, actor=CLI)
    assert ImportRun.objects.get().status == ImportStatus.FAILED


def test_failure_reasons_name_the_cause(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from recouvre.imports.services import failure_reason

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with pytest.raises(OSError) as caught, open("/dev/full", "wb") as full:  # writing there fails with ENOSPC
        full.write(b"x")
    assert failure_reason(caught.value) == "the disk is full ([Errno 28] No space left on device)"
    folder = tmp_path / "fullname"
    folder.mkdir()
    with pytest.raises(OSError) as caught:
        folder.read_bytes()
    expected = f"the file could not be read or written ([Errno 21] Is a directory: '{folder}')"
    assert failure_reason(caught.value) == expected  # "full" in a path is not a full disk


# ------------------------------------------------------------------------------------------- found by fuzzing


def test_an_invoice_and_a_payment_moved_to_a_customer_the_file_creates(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Updating a stored invoice (or payment) to a customer the same file creates wrote no customer at all: the
    database refused it with a traceback."""
    header = "invoice_number;customer_id;issue_date;amount_incl_tax\n"
    first = csv_file(tmp_path, "a.csv", header + "F-1;C001;15/01/2025;120\n")
    moved = csv_file(tmp_path, "b.csv", header + "F-1;C002;15/01/2025;120\n")
    assert cli(capsys, "import", "invoices", first, "--create-customers")[0] == 0
    code, out, _err = cli(capsys, "import", "invoices", moved, "--create-customers", "--json")
    assert code == 0 and json.loads(out)["details"]["customers"]["created"] == 1
    assert Invoice.objects.get(number="F-1").customer.ref == "C002"

    first = csv_file(tmp_path, "p.csv", "payment_id;customer_id;payment_date;amount\nP1;C001;15/01/2025;10\n")
    moved = csv_file(tmp_path, "q.csv", "payment_id;customer_id;payment_date;amount\nP1;C003;15/01/2025;10\n")
    assert cli(capsys, "import", "payments", first, "--create-customers")[0] == 0
    assert cli(capsys, "import", "payments", moved, "--create-customers")[0] == 0
    assert Payment.objects.get().customer.ref == "C003"
