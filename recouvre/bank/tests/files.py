"""Small bank files written for the tests: camt.053 statements and CSV exports."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

IBAN = "FR7630003012340123456789057"
OTHER_IBAN = "FR1420041010050500013M02606"


@dataclass
class Entry:
    amount: str  # signed: + for a credit
    day: str  # ISO
    reference: str = ""
    name: str = ""
    text: str = ""


@dataclass
class Statement:
    id: str
    entries: list[Entry]
    iban: str = IBAN
    currency: str | None = "EUR"
    opening: str = "1000.00"
    opening_day: str = "2024-01-01"
    closing_day: str = "2024-01-31"
    closing: str | None = None  # default: opening + the entries


def _balance(code: str, amount: Decimal, day: str, currency: str) -> str:
    side = "CRDT" if amount >= 0 else "DBIT"
    return (
        f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="{currency}">{abs(amount)}</Amt>'
        f"<CdtDbtInd>{side}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
    )


def camt053(*statements: Statement) -> bytes:
    body = []
    for s in statements:
        currency = s.currency or "EUR"
        opening = Decimal(s.opening)
        closing = Decimal(s.closing) if s.closing is not None else opening + sum(Decimal(e.amount) for e in s.entries)
        parts = [f"<Stmt><Id>{s.id}</Id><Acct><Id><IBAN>{s.iban}</IBAN></Id>"]
        parts.append(f"<Ccy>{s.currency}</Ccy></Acct>" if s.currency else "</Acct>")
        parts.append(_balance("OPBD", opening, s.opening_day, currency))
        parts.append(_balance("CLBD", closing, s.closing_day, currency))
        for e in s.entries:
            amount = Decimal(e.amount)
            side, party = ("CRDT", "Dbtr") if amount >= 0 else ("DBIT", "Cdtr")
            ref = f"<AcctSvcrRef>{e.reference}</AcctSvcrRef>" if e.reference else ""
            parts.append(
                f'<Ntry><Amt Ccy="{currency}">{abs(amount)}</Amt><CdtDbtInd>{side}</CdtDbtInd><Sts>BOOK</Sts>'
                f"<BookgDt><Dt>{e.day}</Dt></BookgDt><ValDt><Dt>{e.day}</Dt></ValDt>{ref}"
                f"<NtryDtls><TxDtls><RltdPties><{party}><Nm>{e.name}</Nm></{party}></RltdPties>"
                f"<RmtInf><Ustrd>{e.text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
            )
        parts.append("</Stmt>")
        body.append("\n".join(parts))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-01-31T18:00:00</CreDtTm></GrpHdr>\n"
        + "\n".join(body)
        + "\n</BkToCstmrStmt></Document>\n"
    ).encode()


JANUARY_1_15 = Statement(
    "S-0115",
    [
        Entry("1234.55", "2024-01-03", "B-001", "ACME Distribution SAS", "FACTURE F2024-001"),
        Entry("-11.04", "2024-01-05", "B-002", "", "FRAIS TENUE DE COMPTE"),
        Entry("500.00", "2024-01-12", "B-003", "Martin SARL", "F2024-007"),
    ],
    closing_day="2024-01-15",
)
JANUARY_10_31 = Statement(
    "S-0131",
    [
        Entry("500.00", "2024-01-12", "B-003", "Martin SARL", "F2024-007"),
        Entry("250.10", "2024-01-20", "B-004", "Dupont SA", "F2024-010"),
        Entry("-42.00", "2024-01-25", "B-005", "", "CARTE 24/01 STATION"),
    ],
    opening="1000.00",
    opening_day="2024-01-10",
)


def csv_export(rows: list[tuple[str, str, str]], *, currency: str | None = None) -> bytes:
    """A French bank export: ``Date;Libellé;Montant`` (and ``Devise``), amounts with a decimal comma."""
    head = "Date;Libellé;Montant" + (";Devise" if currency else "")
    lines = [head]
    for day, label, amount in rows:
        lines.append(f"{day};{label};{amount}" + (f";{currency}" if currency else ""))
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")
