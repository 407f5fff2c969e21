"""Files made to hurt: control characters in values, more errors than anyone reads, workbooks that expand a
thousand times or declare a DTD, byte order marks that lie, archives that claim millions of members."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]

from recouvre.core.archives import ArchiveError, check_directory, directory_size, member_problem
from recouvre.core.fec import FEC_COLUMNS, read_fec
from recouvre.core.importing import (
    MAX_REPORTED_ERRORS,
    ErrorList,
    ImportRefused,
    RowError,
    control_character,
    escape_controls,
)
from recouvre.core.mappings import MappingOptions, resolve_columns
from recouvre.core.records import RowReader, Validated, validate_rows
from recouvre.core.tabular import MAX_XLSX_ROWS, TabularError, open_table

CUSTOMERS = ("customer_id", "name", "address", "city", "email")
INVOICES = ("invoice_number", "customer_id", "issue_date", "due_date", "amount_incl_tax", "currency", "customer_name")
PAYMENTS = ("payment_id", "customer_id", "payment_date", "amount", "reference", "payer_name", "invoice_number")


def validate(kind: str, header: Sequence[str], *rows: Sequence[str], quick: bool = True) -> Validated:
    columns, errors = resolve_columns(kind, header)
    assert errors == [] and columns is not None
    numbered = [(line, tuple(cells)) for line, cells in enumerate(rows, start=2)]
    if not quick:
        return RowReader(kind, columns, MappingOptions(), len(header), quick=False).read(numbered)
    return validate_rows(kind, numbered, columns, header_width=len(header))


def errors_of(result: Validated) -> list[tuple[int, str, str]]:
    return [(e.line, e.field, e.message) for e in result.errors]


# ------------------------------------------------------------------------------------------- control characters


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("ACME", None),
        ("Épicerie du Café – 12 € « ok »", None),
        ("1\u00a0234,56", None),  # a no-break space is not a control character
        ("AC\x00ME", "U+0000 (NUL)"),
        ("AC\nME", "U+000A (line feed)"),
        ("AC\rME", "U+000D (carriage return)"),
        ("AC\tME", "U+0009 (tab)"),
        ("AC\x0cME", "U+000C (form feed)"),
        ("AC\x1b[2JME", "U+001B (escape)"),
        ("AC\x7fME", "U+007F (DEL)"),
        ("AC\x85ME", "U+0085"),  # C1, what a Latin-1 reading of stray bytes gives
    ],
)
def test_control_characters_are_named(text: str, found: str | None) -> None:
    assert control_character(text) == found


def test_escape_controls_keeps_accents_and_escapes_the_rest() -> None:
    assert escape_controls("Café\x1b[31m\n") == "Café\\x1b[31m\\n"


MESSAGE = (
    "{text} contains a control character ({char}): line breaks, tabs and other control characters are not accepted "
    "in an imported value"
)


def test_a_control_character_in_any_customer_field_refuses_the_line_naming_the_field() -> None:
    result = validate(
        "customers",
        CUSTOMERS,
        ["C\x00001", "ACME", "1 rue de la Paix", "Paris", "a@acme.fr"],
        ["C002", "Dupont\r\nFrères", "2 rue", "Lyon", ""],
        ["C003", "Durand", "3 rue\x0c des Lilas", "Nîmes", ""],
        ["C004", "Martin", "4 rue", "Sète", "martin@ex\tample.fr"],
        ["C005", "Petit", "5 rue", "Nice\x1b[2J", ""],
        ["C006\n", "Grand\t", "\r\n6 rue", "Metz", ""],  # around a value: trimmed, as spaces are
    )
    assert errors_of(result) == [
        (2, "customer_id", MESSAGE.format(text="'C\\x00001'", char="U+0000 (NUL)")),
        (3, "name", MESSAGE.format(text="'Dupont\\r\\nFrères'", char="U+000D (carriage return)")),
        (4, "address", MESSAGE.format(text="'3 rue\\x0c des Lilas'", char="U+000C (form feed)")),
        (5, "email", MESSAGE.format(text="'martin@ex\\tample.fr'", char="U+0009 (tab)")),
        (6, "city", MESSAGE.format(text="'Nice\\x1b[2J'", char="U+001B (escape)")),
    ]
    assert [(r.ref, r.name, r.address_line1) for r in result.records] == [("C006", "Grand", "6 rue")]  # type: ignore[union-attr]


@pytest.mark.parametrize("column", range(len(INVOICES)))
@pytest.mark.parametrize("char", ["\x00", "\n", "\r", "\x0c", "\x1f", "\x7f", "\x9c"])
def test_a_control_character_in_any_invoice_field_is_refused_on_every_path(column: int, char: str) -> None:
    """Invoices are read by quick paths (whole batches, then common lines) before the full rules: each refuses."""
    good = ["F-{n}", "C001", "15/01/2025", "15/02/2025", "120,00", "EUR", "ACME"]
    rows = [[cell.format(n=n) for cell in good] for n in range(1, 8)]
    bad = rows[3]
    bad[column] = bad[column][:2] + char + bad[column][2:]
    for quick in (True, False):
        result = validate("invoices", INVOICES, *rows, quick=quick)
        assert [(line, field) for line, field, _m in errors_of(result)] == [(5, INVOICES[column])], quick
        assert "contains a control character" in result.errors[0].message
        assert [r.line for r in result.records] == [2, 3, 4, 6, 7, 8]


def test_a_control_character_in_a_payment_field_is_refused() -> None:
    result = validate(
        "payments",
        PAYMENTS,
        ["P1", "C001", "15/01/2025", "100,00", "VIR\x00123", "ACME", ""],
        ["P2", "C001", "15/01/2025", "100,00", "VIR 124", "ACME", "F\n1"],
        ["P3", "C001", "15/01/2025", "100,00", "VIR 125", "ACME", "F1"],
    )
    assert [(line, field) for line, field, _m in errors_of(result)] == [(2, "reference"), (3, "invoice_number")]
    assert [r.key for r in result.records] == ["file-id:P3"]  # type: ignore[union-attr]


def test_one_error_per_field_holding_a_control_character() -> None:
    """An amount or a date with a control character is refused for it, not also as "not an amount"."""
    result = validate("invoices", INVOICES, ["F1", "C001", "15/01\x00/2025", "", "12\x0034", "EUR", ""])
    assert [(line, field) for line, field, _m in errors_of(result)] == [(2, "issue_date"), (2, "amount_incl_tax")]


def test_a_header_with_a_control_character_is_refused() -> None:
    columns, errors = resolve_columns("customers", ("customer_id", "na\x1bme", "city"))
    assert columns is None
    assert [(e.line, e.field) for e in errors] == [(1, "column 2")]
    assert "U+001B (escape)" in errors[0].message


def fec(*rows: Sequence[str], sep: str = "\t") -> bytes:
    return ("\n".join(sep.join(r) for r in [FEC_COLUMNS, *rows]) + "\n").encode("utf-8")


def fec_row(aux: str = "C001", label: str = "Facture F1", piece: str = "F1") -> list[str]:
    return ["VE", "Ventes", "1", "20250115", "411000", "Clients", aux, "ACME", piece, "20250115", label]


def full(cells: list[str], debit: str = "120,00", credit: str = "0,00") -> list[str]:
    return [*cells, debit, credit, "", "", "20250131", "", ""]


@pytest.mark.parametrize("sep", ["\t", "|"])
def test_fec_lines_with_control_characters_are_refused_naming_the_column(sep: str) -> None:
    book = read_fec(
        fec(
            full(fec_row()),
            full(fec_row(aux="C\x00002", piece="F2")),
            full(fec_row(label="Facture\rF3", piece="F3")),
            full(fec_row(piece="F4\x0c")),  # at the end of the value: padding, trimmed
            full(fec_row(piece="F5", label="A\tB" if sep == "|" else "A\x0bB")),
            sep=sep,
        )
    )
    assert [(e.line, e.field) for e in book.errors] == [(3, "CompAuxNum"), (4, "EcritureLib"), (6, "EcritureLib")]
    assert "contains a control character (U+0000 (NUL))" in book.errors[0].message
    assert book.line_count == 5


def test_amounts_beyond_what_is_stored_are_refused_not_a_traceback() -> None:
    """30 digits are more than a Decimal holds at its precision: rounding them to cents raised; 14 digits are more
    than amounts are stored with."""
    result = validate("invoices", INVOICES, ["F1", "C001", "15/01/2025", "", "1" * 30, "", ""])
    assert errors_of(result) == [(2, "amount_incl_tax", f"'{'1' * 30}' is too large an amount")]
    book = read_fec(
        fec(
            full(fec_row(), debit="1" * 30),
            full(fec_row(piece="F2"), debit="12345678901234,00"),
            full(fec_row(piece="F3"), debit="9999999999999,99"),
        )
    )
    assert [(e.line, e.field, e.message) for e in book.errors] == [
        (2, "Debit", f"'{'1' * 30}' is too large an amount"),
        (3, "Debit", "'12345678901234,00' is too large an amount"),
    ]
    assert [line.debit for line in book.customer_lines] == [Decimal("9999999999999.99")]


@pytest.mark.parametrize("text", ["-", "+", "()", "(-)", ".", ",", "--"])
def test_a_sign_or_a_separator_alone_is_not_an_amount(text: str) -> None:
    """A lone minus raised an IndexError (found by fuzzing)."""
    result = validate("payments", PAYMENTS, ["P1", "C001", "15/01/2025", text, "", "", ""])
    assert errors_of(result) == [(2, "amount", f"not an amount: {text!r}")]


def test_a_fec_header_with_a_control_character_is_refused() -> None:
    data = ("\t".join([*FEC_COLUMNS[:-1], "Ide\x00vise"]) + "\n").encode()
    book = read_fec(data)
    assert [(e.line, e.field) for e in book.errors] == [(1, "header")]


def test_a_fec_in_utf16_that_is_not_is_refused_not_a_traceback() -> None:
    book = read_fec(b"\xff\xfeJ\x00o\x00\x00\xd8")  # a lone surrogate
    assert book.format is None and book.errors[0].field in ("header", "line")


# ------------------------------------------------------------------------------------------- how many errors


def test_an_error_list_keeps_the_first_200_and_counts_them_all() -> None:
    errors = ErrorList()
    for line in range(2, 1002):
        errors.append(RowError(line, "amount", "bad"))
    assert len(errors) == MAX_REPORTED_ERRORS == 200
    assert (errors.total, errors.more) == (1000, 800)
    assert [e.line for e in errors[:2]] == [2, 3] and errors[-1].line == 201
    more = ErrorList([RowError(1, "x", "y")])
    more.extend(errors)
    assert (len(more), more.total) == (200, 1001)


def test_a_file_of_600_bad_lines_keeps_200_errors_and_their_count() -> None:
    rows = [[f"F{n}", "C1", "pas une date", "", "12", "", ""] for n in range(600)]
    result = validate("invoices", INVOICES, *rows)
    assert (len(result.errors), result.errors.total, result.records) == (200, 600, [])
    refused = ImportRefused(result.errors, ErrorList([RowError(3, "customer_id", "unknown customer C1")]))
    assert (len(refused.errors), refused.total, refused.more) == (200, 601, 401)
    assert [(e.line, e.field) for e in refused.errors[:3]] == [(2, "issue_date"), (3, "issue_date"), (3, "customer_id")]


def test_a_fec_of_many_bad_lines_keeps_200_errors_and_their_count() -> None:
    rows = [full(fec_row(piece=f"F{n}"), debit="douze") for n in range(500)]
    book = read_fec(fec(*rows))
    assert (len(book.errors), book.errors_total, book.line_count) == (200, 500, 500)


# ------------------------------------------------------------------------------------------- CSV encodings


def test_a_utf8_byte_order_mark_on_bytes_that_are_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfcustomer_id;name\nC1;Caf\xe9\n")
    with pytest.raises(TabularError, match="UTF-8 byte order mark but holds bytes that are not UTF-8") as caught:
        open_table(path)
    assert caught.value.line == 2


def test_a_utf16_byte_order_mark_on_an_odd_number_of_bytes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bom16.csv"
    path.write_bytes("customer_id;name\nC1;A\n".encode("utf-16") + b"\x00")
    with pytest.raises(TabularError, match="UTF-16 byte order mark"):
        open_table(path)


# ------------------------------------------------------------------------------------------- XLSX


def workbook(tmp_path: Path, rows: list[list[object]], name: str = "book.xlsx") -> Path:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    path = tmp_path / name
    wb.save(path)
    return path


def rewrite(source: Path, target: Path, change: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> Path:
    """A copy of the workbook with some members' content replaced (or added)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", method) as out:
        for info in src.infolist():
            out.writestr(info.filename, change.pop(info.filename, src.read(info)))
        for name, data in change.items():
            out.writestr(name, data)
    return target


