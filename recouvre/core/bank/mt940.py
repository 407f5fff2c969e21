"""SWIFT MT940 customer statements, with or without the SWIFT envelope (``{1:...}{2:...}{4:`` ... ``-}``).

A statement starts at ``:20:`` (its reference); ``:25:`` names the account (an IBAN, possibly followed by the
currency, or a bank's own number), ``:28C:`` the statement and sequence numbers, ``:60F:``/``:60M:`` the opening
balance, each ``:61:`` a movement with the ``:86:`` that follows it, ``:62F:``/``:62M:`` the closing balance.

``:61:`` reads value date (YYMMDD), booking date (MMDD, optional), ``C``/``D`` (or ``RC``, a reversed credit,
booked as a debit, and ``RD``), an optional funds code, the amount with a decimal comma, the transaction type
(``NTRF``...), the customer's reference, ``//`` and the bank's reference, then supplementary details on the
next line. ``:86:`` may run over several lines; three layouts are read:

- German *Mehrzweckfeld* (``166?00GUTSCHRIFT?20EREF+...?21...?32name``): posting text ``?00``, purpose
  ``?20``-``?29`` and ``?60``-``?63`` with the SEPA keywords ``EREF+``, ``SVWZ+``..., counterparty ``?30``
  (BIC), ``?31`` (IBAN), ``?32``-``?33`` (name);
- Dutch/ING structured (``/EREF/.../CNTP/iban/bic/name/city/REMI/USTD//text/``);
- free text, whose lines are joined with spaces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from ..i18n import _, gettext_noop
from .common import (
    StatementDraft,
    decode,
    find_creditor_reference,
    finish,
    join_text,
    split_lines,
    squeeze,
    valid_iban,
)
from .model import BankFileError, ParsedEntry, ParsedFile, ParsedStatement

_FIELD = re.compile(r":(\d{2}[A-Z]?):")
_BALANCE = re.compile(r"([CD])(\d{6})([A-Z]{3})(\d[\d,]*)", re.ASCII)
_LINE61 = re.compile(r"(\d{6})(\d{4})?(RC|RD|C|D)([A-Z])?(\d[\d,]{0,16})([A-Z][A-Z0-9]{3})(.*)", re.ASCII)
_GV = re.compile(r"\d{3}\?\d{2}")
_GV_SUBFIELD = re.compile(r"\?(\d{2})")
_SEPA_KEYWORDS = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|COAM|OAMT|SQTP|PURP)\+")
_ING_KEYS = (
    "EREF|PREF|MARF|CSID|CNTP|REMI|RTRN|IREF|ORDP|BENM|ULTC|ULTD|ULTB|PURP|BUSP|TRCD|SUM|NAME|ADDR|IBAN|BIC|ISDT"
    "|FX|EXCH|CHGS|RTYP|OCMT|ACCW|KREF"
)
_ING = re.compile(rf"/({_ING_KEYS})/")
_NOT_PROVIDED = {"NOTPROVIDED", "NONREF", "NOT PROVIDED"}
_IBAN_AND_CURRENCY = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}[A-Z]{3}")
_MAX_PREAMBLE = 5  # lines some banks write before the first field (their BIC, "940"...)


def looks_like(lines: list[str]) -> bool:
    """The envelope's ``{1:``, or a field (``:20:``...) within the first few lines and an account (``:25:``) in
    the first fifty."""
    seen = 0
    for line in lines:
        text = line.strip()
        if not text:
            continue
        if text.startswith("{1:"):
            return True
        if _FIELD.match(text):
            return any(x.startswith(":25:") for x in lines[:50])
        seen += 1
        if seen > _MAX_PREAMBLE:
            return False
    return False


class _Field:
    __slots__ = ("tag", "lines", "line")

    def __init__(self, tag: str, first: str, line: int):
        self.tag = tag
        self.lines = [first]
        self.line = line


def fields(lines: list[str]) -> list[_Field]:
    """The fields of the file, their continuation lines attached, the envelope and the ``-`` ends left out."""
    out: list[_Field] = []
    current: _Field | None = None
    preamble = 0
    enveloped = False  # inside a {4: block, which "-}" ends: a lone "-" there is text
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if line.startswith("{"):
            current = None
            at = line.find("{4:")
            if at < 0:
                continue
            enveloped = True
            line = line[at + 3 :]
            if not line.strip():
                continue
        if line.startswith("-}") or (line.strip() == "-" and not enveloped):
            current = None
            enveloped = False
            continue
        if line.startswith(":") and (m := _FIELD.match(line)):
            current = _Field(m.group(1), line[m.end() :], lineno)
            out.append(current)
        elif current is not None:
            current.lines.append(raw)  # as written: a line cut at 65 characters may end with a space
        elif line.strip():
            preamble += 1
            if out or preamble > _MAX_PREAMBLE:
                raise BankFileError(lineno, _("this line is not part of an MT940 field (:20:, :61:...)"))
    return out


def _amount(text: str, line: int) -> Decimal:
    """``1234,56`` / ``300,`` / ``970499,9``: digits with exactly one decimal comma."""
    if text.count(",") != 1 or not text.replace(",", "").isdigit() or not text.isascii():
        raise BankFileError(line, _("%(text)r is not an MT940 amount (digits with a decimal comma)") % {"text": text})
    whole, _sep, cents = text.partition(",")
    return Decimal(f"{whole}.{cents}" if cents else whole)


def _date(text: str, line: int) -> date:
    try:
        year = int(text[0:2])
        return date(1900 + year if year >= 80 else 2000 + year, int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise BankFileError(line, _("%(text)r is not a date (YYMMDD)") % {"text": text}) from None


def _balance(field: _Field) -> tuple[Decimal, date, str]:
    text = "".join("".join(field.lines).split())
    m = _BALANCE.fullmatch(text)
    if m is None:
        raise BankFileError(
            field.line,
            _(":%(tag)s: %(text)r is not a balance (C or D, date YYMMDD, currency, amount)")
            % {"tag": field.tag, "text": text},
        )
    amount = _amount(m.group(4), field.line)
    return (amount if m.group(1) == "C" else amount.copy_negate()), _date(m.group(2), field.line), m.group(3)


def _booking_date(value: date, mmdd: str, line: int) -> date:
    """The booking date's month and day, in the year that puts it nearest the value date."""
    month, day = int(mmdd[:2]), int(mmdd[2:])
    for year in (value.year, value.year - 1, value.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if abs((candidate - value).days) <= 183:
            return candidate
    raise BankFileError(line, _("%(text)r is not a booking date (MMDD)") % {"text": mmdd})


def _info(lines: list[str]) -> dict[str, str]:
    """What an ``:86:`` says: ``text``, ``name``, ``iban``, ``e2e``, ``creditor_reference``, and raw values."""
    structured = "".join(lines)
    if _GV.match(structured):
        return _german(structured)
    if _ING.match(structured):
        return _dutch(structured)
    text = squeeze(" ".join(lines))
    info = {"text": text}
    first = text.split(" ", 1)[0] if text else ""
    if iban := valid_iban(first):
        info["iban"] = iban
    return info


def _german(text: str) -> dict[str, str]:
    parts = _GV_SUBFIELD.split(text)
    info: dict[str, str] = {"gv_code": parts[0]}
    sub: dict[str, str] = {}
    purpose: list[str] = []
    for code, value in zip(parts[1::2], parts[2::2], strict=False):
        if "20" <= code <= "29" or "60" <= code <= "63":
            purpose.append(value)
        else:
            sub[code] = sub.get(code, "") + value
    joined = "".join(purpose)
    keywords: dict[str, str] = {}
    pieces = _SEPA_KEYWORDS.split(joined)
    free = pieces[0]
    for key, value in zip(pieces[1::2], pieces[2::2], strict=False):
        keywords.setdefault(key, value)
    e2e = squeeze(keywords.get("EREF", ""))
    if len(e2e) > 35:  # the value ran on into a subfield that is not the reference's
        start = next((p for p in purpose if "EREF+" in p), "")
        e2e = squeeze(start.split("EREF+", 1)[1]) if start else ""
    if e2e.upper() in _NOT_PROVIDED:
        e2e = ""
    info["posting_text"] = squeeze(sub.get("00", ""))
    info["text"] = join_text([keywords.get("SVWZ") or joined or free, keywords.get("ABWA")])
    info["name"] = squeeze(sub.get("32", "") + sub.get("33", ""))
    info["iban"] = valid_iban(sub.get("31"))
    info["bic"] = squeeze(sub.get("30", ""))
    info["e2e"] = e2e
    for key in ("KREF", "MREF", "CRED"):
        if keywords.get(key):
            info[key.lower()] = squeeze(keywords[key])
    return info


def _dutch(text: str) -> dict[str, str]:
    parts = _ING.split(text)
    values: dict[str, str] = {}
    for key, value in zip(parts[1::2], parts[2::2], strict=False):
        values.setdefault(key, value)
    info: dict[str, str] = {}
    counterparty = values.get("CNTP") or values.get("ORDP") or values.get("BENM") or ""
    if counterparty:
        bits = counterparty.split("/")
        info["iban"] = valid_iban(bits[0])
        info["name"] = squeeze(bits[2]) if len(bits) > 2 else ""
    remittance = values.get("REMI", "")
    if remittance.startswith("USTD//"):
        info["text"] = squeeze(remittance[6:].rstrip("/"))
    elif remittance.startswith("STRD/"):
        bits = remittance.split("/")
        info["creditor_reference"] = squeeze(bits[2]) if len(bits) > 2 else ""
        info["text"] = info["creditor_reference"]
    else:
        info["text"] = squeeze(remittance.rstrip("/"))
    e2e = squeeze(values.get("EREF", "").rstrip("/"))
    info["e2e"] = "" if e2e.upper() in _NOT_PROVIDED else e2e
    for key in ("PREF", "MARF", "CSID", "RTRN"):
        if values.get(key):
            info[key.lower()] = squeeze(values[key].rstrip("/"))
    return info


def _entry(field: _Field, info_lines: list[str] | None, currency: str) -> ParsedEntry:
    first = field.lines[0].strip()
    m = _LINE61.fullmatch(first)
    if m is None:
        raise BankFileError(
            field.line,
            _(
                ":61: %(text)r is not a movement (value date YYMMDD, booking date MMDD, C or D, amount, "
                "transaction type such as NTRF, references)"
            )
            % {"text": first},
        )
    value_date = _date(m.group(1), field.line)
    booking = _booking_date(value_date, m.group(2), field.line) if m.group(2) else value_date
    amount = _amount(m.group(5), field.line)
    if m.group(3) in ("D", "RC"):
        amount = amount.copy_negate()
    references = m.group(7)
    customer_ref, _sep, bank_ref = references.partition("//")
    customer_ref, bank_ref = customer_ref.strip(), bank_ref.strip()
    supplementary = squeeze(" ".join(field.lines[1:]))
    raw: list[tuple[str, str]] = [("transaction_type", m.group(6))]
    if m.group(3) in ("RC", "RD"):
        raw.append(("reversal", m.group(3)))
    if customer_ref and customer_ref.upper() not in _NOT_PROVIDED:
        raw.append(("customer_reference", customer_ref))
    if supplementary:
        raw.append(("supplementary_details", supplementary))
    info = _info(info_lines) if info_lines is not None else {}
    for key in ("gv_code", "posting_text", "bic", "kref", "mref", "cred", "pref", "marf", "csid", "rtrn"):
        if info.get(key):
            raw.append((key, info[key]))
    if info_lines is not None:
        raw.append(("86", "\n".join(line.rstrip() for line in info_lines).strip()))
    text = info.get("text", "") or supplementary
    return ParsedEntry(
        booking_date=booking,
        value_date=value_date,
        amount=amount,
        currency=currency,
        bank_reference="" if bank_ref.upper() in _NOT_PROVIDED else bank_ref,
        text=text,
        counterparty_name=info.get("name", ""),
        counterparty_iban=info.get("iban", ""),
        end_to_end_id=info.get("e2e", ""),
        creditor_reference=info.get("creditor_reference") or find_creditor_reference(text),
        line=field.line,
        raw=tuple(raw),
    )


_MISSING = {
    "60": gettext_noop("the statement has no opening balance (:60F:): its balances are not checked"),
    "62": gettext_noop("the statement has no closing balance (:62F:): its balances are not checked"),
}


def _statement(
    group: list[_Field], account_currencies: Mapping[str, str] | None, default_currency: str | None
) -> ParsedStatement:
    head = group[0]
    draft = StatementDraft(line=head.line, statement_id=squeeze(" ".join(head.lines)))
    movements: list[tuple[_Field, list[str] | None]] = []
    seen: set[str] = set()
    for index, field in enumerate(group[1:], start=1):
        tag = field.tag
        if tag == "25":
            account = squeeze(" ".join(field.lines))
            draft.account_number = account
            if not valid_iban(account) and _IBAN_AND_CURRENCY.fullmatch(
                account
            ):  # some banks (ING) write the currency after the IBAN
                account = account[:-3]
            iban = valid_iban(account)
            draft.account_iban = iban
            draft.account_id = iban or account
        elif tag in ("28", "28C"):
            draft.sequence = "".join("".join(field.lines).split())
        elif tag in ("60F", "60M"):
            draft.opening_balance, draft.opening_date, currency = _balance(field)
            draft.currency = draft.currency or currency
            seen.add("60")
        elif tag in ("62F", "62M"):
            draft.closing_balance, draft.closing_date, currency = _balance(field)
            draft.currency = draft.currency or currency
            seen.add("62")
        elif tag == "61":
            following = group[index + 1] if index + 1 < len(group) else None
            movements.append((field, following.lines if following is not None and following.tag == "86" else None))
    if not draft.account_number:
        raise BankFileError(head.line, _("the statement has no account (:25:)"))
    draft.entries = [_entry(field, info, draft.currency) for field, info in movements]
    for key in ("60", "62"):
        if key not in seen:
            draft.warn("balance_not_checked", _(_MISSING[key]))
    return finish(draft, account_currencies=account_currencies, default_currency=default_currency)


def parse(
    content: bytes, *, account_currencies: Mapping[str, str] | None = None, default_currency: str | None = None
) -> ParsedFile:
    all_fields = fields(split_lines(decode(content)))
    if not all_fields:
        raise BankFileError(0, _("the file holds no MT940 field"))
    if all_fields[0].tag != "20":
        raise BankFileError(
            all_fields[0].line,
            _("an MT940 statement starts with its reference (:20:), not :%(tag)s:") % {"tag": all_fields[0].tag},
        )
    groups: list[list[_Field]] = []
    for field in all_fields:
        if field.tag == "20":
            groups.append([field])
        else:
            groups[-1].append(field)
    statements = [_statement(group, account_currencies, default_currency) for group in groups]
    return ParsedFile(format="mt940", statements=tuple(statements))
