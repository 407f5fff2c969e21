"""Reading FEC files and planning what they bring: the variants real exports come in, every bad value named, and
the plan (customers, invoices, payments, credit notes, allocations) a person would draw from the books."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from recouvre.core.fec import (
    FEC_COLUMNS,
    DocumentKind,
    FecLine,
    FecPlan,
    PlannedAllocation,
    UnbalancedLettering,
    customer_balances,
    detect_encoding,
    plan_fec,
    read_fec,
)
from recouvre.core.importing import RowError

FIXTURES = Path(__file__).resolve().parents[2] / "imports" / "tests" / "fixtures" / "fec"


def fec(*rows: list[str], header: tuple[str, ...] = FEC_COLUMNS, sep: str = "\t", end: str = "\n") -> bytes:
    """A FEC in memory: ``rows`` are lists of field values in ``header`` order."""
    return (end.join(sep.join(r) for r in [list(header), *rows]) + end).encode("utf-8")


def row(
    journal: str,
    num: str,
    day: str,
    account: str,
    aux: str,
    debit: str,
    credit: str,
    *,
    piece: str = "",
    letter: str = "",
    letter_date: str = "",
    label: str = "",
    journal_label: str = "",
    aux_label: str = "",
) -> list[str]:
    return [
        journal,
        journal_label or journal,
        num,
        day,
        account,
        "Clients" if account.startswith("411") else "Compte " + account,
        aux,
        aux_label or (f"Client {aux}" if aux else ""),
        piece,
        day,
        label,
        debit,
        credit,
        letter,
        letter_date,
        "",
        "",
        "",
    ]


def plan_of(data: bytes) -> FecPlan:
    book = read_fec(data)
    assert book.errors == ()
    return plan_fec(book)


# --------------------------------------------------------------------------------------------- reading


def test_tab_separated_with_bom() -> None:
    book = read_fec(FIXTURES / "book_tab_bom.txt")

    assert book.errors == ()
    assert book.format is not None
    assert (book.format.encoding, book.format.separator, book.format.line_ending) == ("utf-8-sig", "\t", "LF")
    assert book.format.columns == FEC_COLUMNS
    assert book.format.trailing_separator is False
    assert book.line_count == 33
    assert len(book.customer_lines) == 14
    assert book.customer_lines[0] == FecLine(
        line=2,
        journal_code="ANO",
        journal_label="A nouveaux",
        entry_num="1",
        entry_date=date(2025, 1, 1),
        account="411000",
        account_label="Clients",
        aux_account="CDUPONT",
        aux_label="DUPONT SARL",
        piece_ref="AN",
        piece_date=date(2025, 1, 1),
        label="A nouveau",
        debit=Decimal("500.00"),
        credit=Decimal("0.00"),
        letter="",
        letter_date=None,
        valid_date=date(2025, 4, 1),
        currency_amount=None,
        currency="",
    )
    # the entries with a bank line (class 5) are known, for telling payments from credit notes
    assert book.cash_entries == {
        ("BQ", "1", date(2025, 2, 15)),
        ("BQ", "2", date(2025, 3, 1)),
        ("BQ", "3", date(2025, 3, 10)),
    }


def test_pipe_with_trailing_pipe_padded_zero_padded_latin1() -> None:
    book = read_fec(FIXTURES / "pipe_padded_latin1.txt")

    assert book.errors == ()
    assert book.format is not None
    assert (book.format.encoding, book.format.separator, book.format.line_ending) == ("cp1252", "|", "CRLF")
    assert book.format.trailing_separator is True
    assert len(book.format.columns) == 18  # "MontantDevise" is "Montantdevise" whatever its case
    first, payment = book.customer_lines
    assert (first.line, first.journal_code, first.entry_num, first.account) == (2, "VE", "00000001", "41100000")
    assert (first.aux_account, first.aux_label, first.account_label) == ("41101590", "CAFÉ DES ÉCOLES", "CLIENTS")
    assert first.piece_ref == "VE  0123"  # padding is stripped, inner spaces are kept
    assert (first.debit, first.credit) == (Decimal("74.70"), Decimal("0.00"))
    assert (first.letter, first.letter_date) == ("AA", date(2023, 2, 9))
    assert (payment.line, payment.credit, payment.label) == (6, Decimal("74.70"), "VIR CAFÉ DES ÉCOLES")


def test_cr_cr_lf_line_ends_make_no_phantom_lines() -> None:
    book = read_fec(FIXTURES / "crcrlf.txt")

    assert book.errors == ()
    assert book.format is not None and book.format.line_ending == "CRCRLF"
    assert book.line_count == 4
    assert [line.line for line in book.customer_lines] == [2, 4]
    opening, inventory = book.customer_lines
    assert (opening.customer_ref, opening.debit, opening.currency) == ("411100000", Decimal("2153.38"), "")
    assert (inventory.piece_ref, inventory.credit, inventory.letter) == ("EXT 5", Decimal("2153.38"), "AAAF")


def test_22_column_cash_basis_variant_with_lowercase_journals() -> None:
    book = read_fec(FIXTURES / "cash_basis_22.txt")

    assert book.errors == ()
    assert book.format is not None and book.format.cash_basis is True
    assert len(book.format.columns) == 22
    sale = book.customer_lines[0]
    assert (sale.journal_code, sale.payment_date, sale.payment_mode) == ("ve", date(2023, 1, 31), "CB")
    plan = plan_fec(book)
    assert [(d.kind, d.customer_ref, d.amount, d.method) for d in plan.documents] == [
        (DocumentKind.INVOICE, "CCB", Decimal("2608.35"), "other"),
        (DocumentKind.PAYMENT, "CCB", Decimal("630.47"), "card"),
        (DocumentKind.PAYMENT, "CCB", Decimal("963.98"), "card"),
        (DocumentKind.PAYMENT, "CESP", Decimal("120.00"), "cash"),
    ]
    # every entry number is 0: the keys still differ, by date and rank
    assert [d.key for d in plan.documents] == [
        "ve|0|20230131|1",
        "bq|0|20230104|1",
        "bq|0|20230106|1",
        "ca|0|20230107|1",
    ]


def test_montant_and_sens_instead_of_debit_and_credit() -> None:
    book = read_fec(FIXTURES / "montant_sens.txt")

    assert book.errors == ()
    assert book.format is not None and book.format.signed_amounts is True
    (line,) = book.customer_lines
    assert (line.customer_ref, line.debit, line.credit) == ("CLEROY", Decimal("1440.00"), Decimal("0.00"))


def test_every_bad_value_is_named_with_its_line_and_column() -> None:
    book = read_fec(FIXTURES / "bad_lines.txt")

    assert list(book.errors) == [
        RowError(3, "EcritureDate", "not a valid date: '20251332' (expected YYYYMMDD)"),
        RowError(3, "PieceDate", "not a valid date: '20251332' (expected YYYYMMDD)"),
        RowError(4, "Debit", "not an amount: '12,3,4'"),
        RowError(4, "Credit", "not an amount: 'abc'"),
        RowError(5, "line", "5 fields separated by tab where the header has 18"),
        RowError(6, "CompteNum", "empty; this column is required"),
        RowError(7, "DateLet", "not a valid date: '20250230' (expected YYYYMMDD)"),
    ]
    assert [line.line for line in book.customer_lines] == [2]


def test_a_file_without_a_fec_header_is_refused_on_line_1() -> None:
    data = b"VE\tVentes\t1\t20250110\t411000\tClients\n"
    book = read_fec(data)

    assert book.format is None
    assert len(book.errors) == 1
    assert (book.errors[0].line, book.errors[0].field) == (1, "header")
    assert book.errors[0].message.startswith("missing columns: JournalCode, EcritureNum, EcritureDate, CompteNum,")


def test_semicolons_are_not_a_fec_separator() -> None:
    book = read_fec(";".join(FEC_COLUMNS).encode() + b"\n")

    assert book.errors == (
        RowError(1, "header", "no tab or pipe separator in the first line: a FEC starts with its column names"),
    )


def test_header_names_in_any_case_and_order_and_unknown_columns_ignored() -> None:
    header = ("debit", "CREDIT", "Extra", *[c.lower() for c in FEC_COLUMNS if c not in ("Debit", "Credit")])
    values = dict(
        zip([c.lower() for c in FEC_COLUMNS], row("VE", "1", "20250110", "411000", "C1", "10,00", "0,00"), strict=True)
    )
    data = fec([values["debit"], values["credit"], "anything", *[values[h] for h in header[3:]]], header=header)
    book = read_fec(data)

    assert book.errors == ()
    (line,) = book.customer_lines
    assert (line.customer_ref, line.debit, line.entry_date) == ("C1", Decimal("10.00"), date(2025, 1, 10))


def test_encoding_detection() -> None:
    assert detect_encoding("Société".encode()) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbfSoci\xc3\xa9t\xc3\xa9") == "utf-8-sig"
    assert detect_encoding("Société €".encode("cp1252")) == "cp1252"
    assert detect_encoding(b"Soci\xe9t\xe9 \x81") == "latin-1"  # 0x81 is not a Windows-1252 character


def test_utf16_with_bom() -> None:
    data = fec(row("VE", "1", "20250110", "411000", "C1", "10,00", "0,00", aux_label="Société Générale"), end="\r\n")
    book = read_fec(data.decode("utf-8").encode("utf-16"))

    assert book.errors == ()
    assert book.format is not None and book.format.encoding == "utf-16"
    (line,) = book.customer_lines
    assert (line.line, line.aux_label, line.debit) == (2, "Société Générale", Decimal("10.00"))


def test_old_mac_line_ends_and_blank_lines() -> None:
    data = fec(row("VE", "1", "20250110", "411000", "C1", "10,00", "0,00"), [], end="\r")
    book = read_fec(data)

    assert book.errors == ()
    assert book.format is not None and book.format.line_ending == "CR"
    assert [line.line for line in book.customer_lines] == [2]


def test_other_date_and_amount_forms_are_read_carefully() -> None:
    data = fec(row("VE", "1", "10/01/2025", "411000", "C1", "1 234,5", "-0,00"))
    (line,) = read_fec(data).customer_lines

    assert (line.entry_date, line.debit, line.credit) == (date(2025, 1, 10), Decimal("1234.50"), Decimal("0.00"))


# --------------------------------------------------------------------------------------------- plan


def test_plan_of_the_book() -> None:
    plan = plan_of((FIXTURES / "book_tab_bom.txt").read_bytes())

    assert [(c.ref, c.name, c.account, c.balance) for c in plan.customers] == [
        ("CDUPONT", "DUPONT SARL", "411000", Decimal("750.00")),
        ("CMARTIN", "MARTIN & FILS", "411000", Decimal("100.00")),
        ("41100010", "BERNARD SAS", "41100010", Decimal("1700.00")),  # one 411 account per customer
    ]
    assert [(d.kind.value, d.customer_ref, d.amount, d.dated_on, d.number, d.opening) for d in plan.documents] == [
        ("invoice", "CDUPONT", Decimal("500.00"), date(2025, 1, 1), "", True),
        ("payment", "CMARTIN", Decimal("80.00"), date(2025, 1, 1), "", True),
        ("invoice", "41100010", Decimal("300.00"), date(2025, 1, 1), "", True),
        ("invoice", "CDUPONT", Decimal("1200.00"), date(2025, 1, 10), "F2025-001", False),
        ("invoice", "CDUPONT", Decimal("600.00"), date(2025, 1, 15), "F2025-002", False),
        ("invoice", "CMARTIN", Decimal("960.00"), date(2025, 1, 20), "F2025-003", False),
        ("credit_note", "CMARTIN", Decimal("160.00"), date(2025, 1, 25), "AV2025-001", False),
        ("invoice", "41100010", Decimal("2400.00"), date(2025, 2, 1), "F2025-004", False),
        ("payment", "CDUPONT", Decimal("1800.00"), date(2025, 2, 15), "", False),
        ("payment", "CMARTIN", Decimal("500.00"), date(2025, 3, 1), "", False),
        ("payment", "41100010", Decimal("1000.00"), date(2025, 3, 10), "", False),
        ("invoice", "CDUPONT", Decimal("250.00"), date(2025, 3, 20), "F2025-005", False),  # 300 debit - 50 credit
        ("credit_note", "CMARTIN", Decimal("120.00"), date(2025, 3, 25), "AV2025-002", False),  # debit of -120
    ]
    # the two opening debits share the piece reference "AN": they are numbered from the journal and the entry
    assert [d.synthetic_number for d in plan.documents[:3]] == [
        "ANO-1-20250101-1",
        "ANO-1-20250101-2",
        "ANO-1-20250101-3",
    ]
    assert [d.method for d in plan.documents if d.kind == DocumentKind.PAYMENT] == [
        "other",
        "transfer",
        "transfer",
        "cheque",
    ]
    assert plan.allocations == (
        PlannedAllocation("VE|1|20250110|1", "BQ|1|20250215|1", Decimal("1200.00"), date(2025, 2, 15), "CDUPONT", "AA"),
        PlannedAllocation("VE|2|20250115|1", "BQ|1|20250215|1", Decimal("600.00"), date(2025, 2, 15), "CDUPONT", "AA"),
    )
    assert plan.unbalanced == (
        UnbalancedLettering("CMARTIN", "AB", Decimal("960.00"), Decimal("660.00"), (12, 15, 24)),
    )
    assert plan.unbalanced[0].difference == Decimal("300.00")
    assert (plan.zero_lines, plan.opening_lines, plan.foreign_currency_lines) == (1, 3, 0)


def test_balances_of_the_plan_are_the_books() -> None:
    book = read_fec(FIXTURES / "book_tab_bom.txt")
    plan = plan_fec(book)
    signed = {DocumentKind.INVOICE: 1, DocumentKind.PAYMENT: -1, DocumentKind.CREDIT_NOTE: -1}
    from_documents: dict[str, Decimal] = {}
    for doc in plan.documents:
        from_documents[doc.customer_ref] = (
            from_documents.get(doc.customer_ref, Decimal(0)) + signed[doc.kind] * doc.amount
        )

    assert customer_balances(book.customer_lines) == {
        "CDUPONT": Decimal("750.00"),
        "CMARTIN": Decimal("100.00"),
        "41100010": Decimal("1700.00"),
    }
    assert from_documents == customer_balances(book.customer_lines)


def test_balanced_lettering_is_allocated_oldest_first() -> None:
    plan = plan_of(
        fec(
            row("VE", "1", "20250101", "411000", "C1", "100,00", "0,00", piece="F1", letter="XY"),
            row("VE", "2", "20250105", "411000", "C1", "200,00", "0,00", piece="F2", letter="XY"),
            row("BQ", "2", "20250203", "411000", "C1", "0,00", "150,00", letter="XY"),
            row("BQ", "1", "20250201", "411000", "C1", "0,00", "150,00", letter="XY"),
            row("BQ", "1", "20250201", "512000", "", "150,00", "0,00"),
            row("BQ", "2", "20250203", "512000", "", "150,00", "0,00"),
        )
    )

    assert [(a.invoice_key, a.credit_key, a.amount, a.allocated_on) for a in plan.allocations] == [
        ("VE|1|20250101|1", "BQ|1|20250201|1", Decimal("100.00"), date(2025, 2, 1)),
        ("VE|2|20250105|1", "BQ|1|20250201|1", Decimal("50.00"), date(2025, 2, 1)),
        ("VE|2|20250105|1", "BQ|2|20250203|1", Decimal("150.00"), date(2025, 2, 3)),
    ]
    assert plan.unbalanced == ()


def test_unbalanced_lettering_is_left_open_and_reported() -> None:
    plan = plan_of(
        fec(
            row("VE", "1", "20250101", "411000", "C1", "100,00", "0,00", letter="AB"),
            row("BQ", "1", "20250201", "411000", "C1", "0,00", "90,00", letter="AB"),
            row("BQ", "1", "20250201", "512000", "", "90,00", "0,00"),
            row("BQ", "2", "20250202", "411000", "C2", "0,00", "40,00", letter="AB"),  # another customer's AB
            row("BQ", "2", "20250202", "512000", "", "40,00", "0,00"),
        )
    )

    assert plan.allocations == ()
    assert plan.unbalanced == (
        UnbalancedLettering("C1", "AB", Decimal("100.00"), Decimal("90.00"), (2, 3)),
        UnbalancedLettering("C2", "AB", Decimal("0.00"), Decimal("40.00"), (5,)),
    )


def test_credit_is_a_payment_in_a_bank_journal_or_with_a_bank_line_else_a_credit_note() -> None:
    plan = plan_of(
        fec(
            row("BQ1", "1", "20250110", "411000", "C1", "0,00", "10,00"),  # bank journal by code
            row("TR", "2", "20250110", "411000", "C1", "0,00", "20,00", journal_label="Caisse magasin"),  # by label
            row("OD", "3", "20250110", "411000", "C1", "0,00", "30,00"),  # the entry has a bank line
            row("OD", "3", "20250110", "512000", "", "30,00", "0,00"),
            row("VE", "4", "20250110", "411000", "C1", "0,00", "40,00"),  # a sales credit: a credit note
            row("VE", "4", "20250110", "706000", "", "40,00", "0,00"),
            row("ANO", "5", "20250101", "411000", "C1", "0,00", "50,00"),  # an opening credit: money on account
        )
    )

    assert [(d.kind, d.amount, d.opening) for d in plan.documents] == [
        (DocumentKind.PAYMENT, Decimal("10.00"), False),
        (DocumentKind.PAYMENT, Decimal("20.00"), False),
        (DocumentKind.PAYMENT, Decimal("30.00"), False),
        (DocumentKind.CREDIT_NOTE, Decimal("40.00"), False),
        (DocumentKind.PAYMENT, Decimal("50.00"), True),
    ]


def test_opening_entries_by_journal_code_or_label() -> None:
    plan = plan_of(
        fec(
            row("RAN", "1", "20250101", "411000", "C1", "10,00", "0,00", piece="P1"),
            row(
                "AD", "1", "20250101", "411000", "C2", "20,00", "0,00", piece="P2", journal_label="A Nouveaux Détaillés"
            ),
            row("OD", "1", "20250101", "411000", "C3", "30,00", "0,00", piece="P3", label="Report à nouveau"),
            row("VE", "1", "20250101", "411000", "C4", "40,00", "0,00", piece="P4", label="Nouvelle commande"),
        )
    )

    assert [(d.customer_ref, d.opening) for d in plan.documents] == [
        ("C1", True),
        ("C2", True),
        ("C3", True),
        ("C4", False),
    ]


def test_piece_reference_numbers_only_a_single_document_of_its_kind() -> None:
    plan = plan_of(
        fec(
            row("VE", "1", "20250110", "411000", "C1", "10,00", "0,00", piece="F1"),
            row("VE", "2", "20250111", "411000", "C1", "20,00", "0,00", piece="F2"),
            row("VE", "3", "20250112", "411000", "C2", "30,00", "0,00", piece="F2"),
            row("VE", "4", "20250113", "411000", "C2", "0,00", "5,00", piece="F1"),  # a credit note, not an invoice
            row("VE", "5", "20250114", "411000", "C2", "7,00", "0,00", piece="X" * 61),
        )
    )

    assert [(d.number, d.synthetic_number) for d in plan.documents] == [
        ("F1", "VE-1-20250110-1"),
        ("", "VE-2-20250111-1"),
        ("", "VE-3-20250112-1"),
        ("F1", "VE-4-20250113-1"),
        ("", "VE-5-20250114-1"),
    ]


def test_zero_lines_are_skipped_but_keep_their_rank() -> None:
    plan = plan_of(
        fec(
            row("OD", "1", "20250110", "411000", "C1", "0,00", "0,00"),
            row("OD", "1", "20250110", "411000", "C1", "12,00", "12,00"),
            row("OD", "1", "20250110", "411000", "C1", "5,00", "0,00"),
        )
    )

    assert plan.zero_lines == 2
    assert [d.key for d in plan.documents] == ["OD|1|20250110|3"]
    assert [c.balance for c in plan.customers] == [Decimal("5.00")]


def test_reading_the_same_file_twice_gives_the_same_plan() -> None:
    data = (FIXTURES / "book_tab_bom.txt").read_bytes()

    assert plan_of(data) == plan_of(data)


def test_due_date_column_when_the_file_has_one() -> None:
    header = (*FEC_COLUMNS, "DateEcheance")
    plan = plan_of(
        fec(
            [*row("VE", "1", "20250110", "411000", "C1", "10,00", "0,00"), "20250310"],
            [*row("VE", "2", "20250110", "411000", "C1", "10,00", "0,00"), ""],
            header=header,
        )
    )
    assert [d.due_on for d in plan.documents] == [date(2025, 3, 10), None]

    book = read_fec(fec([*row("VE", "1", "20250110", "411000", "C1", "10,00", "0,00"), "20250101"], header=header))
    assert book.errors == (RowError(2, "DateEcheance", "due date 2025-01-01 is before the document date 2025-01-10"),)


@pytest.mark.samples
def test_sample_files_read_without_errors(samples_dir: Path) -> None:
    expected = {  # customer accounts each file has (see the samples' provenance notes)
        "0000000001FEC20220831.txt": 17,
        "000000000FEC20231231.txt": 4,
        "111111111FEC20221231.TXT": 34,
        "123456789FEC20500930.txt": 1,
    }
    for path in sorted((samples_dir / "fec").iterdir()):
        book = read_fec(path)
        assert book.errors == (), path.name
        plan = plan_fec(book)
        balances = customer_balances(book.customer_lines)
        assert {c.ref: c.balance for c in plan.customers} == balances, path.name
        if path.name in expected:
            assert len(plan.customers) == expected[path.name], path.name
