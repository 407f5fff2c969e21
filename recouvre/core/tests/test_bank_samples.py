"""The real bank files of ../shared/samples/bank (camt, CFONB, MT940, OFX) read with the figures they hold,
checked by hand against each file: statements, entries, totals per currency, balances, warnings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from recouvre.core.bank import ParsedFile, detect, entry_keys, parse

pytestmark = pytest.mark.samples

D = Decimal


def read(samples_dir: Path, name: str) -> ParsedFile:
    content = (samples_dir / "bank" / name).read_bytes()
    parsed = parse(content, default_currency="EUR")
    assert detect(content) == parsed.format
    for statement in parsed.statements:
        keys = entry_keys(statement)
        assert len(set(keys)) == len(keys)
    return parsed


def totals(parsed: ParsedFile) -> dict[str, tuple[int, Decimal, Decimal]]:
    return {c: (t.entries, t.credits, t.debits) for c, t in parsed.totals().items()}


def balances(parsed: ParsedFile) -> list[tuple[Decimal | None, Decimal | None, int, list[str]]]:
    return [
        (s.opening_balance, s.closing_balance, len(s.entries), [w.code for w in s.warnings]) for s in parsed.statements
    ]


def test_every_sample_file_is_read(samples_dir: Path) -> None:
    files = sorted(p for p in (samples_dir / "bank").rglob("*") if p.is_file())
    assert len(files) == 19
    for path in files:
        parsed = parse(path.read_bytes(), default_currency="EUR")
        assert parsed.entry_count > 0, path.name


# ------------------------------------------------------------------------------------------------ camt


def test_camt053_five_decimals(samples_dir: Path) -> None:
    parsed = read(samples_dir, "camt/camt053.v2.five.decimals.xml")
    assert (parsed.format, parsed.version) == ("camt.053", "camt.053.001.02")
    assert totals(parsed) == {"EUR": (1, D("8.850"), D("0"))}
    (statement,) = parsed.statements
    assert str(statement.opening_balance) == "18.150" and str(statement.closing_balance) == "27.050"
    # 18.150 + 8.850 is 27.000, not the 27.050 the file closes on
    assert [w.code for w in statement.warnings] == ["balance_mismatch"]
    (entry,) = statement.entries
    assert (entry.text, entry.end_to_end_id, entry.counterparty_name) == ("Transaction Description", "000000001", "")


def test_camt053_two_statements_in_one_message(samples_dir: Path) -> None:
    parsed = read(samples_dir, "camt/camt053.v2.multi.statement.xml")
    assert [s.statement_id for s in parsed.statements] == ["253EURNL26VAYB8060476890", "254EURNL26VAYB8060476890"]
    assert balances(parsed) == [(D("18.15"), D("27.00"), 1, []), (D("27.00"), D("20.00"), 1, [])]
    assert totals(parsed) == {"EUR": (2, D("8.85"), D("7.00"))}
    debit = parsed.statements[1].entries[0]
    assert (debit.amount, debit.counterparty_name, debit.counterparty_iban, debit.text) == (
        D("-7.00"),
        "Company Name 2",
        "NL56AGDH9619008421",
        "Transaction Description 2",
    )


def test_camt053_version_8(samples_dir: Path) -> None:
    parsed = read(samples_dir, "camt/camt053.v8.xml")
    assert parsed.version == "camt.053.001.08"
    (statement,) = parsed.statements
    assert statement.account_id == "NL26VAYB8060476890"  # given as Othr/Id
    # the closing balance is in SEK, the statement in EUR
    assert balances(parsed) == [(D("18.15"), None, 1, ["balance_other_currency"])]
    (entry,) = statement.entries
    assert (entry.amount, entry.booking_date, entry.value_date) == (D("8.85"), date(2014, 12, 31), date(2015, 1, 2))
    assert (entry.bank_reference, entry.creditor_reference, entry.end_to_end_id) == (
        "AAAASESS-FP-CN_98765/01",
        "4654654654654654",
        "MUELL/FINP/RA12345",
    )
    assert (entry.counterparty_name, entry.counterparty_iban) == ("NAME NAME", "NL56AGDH9619008421")


def test_camt054_version_8_batch(samples_dir: Path) -> None:
    parsed = read(samples_dir, "camt/camt054.v8.xml")
    assert (parsed.format, parsed.version) == ("camt.054", "camt.054.001.08")
    assert totals(parsed) == {"SEK": (1, D("0"), D("200000"))}
    (entry,) = parsed.statements[0].entries
    assert [(d.amount, d.currency, d.end_to_end_id, d.creditor_reference) for d in entry.details] == [
        (D("3.1"), "CHF", "UXC06170000006PI00001EE00001", "ISR ref number V1"),
        (D("3.2"), "CHF", "UXC06170000006PI00001EE00002", "ISR ref number V2"),
        (D("3.2"), "CHF", "UXC06170000006PI00001EE00002", "Ref number V3 block 1"),
    ]
    assert entry.details[2].text.startswith(
        "Unstructured Remittance Information V3 block 1 / Unstructured Remittance Information V3 block 2 / "
    )


def test_camt053_batched_direct_debits(samples_dir: Path) -> None:
    parsed = read(samples_dir, "camt/test-camt053")
    (statement,) = parsed.statements
    assert statement.account_iban == "NL77ABNA0574908765"
    # 15568.27 - 754.25 - 664.05 + 1405.31 = 15555.28, not the 15121.12 the test file closes on
    assert balances(parsed) == [(D("15568.27"), D("15121.12"), 3, ["balance_mismatch"])]
    assert totals(parsed) == {"EUR": (3, D("1405.31"), D("1418.30"))}
    insurance, batch, credit = statement.entries
    assert insurance.text == (
        "Insurance policy 857239PERIOD 01.01.2014 - 31.12.2014 / MKB Insurance 859239PERIOD 01.01.2014 - 31.12.2014"
    )
    assert (insurance.counterparty_name, insurance.end_to_end_id) == (
        "INSURANCE COMPANY TESTX",
        "435005714488-ABNO33052620",
    )
    assert [(d.amount, d.end_to_end_id) for d in batch.details] == [
        (D("-564.05"), "TESTBANK/NL/20141229/01206408"),
        (D("-100.00"), "TESTBANK/NL/20141229/01206407"),
    ]
    assert ("RvslInd", "true") in batch.raw
    assert (credit.amount, credit.counterparty_name, credit.counterparty_iban, credit.text) == (
        D("1405.31"),
        "3rd party Media",
        "NL69ABNA0522123643",
        "#RD PARTY MEDIA CUSNO 90782 4210773",
    )


def test_camt053_credit_split_over_two_structured_references(samples_dir: Path) -> None:
    parsed = read(samples_dir, "camt/test-camt053-txdtls")
    assert parsed.version == "camt.053.001.04"
    assert balances(parsed) == [(D("75960.15"), D("79443.15"), 1, [])]
    (entry,) = parsed.statements[0].entries
    assert (entry.amount, entry.currency, entry.bank_reference) == (
        D("3483.00"),
        "CHF",
        "20170323001234567891234567891234",
    )
    assert [(d.amount, d.creditor_reference, d.counterparty_iban) for d in entry.details] == [
        (D("2187.00"), "302388292000011111111111111", "CH2222000000123456789"),
        (D("1296.00"), "302388292000022222222222222", "CH3333000000123456789"),
    ]


def test_camt054_version_4(samples_dir: Path) -> None:
    parsed = read(samples_dir, "camt/test-camt054")
    assert balances(parsed) == [(None, None, 1, [])]
    (entry,) = parsed.statements[0].entries
    assert (entry.amount, entry.bank_reference, entry.end_to_end_id, entry.creditor_reference) == (
        D("5.00"),
        "98888208N8",
        "ENDTOENDID-01",
        "000000000000000000000000003",
    )


# ------------------------------------------------------------------------------------------------ CFONB


def test_cfonb_older_layout_with_a_blank_currency(samples_dir: Path) -> None:
    parsed = read(samples_dir, "cfonb/bank_statement.cfo")
    (statement,) = parsed.statements
    assert (statement.currency, statement.account_number) == ("EUR", "0000888899H")  # from the 04 records
    # opening 0.08 (0000000000000H), movements -2000.00, closing 11871.14 (0000000118711D): they do not agree
    assert balances(parsed) == [(D("0.08"), D("11871.14"), 4, ["balance_mismatch"])]
    assert [e.amount for e in statement.entries] == [D("-2000.00"), D("-1000.00"), D("4000.00"), D("-3000.00")]
    assert totals(parsed) == {"EUR": (4, D("4000.00"), D("6000.00"))}


def test_cfonb_transfers_quoting_invoices(samples_dir: Path) -> None:
    parsed = read(samples_dir, "cfonb/cfonb_classic.cfo")
    (statement,) = parsed.statements
    assert statement.account_iban == "FR7630003012340123456789057"
    assert (statement.opening_date, statement.closing_date) == (date(2024, 1, 12), date(2024, 1, 13))
    assert balances(parsed) == [(D("1017311.89"), D("1031585.79"), 13, [])]
    assert totals(parsed) == {"EUR": (13, D("17968.57"), D("3694.67"))}
    entries = statement.entries
    assert (entries[0].amount, entries[0].counterparty_name, entries[0].text) == (
        D("1040.17"),
        "MA JOLIE BOUTIQUE",
        "VIR INST MA JOLIE BOUTIQUE / facture F230875",
    )
    assert entries[2].text == "VIR DITRI CAMPING NORD / ACOMPTE PROJET CIMENT LOT2 / F230987, F231234"
    assert entries[4].text == "VIR RATP / Akretion factures F239765/F237654/F239875/F240001"
    orange = entries[11]
    assert (orange.amount, orange.counterparty_name) == (D("-617.14"), "Orange")  # the payee of a debit
    assert "Facture: 76662391 - Compte Fact: 30008765 - Ident: 00003263" in orange.text  # LCC and LC2 joined
    assert ("RUM", "++48398735847564876543 RCUR") in orange.raw


def test_cfonb_daily_statements_of_two_accounts(samples_dir: Path) -> None:
    parsed = read(samples_dir, "cfonb/complex-test.txt")
    assert len(parsed.statements) == 8
    assert [s.account_number for s in parsed.statements] == ["00012345603"] + ["00020427603"] * 7
    assert [len(s.entries) for s in parsed.statements] == [1, 2, 0, 1, 0, 1, 0, 0]
    assert parsed.all_warnings() == []  # every day's balances agree
    assert totals(parsed) == {"EUR": (5, D("0"), D("5210.90"))}
    invoice = parsed.statements[3].entries[0]
    assert (invoice.amount, invoice.booking_date, invoice.value_date) == (
        D("-117.75"),
        date(2020, 4, 10),
        date(2020, 4, 1),
    )
    assert invoice.text == "FACTURE SGT20022040001692 / DONT TVA 11 39EUR"
    assert parsed.statements[-1].closing_balance == D("584353.02")


def test_cfonb_blank_lines_and_detail_records(samples_dir: Path) -> None:
    parsed = read(samples_dir, "cfonb/example.txt")
    assert balances(parsed) == [(D("-190.40"), D("-241.21"), 3, []), (D("-241.21"), D("-163.72"), 3, [])]
    assert totals(parsed) == {"EUR": (6, D("97.49"), D("70.81"))}
    first = parsed.statements[0].entries[0]
    assert first.text == "PRLV SEPA TEST CABINET / MENSUEAUHTR13133 / MENSUEAUHTR13DUP / OTHER REFERENCE PURPOSE"
    assert ("NPY", "INTERNET SFR") in first.raw and ("2'C", "EXAMPLE WITH OTHER COMBINATIONS") in first.raw


# ------------------------------------------------------------------------------------------------ MT940


def test_mt940_german_statements(samples_dir: Path) -> None:
    parsed = read(samples_dir, "mt940/sepa_mt9401.sta")
    assert len(parsed.statements) == 26
    assert parsed.all_warnings() == []  # all 26 statements' balances agree with their movements
    assert totals(parsed) == {"EUR": (97, D("5188474.94"), D("14457610.84"))}
    movements = sum(s.closing_balance - s.opening_balance for s in parsed.statements)  # type: ignore[operator]
    assert movements == D("5188474.94") - D("14457610.84")
    first = parsed.statements[0]
    assert (first.account_id, first.statement_id, first.sequence) == (
        "50880050/0194774600888",
        "T089413946000001",
        "00004/00001",
    )
    assert [e.amount for e in first.entries] == [
        D("300"),
        D("335.33"),
        D("15000"),
        D("66295.08"),
        D("915311.55"),
        D("-204.88"),  # RCR: a credit reversed
        D("-999946.95"),
    ]


def test_mt940_ing_structured_information(samples_dir: Path) -> None:
    parsed = read(samples_dir, "mt940/test-ing.940")
    # the file's own summary line says /SUM/4/4/134,46/36,58/
    assert totals(parsed) == {"EUR": (8, D("36.58"), D("134.46"))}
    assert balances(parsed) == [(D("662.23"), D("564.35"), 8, [])]
    entries = parsed.statements[0].entries
    assert (entries[2].text, entries[2].counterparty_name, entries[2].end_to_end_id) == (
        "Factuurnr 123456 Klantnr 00123",
        "J.Janssen",
        "20120123456789",
    )
    assert (entries[6].amount, entries[6].creditor_reference) == (D("32.00"), "9001123412341234")


def test_mt940_enveloped_messages_one_without_closing_balance(samples_dir: Path) -> None:
    parsed = read(samples_dir, "mt940/test-sns.940")
    assert [s.sequence for s in parsed.statements] == ["361/1", "362/1", "363/1"]
    assert balances(parsed) == [
        (D("3026.96"), D("2264.52"), 4, []),
        (D("2264.52"), D("2253.57"), 2, []),
        (D("2253.57"), None, 2, ["balance_not_checked"]),
    ]
    assert totals(parsed) == {"EUR": (8, D("0.00"), D("1715.68"))}
    glazier = parsed.statements[0].entries[0]
    assert glazier.text == "NL49RABO0166416932 gerrits glas en schilderwerk Factuur 17227/248/20"
    assert glazier.counterparty_iban == "NL49RABO0166416932"


# ------------------------------------------------------------------------------------------------ OFX


def test_ofx_compact_sgml(samples_dir: Path) -> None:
    parsed = read(samples_dir, "ofx/bank_medium.ofx")
    assert totals(parsed) == {"CAD": (3, D("0"), D("345.27"))}
    assert balances(parsed) == [(None, D("382.34"), 3, [])]
    assert parsed.statements[0].entries[0].bank_reference == "0000123456782009040100001"


def test_ofx_sgml(samples_dir: Path) -> None:
    parsed = read(samples_dir, "ofx/checking.ofx")
    assert totals(parsed) == {"USD": (3, D("0.01"), D("59.51"))}
    assert balances(parsed) == [(None, D("100.99"), 3, [])]
    dividend = parsed.statements[0].entries[0]
    assert (
        dividend.text
        == "DIVIDEND EARNED FOR PERIOD OF 03/01/2011 THROUGH 03/31/2011 ANNUAL PERCENTAGE YIELD EARNED IS 0.05%"
    )


def test_ofx_empty_tags(samples_dir: Path) -> None:
    parsed = read(samples_dir, "ofx/ofx-v102-empty-tags.ofx")
    assert totals(parsed) == {"AUD": (1, D("12.34"), D("0"))}  # CURDEF empty: the transaction's CURSYM
    assert balances(parsed) == [(None, None, 1, [])]


def test_ofx_xml(samples_dir: Path) -> None:
    parsed = read(samples_dir, "ofx/suncorp.ofx")
    assert parsed.version == "200"
    assert totals(parsed) == {"AUD": (1, D("0"), D("16.85"))}
    # the name is the start of the memo: the memo alone says both
    assert parsed.statements[0].entries[0].text == "EFTPOS WDL HANDYWAY ALDI STORE GEELONG WEST VICAU"
    parsed = read(samples_dir, "ofx/test_ofx.ofx")
    assert totals(parsed) == {"USD": (4, D("0"), D("360"))}
    assert balances(parsed) == [(None, D("2156.56"), 4, []), (None, D("-562.00"), 0, [])]
