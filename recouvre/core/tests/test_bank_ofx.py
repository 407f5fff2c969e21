"""OFX statements: 1.x SGML with unclosed and empty tags, 2.x XML with CDATA and escapes, several statements,
credit cards, and the refusals (DTD and entities included)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvre.core.bank import BankFileError, detect, parse

SGML = """OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20240131120000<LANGUAGE>FRA</SONRS>
</SIGNONMSGSRSV1>
<BANKMSGSRSV1>
<STMTTRNRS>
<TRNUID>20240131
<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS>
<CURDEF>EUR
<BANKACCTFROM>
<BANKID>30003
<BRANCHID>01234
<ACCTID>01234567890
<ACCTTYPE>CHECKING
</BANKACCTFROM>
<BANKTRANLIST>
<DTSTART>20240101
<DTEND>20240131
<STMTTRN>
<TRNTYPE>CREDIT
<DTPOSTED>20240105120000.000[+1:CET]
<DTAVAIL>20240106
<TRNAMT>1234,55
<FITID>24010500001
<NAME>ACME DISTRIBUTION
<MEMO>VIR SEPA FACTURE F2024-001 Réf. RF18 5390 0754 7034
</STMTTRN>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240110<TRNAMT>-15.00<FITID>24011000002<NAME>FRAIS<MEMO></STMTTRN>
</BANKTRANLIST>
<LEDGERBAL><BALAMT>2219.55<DTASOF>20240131</LEDGERBAL>
</STMTRS>
</STMTTRNRS>
</BANKMSGSRSV1>
</OFX>
"""


def test_sgml_with_unclosed_tags() -> None:
    parsed = parse(SGML.encode("cp1252"))
    assert (parsed.format, parsed.version) == ("ofx", "102")
    (statement,) = parsed.statements
    assert (statement.bank_code, statement.branch_code, statement.account_number) == ("30003", "01234", "01234567890")
    assert statement.account_id == "30003 01234 01234567890"
    assert (statement.statement_id, statement.currency) == ("20240131", "EUR")
    assert (statement.closing_balance, statement.closing_date) == (Decimal("2219.55"), date(2024, 1, 31))
    assert statement.opening_balance is None and statement.opening_date == date(2024, 1, 1)
    assert statement.warnings == ()  # OFX has no opening balance: nothing to check, nothing to say
    credit, fee = statement.entries
    assert (credit.booking_date, credit.value_date, credit.amount) == (
        date(2024, 1, 5),
        date(2024, 1, 6),
        Decimal("1234.55"),
    )
    assert credit.bank_reference == "24010500001"
    assert credit.text == "ACME DISTRIBUTION / VIR SEPA FACTURE F2024-001 Réf. RF18 5390 0754 7034"
    assert credit.counterparty_name == "ACME DISTRIBUTION"
    assert credit.creditor_reference == "RF18539007547034"
    assert ("TRNTYPE", "CREDIT") in credit.raw
    assert credit.line == 29
    assert (fee.amount, fee.text, fee.line) == (Decimal("-15.00"), "FRAIS", 38)


def test_several_tags_on_a_line_and_empty_tags() -> None:
    compact = (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>0</TRNUID><STMTRS>"
        "<CURDEF></CURDEF><BANKACCTFROM><BANKID>NPBS</BANKID><BRANCHID></BRANCHID><ACCTID>12345678</ACCTID>"
        "</BANKACCTFROM><BANKTRANLIST><STMTTRN><TRNTYPE>Credit</TRNTYPE><DTPOSTED>20180507</DTPOSTED>"
        "<TRNAMT>12.34</TRNAMT><FITID></FITID><NAME></NAME><MEMO>CBA:Transfer</MEMO><CURRENCY><CURRATE>1.0000"
        "</CURRATE><CURSYM>AUD</CURSYM></CURRENCY></STMTTRN></BANKTRANLIST><LEDGERBAL><BALAMT></BALAMT>"
        "<DTASOF></DTASOF></LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
    )
    (statement,) = parse(compact.encode()).statements
    assert statement.currency == "AUD"  # CURDEF is empty: the transactions' CURSYM
    assert statement.closing_balance is None
    (entry,) = statement.entries
    assert (entry.amount, entry.currency, entry.bank_reference, entry.text) == (
        Decimal("12.34"),
        "AUD",
        "",
        "CBA:Transfer",
    )


XML = """<?xml version="1.0" encoding="UTF-8"?>
<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX>
  <BANKMSGSRSV1>
    <STMTTRNRS>
      <TRNUID>1</TRNUID>
      <STMTRS>
        <CURDEF>USD</CURDEF>
        <BANKACCTFROM><BANKID>000000123</BANKID><ACCTID>123456</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>
        <BANKTRANLIST>
          <STMTTRN>
            <TRNTYPE>POS</TRNTYPE><DTPOSTED>20130824080000</DTPOSTED><TRNAMT>-80</TRNAMT><FITID>219378</FITID>
            <NAME><![CDATA[AT&T <Wireless>  ]]></NAME><MEMO>Bill &amp; fees &#233;t&#xE9;</MEMO>
          </STMTTRN>
        </BANKTRANLIST>
        <BANKTRANLIST>
          <STMTTRN>
            <TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20130825</DTPOSTED><TRNAMT>+100.50</TRNAMT><FITID>219379</FITID>
            <PAYEE><NAME>China Export</NAME></PAYEE>
          </STMTTRN>
        </BANKTRANLIST>
        <LEDGERBAL><BALAMT>2156.56</BALAMT><DTASOF>20130831165153</DTASOF></LEDGERBAL>
      </STMTRS>
    </STMTTRNRS>
    <STMTTRNRS>
      <TRNUID>2</TRNUID>
      <STMTRS>
        <CURDEF>EUR</CURDEF>
        <BANKACCTFROM><BANKID>30003</BANKID><ACCTID>FR7630003012340123456789057</ACCTID></BANKACCTFROM>
        <BANKTRANLIST></BANKTRANLIST>
      </STMTRS>
    </STMTTRNRS>
  </BANKMSGSRSV1>
  <CREDITCARDMSGSRSV1>
    <CCSTMTTRNRS>
      <TRNUID>3</TRNUID>
      <CCSTMTRS>
        <CURDEF>USD</CURDEF>
        <CCACCTFROM><ACCTID>123412341234</ACCTID></CCACCTFROM>
        <BANKTRANLIST></BANKTRANLIST>
        <LEDGERBAL><BALAMT>-562.00</BALAMT><DTASOF>20130831</DTASOF></LEDGERBAL>
      </CCSTMTRS>
    </CCSTMTTRNRS>
  </CREDITCARDMSGSRSV1>
