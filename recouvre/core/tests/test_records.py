"""Validation of rows into customer, invoice and payment records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from recouvre.core.dates import PaymentTerms
from recouvre.core.mappings import MappingOptions, resolve_columns
from recouvre.core.records import (
    CustomerRecord,
    InvoiceRecord,
    PaymentRecord,
    Validated,
    parse_payment_terms,
    payment_id_key,
    payment_key,
    validate_rows,
)


def validate(kind: str, header: Sequence[str], *rows: Sequence[str], **options: bool) -> Validated:
    columns, errors = resolve_columns(kind, header)
    assert errors == [] and columns is not None
    numbered = [(line, tuple(cells)) for line, cells in enumerate(rows, start=2)]
    return validate_rows(kind, numbered, columns, header_width=len(header), options=MappingOptions(**options))


def errors_of(result: Validated) -> list[tuple[int, str, str]]:
    return [(e.line, e.field, e.message) for e in result.errors]


# ------------------------------------------------------------------------------------------- payment terms


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("30", PaymentTerms(30)),
        ("30 jours", PaymentTerms(30)),
        ("60 days", PaymentTerms(60)),
        ("net 30", PaymentTerms(30)),
        ("45 FM", PaymentTerms(45, end_of_month=True)),
        ("45 j FDM", PaymentTerms(45, end_of_month=True)),
        ("45 jours fin de mois", PaymentTerms(45, end_of_month=True)),
        ("45 days end of month", PaymentTerms(45, end_of_month=True)),
        ("30 days EOM", PaymentTerms(30, end_of_month=True)),
        ("Comptant", PaymentTerms(0)),
        ("à réception", PaymentTerms(0)),
    ],
)
def test_payment_terms(text: str, terms: PaymentTerms) -> None:
    assert parse_payment_terms(text) == terms


@pytest.mark.parametrize(("text", "message"), [("30 jours le 10", "cannot read"), ("400", "more than a year")])
def test_payment_terms_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_payment_terms(text)


# ------------------------------------------------------------------------------------------- customers

CUSTOMER_HEADER = [
    "Code client",
    "Raison sociale",
    "Type",
    "Segment",
    "SIREN",
    "SIRET",
    "N° TVA",
    "Pays",
    "Langue",
    "Conditions de paiement",
    "Encours autorisé",
    "Contact",
    "Courriel",
    "Téléphone",
]


def test_customer_row_in_french() -> None:
    result = validate(
        "customers",
        CUSTOMER_HEADER,
        [
            " 411DUPONT ",
            "Dupont Frères SAS",
            "Entreprise",
            "Stratégique",
            "",
            "732 829 320 00074",
            "fr44 732829320",
            "France",
            "Français",
            "45 jours fin de mois",
            "12 500,00",
            "Jeanne Dupont",
            "compta@dupont.example",
            "04 78 00 00 00",
        ],
    )
    assert result.errors == []
    assert result.records == [
        CustomerRecord(
            2,
            "411DUPONT",
            "Dupont Frères SAS",
            kind="business",
            segment="strategic",
            siren="732829320",  # from the SIRET
            siret="73282932000074",
            vat_number="FR44732829320",
            country="FR",
            language="fr",
            payment_terms=PaymentTerms(45, end_of_month=True),
            credit_limit=Decimal("12500.00"),
            contact_name="Jeanne Dupont",
            email="compta@dupont.example",
            phone="04 78 00 00 00",
        )
    ]


def test_customer_kinds_and_segments_in_both_languages() -> None:
    result = validate(
        "customers",
        ["customer_id", "name", "kind", "segment", "language"],
        ["A", "a", "particulier", "petit", "en-GB"],
        ["B", "b", "collectivité", "standard", "EN"],
        ["C", "c", "public body", "key account", "de"],
        ["D", "d", "consumer", "small", ""],
    )
    assert result.errors == []
    assert [(r.kind, r.segment, r.language) for r in result.records] == [  # type: ignore[union-attr]
        ("consumer", "small", "en"),
        ("public", "standard", "en"),
        ("public", "strategic", "de"),
        ("consumer", "small", None),
    ]


def test_customer_refusals_name_every_field() -> None:
    result = validate(
        "customers",
        CUSTOMER_HEADER,
        [
            "411A",
            "",
            "robot",
            "huge",
            "123456789",
            "73282932000075",
            "FR00123",
            "Atlantis",
            "?",
            "3 mois",
            "-5",
            "",
            "x@",
            "abc",
        ],
        ["411A", "Again", "", "", "", "", "", "", "", "", "", "", "", ""],
        ["411B", "Siren mismatch", "", "", "552100554", "73282932000074", "", "", "", "", "", "", "", ""],
    )
    assert result.records == []
    assert [(line, field) for line, field, _ in errors_of(result)] == [
        (2, "Raison sociale"),
        (2, "Type"),
        (2, "Segment"),
        (2, "Langue"),
        (2, "Pays"),
        (2, "SIRET"),
        (2, "SIREN"),
        (2, "N° TVA"),
        (2, "Conditions de paiement"),
        (2, "Encours autorisé"),
        (2, "Courriel"),
        (2, "Téléphone"),
        (3, "Code client"),
        (4, "SIRET"),
    ]
    messages = {(line, field): message for line, field, message in errors_of(result)}
    assert messages[(2, "Raison sociale")] == "the name is missing"
    assert (
        messages[(2, "Type")]
        == "'robot' is not understood (accepted: business/entreprise, consumer/particulier, public)"
    )
    assert messages[(2, "Encours autorisé")] == "'-5' is negative"
    assert messages[(3, "Code client")] == "the customer account 411A is also on line 2 of this file"
    assert messages[(4, "SIRET")] == "the SIRET 73282932000074 is not an establishment of the SIREN 552100554"


# ------------------------------------------------------------------------------------------- invoices

INVOICE_HEADER = ["N° facture", "Code client", "Date facture", "Échéance", "Montant HT", "TVA", "Montant TTC", "Devise"]


def test_invoice_rows_french_formats() -> None:
    result = validate(
        "invoices",
        INVOICE_HEADER,
        ["FA-1", "411A", "12/03/2025", "30/04/2025", "1 028,80", "205,76", "1 234,56", "€"],
        ["FA-2", "411A", "15/03/2025", "", "500", "", "600,00", ""],
        ["FA-3", "411B", "2025-04-01", "", "", "20", "120", "usd"],
        ["FA-4", "411B", "01.04.25", "", "100", "20", "", "EUR"],
    )
    assert result.errors == []
    assert result.records == [
        InvoiceRecord(
            2,
            "FA-1",
            "411A",
            date(2025, 3, 12),
            Decimal("1234.56"),
            date(2025, 4, 30),
            Decimal("1028.80"),
            Decimal("205.76"),
            "EUR",
        ),
        InvoiceRecord(
            3, "FA-2", "411A", date(2025, 3, 15), Decimal("600.00"), None, Decimal("500.00"), Decimal("100.00")
        ),
        InvoiceRecord(
            4, "FA-3", "411B", date(2025, 4, 1), Decimal("120.00"), None, Decimal("100.00"), Decimal("20.00"), "USD"
        ),
        InvoiceRecord(
            5, "FA-4", "411B", date(2025, 4, 1), Decimal("120.00"), None, Decimal("100.00"), Decimal("20.00"), "EUR"
        ),
    ]


def test_month_first_dates_when_the_mapping_says_so() -> None:
    result = validate(
        "invoices", ["invoice", "customer_id", "date", "total"], ["F1", "A", "03/12/2025", "10"], dayfirst=False
    )
    assert result.records[0].issued_on == date(2025, 3, 12)  # type: ignore[union-attr]


def test_invoice_refusals() -> None:
    result = validate(
        "invoices",
        INVOICE_HEADER,
        ["FA-1", "411A", "31/02/2025", "", "", "", "100", ""],
        ["", "", "", "", "", "", "", ""],  # a line of empty cells between separators is not blank: all missing
        ["FA-3", "411A", "01/03/2025", "01/02/2025", "100", "20", "130", "EURO"],
        ["FA-4", "411A", "01/03/2025", "", "1,234", "", "-10", "X1"],
        ["FA-1", "411A", "01/03/2025", "", "", "", "0", ""],
        ["FA-6", "411A", "01/03/2025", "", "150", "", "100", ""],
        ["FA-7", "411A", "01/03/2025", "", "", "", "12345678901234,00", ""],
    )
    assert result.records == []
    assert errors_of(result) == [
        (2, "Date facture", "not a valid date: '31/02/2025'"),
        (3, "N° facture", "the invoice number is missing"),
        (3, "Code client", "the customer account is missing"),
        (3, "Date facture", "the issue date is missing"),
        (3, "Montant TTC", "the amount incl. tax is missing"),
        (4, "Échéance", "the due date 2025-02-01 is before the issue date 2025-03-01"),
        (4, "Montant TTC", "130.00 is not the amount excl. tax 100.00 plus the tax 20.00 (120.00)"),
        (5, "Montant HT", "ambiguous amount '1,234': is ',' a decimal or a thousands separator?"),
        (5, "Devise", "'X1' is not a currency code (write EUR, USD...)"),
        (6, "N° facture", "the invoice FA-1 is also on line 2 of this file"),
        (6, "Montant TTC", "0.00 is not a positive amount (credit notes are not imported as invoices)"),
        (7, "Montant HT", "150.00 is more than the total 100.00"),
        (8, "Montant TTC", "'12345678901234,00' is too large an amount"),
    ]


def test_values_longer_than_the_ledger_keeps_are_refused() -> None:
    result = validate("invoices", ["invoice", "customer_id", "date", "total"], ["F" * 61, "A", "2025-01-01", "1"])
    assert errors_of(result) == [(2, "invoice", "'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF'... is longer than 60 characters")]


def test_a_line_with_more_values_than_the_header_is_refused() -> None:
    result = validate(
        "invoices",
        ["invoice", "customer_id", "date", "total"],
        ["F1", "A", "2025-01-01", "1", ""],  # a trailing empty value is fine
        ["F2", "A", "2025-01-01", "1", "234,56"],
    )
    assert [r.number for r in result.records] == ["F1"]  # type: ignore[union-attr]
    assert errors_of(result) == [
        (3, "columns", "this line has 5 values but the header has 4 columns (an unquoted separator inside a value?)")
    ]


# ------------------------------------------------------------------------------------------- payments

PAYMENT_HEADER = ["customer_id", "payment_date", "amount", "reference", "invoice_number", "method", "iban"]


def test_payment_rows_and_their_keys() -> None:
    row = ["411A", "30/04/2025", "1 200,00", "VIR 001", "F1", "Virement", "FR76 3000 6000 0112 3456 7890 189"]
    result = validate("payments", PAYMENT_HEADER, row, row, ["411A", "2025-05-01", "10", "", "", "chq", ""])
    assert result.errors == []
    first, second, third = result.records
    assert isinstance(first, PaymentRecord) and isinstance(second, PaymentRecord)
    assert (first.amount, first.received_on, first.method, first.payer_iban) == (
        Decimal("1200.00"),
        date(2025, 4, 30),
        "transfer",
        "FR7630006000011234567890189",
    )
    # two identical lines are two payments, with keys that do not depend on the line numbers
    assert first.key == payment_key("411A", date(2025, 4, 30), Decimal("1200.00"), "VIR 001", "F1", 0)
    assert second.key == payment_key("411A", date(2025, 4, 30), Decimal("1200.00"), "VIR 001", "F1", 1)
    assert first.key != second.key
    assert third.method == "cheque"  # type: ignore[union-attr]


def test_payment_id_is_the_key_and_must_be_unique() -> None:
    result = validate(
        "payments",
        ["payment_id", "customer_id", "date", "amount"],
        ["TX-1", "A", "2025-01-01", "10"],
        ["TX-1", "A", "2025-01-02", "20"],
        ["", "A", "2025-01-02", "20"],
    )
    assert [r.key for r in result.records] == [payment_id_key("TX-1")]  # type: ignore[union-attr]
    assert errors_of(result) == [
        (3, "payment_id", "the payment id TX-1 is also on line 2 of this file"),
        (4, "payment_id", "the payment id is missing"),
    ]


def test_unique_references_identify_payments_when_the_mapping_says_so() -> None:
    result = validate(
        "payments",
        ["customer_id", "date", "amount", "reference"],
        ["A", "2025-01-01", "10", "BANK-1"],
        ["A", "2025-01-01", "10", ""],
        reference_is_unique=True,
    )
    assert [r.key for r in result.records] == ["file-id:BANK-1"]  # type: ignore[union-attr]
    assert errors_of(result) == [
        (3, "reference", "the reference is missing (the mapping says it identifies the payment)")
    ]


def test_payment_refusals() -> None:
    result = validate(
        "payments",
        PAYMENT_HEADER,
        ["411A", "2025-13-01", "-5", "", "", "bitcoin", "FR00"],
    )
    assert [(line, field) for line, field, _ in errors_of(result)] == [
        (2, "payment_date"),
        (2, "amount"),
        (2, "method"),
        (2, "iban"),
    ]
    assert errors_of(result)[1][2] == "-5.00 is not a positive amount (refunds are not payments)"


@pytest.mark.parametrize(
    "row",
    [
        ["411A", "12/03/2025", "30/04/2025", "1028,80", "205,76", "1234,56", "EUR"],
        ["411A", "12/03/2025", "", "100", "", "120.5", "eur"],
        ["411A", "12/03/2025", "", "", "20", "120", ""],
        ["411A", "12/03/2025", "12/03/2025", "", "", "0,01", "€"],
        ["411A", "12/03/2025", "11/03/2025", "", "", "10", ""],
        ["411A", "12/03/2025", "", "100", "30", "120", ""],
        ["411A", "12/03/2025", "", "130", "", "120", ""],
        ["411A", "12/03/2025", "", "", "", "-120", ""],
        ["411A", "12/03/2025", "", "", "", "0", ""],
        ["411A", "12/03/2025", "", "", "", "1 234,56", "XXX1"],
        ["", "12/03/2025", "", "", "", "1", ""],
        ["R" * 41, "12/03/2025", "", "", "", "1", ""],
        ["411A", "12/03/2025", "", "", "", "1", "", "Dupont SA"],
        ["411A", "12/03/2025", "", "", "", "1", "", "N" * 201],
    ],
)
def test_the_quick_reading_of_common_lines_agrees_with_the_full_rules(row: list[str]) -> None:
    # The first line meets its dates and currency for the first time and is read by the full rules; the second,
    # identical but for its number, is read by the quick path when it can be.
    result = validate("invoices", [*INVOICE_HEADER, "Nom client"], ["N1", *row], ["N2", *row])
    by_line: dict[int, list[tuple[str, str]]] = {2: [], 3: []}
    for line, field, message in errors_of(result):
        by_line[line].append((field, message))
    assert by_line[2] == by_line[3]
    first = [r for r in result.records if isinstance(r, InvoiceRecord) and r.line == 2]
    second = [r for r in result.records if isinstance(r, InvoiceRecord) and r.line == 3]
    assert [replace(r, line=0, number="") for r in first] == [replace(r, line=0, number="") for r in second]


def test_a_month_first_date_read_day_first_gets_a_hint() -> None:
    result = validate("invoices", ["invoice", "customer_id", "date", "total"], ["F1", "A", "1/26/2013", "10"])
    assert errors_of(result) == [
        (
            2,
            "date",
            "not a valid date: '1/26/2013'; dates are read day first (DD/MM/YYYY): if the file writes them the "
            "other way, use a mapping saying so",
        )
    ]