def read_xlsx(path: Path) -> list[tuple[int, tuple[str, ...]]]:
    with open_table(path) as table:
        return [(table.header.line, table.header.cells), *table.rows()]


def test_control_characters_in_xlsx_cells_reach_the_validation(tmp_path: Path) -> None:
    """XML has no NUL, but a cell may hold a line break, a tab, DEL or a C1 character."""
    path = workbook(tmp_path, [list(CUSTOMERS), ["C\n1", "AC\x85ME\x7f", "", "", ""]])
    assert read_xlsx(path)[1] == (2, ("C\n1", "AC\x85ME\x7f", "", "", ""))


def test_an_xlsx_with_a_doctype_is_refused_before_openpyxl_reads_it(tmp_path: Path) -> None:
    source = workbook(tmp_path, [list(CUSTOMERS), ["C1", "ACME"]])
    with zipfile.ZipFile(source) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    lol = '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    bomb = '<?xml version="1.0"?>' + lol + sheet.replace("<t>C1</t>", "<t>&b;</t>", 1)
    path = rewrite(source, tmp_path / "dtd.xlsx", {"xl/worksheets/sheet1.xml": bomb.encode()})
    with pytest.raises(TabularError) as caught:
        open_table(path)
    assert str(caught.value) == (
        "not a readable XLSX workbook (xl/worksheets/sheet1.xml: holds a document type declaration (<!DOCTYPE>), "
        "which a workbook never needs)"
    )


