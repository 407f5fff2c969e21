"""Bank statements exported as CSV, read with a saved mapping: headers recognised or named, debit and credit
columns or a signed amount, date formats, decimal separators, lines before the header, and the refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvre.core.bank import BankFileError, CsvMapping, detect, parse

FRENCH = """Compte courant n° 01234567890
Période du 01/01/2024 au 31/01/2024

Date opération;Date valeur;Libellé;Débit;Crédit
05/01/2024;06/01/2024;VIR SEPA ACME DISTRIBUTION FACTURE F2024-001;;1 234,55
10/01/2024;10/01/2024;FRAIS TENUE DE COMPTE;15,00;
10/01/2024;10/01/2024;FRAIS TENUE DE COMPTE;15,00;

31/01/2024;31/01/2024;"PRLV SEPA EDF; ECHEANCE 01";-1.250,00;
"""


def test_french_headers_are_recognised_after_the_lines_before_them() -> None:
    parsed = parse(
        FRENCH.encode("cp1252"), csv_mapping={"account": "FR7630003012340123456789057"}, default_currency="EUR"
    )
    assert parsed.format == "csv"
    (statement,) = parsed.statements
    assert (statement.account_iban, statement.currency) == ("FR7630003012340123456789057", "EUR")
    assert [w.code for w in statement.warnings] == ["currency_assumed"]
    credit, fee, same_fee, debit = statement.entries
    assert (credit.booking_date, credit.value_date, credit.amount, credit.text, credit.line) == (
        date(2024, 1, 5),
        date(2024, 1, 6),
        Decimal("1234.55"),
        "VIR SEPA ACME DISTRIBUTION FACTURE F2024-001",
        5,
    )
    assert (fee.amount, same_fee.amount) == (Decimal("-15.00"), Decimal("-15.00"))
    assert (debit.amount, debit.text, debit.line) == (Decimal("-1250.00"), "PRLV SEPA EDF; ECHEANCE 01", 9)
    totals = parsed.totals()["EUR"]
    assert (totals.entries, totals.credits, totals.debits) == (4, Decimal("1234.55"), Decimal("1280.00"))


ENGLISH = (
    "sep=,\n"
    "Posted,Amount,Currency,Details,Transaction ID,Payer,Payer IBAN,Account\n"
    '"01/31/2024","1,234.56",EUR,Invoice 2024-001 RF18 5390 0754 7034,TX-1,ACME Ltd,'
    "GB29 NWBK 6016 1331 9268 19,FR7630003012340123456789057\n"
    '"02/01/2024",-20.00,EUR,Fees,TX-2,,,FR1420041010050500013M02606\n'
)


def test_named_columns_a_date_format_a_dot_for_decimals_and_unique_references() -> None:
    mapping = CsvMapping(
        columns={
            "booking_date": "Posted",
            "amount": "Amount",
            "currency": "Currency",
            "text": "Details",
            "reference": "Transaction ID",
            "counterparty_name": "Payer",
            "counterparty_iban": "Payer IBAN",
            "account": "Account",
        },
        date_format="%m/%d/%Y",
        decimal_separator=".",
        reference_is_unique=True,
    )
    parsed = parse(ENGLISH.encode(), csv_mapping=mapping)
    first, second = parsed.statements  # one statement per account
    assert (first.account_iban, second.account_iban) == ("FR7630003012340123456789057", "FR1420041010050500013M02606")
    (payment,) = first.entries
    assert (payment.booking_date, payment.amount, payment.currency) == (date(2024, 1, 31), Decimal("1234.56"), "EUR")
    assert (payment.bank_reference, payment.counterparty_name, payment.counterparty_iban) == (
        "TX-1",
        "ACME Ltd",
        "GB29NWBK60161331926819",
    )
    assert payment.creditor_reference == "RF18539007547034"
    assert payment.text == "Invoice 2024-001 RF18 5390 0754 7034"
    (fee,) = second.entries
    assert (fee.booking_date, fee.amount) == (date(2024, 2, 1), Decimal("-20.00"))


def test_a_reference_that_is_not_unique_is_part_of_the_text() -> None:
    mapping = CsvMapping.from_dict(
        {
            "columns": {"booking_date": "Posted", "text": "Details", "reference": "Transaction ID"},
            "date_format": "%m/%d/%Y",
            "decimal_separator": ".",
        }
    )
    payment = parse(ENGLISH.encode(), csv_mapping=mapping).statements[0].entries[0]
    assert payment.bank_reference == ""
    assert payment.text == "Invoice 2024-001 RF18 5390 0754 7034 / TX-1"


def test_a_mapping_round_trips_through_its_stored_form() -> None:
    mapping = CsvMapping(columns={"booking_date": "Date"}, date_format="%d.%m.%Y", account="X")
    assert CsvMapping.from_dict(mapping.as_dict()) == mapping


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ({"columns": {"date": "Date"}}, "'date' is not a field of a bank statement (fields: booking_date, value_date"),
        (
            {"columns": {"debit": "Montant", "credit": "montant"}},
            "the column 'montant' is given for both debit and credit",
        ),
        ({"decimal_separator": ";"}, "the decimal separator must be ',' or '.', not ';'"),
        ({"date_format": "DD/MM/YYYY"}, "'DD/MM/YYYY' is not a date format"),
        (
            {"dayfirst": True},
            "unknown mapping option: dayfirst (known: account, columns, date_format, decimal_separator",
        ),
    ],
)
def test_a_bad_mapping_is_refused(stored: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as refused:
        CsvMapping.from_dict(stored)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize(
    ("content", "mapping", "line", "message"),
    [
        (FRENCH.replace("05/01/2024;06", "32/01/2024;06"), {}, 5, "Date opération: not a valid date: '32/01/2024'"),
        (FRENCH.replace(";;1 234,55", ";;1 234,5,5"), {}, 5, "Crédit: '1 234,5,5' is not an amount"),
        (FRENCH.replace("15,00;\n10/01", "15,00;3,00\n10/01"), {}, 6, "the line has both a debit and a credit"),
        (FRENCH.replace(";15,00;\n10/01", ";;\n10/01"), {}, 6, "the line has no amount"),
        (
            FRENCH,
            {"columns": {"booking_date": "Jour"}},
            1,
            "no header line with a date column and an amount (or debit and credit) column in the first 30 lines: "
            "check the mapping",
        ),
        (
            FRENCH,
            {"columns": {"reference": "Référence"}},
            4,
            "the column 'Référence' (for reference) is not in the header",
        ),
        ("Date;Montant\n", {}, 1, "the file has a header but no entry"),
        (
            ENGLISH.replace("EUR,Invoice", "EURO,Invoice"),
            {"columns": {"booking_date": "Posted"}, "date_format": "%m/%d/%Y", "decimal_separator": "."},
            3,
            "'EURO' is not a currency code",
        ),
    ],
)
def test_a_bad_file_is_refused_whole_with_the_line_and_the_reason(
    content: str, mapping: dict[str, object], line: int, message: str
) -> None:
    with pytest.raises(BankFileError) as refused:
        parse(content.encode("utf-8"), csv_mapping=mapping, default_currency="EUR")
    assert (refused.value.line, refused.value.message) == (line, message)


def test_a_csv_file_needs_a_mapping() -> None:
    assert detect(FRENCH.encode()) == "csv"
    with pytest.raises(BankFileError) as refused:
        parse(FRENCH.encode())
    assert refused.value.message == (
        "this looks like a CSV file: it needs a column mapping (which column holds the date, the amount, the label...)"
    )
