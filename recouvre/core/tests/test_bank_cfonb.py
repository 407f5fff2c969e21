"""CFONB 120 statements: the overpunched amounts, the 01/04/05/07 records, blank lines, the older layout with a
blank currency, and every refusal with its line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvre.core.bank import BankFileError, detect, parse
from recouvre.core.bank.cfonb import french_iban, parse_amount


def balance(code: str, amount: str, day: str, *, currency: str = "EUR", decimals: str = "2") -> str:
    """An 01 (opening) or 07 (closing) record of account 30003 01234 01234567890."""
    line = f"{code}30003    01234{currency:3}{decimals:1} 01234567890  {day}{'':50}{amount:14}{'':16}"
    assert len(line) == 120
    return line


def movement(
    amount: str,
    day: str,
    label: str,
    *,
    value: str = "",
    currency: str = "EUR",
    decimals: str = "2",
    reference: str = "",
    number: str = "0000000",
) -> str:
    """An 04 record: operation code 05, booking date ``day``, value date ``value`` (``day`` when empty)."""
    line = (
        f"0430003000501234{currency:3}{decimals:1} 0123456789005{day}  {value or day}{label:31}  {number:7}  "
        f"{amount:14}{reference:16}"
    )
    assert len(line) == 120
    return line


def complement(qualifier: str, info: str, day: str = "130124") -> str:
    line = f"0530003000501234EUR2 0123456789005{day}     {qualifier:3}{info:70}  "
    assert len(line) == 120
    return line


def cfonb(*records: str, end: str = "\n") -> bytes:
    return (end.join(records) + end).encode("latin-1")


STATEMENT = [
    balance("01", "0000000010000{", "120124"),
    movement("0000000012345E", "130124", "VIR SEPA ACME DISTRIBUTION", value="140124", reference="REM 42"),
    complement("NPY", "ACME DISTRIBUTION SAS"),
    complement("IPY", "FR1420041010050500013M02606"),
    complement("LCC", "REGLEMENT FACTURES F2024-001 F2024-002 ET F2024-003 SELON VOTRE RELEVE"),
    complement("LC2", " DU 31 DECEMBRE"),
    complement("RCN", "E2E-ACME-0042"),
    movement("0000000000050}", "130124", "FRAIS TENUE DE COMPTE"),
    balance("07", "0000000022295E", "130124"),
]


def test_a_statement_reads_with_its_balances_entries_and_complements() -> None:
    parsed = parse(cfonb(*STATEMENT))
    assert parsed.format == "cfonb120"
    (statement,) = parsed.statements
    assert statement.account_iban == "FR7630003012340123456789057"
    assert statement.account_id == "FR7630003012340123456789057"
    assert (statement.bank_code, statement.branch_code, statement.account_number) == ("30003", "01234", "01234567890")
    assert statement.currency == "EUR"
    assert (statement.opening_balance, statement.opening_date) == (Decimal("1000.00"), date(2024, 1, 12))
    assert (statement.closing_balance, statement.closing_date) == (Decimal("2229.55"), date(2024, 1, 13))
    assert statement.warnings == ()
    credit, fee = statement.entries
    assert (credit.booking_date, credit.value_date, credit.amount, credit.currency) == (
        date(2024, 1, 13),
        date(2024, 1, 14),
        Decimal("1234.55"),
        "EUR",
    )
    assert credit.line == 2
    assert credit.counterparty_name == "ACME DISTRIBUTION SAS"
    assert credit.counterparty_iban == "FR1420041010050500013M02606"
    assert credit.end_to_end_id == "E2E-ACME-0042"
    # LCC filled its 70 characters, so LC2 continues it without a space
    assert credit.text == (
        "VIR SEPA ACME DISTRIBUTION / REGLEMENT FACTURES F2024-001 F2024-002 ET F2024-003 SELON VOTRE RELEVE "
        "DU 31 DECEMBRE / E2E-ACME-0042 / REM 42"
    )
    assert credit.bank_reference == ""
    assert ("operation_code", "05") in credit.raw and ("reference", "REM 42") in credit.raw
    assert (fee.amount, fee.is_credit, fee.text, fee.line) == (Decimal("-5.00"), False, "FRAIS TENUE DE COMPTE", 8)
    totals = parsed.totals()
    assert {c: (t.entries, t.credits, t.debits) for c, t in totals.items()} == {
        "EUR": (2, Decimal("1234.55"), Decimal("5.00"))
    }


@pytest.mark.parametrize(
    ("field", "decimals", "expected"),
    [
        ("0000000000000{", 2, "0.00"),
        ("0000000000000A", 2, "0.01"),
        ("0000000000000B", 2, "0.02"),
        ("0000000000000C", 2, "0.03"),
        ("0000000000000D", 2, "0.04"),
        ("0000000000000E", 2, "0.05"),
        ("0000000000000F", 2, "0.06"),
        ("0000000000000G", 2, "0.07"),
        ("0000000000000H", 2, "0.08"),
        ("0000000000000I", 2, "0.09"),
        ("0000000000000}", 2, "-0.00"),
        ("0000000000000J", 2, "-0.01"),
        ("0000000000000K", 2, "-0.02"),
        ("0000000000000L", 2, "-0.03"),
        ("0000000000000M", 2, "-0.04"),
        ("0000000000000N", 2, "-0.05"),
        ("0000000000000O", 2, "-0.06"),
        ("0000000000000P", 2, "-0.07"),
        ("0000000000000Q", 2, "-0.08"),
        ("0000000000000R", 2, "-0.09"),
        ("0000010173118I", 2, "1017311.89"),
        ("0000000000199R", 2, "-19.99"),
        ("0000000020000}", 2, "-2000.00"),
        ("0000000012345E", 0, "123455"),
        ("0000000012345N", 3, "-123.455"),
    ],
)
def test_overpunched_amounts_carry_the_last_digit_and_the_sign(field: str, decimals: int, expected: str) -> None:
    amount = parse_amount(field, decimals, 7)
    assert str(amount) == expected
    assert amount.is_signed() == expected.startswith("-")


@pytest.mark.parametrize("field", ["0000000012345S", "0000000012345 ", "000000001234A5", "00000000123a5E", "12345E"])
def test_an_amount_without_its_overpunched_sign_is_refused(field: str) -> None:
    with pytest.raises(BankFileError) as refused:
        parse_amount(field, 2, 7)
    assert refused.value.line == 7
    assert "is not a CFONB amount" in refused.value.message


def test_blank_lines_line_ends_and_an_end_of_file_mark_do_not_matter() -> None:
    plain = parse(cfonb(*STATEMENT))
    spaced = cfonb("", STATEMENT[0], "", "   ", *STATEMENT[1:4], "", *STATEMENT[4:], "", "", end="\r\n") + b"\x1a"
    parsed = parse(spaced)
    assert [e.amount for e in parsed.statements[0].entries] == [e.amount for e in plain.statements[0].entries]
    assert parsed.statements[0].entries[0].text == plain.statements[0].entries[0].text
    assert [e.line for e in parsed.statements[0].entries] == [5, 12]  # lines as in the file, blank ones counted


@pytest.mark.parametrize("end", ["", "\r\n"])
def test_records_written_back_to_back_without_line_ends(end: str) -> None:
    parsed = parse(("".join(STATEMENT) + end).encode("latin-1"))
    assert [e.amount for e in parsed.statements[0].entries] == [Decimal("1234.55"), Decimal("-5.00")]
    assert [e.line for e in parsed.statements[0].entries] == [2, 8]  # the record's number
    assert parsed.statements[0].closing_balance == Decimal("2229.55")


def test_lines_shortened_by_an_editor_are_read_as_padded() -> None:
    parsed = parse(cfonb(*(r.rstrip() for r in STATEMENT)))
    assert parsed.statements[0].closing_balance == Decimal("2229.55")
    assert parsed.statements[0].entries[1].text == "FRAIS TENUE DE COMPTE"


def test_the_older_layout_leaves_the_currency_blank_and_the_movements_give_it() -> None:
    content = cfonb(
        balance("01", "0000000010000{", "120124", currency="", decimals=""),
        movement("0000000012345E", "130124", "REMISE LCR"),
        balance("07", "0000000022345E", "130124", currency="", decimals=""),
    )
    (statement,) = parse(content).statements
    assert statement.currency == "EUR"
    assert (statement.opening_balance, statement.closing_balance) == (Decimal("1000.00"), Decimal("2234.55"))
    assert statement.warnings == ()


BLANK_CURRENCY = cfonb(
    balance("01", "0000000010000{", "120124", currency="", decimals=""),
    movement("0000000012345E", "130124", "REMISE LCR", currency=""),
    balance("07", "0000000022345E", "130124", currency="", decimals=""),
)


def test_no_currency_anywhere_takes_the_organizations_with_a_warning() -> None:
    (statement,) = parse(BLANK_CURRENCY, default_currency="eur").statements
    assert statement.currency == "EUR"
    assert statement.entries[0].currency == "EUR"
    assert [(w.code, w.message, w.line) for w in statement.warnings] == [
        ("currency_assumed", "the statement gives no currency: EUR, the organization's currency, is assumed", 1)
    ]


def test_no_currency_anywhere_takes_the_accounts_before_the_organizations() -> None:
    parsed = parse(BLANK_CURRENCY, default_currency="EUR", account_currencies={"FR7630003012340123456789057": "CHF"})
    (statement,) = parsed.statements
    assert statement.currency == "CHF"
    assert parsed.totals()["CHF"].credits == Decimal("1234.55")
    assert [w.message for w in statement.warnings] == [
        "the statement gives no currency: CHF, the account's currency, is assumed"
    ]


def test_no_currency_and_none_given_is_refused() -> None:
    with pytest.raises(BankFileError) as refused:
        parse(BLANK_CURRENCY)
    assert str(refused.value) == (
        "line 1: the statement of account FR7630003012340123456789057 gives no currency and none was given for it"
    )


def test_balances_that_do_not_agree_are_a_warning_with_the_figures() -> None:
    content = cfonb(*STATEMENT[:-1], balance("07", "0000000022305E", "130124"))
    (statement,) = parse(content).statements
    assert [(w.code, w.line, w.message) for w in statement.warnings] == [
        (
            "balance_mismatch",
            1,
            "the balances do not agree: opening balance 1000.00 EUR + movements 1229.55 EUR = 2229.55 EUR, "
            "but the closing balance is 2230.55 EUR",
        )
    ]
    assert len(statement.entries) == 2


def test_several_accounts_and_days_in_one_file() -> None:
    second = [
        r.replace("0123456789005", "9876543210005").replace("01234567890  ", "98765432100  ")
        for r in (
            balance("01", "0000000000000{", "130124"),
            movement("0000000000100}", "140124", "PRLV SEPA EDF"),
            balance("07", "0000000000100}", "140124"),
        )
    ]
    parsed = parse(cfonb(*STATEMENT, *second))
    assert [s.account_number for s in parsed.statements] == ["01234567890", "98765432100"]
    assert [len(s.entries) for s in parsed.statements] == [2, 1]
    assert parsed.statements[1].closing_balance == Decimal("-10.00")
    assert parsed.statements[1].line == 10
    assert parsed.all_warnings() == []


def test_a_statement_without_movement_is_kept() -> None:
    parsed = parse(cfonb(balance("01", "0000000010000{", "120124"), balance("07", "0000000010000{", "130124")))
    (statement,) = parsed.statements
    assert statement.entries == () and statement.warnings == ()
    assert parsed.totals() == {}


def test_detected_from_the_content() -> None:
    assert detect(cfonb(*STATEMENT)) == "cfonb120"
    assert detect(b"\r\n\r\n" + cfonb(*STATEMENT)) == "cfonb120"


@pytest.mark.parametrize(
    ("records", "line", "message"),
    [
        (
            [STATEMENT[0], movement("0000000012345S", "130124", "VIR"), STATEMENT[-1]],
            2,
            "'0000000012345S' is not a CFONB amount (13 digits, then a digit with its sign: { A-I for +, } J-R for -)",
        ),
        ([STATEMENT[1], *STATEMENT], 1, "a movement (04) comes before any opening balance (01)"),
        (
            [STATEMENT[0], complement("LIB", "X"), *STATEMENT[1:]],
            2,
            "a complement (05) does not follow a movement (04)",
        ),
        (STATEMENT[:-1], 1, "the statement started on this line has no closing balance (07): the file is cut short"),
        ([STATEMENT[0], *STATEMENT], 2, "a new statement (01) starts before the one started on line 1 is closed (07)"),
        ([STATEMENT[-1]], 1, "a closing balance (07) comes before any opening balance (01)"),
        (
            [*STATEMENT[:2], "03" + STATEMENT[1][2:], *STATEMENT[2:]],
            3,
            "'03' is not a CFONB 120 record code (01, 04, 05 or 07)",
        ),
        (
            [*STATEMENT[:2], STATEMENT[2] + "XYZ", *STATEMENT[3:]],
            3,
            "a CFONB record has 120 characters, this line has 123",
        ),
        (
            [STATEMENT[0], movement("0000000012345E", "321324", "VIR"), STATEMENT[-1]],
            2,
            "the booking date '321324' is not a date (DDMMYY)",
        ),
        (
            [STATEMENT[0], movement("0000000012345E", "130124", "VIR", value="301324"), STATEMENT[-1]],
            2,
            "the value date '301324' is not a date (DDMMYY)",
        ),
        (
            [STATEMENT[0], STATEMENT[1].replace("0123456789005", "0123456789905"), STATEMENT[-1]],
            2,
            "the movement is for account 01234567899, in the statement of account 01234567890",
        ),
        (
            [STATEMENT[0], movement("0000000012345E", "130124", "VIR", decimals="X"), STATEMENT[-1]],
            2,
            "the number of decimals 'X' is not a digit",
        ),
        (
            [STATEMENT[0], movement("0000000012345E", "130124", "VIR", currency="E1R"), STATEMENT[-1]],
            2,
            "'E1R' is not a currency code",
        ),
        (
            [STATEMENT[0], STATEMENT[1][:60] + "\x00" + STATEMENT[1][61:], STATEMENT[-1]],
            2,
            "the line holds characters that are not text",
        ),
    ],
)
def test_a_bad_file_is_refused_whole_with_the_line_and_the_reason(records: list[str], line: int, message: str) -> None:
    with pytest.raises(BankFileError) as refused:
        parse(cfonb(*records), default_currency="EUR")
    assert (refused.value.line, refused.value.message) == (line, message)


def test_french_ibans_are_made_from_bank_branch_and_account() -> None:
    assert french_iban("30003", "01234", "01234567890") == "FR7630003012340123456789057"
    # letters in the account number count as digits for the RIB key (M -> 4)
    assert french_iban("20041", "01005", "0500013M026") == "FR1420041010050500013M02606"
    assert french_iban("3000X", "01234", "01234567890") == ""
    assert french_iban("30003", "01234", "0123456789") == ""