def test_an_xlsx_that_expands_a_thousand_times_is_refused(tmp_path: Path) -> None:
    source = workbook(tmp_path, [list(CUSTOMERS), ["C1", "ACME"]])
    padding = b"<!-- " + b" " * (20 << 20) + b" -->"  # 20 MB that deflate to 20 KB
    path = rewrite(source, tmp_path / "bomb.xlsx", {"xl/padding.xml": padding})
    assert path.stat().st_size < 200_000
    with pytest.raises(TabularError, match=r"the workbook expands to 20 MB from a file of \d+ KB"):
        open_table(path)


def test_an_xlsx_stating_members_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    source = workbook(tmp_path, [list(CUSTOMERS), ["C1", "ACME"]])
    data = bytearray(source.read_bytes())
    at = data.rfind(b"PK\x01\x02")  # the last member's central directory entry: its stated size, 300 MB
    data[at + 24 : at + 28] = struct.pack("<I", 300 << 20)
    path = tmp_path / "stated.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(TabularError, match="the workbook expands to 300 MB, more than the 256 MB accepted"):
        open_table(path)


def test_an_xlsx_declaring_more_rows_than_a_sheet_has_is_refused(tmp_path: Path) -> None:
    source = workbook(tmp_path, [list(CUSTOMERS), ["C1", "ACME"]])
    with zipfile.ZipFile(source) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    dimension = re.search(r'<dimension ref="A1:E2" ?/>', sheet)
    assert dimension is not None
    huge = sheet.replace(dimension.group(0), '<dimension ref="A1:E5000000" />')
    path = rewrite(source, tmp_path / "rows.xlsx", {"xl/worksheets/sheet1.xml": huge.encode()})
    with pytest.raises(TabularError, match="the worksheet has 5000000 rows, more than the 1048576"):
        open_table(path)


