"""Reading large bank files: a statement of ``--size`` entries in each format, generated in memory, parsed and
timed (seconds, entries per second), and the entry keys computed.

    .venv/bin/python bench/bank_parse.py                 # 100 000 entries per format
    .venv/bin/python bench/bank_parse.py --size 20000
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recouvre.core.bank import entry_keys, parse  # noqa: E402

START = date(2025, 1, 1)


def amounts(n: int) -> list[Decimal]:
    """Credits and debits, every fifth one a debit, in cents from 1.00 to about 10 000.00."""
    return [Decimal((i * 7919) % 1_000_000 + 100).scaleb(-2) * (-1 if i % 5 == 4 else 1) for i in range(n)]


def overpunch(amount: Decimal) -> str:
    cents = int(abs(amount) * 100)
    last = cents % 10
    letter = ("{ABCDEFGHI" if amount >= 0 else "}JKLMNOPQR")[last]
    return f"{cents // 10:013d}{letter}"


def cfonb(n: int) -> bytes:
    values = amounts(n)
    head = "0130003    01234EUR2 01234567890  311224" + " " * 50 + overpunch(Decimal("1000.00")) + " " * 16
    lines = [head]
    for i, amount in enumerate(values):
        day = (START + timedelta(days=i % 28)).strftime("%d%m%y")
        label = f"VIR CLIENT {i:06d}".ljust(31)
        lines.append(f"0430003000501234EUR2E0123456789018{day}  {day}{label}  0000000  {overpunch(amount)}" + " " * 16)
        lines.append(f"0530003000501234EUR2E0123456789018{day}     LCCFACTURE F{i:08d}".ljust(120))
    closing = Decimal("1000.00") + sum(values)
    lines.append("0730003    01234EUR2 01234567890  280125" + " " * 50 + overpunch(closing) + " " * 16)
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def mt940(n: int) -> bytes:
    values = amounts(n)
    out = [":20:STMT1", ":25:FR7630003012340123456789057", ":28C:1/1", ":60F:C241231EUR1000,00"]
    for i, amount in enumerate(values):
        d = (START + timedelta(days=i % 28)).strftime("%y%m%d")
        mark = "C" if amount >= 0 else "D"
        out.append(f":61:{d}{d[2:]}{mark}{str(abs(amount)).replace('.', ',')}NTRFNONREF//B{i:010d}")
        out.append(f":86:/EREF/E2E{i}//REMI/USTD//FACTURE F{i:08d}/")
    closing = Decimal("1000.00") + sum(values)
    out.append(f":62F:{'C' if closing >= 0 else 'D'}250128EUR{str(abs(closing)).replace('.', ',')}")
    return ("\r\n".join(out) + "\r\n-\r\n").encode("ascii")


def camt(n: int) -> bytes:
    values = amounts(n)
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{ns}"><BkToCstmrStmt><GrpHdr><MsgId>1</MsgId>'
        "</GrpHdr><Stmt><Id>S1</Id><Acct><Id><IBAN>FR7630003012340123456789057</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        "<Dt><Dt>2024-12-31</Dt></Dt></Bal>"
    ]
    closing = Decimal("1000.00") + sum(values)
    parts.append(
        f'<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{abs(closing)}</Amt>'
        f"<CdtDbtInd>{'CRDT' if closing >= 0 else 'DBIT'}</CdtDbtInd><Dt><Dt>2025-01-28</Dt></Dt></Bal>"
    )
    for i, amount in enumerate(values):
        d = (START + timedelta(days=i % 28)).isoformat()
        side = "CRDT" if amount >= 0 else "DBIT"
        party = "Dbtr" if amount >= 0 else "Cdtr"
        parts.append(
            f'<Ntry><Amt Ccy="EUR">{abs(amount)}</Amt><CdtDbtInd>{side}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
            f"<BookgDt><Dt>{d}</Dt></BookgDt><ValDt><Dt>{d}</Dt></ValDt><AcctSvcrRef>B{i:010d}</AcctSvcrRef>"
            f"<NtryDtls><TxDtls><Refs><EndToEndId>E2E{i}</EndToEndId></Refs><RltdPties><{party}><Pty><Nm>Client {i}"
            f"</Nm></Pty></{party}><{party}Acct><Id><IBAN>FR7630003012340123456789057</IBAN></Id></{party}Acct>"
            f"</RltdPties><RmtInf><Ustrd>FACTURE F{i:08d}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n"
        )
    parts.append("</Stmt></BkToCstmrStmt></Document>")
    return "".join(parts).encode("utf-8")


def ofx(n: int) -> bytes:
    values = amounts(n)
    out = [
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
        "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1"
        "<STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>30003<ACCTID>01234567890<ACCTTYPE>CHECKING</BANKACCTFROM>"
        "<BANKTRANLIST><DTSTART>20250101<DTEND>20250128"
    ]
    for i, amount in enumerate(values):
        d = (START + timedelta(days=i % 28)).strftime("%Y%m%d")
        out.append(
            f"<STMTTRN>\n<TRNTYPE>CREDIT\n<DTPOSTED>{d}\n<TRNAMT>{amount}\n<FITID>B{i:010d}\n<NAME>CLIENT {i}\n"
            f"<MEMO>FACTURE F{i:08d}\n</STMTTRN>\n"
        )
    out.append("</BANKTRANLIST><LEDGERBAL><BALAMT>0<DTASOF>20250128</LEDGERBAL></STMTRS></STMTTRNRS>")
    out.append("</BANKMSGSRSV1></OFX>\n")
    return "".join(out).encode("ascii")


def csv(n: int) -> tuple[bytes, dict[str, object]]:
    values = amounts(n)
    rows = ["Date opération;Date valeur;Libellé;Débit;Crédit"]
    for i, amount in enumerate(values):
        d = (START + timedelta(days=i % 28)).strftime("%d/%m/%Y")
        debit, credit = (str(-amount).replace(".", ","), "") if amount < 0 else ("", str(amount).replace(".", ","))
        rows.append(f"{d};{d};VIR CLIENT {i} FACTURE F{i:08d};{debit};{credit}")
    return ("\r\n".join(rows) + "\r\n").encode("cp1252"), {"columns": {}, "account": "FR7630003012340123456789057"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    csv_content, mapping = csv(args.size)
    files: list[tuple[str, bytes, dict[str, object] | None]] = [
        ("cfonb120", cfonb(args.size), None),
        ("mt940", mt940(args.size), None),
        ("camt.053", camt(args.size), None),
        ("ofx", ofx(args.size), None),
        ("csv", csv_content, mapping),
    ]
    print(f"{'format':10} {'MB':>7} {'entries':>8} {'parse s':>8} {'cpu s':>6} {'keys s':>7} {'entries/s':>10}")
    for name, content, csv_mapping in files:
        started, cpu = time.perf_counter(), time.process_time()
        parsed = parse(content, default_currency="EUR", csv_mapping=csv_mapping, max_bytes=1 << 30)
        parse_seconds = time.perf_counter() - started
        parse_cpu = time.process_time() - cpu
        started = time.perf_counter()
        for statement in parsed.statements:
            entry_keys(statement)
        key_seconds = time.perf_counter() - started
        count = parsed.entry_count
        assert count == args.size, (name, count)
        assert not [w for w in parsed.all_warnings() if w.code == "balance_mismatch"], name
        print(
            f"{name:10} {len(content) / 1e6:7.1f} {count:8} {parse_seconds:8.2f} {parse_cpu:6.2f} {key_seconds:7.2f} "
            f"{count / parse_seconds:10.0f}"
        )


if __name__ == "__main__":
    main()
