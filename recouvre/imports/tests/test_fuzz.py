"""Every importer fed arbitrary files (Hypothesis): customers, invoices and payments as CSV and as XLSX, and the FEC.
Whatever the bytes, the import either succeeds or is refused with the project's own refusal, naming lines and
fields; nothing else is raised, and a refused (or dry) run writes nothing to the ledger.

The examples run under the Hypothesis profile chosen in ``conftest.py`` ("ci": the same examples every run)."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook  # type: ignore[import-untyped]

from recouvre.core.fec import FEC_COLUMNS
from recouvre.core.importing import ImportRefused, RowError
from recouvre.core.mappings import FIELDS
from recouvre.imports.services import run_import
from recouvre.ledger.actors import CLI
from recouvre.ledger.models import Allocation, CreditNote, Customer, Event, Invoice, Payment

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=max(10, settings.default.max_examples // 2),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
_names = itertools.count()

# What a cell may hold: plausible values, and anything (control characters, quotes, separators, odd Unicode).
VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "C001",
            "C002",
            "F-001",
            "ACME",
            "15/01/2025",
            "2025-02-30",
            "20250115",
            "120,00",
            "1 234,56",
            "-5",
            "EUR",
            "XXX",
            "30 jours",
            "virement",
            "FR7630006000011234567890189",
            "12345678901234",
            "a@b.fr",
            "2025-01-31:60;2025-02-28:60",
            '"',
            ";",
            "\t",
            "|",
        ]
    ),
    st.text(max_size=30),
    st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=12),
)


REF = st.one_of(st.sampled_from(["C001", "C002", "C003"]), st.from_regex(r"[A-Z0-9][A-Z0-9-]{0,7}", fullmatch=True))
DAY = st.sampled_from(["15/01/2025", "2025-02-28", "20250301", "31/02/2025", "01/13/2025", "1/1/1800"])
AMOUNT = st.one_of(
    st.sampled_from(
        ["120,00", "1 234,56", "0", "-5", "12.345", "1e9", "(12,50)", "99999999999999", "9999999999999,99", "1" * 30]
    ),
    st.decimals(min_value=-10, max_value=10**9, places=2, allow_nan=False).map(str),
)
PLAUSIBLE: dict[str, st.SearchStrategy[str]] = {
    "ref": REF,
    "customer_ref": REF,
    "number": st.from_regex(r"F-[0-9]{1,4}", fullmatch=True),
    "invoice_number": st.sampled_from(["", "F-1", "F-2", "F-99"]),
    "payment_id": st.from_regex(r"P[0-9]{1,3}", fullmatch=True),
    "name": st.text(min_size=1, max_size=20),
    "customer_name": st.text(max_size=20),
    "issued_on": DAY,
    "due_on": st.one_of(DAY, st.just("")),
    "received_on": DAY,
    "total": AMOUNT,
    "amount": AMOUNT,
    "amount_excl_tax": st.one_of(AMOUNT, st.just("")),
    "tax_amount": st.one_of(AMOUNT, st.just("")),
    "currency": st.sampled_from(["", "EUR", "USD", "eur", "€", "ABC"]),
}


@st.composite
def tables(draw: st.DrawFn, kind: str) -> list[list[str]]:
    """A header naming the required fields and some others (or anything), and lines of plausible values with
    anything mixed in."""
    specs = FIELDS[kind]
    chosen = [spec for spec in specs if spec.required]
    chosen += draw(st.lists(st.sampled_from([spec for spec in specs if not spec.required]), unique=True, max_size=4))
    chosen = draw(st.permutations(chosen))
    header = [spec.synonyms[0] if spec.synonyms else spec.name for spec in chosen]
    if draw(st.integers(0, 5)) == 0:
        header = draw(st.lists(st.one_of(st.sampled_from(header), st.text(max_size=10)), min_size=1, max_size=8))
    cell = {}
    for name, spec in zip(header, chosen, strict=False):
        plausible = PLAUSIBLE.get(spec.name, VALUES)
        cell[name] = st.one_of(plausible, plausible, plausible, plausible, VALUES)  # mostly plausible
    rows = draw(
        st.lists(
            st.one_of(
                st.tuples(*(cell.get(name, VALUES) for name in header)).map(list),
                st.lists(VALUES, max_size=len(header) + 2),
            ),
            max_size=8,
        )
    )
    return [header, *rows]


@st.composite
def csv_files(draw: st.DrawFn, kind: str) -> bytes:
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=600))  # anything at all
    table = draw(tables(kind))
    sep = draw(st.sampled_from([";", ",", "\t", "|"]))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quote = draw(st.booleans())
    lines = [sep.join(f'"{c}"' if quote and draw(st.booleans()) else c for c in row) for row in table]
    text = end.join(lines) + draw(st.sampled_from(["", end]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 3)) == 0 and data:  # some bytes changed
        at = draw(st.integers(0, 9999)) * len(data) // 10000
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at + 1 :]
    return data


def _legal(value: str) -> str:
    """What openpyxl can write (XML has no other control character than tab, line feed and carriage return)."""
    return "".join(c for c in value if c in "\t\n\r" or c >= " ")


@st.composite
def xlsx_files(draw: st.DrawFn, kind: str) -> bytes:
    table = draw(tables(kind))
    wb = Workbook()
    for row in table:
        wb.active.append([_legal(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    # Where to damage the file is drawn as a fraction of its length: openpyxl writes the time of the save, so the
    # same workbook is not always the same number of bytes.
    damage = draw(st.integers(0, 3))
    if damage == 1:  # some bytes changed
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, 9999)) * len(data) // 10000
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    elif damage == 2:  # cut short
        data = data[: draw(st.integers(0, 9999)) * len(data) // 10000]
    elif damage == 3:  # a ZIP's first bytes and anything after
        data = b"PK\x03\x04" + draw(st.binary(max_size=300))
    return data


@st.composite
def fec_files(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=600))
    sep = draw(st.sampled_from(["\t", "|"]))
    account = st.sampled_from(["411000", "411CLI", "512000", "706000", "445710", ""])
    amount = st.sampled_from(
        ["120,00", "0,00", "", "0000000074,70", "-12,50", "abc", "9999999999999,99", "123456789012345678,00", "1" * 30]
    )
    day = st.sampled_from(["20250115", "20250230", "15/01/2025", ""])
    line = st.fixed_dictionaries(
        {
            "JournalCode": st.sampled_from(["VE", "BQ", "AN", ""]),
            "EcritureNum": st.sampled_from(["1", "2", ""]),
            "EcritureDate": day,
            "CompteNum": account,
            "CompAuxNum": st.one_of(st.sampled_from(["C001", "C002", ""]), st.text(max_size=6)),
            "PieceRef": st.one_of(st.sampled_from(["F1", "F2", ""]), st.text(max_size=6)),
            "PieceDate": day,
            "EcritureLib": st.text(max_size=10),
            "Debit": amount,
            "Credit": amount,
            "EcritureLet": st.sampled_from(["", "A", "B"]),
            "DateLet": day,
            "Idevise": st.sampled_from(["", "EUR", "USD", "??"]),
        }
    )
    rows = draw(st.lists(line, max_size=8))
    text = "\n".join([sep.join(FEC_COLUMNS), *(sep.join(r.get(c, "") for c in FEC_COLUMNS) for r in rows)]) + draw(
        st.sampled_from(["", "\n", "\r\n"])
    )
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return text.encode(encoding, errors="replace")


def ledger() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Customer, Invoice, Payment, CreditNote, Allocation, Event))


def check_import(org, tmp_path: Path, kind: str, data: bytes, suffix: str, dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"fuzz-{next(_names)}{suffix}"
    path.write_bytes(data)
    before = ledger()
    try:
        run_import(org, kind, path, actor=CLI, create_customers=kind != "customers", dry_run=dry_run)
    except ImportRefused as exc:
        event("refused")
        assert exc.errors and all(isinstance(e, RowError) and e.message for e in exc.errors)
        assert exc.total >= len(exc.errors)
        assert ledger() == before
    else:
        event("imported")
        if dry_run:
            assert ledger() == before
    finally:
        path.unlink()


@pytest.mark.parametrize("kind", ["customers", "invoices", "payments"])
@FUZZ
@given(data=st.data(), dry_run=st.booleans())
def test_csv_imports_refuse_cleanly_or_import(org, tmp_path, kind: str, data: st.DataObject, dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    check_import(org, tmp_path, kind, data.draw(csv_files(kind)), ".csv", dry_run)


@pytest.mark.parametrize("kind", ["customers", "invoices", "payments"])
@FUZZ
@given(data=st.data(), dry_run=st.booleans())
def test_xlsx_imports_refuse_cleanly_or_import(org, tmp_path, kind: str, data: st.DataObject, dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    check_import(org, tmp_path, kind, data.draw(xlsx_files(kind)), ".xlsx", dry_run)


@FUZZ
@given(data=fec_files(), dry_run=st.booleans())
def test_the_fec_import_refuses_cleanly_or_imports(org, tmp_path, data: bytes, dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    check_import(org, tmp_path, "fec", data, ".txt", dry_run)
