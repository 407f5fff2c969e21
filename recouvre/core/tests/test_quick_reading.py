"""The quick reading of invoice lines (whole batches column by column, then line by line) gives exactly what the full
rules give: the same records, the same refusals with the same lines, fields and messages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recouvre.core import records as records_module
from recouvre.core.importing import RowError
from recouvre.core.mappings import MappingOptions, resolve_columns
from recouvre.core.records import InvoiceRecord, Record, RowReader

HEADER = ["N° facture", "Code client", "Date facture", "Échéance", "Montant HT", "TVA", "Montant TTC", "Devise", "Nom"]

# A common line, then mutations: each replaces one cell with one of the values its column may hold, common or refused.
GOOD_NUMBERS = ["F{n}", " F{n} "]
GOOD_REFS = ["411A", "411B", "R" * 40, " 411C"]
GOOD_ISSUED = ["12/03/2025", "2025-03-12", "01.04.25", "12/03/25"]
GOOD_DUE = ["", "30/04/2025", "12/04/2025", "2025-05-31"]
AMOUNTS = [  # excl. tax, tax, total
    ("", "", "120"),
    ("100", "20", "120"),
    ("100,00", "", "120,00"),
    ("", "20,5", "120.5"),
    ("1028,80", "205,76", "1234,56"),
    ("0", "", "0,01"),
    ("9999999999999,99", "", "9999999999999,99"),
    ("000100,1", "20", "120.10"),
]
WRONG_AMOUNTS = [("130", "", "120"), ("", "130", "120"), ("100", "30", "120"), ("", "", "0"), ("", "", "0,00")]
WRONG_AMOUNTS += [("", "", "1\n2"), ("1\n2", "", "120"), ("", "1\n2", "120"), ("-0", "", "120"), ("", "", "-0,00")]
GOOD_CURRENCIES = ["", "EUR", "eur", "€", "usd"]
GOOD_NAMES = ["", "Dupont SA", " Martin ", "N" * 200]
ANY = [
    ["F1", "F2", "F3", "", "N" * 60, "N" * 61, "F\n9"],
    ["411A", "", " 411C", "R" * 41],
    ["12/03/2025", "31/02/2025", "1/26/2013", "", "demain", "2025-04-31", "12/03/2025 10:00"],
    ["", "11/03/2025", "12/03/2025", "31/02/2025", " 30/04/2025"],
    ["", "100", "1028,80", "100.5", "-5", "1,234", "1 000,00", "0", "abc", "12,345", "1.5\n2"],
    ["", "20", "205,76", "20.5", "0", "-1", "0,001", "20,5", "٢٠"],
    ["120", "1234,56", "121", "0", "0,00", "-120", "", "1 234,56", "12345678901234,00", "(120,00)", "120€", "1\n2"],
    ["", "EUR", "€", "usd", "XXX1", "EURO", " EUR ", "eur"],
    ["", "Dupont SA", "N" * 201],
]

line_values = st.tuples(
    st.sampled_from(GOOD_NUMBERS),
    st.sampled_from(GOOD_REFS),
    st.sampled_from(GOOD_ISSUED),
    st.sampled_from(GOOD_DUE),
    st.sampled_from(AMOUNTS * 2 + WRONG_AMOUNTS),
    st.sampled_from(GOOD_CURRENCIES),
    st.sampled_from(GOOD_NAMES),
    st.lists(st.tuples(st.integers(0, len(ANY) - 1), st.integers(0, 99)), max_size=2),
    st.sampled_from(["whole"] * 6 + ["short", "no name", "blank extra", "extra value"]),
)


def _row(n: int, values: tuple[object, ...]) -> tuple[str, ...]:
    number, ref, issued, due, (excl, tax, total), currency, name, mutations, shape = values
    row = [str(number).format(n=n), ref, issued, due, excl, tax, total, currency, name]
    for column, pick in mutations:  # type: ignore[attr-defined]
        row[column] = ANY[column][pick % len(ANY[column])]
    cells = tuple(str(c) for c in row)
    if shape == "short":
        return cells[:5]
    if shape == "no name":
        return cells[:-1]
    if shape == "blank extra":
        return (*cells, " ")
    if shape == "extra value":
        return (*cells, "234,56")
    return cells


def _read(rows: list[tuple[int, tuple[str, ...]]], *, quick: bool) -> tuple[list[Record], list[RowError]]:
    columns, errors = resolve_columns("invoices", HEADER)
    assert errors == [] and columns is not None
    validated = RowReader("invoices", columns, MappingOptions(), len(HEADER), quick=quick).read(rows)
    return validated.records, validated.errors


@settings(max_examples=1000, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line_values, min_size=1, max_size=12), st.sampled_from([1, 2, 3, 5000]))
def test_quick_reading_agrees_with_the_full_rules(lines: list[tuple[object, ...]], batch: int) -> None:
    rows = [(n, _row(n, values)) for n, values in enumerate(lines, start=2)]
    previous = records_module.QUICK_BATCH
    records_module.QUICK_BATCH = batch  # several batches in one file, a bad line in some of them
    try:
        quick = _read(rows, quick=True)
    finally:
        records_module.QUICK_BATCH = previous
    full = _read(rows, quick=False)
    assert quick == full
    assert [repr(r) for r in quick[0]] == [repr(r) for r in full[0]]  # amounts written alike: 120.00, not 120.0


def test_a_batch_of_common_lines_is_read_whole() -> None:
    rows = [
        (2, ("F1", "411A", "12/03/2025", "30/04/2025", "100", "20", "120", "EUR", "Dupont SA")),
        (3, ("F2", " 411B ", "2025-03-12", "", "1028,8", "", "1234,56", "", "")),
        (4, ("F3", "411A", "12/03/2025", "12/03/2025", "", "0,5", "0.5", "usd", "Dupont SA")),
    ]
    assert _read(rows, quick=True) == (
        [
            InvoiceRecord(
                2,
                "F1",
                "411A",
                date(2025, 3, 12),
                Decimal("120.00"),
                date(2025, 4, 30),
                Decimal("100.00"),
                Decimal("20.00"),
                "EUR",
                "Dupont SA",
            ),
            InvoiceRecord(
                3,
                "F2",
                "411B",
                date(2025, 3, 12),
                Decimal("1234.56"),
                None,
                Decimal("1028.80"),
                Decimal("205.76"),
                None,
                None,
            ),
            InvoiceRecord(
                4,
                "F3",
                "411A",
                date(2025, 3, 12),
                Decimal("0.50"),
                date(2025, 3, 12),
                Decimal("0.00"),
                Decimal("0.50"),
                "USD",
                "Dupont SA",
            ),
        ],
        [],
    )


@pytest.mark.parametrize("batch", [1, 2, 5000])
def test_an_invoice_number_repeated_in_a_later_batch_names_the_first_line(batch: int, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(records_module, "QUICK_BATCH", batch)
    row = ("411A", "12/03/2025", "", "", "", "120", "", "")
    rows = [(2, ("F1", *row)), (3, ("F2", *row)), (4, ("F1", *row)), (5, ("F2", *row))]
    records, errors = _read(rows, quick=True)
    assert [r.line for r in records] == [2, 3]
    assert [(e.line, e.field, e.message) for e in errors] == [
        (4, "N° facture", "the invoice F1 is also on line 2 of this file"),
        (5, "N° facture", "the invoice F2 is also on line 3 of this file"),
    ]


def test_numbers_repeated_right_after_their_batch_name_their_first_lines(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(records_module, "QUICK_BATCH", 1)
    row = ("411A", "12/03/2025", "", "", "", "120", "", "")
    rows = [(2, ("F1", *row)), (3, ("F1", *row)), (4, ("F2", *row)), (5, ("F2", *row)), (6, ("F1", *row))]
    records, errors = _read(rows, quick=True)
    assert [r.line for r in records] == [2, 4]
    assert [(e.line, e.message) for e in errors] == [
        (3, "the invoice F1 is also on line 2 of this file"),
        (5, "the invoice F2 is also on line 4 of this file"),
        (6, "the invoice F1 is also on line 2 of this file"),
    ]