def test_a_row_beyond_the_last_row_of_a_sheet_is_refused(tmp_path: Path) -> None:
    source = workbook(tmp_path, [list(CUSTOMERS), ["C1", "ACME"]])
    with zipfile.ZipFile(source) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    far = MAX_XLSX_ROWS + 1
    sheet = re.sub(r'<dimension ref="A1:E2" ?/>', "", sheet).replace(
        "</sheetData>", f'<row r="{far}"><c r="A{far}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    )
    path = rewrite(source, tmp_path / "far.xlsx", {"xl/worksheets/sheet1.xml": sheet.encode()})
    with open_table(path) as table, pytest.raises(TabularError, match="more than the 1048576") as caught:
        list(table.rows())
    assert caught.value.line == far


def test_a_damaged_worksheet_is_refused_naming_the_problem(tmp_path: Path) -> None:
    source = workbook(tmp_path, [list(CUSTOMERS), ["C1", "ACME"]])
    with zipfile.ZipFile(source) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    broken = sheet.replace("</sheetData>", "<row r='3'><c r='A3'><v>1</v></row></sheetData>")
    path = rewrite(source, tmp_path / "broken.xlsx", {"xl/worksheets/sheet1.xml": broken.encode()})
    with pytest.raises(TabularError, match=r"not a readable XLSX workbook \(mismatched tag"):
        read_xlsx(path)


def test_an_xlsx_with_an_encrypted_member_is_refused(tmp_path: Path) -> None:
    source = workbook(tmp_path, [list(CUSTOMERS), ["C1", "ACME"]])
    data = bytearray(source.read_bytes())
    at = data.find(b"PK\x01\x02")
    data[at + 8] |= 0x1  # the first member, as the central directory describes it: encrypted
    path = tmp_path / "encrypted.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(TabularError, match="encrypted: a password-protected member cannot be read"):
        open_table(path)


def test_a_file_that_only_starts_like_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(TabularError, match="not a readable XLSX workbook"):
        open_table(path)


# ------------------------------------------------------------------------------------------- archives


def zip_bytes(names: Sequence[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name in names:
            z.writestr(name, b"x")
    return buffer.getvalue()


def test_the_end_record_states_the_members_and_the_directory() -> None:
    data = zip_bytes(["a", "b", "c"])
    members, directory = directory_size(io.BytesIO(data))
    assert members == 3 and 3 * 46 < directory < 3 * 100


def test_zip64_end_records_are_read() -> None:
    """An archive of more members than a plain end record counts says 0xFFFF there and the count in its ZIP64 end
    record."""
    data = zip_bytes(["a", "b", "c"])
    at = data.rfind(b"PK\x05\x06")
    directory, offset = struct.unpack("<II", data[at + 12 : at + 20])
    end64 = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, 70_000, 70_000, directory, offset)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, at, 1)
    end = data[at : at + 8] + struct.pack("<HH", 0xFFFF, 0xFFFF) + data[at + 12 :]
    archive = data[:at] + end64 + locator + end
    assert directory_size(io.BytesIO(archive)) == (70_000, directory)
    with pytest.raises(ArchiveError, match="the archive holds 70000 members or more"):
        check_directory(io.BytesIO(archive), max_members=1000)


def test_an_archive_claiming_too_many_members_is_refused_before_it_is_opened() -> None:
    data = bytearray(zip_bytes(["a"]))
    at = data.rfind(b"PK\x05\x06")
    data[at + 8 : at + 16] = struct.pack("<HHI", 50_000, 50_000, 50_000 * 60)
    with pytest.raises(ArchiveError, match="the archive holds 50000 members or more; at most 1000 are read"):
        check_directory(io.BytesIO(bytes(data)), max_members=1000)


def test_not_a_zip_has_no_end_record() -> None:
    with pytest.raises(ArchiveError, match="not a ZIP archive, or cut short"):
        directory_size(io.BytesIO(b"hello" * 100))


def test_member_problems() -> None:
    info = zipfile.ZipInfo("a.pdf")
    info.file_size = 10
    assert member_problem(info, max_bytes=100) is None
    info.compress_type = 99
    assert member_problem(info) == "compressed with an unknown method (99)"
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size = 101
    assert member_problem(info, max_bytes=100) == "101 bytes once uncompressed, more than the 100 bytes accepted"
    info.file_size = 3 << 30
    assert member_problem(info, max_bytes=1 << 30) == "3 GB once uncompressed, more than the 1 GB accepted"
    info.flag_bits |= 0x1
    assert member_problem(info) == "encrypted: a password-protected member cannot be read"
