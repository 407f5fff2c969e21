"""Reading CSV and XLSX files: encodings, separators, line numbers, refusals."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]

from recouvre.core.tabular import TabularError, open_table, sniff_delimiter, xlsx_text


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_all(path: Path) -> tuple[tuple[str, ...], int, list[tuple[int, tuple[str, ...]]], str | None]:
    with open_table(path) as table:
        return table.header.cells, table.header.line, list(table.rows()), table.header.delimiter


def test_utf8_comma(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", 'invoice_number,customer,amount\nF1,"Dupont, Frères",12.5\nF2,Été,10\n'.encode())
    with open_table(path) as table:
        assert table.facts.format == "csv"
        assert table.facts.encoding == "utf-8"
        assert table.header.delimiter == ","
        assert table.header.line == 1
        assert table.header.cells == ("invoice_number", "customer", "amount")
        assert list(table.rows()) == [(2, ("F1", "Dupont, Frères", "12.5")), (3, ("F2", "Été", "10"))]


def test_latin1_semicolon(tmp_path: Path) -> None:
    text = "N° facture;Échéance;Montant TTC\nFA-1;12/03/2025;1 234,56\n"
    path = write(tmp_path, "fr.csv", text.encode("latin-1"))
    header, line, rows, delimiter = read_all(path)
    assert delimiter == ";"
    assert header == ("N° facture", "Échéance", "Montant TTC")
    assert rows == [(2, ("FA-1", "12/03/2025", "1 234,56"))]
    with open_table(path) as table:
        assert table.facts.encoding == "cp1252"


def test_cp1252_euro_sign_and_latin1_only_bytes(tmp_path: Path) -> None:
    euro = write(tmp_path, "euro.csv", "nom;montant\nCafé;12 €\n".encode("cp1252"))
    assert read_all(euro)[2] == [(2, ("Café", "12 €"))]
    # 0x81 is undefined in Windows-1252: the file is then read as Latin-1 rather than refused
    odd = write(tmp_path, "odd.csv", b"nom;code\nA\x81;1\n")
    with open_table(odd) as table:
        assert table.facts.encoding == "latin-1"
        assert list(table.rows()) == [(2, ("A\x81", "1"))]


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", "\ufeffcustomer_id;name\r\n411A;Alpha\r\n".encode())
    header, _line, rows, _ = read_all(path)
    assert header == ("customer_id", "name")
    assert rows == [(2, ("411A", "Alpha"))]


def test_utf16_tab_separated_from_excel(tmp_path: Path) -> None:
    path = write(tmp_path, "u16.txt", "customer_id\tname\r\n411A\tÉlise\r\n".encode("utf-16"))
    header, _line, rows, delimiter = read_all(path)
    assert (header, delimiter) == (("customer_id", "name"), "\t")
    assert rows == [(2, ("411A", "Élise"))]


def test_pipe_separator(tmp_path: Path) -> None:
    header, _line, rows, delimiter = read_all(write(tmp_path, "p.csv", b"a|b|c\n1|2|3\n"))
    assert delimiter == "|"
    assert rows == [(2, ("1", "2", "3"))]


def test_excel_separator_line(tmp_path: Path) -> None:
    header, line, rows, delimiter = read_all(
        write(tmp_path, "sep.csv", b"sep=;\r\nNom, pr\xc3\xa9nom;Ville\r\nA, B;Lyon\r\n")
    )
    assert (delimiter, line, header) == (";", 2, ("Nom, prénom", "Ville"))
    assert rows == [(3, ("A, B", "Lyon"))]


def test_separator_inside_quotes_does_not_count() -> None:
    assert sniff_delimiter('"Nom, prénom, titre";Ville\n') == ";"
    assert sniff_delimiter("a;b,c;d\n") == ";"
    with pytest.raises(TabularError, match="separator"):
        sniff_delimiter("onlyonecolumn\n")


def test_line_numbers_follow_the_file_across_blank_lines_and_multiline_values(tmp_path: Path) -> None:
    data = b'\n\nref;note\nA;"two\nlines"\n\nB;x\n;\n'
    header, line, rows, _ = read_all(write(tmp_path, "l.csv", data))
    assert line == 3
    assert header == ("ref", "note")
    # A starts on line 4 and ends on 5; the blank line 6 is skipped; B is on line 7; ";" (line 8) is blank
    assert rows == [(4, ("A", "two\nlines")), (7, ("B", "x"))]


def test_old_mac_line_endings(tmp_path: Path) -> None:
    header, _line, rows, _ = read_all(write(tmp_path, "mac.csv", b"a;b\r1;2\r3;4\r"))
    assert rows == [(2, ("1", "2")), (3, ("3", "4"))]


def test_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TabularError, match="the file is empty"):
        open_table(write(tmp_path, "e.csv", b""))


def test_blank_file_has_no_header(tmp_path: Path) -> None:
    with pytest.raises(TabularError, match="no header"):
        open_table(write(tmp_path, "b.csv", b"\n  \n\n"))


def test_header_with_only_separators_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TabularError, match="no column names") as exc:
        open_table(write(tmp_path, "h.csv", b";;;\n1;2;3;4\n"))
    assert exc.value.line == 1


def test_xls_is_refused_with_advice(tmp_path: Path) -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    with pytest.raises(TabularError, match="save the sheet as XLSX or CSV"):
        open_table(write(tmp_path, "old.xls", data))


def test_broken_xlsx_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TabularError, match="not a readable XLSX"):
        open_table(write(tmp_path, "broken.xlsx", b"PK\x03\x04garbage"))


def test_facts_hash_and_line_estimate(tmp_path: Path) -> None:
    data = b"a;b\n1;2\n3;4\n"
    with open_table(write(tmp_path, "h.csv", data)) as table:
        assert table.facts.sha256 == hashlib.sha256(data).hexdigest()
        assert table.facts.size == len(data)
        assert table.facts.line_estimate == 3
    with open_table(write(tmp_path, "no-final-newline.csv", data.rstrip())) as table:
        assert table.facts.line_estimate == 3


def test_xlsx_cells_become_text_and_lines_are_sheet_rows(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append([])  # row 1 blank: the header is on row 2
    ws.append(["invoice_number", "customer_id", "issue_date", "amount_incl_tax", None])
    ws.append(["F1", 411001, datetime(2025, 3, 12), 1234.56])
    ws.append([])
    ws.append(["F2", "411002", date(2025, 3, 13), 100.0, None])
    ws.append(["F3", 411003.0, "12/03/2025", Decimal("0.10")])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    with open_table(path) as table:
        assert table.facts.format == "xlsx"
        assert table.header.line == 2
        assert table.header.cells == ("invoice_number", "customer_id", "issue_date", "amount_incl_tax")
        assert list(table.rows()) == [
            (3, ("F1", "411001", "2025-03-12", "1234.56")),
            (5, ("F2", "411002", "2025-03-13", "100")),
            (6, ("F3", "411003", "12/03/2025", "0.1")),
        ]


def test_empty_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    Workbook().save(path)
    with pytest.raises(TabularError, match="empty"):
        open_table(path)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (411001.0, "411001"),
        (0.1, "0.1"),
        (1234.56, "1234.56"),
        (1e-7, "0.0000001"),
        (True, "true"),
        (datetime(2025, 3, 12, 0, 0), "2025-03-12"),
        (datetime(2025, 3, 12, 8, 30), "2025-03-12 08:30:00"),
        (Decimal("12.50"), "12.50"),
        (" padded ", " padded "),
    ],
)
def test_xlsx_text(value: object, text: str) -> None:
    assert xlsx_text(value) == text
