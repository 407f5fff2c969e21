"""ISO 20022 camt.053 (versions 001.02 and 001.08) and camt.054: entries, batches with their transaction details,
balances, entries not booked, and the documents refused (DTD, entities, deep nesting, broken XML)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvre.core.bank import BankFileError, detect, parse


def document(version: str, body: str, message: str = "BkToCstmrStmt", kind: str = "053") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{kind}.001.{version}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"<{message}><GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-01-31T18:00:00</CreDtTm></GrpHdr>\n{body}\n"
        f"</{message}>\n</Document>\n"
    ).encode()


def bal(code: str, amount: str, side: str, day: str, currency: str = "EUR") -> str:
    return (
        f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="{currency}">{amount}</Amt>'
        f"<CdtDbtInd>{side}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
    )


V2_STATEMENT = (
    """<Stmt>
<Id>STMT-2024-01-31</Id>
<ElctrncSeqNb>31</ElctrncSeqNb>
<LglSeqNb>12</LglSeqNb>
<Acct><Id><IBAN>FR76 3000 3012 3401 2345 6789 057</IBAN></Id><Ccy>EUR</Ccy></Acct>
"""
    + bal("OPBD", "1000.00", "CRDT", "2024-01-30")
    + bal("CLBD", "2223.51", "CRDT", "2024-01-31")
    + """
<Ntry>
<Amt Ccy="EUR">1234.55</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-01-31</Dt></BookgDt><ValDt><Dt>2024-02-01</Dt></ValDt>
<AcctSvcrRef>B240131-0001</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls>
<Refs><InstrId>I-1</InstrId><EndToEndId>E2E-ACME-42</EndToEndId></Refs>
<AmtDtls><TxAmt><Amt Ccy="EUR">1234.55</Amt></TxAmt></AmtDtls>
<RltdPties>
<Dbtr><Nm>ACME Distribution SAS</Nm></Dbtr><DbtrAcct><Id><IBAN>FR1420041010050500013M02606</IBAN></Id></DbtrAcct>
<Cdtr><Nm>Our Company</Nm></Cdtr>
</RltdPties>
<RmtInf><Ustrd>FACTURES F2024-001</Ustrd><Ustrd>ET F2024-002</Ustrd></RmtInf>
</TxDtls></NtryDtls>
<AddtlNtryInf>VIR SEPA RECU</AddtlNtryInf>
</Ntry>
<Ntry>
<Amt Ccy="EUR">11.04</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-01-31</Dt></BookgDt><ValDt><Dt>2024-01-31</Dt></ValDt>
<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs></TxDtls></NtryDtls>
<AddtlNtryInf>FRAIS   TENUE
  DE COMPTE</AddtlNtryInf>
</Ntry>
<Ntry>
<Amt Ccy="EUR">999.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts>
<BookgDt><Dt>2024-01-31</Dt></BookgDt>
</Ntry>
</Stmt>"""
)


def test_camt053_version_2_statement() -> None:
    parsed = parse(document("02", V2_STATEMENT))
    assert (parsed.format, parsed.version, parsed.warnings) == ("camt.053", "camt.053.001.02", ())
    (statement,) = parsed.statements
    assert statement.account_iban == "FR7630003012340123456789057"
    assert (statement.statement_id, statement.sequence, statement.currency) == ("STMT-2024-01-31", "12", "EUR")
    assert (statement.opening_balance, statement.opening_date) == (Decimal("1000.00"), date(2024, 1, 30))
    assert (statement.closing_balance, statement.closing_date) == (Decimal("2223.51"), date(2024, 1, 31))
    assert statement.line == 4
    payment, fee = statement.entries  # the pending entry is left out, with a warning
    assert [(w.code, w.message) for w in statement.warnings] == [
        ("entries_not_booked", "1 entry is not booked (pending or for information) and is left out")
    ]
    assert (payment.booking_date, payment.value_date, payment.amount, payment.currency) == (
        date(2024, 1, 31),
        date(2024, 2, 1),
        Decimal("1234.55"),
        "EUR",
    )
    assert payment.bank_reference == "B240131-0001"
    assert payment.end_to_end_id == "E2E-ACME-42"
    assert (payment.counterparty_name, payment.counterparty_iban) == (
        "ACME Distribution SAS",  # the debtor of a credit, not the creditor
        "FR1420041010050500013M02606",
    )
    assert payment.text == "FACTURES F2024-001 / ET F2024-002 / VIR SEPA RECU"
    assert payment.details == ()  # one transaction: folded into the entry
    assert ("BkTxCd", "PMNT-RCDT-ESCT") in payment.raw and ("InstrId", "I-1") in payment.raw
    assert payment.line == 10
    assert (fee.amount, fee.end_to_end_id, fee.text, fee.bank_reference) == (
        Decimal("-11.04"),
        "",
        "FRAIS TENUE DE COMPTE",
        "",
    )


V8_STATEMENT = (
    """<Stmt>
