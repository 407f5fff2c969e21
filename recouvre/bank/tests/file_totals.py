"""The totals of a bank file read straight from its text with a few regular expressions, without the readers of
``recouvre.core.bank``: what the file itself says its booked entries add up to, per currency (count, credits,
debits as positive sums), to check an import against."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

Totals = dict[str, tuple[int, Decimal, Decimal]]


def _add(totals: dict[str, list[Any]], currency: str, amount: Decimal) -> None:
    bucket = totals.setdefault(currency, [0, Decimal(0), Decimal(0)])
    bucket[0] += 1
    if amount.is_signed():
        bucket[2] -= amount
    else:
        bucket[1] += amount


def _camt(text: str, totals: dict[str, list[Any]]) -> None:
    for entry in re.findall(r"<Ntry>(.*?)</Ntry>", text, re.S):
        status = re.search(r"<Sts>\s*(?:<Cd>)?\s*(\w+)", entry)
        if status is None or status.group(1) != "BOOK":
            continue
        found = re.search(r'<Amt Ccy="(\w+)">([\d.]+)</Amt>\s*<CdtDbtInd>(\w+)</CdtDbtInd>', entry)
        assert found is not None, entry[:200]
        currency, amount, side = found.groups()
        _add(totals, currency, Decimal(amount) if side == "CRDT" else -Decimal(amount))


def _mt940(text: str, totals: dict[str, list[Any]]) -> None:
    currency = ""
    for line in text.splitlines():
        opening = re.match(r":60[FM]:[CD]\d{6}([A-Z]{3})", line)
        if opening:
            currency = opening.group(1)
        movement = re.match(r":61:\d{6}(?:\d{4})?(R?[CD])[A-Z]?(\d+,\d*)", line)
        if movement:
            side, amount = movement.groups()
            value = Decimal(amount.replace(",", "."))
            _add(totals, currency, value if side in ("C", "RD") else -value)


_OVERPUNCH = {c: (str(i), 1) for i, c in enumerate("{ABCDEFGHI")} | {
    c: (str(i), -1) for i, c in enumerate("}JKLMNOPQR")
}


def _cfonb(text: str, totals: dict[str, list[Any]]) -> None:
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.startswith("04"):
            continue
        currency = line[16:19].strip() or "EUR"
        decimals = int(line[19]) if line[19].strip() else 2
        field = line[90:104]
        digit, sign = _OVERPUNCH[field[-1]]
        _add(totals, currency, Decimal(int(field[:-1] + digit)).scaleb(-decimals) * sign)


def _ofx(text: str, totals: dict[str, list[Any]]) -> None:
    currency = re.search(r"<CURDEF>([A-Z]{3})", text) or re.search(r"<CURSYM>([A-Z]{3})", text)
    assert currency is not None
    for amount in re.findall(r"<TRNAMT>\s*([-+\d.]+)", text):
        _add(totals, currency.group(1), Decimal(amount))


def file_totals(path: Path) -> Totals:
    """Per currency: (entries, credits, debits) of the booked entries of a sample file, by its folder's format."""
    text = path.read_bytes().decode("latin-1")
    totals: dict[str, list[Any]] = {}
    {"camt": _camt, "mt940": _mt940, "cfonb": _cfonb, "ofx": _ofx}[path.parent.name](text, totals)
    return {code: (t[0], t[1], t[2]) for code, t in sorted(totals.items())}