</OFX>
"""


def test_xml_with_cdata_escapes_several_lists_and_statements() -> None:
    parsed = parse(XML.encode())
    assert (parsed.format, parsed.version) == ("ofx", "211")
    checking, euro, card = parsed.statements
    assert [s.statement_id for s in parsed.statements] == ["1", "2", "3"]
    pos, credit = checking.entries  # the two BANKTRANLISTs of one statement
    assert pos.counterparty_name == "AT&T <Wireless>"
    assert pos.text == "AT&T <Wireless> / Bill & fees été"
    assert (pos.amount, pos.booking_date) == (Decimal("-80"), date(2013, 8, 24))
    assert (credit.amount, credit.counterparty_name) == (Decimal("100.50"), "China Export")
    assert euro.account_iban == "FR7630003012340123456789057" and euro.entries == ()
    assert (card.account_id, card.closing_balance, card.entries) == ("123412341234", Decimal("-562.00"), ())
    totals = parsed.totals()
    assert {c: (t.entries, t.credits, t.debits) for c, t in totals.items()} == {
        "USD": (2, Decimal("100.50"), Decimal("80"))
    }


def test_a_statement_without_currency_takes_the_organizations() -> None:
    content = SGML.replace("<CURDEF>EUR\n", "").encode()
    (statement,) = parse(content, default_currency="EUR").statements
    assert statement.currency == "EUR"
    assert [w.code for w in statement.warnings] == ["currency_assumed"]


def test_detected_from_the_content() -> None:
    assert detect(SGML.encode()) == "ofx"
    assert detect(("\n" * 12 + SGML).encode()) == "ofx"
    assert detect(XML.encode()) == "ofx"


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (SGML.replace("<TRNAMT>1234,55\n", ""), 29, "the transaction has no amount (TRNAMT)"),
        (SGML.replace("<TRNAMT>1234,55", "<TRNAMT>12 34,5,5"), 29, "'12 34,5,5' is not an amount"),
        (SGML.replace("<DTPOSTED>20240110", "<DTPOSTED>20241310"), 38, "'20241310' is not an OFX date (YYYYMMDD...)"),
        (SGML.replace("<CURDEF>EUR", "<CURDEF>EURO"), 18, "'EURO' is not a currency code"),
        (SGML.replace("</BANKACCTFROM>", "</BANKACCTFROM></STATUS>"), 25, "</STATUS> closes no open element"),
        (
            SGML.replace("<ACCTID>01234567890\n", ""),
            18,
            "the statement has no account (BANKACCTFROM or CCACCTFROM with ACCTID)",
        ),
        (
            XML.replace("<OFX>", '<!DOCTYPE OFX [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<OFX>'),
            3,
            "the file declares a DTD or entities (<!...>): refused",
        ),
        (
            SGML.replace("<STMTRS>", "<STMTRS>\nstray"),
            19,
            "text 'stray' inside <STMTRS>, which holds elements, not text",
        ),
        (SGML.replace("</OFX>", "</OFX>\nstray<OFX>"), 45, "text 'stray' outside of any OFX element"),
        (SGML.replace("<BANKMSGSRSV1>", "<BANKMSGSRSV1>" + "<A>" * 70), 14, "the elements are nested too deeply"),
        (
            "OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>",
            0,
            "the file holds no bank or credit-card statement (STMTRS, CCSTMTRS)",
        ),
    ],
)
def test_a_bad_file_is_refused_whole_with_the_line_and_the_reason(content: str, line: int, message: str) -> None:
    with pytest.raises(BankFileError) as refused:
        parse(content.encode("cp1252"))
    assert (refused.value.line, refused.value.message) == (line, message)