<Id>S8</Id>
<Acct><Id><Othr><Id>0123456789</Id></Othr></Id><Ownr><Nm>Our Company</Nm></Ownr></Acct>
"""
    + bal("PRCD", "500.00000", "DBIT", "2024-01-30", "CHF")
    + bal("CLBD", "2983.00001", "CRDT", "2024-01-31", "CHF")
    + """
<Ntry>
<NtryRef>7</NtryRef>
<Amt Ccy="CHF">3483.00001</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>false</RvslInd>
<Sts><Cd>BOOK</Cd></Sts>
<BookgDt><DtTm>2024-01-31T10:15:00+01:00</DtTm></BookgDt>
<AcctSvcrRef>CH-BATCH-1</AcctSvcrRef>
<NtryDtls>
<Btch><PmtInfId>PMT-77</PmtInfId><NbOfTxs>2</NbOfTxs></Btch>
<TxDtls>
<Refs><AcctSvcrRef>TX-1</AcctSvcrRef><EndToEndId>E2E-1</EndToEndId></Refs>
<Amt Ccy="CHF">2187.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RltdPties><Dbtr><Pty><Nm>Banque Cantonale Vaudoise</Nm></Pty></Dbtr>
<DbtrAcct><Id><IBAN>CH2222000000123456789</IBAN></Id></DbtrAcct></RltdPties>
<RmtInf><Strd><RfrdDocInf><Nb>F2024-010</Nb></RfrdDocInf>
<CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>RF18539007547034</Ref></CdtrRefInf>
<AddtlRmtInf>Acompte</AddtlRmtInf></Strd></RmtInf>
</TxDtls>
<TxDtls>
<Refs><AcctSvcrRef>TX-2</AcctSvcrRef><EndToEndId>E2E-2</EndToEndId></Refs>
<Amt Ccy="CHF">1296.00001</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RltdPties><Dbtr><Pty><Nm>Banque Cantonale Vaudoise</Nm></Pty></Dbtr>
<DbtrAcct><Id><IBAN>CH3333000000123456789</IBAN></Id></DbtrAcct>
<UltmtDbtr><Pty><Nm>Client Final SA</Nm></Pty></UltmtDbtr></RltdPties>
<RmtInf><Ustrd>Solde facture F2024-011</Ustrd></RmtInf>
<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>
</TxDtls>
</NtryDtls>
<AddtlNtryInf>CREDIT GROUPE</AddtlNtryInf>
</Ntry>
</Stmt>"""
)


def test_camt053_version_8_batch_keeps_its_transaction_details() -> None:
    parsed = parse(document("08", V8_STATEMENT))
    assert parsed.version == "camt.053.001.08"
    (statement,) = parsed.statements
    assert (statement.account_id, statement.account_iban, statement.account_number) == ("0123456789", "", "0123456789")
    assert statement.currency == "CHF"  # no Acct/Ccy: the balances'
    assert (statement.opening_balance, statement.closing_balance) == (Decimal("-500.00000"), Decimal("2983.00001"))
    assert statement.warnings == ()  # -500.00000 + 3483.00001 = 2983.00001: five decimals, exact
    (batch,) = statement.entries
    assert batch.amount == Decimal("3483.00001") and str(batch.amount) == "3483.00001"
    assert batch.booking_date == date(2024, 1, 31) and batch.value_date is None
    assert (batch.bank_reference, batch.text, batch.counterparty_name) == (
        "CH-BATCH-1",
        "CREDIT GROUPE",
        "Banque Cantonale Vaudoise",  # the same payer for both
    )
    assert batch.counterparty_iban == "" and batch.end_to_end_id == ""
    assert ("Btch/PmtInfId", "PMT-77") in batch.raw and ("NtryRef", "7") in batch.raw
    first, second = batch.details
    assert (first.amount, first.currency, first.bank_reference, first.end_to_end_id) == (
        Decimal("2187.00"),
        "CHF",
        "TX-1",
        "E2E-1",
    )
    assert first.creditor_reference == "RF18539007547034"
    assert first.text == "Acompte / F2024-010 / RF18539007547034"
    assert first.counterparty_iban == "CH2222000000123456789"
    assert (second.amount, second.text, second.counterparty_iban) == (
        Decimal("1296.00001"),
        "Solde facture F2024-011",
        "CH3333000000123456789",
    )
    assert ("UltmtDbtr", "Client Final SA") in second.raw and ("RtrInf", "AC04") in second.raw


NOTIFICATION = """<Ntfctn>
<Id>N1</Id>
<Acct><Id><IBAN>NL77ABNA0574908765</IBAN></Id></Acct>
<Ntry>
<Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2022-01-26</Dt></BookgDt><ValDt><Dt>2022-01-26</Dt></ValDt>
<AcctSvcrRef>98888208N8</AcctSvcrRef>
<NtryDtls><TxDtls>
<Refs><EndToEndId>ENDTOENDID-01</EndToEndId></Refs>
<Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RltdPties><Dbtr><Nm>Test Customer</Nm></Dbtr></RltdPties>
<RmtInf><Strd><CdtrRefInf><Ref>000000000000000000000000003</Ref></CdtrRefInf></Strd></RmtInf>
</TxDtls></NtryDtls>
</Ntry>
</Ntfctn>"""


def test_camt054_notification_has_no_balances_and_no_warning_about_them() -> None:
    content = document("04", NOTIFICATION, message="BkToCstmrDbtCdtNtfctn", kind="054")
    assert detect(content) == "camt.054"
    parsed = parse(content)
    assert (parsed.format, parsed.version) == ("camt.054", "camt.054.001.04")
    (notification,) = parsed.statements
    assert notification.warnings == ()
    assert notification.opening_balance is None and notification.closing_balance is None
    (entry,) = notification.entries
    assert (entry.amount, entry.end_to_end_id, entry.creditor_reference, entry.counterparty_name) == (
        Decimal("5.00"),
        "ENDTOENDID-01",
        "000000000000000000000000003",
        "Test Customer",
    )


def test_several_statements_in_one_message() -> None:
    second = V2_STATEMENT.replace("STMT-2024-01-31", "STMT-2024-02-01").replace(
        "FR76 3000 3012 3401 2345 6789 057", "FR1420041010050500013M02606"
    )
    parsed = parse(document("02", V2_STATEMENT + "\n" + second))
    assert [s.statement_id for s in parsed.statements] == ["STMT-2024-01-31", "STMT-2024-02-01"]
    assert [s.account_iban for s in parsed.statements] == ["FR7630003012340123456789057", "FR1420041010050500013M02606"]
    assert [len(s.entries) for s in parsed.statements] == [2, 2]
    assert parsed.statements[1].line == V2_STATEMENT.count("\n") + 5
    totals = parsed.totals()["EUR"]
    assert (totals.entries, totals.credits, totals.debits) == (4, Decimal("2469.10"), Decimal("22.08"))


def test_balances_that_do_not_agree_and_a_balance_in_another_currency() -> None:
    (statement,) = parse(document("02", V2_STATEMENT.replace(">2223.51<", ">2223.50<"))).statements
    assert [w.message for w in statement.warnings if w.code == "balance_mismatch"] == [
        "the balances do not agree: opening balance 1000.00 EUR + movements 1223.51 EUR = 2223.51 EUR, "
        "but the closing balance is 2223.50 EUR"
    ]
    other = V2_STATEMENT.replace('<Amt Ccy="EUR">2223.51', '<Amt Ccy="SEK">2223.51')
    (statement,) = parse(document("02", other)).statements
    assert statement.closing_balance is None
    assert [w.code for w in statement.warnings] == ["balance_other_currency", "entries_not_booked"]


def test_a_version_newer_than_those_checked_is_read_with_a_warning() -> None:
    parsed = parse(document("10", V2_STATEMENT))
    assert [(w.code, w.message) for w in parsed.warnings] == [
        (
            "format_version",
            "camt.053.001.10 is not one of the versions Recouvre was checked with (001.02 to 001.08)",
        )
    ]
    assert len(parsed.statements[0].entries) == 2


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&lol9;</Id>
</Stmt></BkToCstmrStmt></Document>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>
"""


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (
            BILLION_LAUGHS,
            2,
            "the file declares a DTD or entities (<!DOCTYPE>, <!ENTITY>): refused, a bank statement has none",
        ),
        (
            EXTERNAL_ENTITY,
            3,
            "the file declares a DTD or entities (<!DOCTYPE>, <!ENTITY>): refused, a bank statement has none",
        ),
        (
            BILLION_LAUGHS.decode().encode("utf-16"),
            2,
            "the file declares a DTD or entities (<!DOCTYPE>, <!ENTITY>): refused, a bank statement has none",
        ),
        (
            document("02", V2_STATEMENT.replace("<Id>STMT", "<Id>&undefined;STMT")),
            5,
            "the XML cannot be read: Entity 'undefined' not defined",
        ),
        (
            document("02", V2_STATEMENT.replace("</AddtlNtryInf>\n</Ntry>", "</AddtlNtryInf>\n</Ntri>", 1)),
            25,
            "the XML cannot be read: Opening and ending tag mismatch: Ntry line 10 and Ntri",
        ),
        (
            document("02", "<Stmt>" + "<X>" * 300 + "</X>" * 300 + "</Stmt>"),
            4,
            "the XML cannot be read: Excessive depth in document: 256, use XML_PARSE_HUGE option",
        ),
        (
            document("02", V2_STATEMENT.replace(">1234.55<", ">1234,55<", 1)),
            10,
            "'1234,55' is not an amount (digits, a dot, up to 5 decimals)",
        ),
        (
            document("02", V2_STATEMENT.replace(">1234.55<", ">1234.555555<", 1)),
            10,
            "'1234.555555' is not an amount (digits, a dot, up to 5 decimals)",
        ),
        (
            document(
                "02", V2_STATEMENT.replace("<CdtDbtInd>DBIT</CdtDbtInd><Sts>", "<CdtDbtInd>DEBIT</CdtDbtInd><Sts>")
            ),
            26,
            "the credit/debit indicator 'DEBIT' is neither CRDT nor DBIT",
        ),
        (
            document("02", V2_STATEMENT.replace("<ValDt><Dt>2024-02-01</Dt>", "<ValDt><Dt>2024-02-30</Dt>")),
            10,
            "'2024-02-30' is not a date (YYYY-MM-DD)",
        ),
        (
            document(
                "02",
                V2_STATEMENT.replace("<BookgDt><Dt>2024-01-31</Dt></BookgDt><ValDt><Dt>2024-01-31</Dt></ValDt>", ""),
            ),
            26,
            "the entry has neither a booking date nor a value date",
        ),
        (
            document("02", V2_STATEMENT.replace('<Amt Ccy="EUR">11.04', "<Amt>11.04")),
            26,
            "the amount 11.04 has no valid currency (Ccy)",
        ),
        (
            document(
                "02", V2_STATEMENT.replace("<Acct><Id><IBAN>FR76 3000 3012 3401 2345 6789 057</IBAN></Id>", "<Acct>")
            ),
            4,
            "the statement names no account (Acct/Id)",
        ),
        (
            document("02", V2_STATEMENT.replace("Stmt>", "Rpt>"), message="BkToCstmrAcctRpt", kind="052").replace(
                b"camt.052", b"camt.053"
            ),
            0,
            "a camt.052 account report is not a statement: import the day's camt.053 statement instead",
        ),
        (
            document("02", NOTIFICATION, message="BkToCstmrDbtCdtNtfctn", kind="053"),
            0,
            "the message is a camt.054 but its namespace says camt.053",
        ),
        (document("02", ""), 0, "the file holds no statement (Stmt) or notification (Ntfctn)"),
    ],
)
def test_a_document_is_refused_whole_with_the_line_and_the_reason(content: bytes, line: int, message: str) -> None:
    with pytest.raises(BankFileError) as refused:
        parse(content)
    assert (refused.value.line, refused.value.message) == (line, message)


def test_an_xml_document_that_is_no_bank_message_is_not_detected() -> None:
    with pytest.raises(BankFileError) as refused:
        detect(b'<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>')
    assert refused.value.message == (
        "an XML document that is neither a camt.053 or camt.054 bank message nor an OFX statement"
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le", "utf-16-be"])
def test_a_dtd_is_found_whatever_the_encoding(encoding: str) -> None:
    from recouvre.core.bank.camt import refuse_dtd

    with pytest.raises(BankFileError) as refused:
        refuse_dtd(BILLION_LAUGHS.decode().encode(encoding))
    assert refused.value.line == 2
