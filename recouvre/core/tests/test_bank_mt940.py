"""MT940 statements: with and without the SWIFT envelope, multi-line ``:86:`` in the German, Dutch and free
layouts, reversals, booking dates across the new year, missing balances, and the refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvre.core.bank import BankFileError, detect, parse

ENVELOPED = """{1:F01INGBNL2AXXX0000000000}
{2:I940INGBNL2AXXXN}
{4:
:20:P240105000000001
:25:NL20INGB0001234567EUR
:28C:00001/1
:60F:C240104EUR1000,00
:61:2401050105C1234,55NTRFEREF//B24010500001
/TRCD/00100/
:86:/EREF/E2E-ACME-42//CNTP/FR1420041010050500013M02606/BNPAFRPP/ACME DI
STRIBUTION SAS/PARIS//REMI/USTD//FACTURES F2024-001 ET F2024-002/
:61:2401050105D15,00NMSCNONREF//B24010500002
:86:/REMI/USTD//FRAIS/
:61:2401050105C50,00NTRFNONREF//B24010500003
:86:/EREF/NOTPROVIDED//REMI/STRD/CUR/RF18539007547034/
:62F:C240105EUR2269,55
:64:C240105EUR2269,55
:86:/SUM/1/2/15,00/1284,55/
-}{5:{CHK:123456789ABC}}
"""


def test_an_enveloped_statement_with_structured_multiline_information() -> None:
    parsed = parse(ENVELOPED.encode())
    assert parsed.format == "mt940"
    (statement,) = parsed.statements
    assert statement.account_number == "NL20INGB0001234567EUR"
    assert statement.account_iban == "NL20INGB0001234567"  # the currency ING writes after it is not part of it
    assert (statement.statement_id, statement.sequence) == ("P240105000000001", "00001/1")
    assert (statement.opening_balance, statement.opening_date) == (Decimal("1000.00"), date(2024, 1, 4))
    assert (statement.closing_balance, statement.closing_date) == (Decimal("2269.55"), date(2024, 1, 5))
    assert statement.currency == "EUR" and statement.warnings == ()
    payment, fee, structured = statement.entries
    assert (payment.booking_date, payment.value_date, payment.amount) == (
        date(2024, 1, 5),
        date(2024, 1, 5),
        Decimal("1234.55"),
    )
    assert payment.bank_reference == "B24010500001"
    assert payment.end_to_end_id == "E2E-ACME-42"
    assert payment.counterparty_iban == "FR1420041010050500013M02606"
    assert payment.counterparty_name == "ACME DISTRIBUTION SAS"  # the :86: line break fell inside the name
    assert payment.text == "FACTURES F2024-001 ET F2024-002"
    assert payment.line == 8
    assert ("transaction_type", "NTRF") in payment.raw
    assert ("customer_reference", "EREF") in payment.raw
    assert ("supplementary_details", "/TRCD/00100/") in payment.raw
    assert (fee.amount, fee.text, fee.bank_reference) == (Decimal("-15.00"), "FRAIS", "B24010500002")
    assert structured.end_to_end_id == ""  # NOTPROVIDED
    assert structured.creditor_reference == "RF18539007547034"


GERMAN = """:20:STARTUMS
:25:10020030/1234567890
:28C:00012/001
:60F:C241230EUR5000,00
:61:2501021231CR1500,NTRFNONREF//0724710290621954
:86:166?00GUTSCHRIFT?100399?20EREF+E2E-2024-77?21SVWZ+RECHNUNG 2024-077 UND 2
024-078?22 DANKE?30BYLADEM1001?31DE02120300000000202051?32MUSTER
MANN GMBH?33 & CO KG
:61:250102RCR200,00NRTINONREF
:86:079?00SAMMLER/STORNO?109800?200904059003
:62F:C250102EUR6300,00
-
:20:STARTUMS
:25:10020030/1234567890
:28C:00013/001
:60F:C250102EUR6300,00
:61:250103D300,NDDTKREF+//BD7CFA74485E7E69
:86:105?00SEPA-LASTSCHRIFT?20EREF+NOTPROVIDED?21MREF+M-1?22SVWZ+STROM JANUAR
:62F:C250103EUR6000,00
-
"""


def test_statements_without_envelope_german_subfields_reversal_and_the_new_year() -> None:
    parsed = parse(GERMAN.encode("latin-1"))
    assert [s.sequence for s in parsed.statements] == ["00012/001", "00013/001"]
    first, second = parsed.statements
    assert first.account_id == "10020030/1234567890" and first.account_iban == ""
    assert first.warnings == () and second.warnings == ()
    transfer, reversal = first.entries
    # value date 2 January 2025, booked on 31 December: the booking date is in the previous year
    assert (transfer.value_date, transfer.booking_date) == (date(2025, 1, 2), date(2024, 12, 31))
    assert transfer.amount == Decimal("1500")  # "CR1500,": credit, funds code R
    assert transfer.end_to_end_id == "E2E-2024-77"
    assert transfer.text == "RECHNUNG 2024-077 UND 2024-078 DANKE"
    assert transfer.counterparty_name == "MUSTERMANN GMBH & CO KG"
    assert transfer.counterparty_iban == "DE02120300000000202051"
    assert ("posting_text", "GUTSCHRIFT") in transfer.raw and ("bic", "BYLADEM1001") in transfer.raw
    # RC: a credit reversed, booked as a debit; no booking date: the value date
    assert (reversal.amount, reversal.booking_date) == (Decimal("-200.00"), date(2025, 1, 2))
    assert ("reversal", "RC") in reversal.raw
    assert reversal.bank_reference == ""
    (debit,) = second.entries
    assert (debit.amount, debit.end_to_end_id, debit.text) == (Decimal("-300"), "", "STROM JANUAR")
    assert ("mref", "M-1") in debit.raw
    totals = parsed.totals()["EUR"]
    assert (totals.entries, totals.credits, totals.debits) == (3, Decimal("1500"), Decimal("500.00"))


FREE_TEXT = """:20:0000000000
:25:NL05SNSB0908244436
:28C:361/1
:60F:C171227EUR3026,96
:61:1712271227D713,13NOVBNL49RABO0166416932
gerrits glas en schilderwerk
:86:NL49RABO0166416932 gerrits glas en schilderwerk
{spaces}
Factuur 17227/248/20
:61:1712271227RD13,13NINCNONREF
:86:Storno
"""


def test_free_text_information_over_several_lines() -> None:
    content = FREE_TEXT.replace("{spaces}", " " * 65).encode()
    (statement,) = parse(content).statements
    debit, refund = statement.entries
    assert debit.text == "NL49RABO0166416932 gerrits glas en schilderwerk Factuur 17227/248/20"
    assert debit.counterparty_iban == "NL49RABO0166416932"
    assert ("customer_reference", "NL49RABO0166416932") in debit.raw
    assert ("supplementary_details", "gerrits glas en schilderwerk") in debit.raw
    assert refund.amount == Decimal("13.13")  # RD: a debit reversed, booked as a credit
    assert [(w.code, w.message) for w in statement.warnings] == [
        ("balance_not_checked", "the statement has no closing balance (:62F:): its balances are not checked")
    ]
    assert statement.closing_balance is None


def test_balances_that_do_not_agree_are_a_warning() -> None:
    content = ENVELOPED.replace(":62F:C240105EUR2269,55", ":62F:C240105EUR2269,56").encode()
    (statement,) = parse(content).statements
    assert [w.message for w in statement.warnings] == [
        "the balances do not agree: opening balance 1000.00 EUR + movements 1269.55 EUR = 2269.55 EUR, "
        "but the closing balance is 2269.56 EUR"
    ]


def test_a_debit_opening_balance_is_negative() -> None:
    content = GERMAN.replace(":60F:C241230EUR5000,00", ":60F:D241230EUR5000,00").replace(
        ":62F:C250102EUR6300,00", ":62F:D250102EUR3700,00"
    )
    first = parse(content.encode()).statements[0]
    assert (first.opening_balance, first.closing_balance) == (Decimal("-5000.00"), Decimal("-3700.00"))
    assert first.warnings == ()


def test_detected_with_or_without_envelope_and_after_a_bank_header() -> None:
    assert detect(ENVELOPED.encode()) == "mt940"
    assert detect(GERMAN.encode()) == "mt940"
    with_header = ("ABNANL2A\r\n940\r\nABNANL2A\r\n" + GERMAN.replace("\n", "\r\n")).encode()
    assert detect(with_header) == "mt940"
    assert len(parse(with_header).statements) == 2


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (
            ENVELOPED.replace(":61:2401050105D15,00NMSC", ":61:2401050105X15,00NMSC"),
            12,
            ":61: '2401050105X15,00NMSCNONREF//B24010500002' is not a movement (value date YYMMDD, booking date "
            "MMDD, C or D, amount, transaction type such as NTRF, references)",
        ),
        (
            ENVELOPED.replace("D15,00NMSC", "D15.00NMSC"),
            12,
            ":61: '2401050105D15.00NMSCNONREF//B24010500002' is not a movement (value date YYMMDD, booking date "
            "MMDD, C or D, amount, transaction type such as NTRF, references)",
        ),
        (
            ENVELOPED.replace("D15,00NMSC", "D1,5,00NMSC"),
            12,
            "'1,5,00' is not an MT940 amount (digits with a decimal comma)",
        ),
        (
            ENVELOPED.replace(":60F:C240104EUR1000,00", ":60F:C240104EUR1000.00"),
            7,
            ":60F: 'C240104EUR1000.00' is not a balance (C or D, date YYMMDD, currency, amount)",
        ),
        (ENVELOPED.replace(":61:2401050105C50", ":61:2413050105C50"), 14, "'241305' is not a date (YYMMDD)"),
        (ENVELOPED.replace(":25:NL20INGB0001234567EUR\n", ""), 4, "the statement has no account (:25:)"),
        (GERMAN.replace(":20:STARTUMS\n", "", 1), 1, "an MT940 statement starts with its reference (:20:), not :25:"),
        (
            GERMAN.replace("-\n:20:", "-\nstray text\n:20:"),
            13,
            "this line is not part of an MT940 field (:20:, :61:...)",
        ),
    ],
)
def test_a_bad_file_is_refused_whole_with_the_line_and_the_reason(content: str, line: int, message: str) -> None:
    with pytest.raises(BankFileError) as refused:
        parse(content.encode())
    assert (refused.value.line, refused.value.message) == (line, message)
