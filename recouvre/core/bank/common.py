"""What the format readers share: decoding, texts, references, and finishing a statement (its currency, its
balance check)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from stdnum import iban as _iban
from stdnum import iso11649 as _rf

from ..i18n import _
from .model import BankFileError, BankWarning, ParsedEntry, ParsedStatement

TEXT_SEPARATOR = " / "
_SPACES = re.compile(r"\s+")
_RF = re.compile(r"(?<![0-9A-Z])RF\d{2}(?: ?[0-9A-Z]){1,21}")


def decode(content: bytes) -> str:
    """Text from bytes: UTF-8 (a BOM is dropped), UTF-16 with a BOM, else Windows-1252, else Latin-1 (which reads
    any byte)."""
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise BankFileError(0, _("the file says it is UTF-16 but is not: %(reason)s") % {"reason": exc}) from exc
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def split_lines(text: str) -> list[str]:
    """Lines without their ends, whatever the ends (LF, CR LF, CR)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def squeeze(text: str | None) -> str:
    """Runs of white space as one space, none at the ends."""
    if not text:
        return ""
    return " ".join(text.split())


def join_text(parts: Iterable[str | None]) -> str:
    """The non-empty parts, squeezed, joined with `` / ``; a part another one already says is left out (the
    longer one is kept, where the first of them stood)."""
    kept: list[str] = []
    for part in parts:
        text = squeeze(part)
        if not text or any(text in k for k in kept):
            continue
        inside = [i for i, k in enumerate(kept) if k in text]
        if inside:
            kept[inside[0]] = text
            for i in reversed(inside[1:]):
                del kept[i]
        else:
            kept.append(text)
    return TEXT_SEPARATOR.join(kept)


def valid_iban(text: str | None) -> str:
    """The IBAN, compact and upper-case, when ``text`` is a valid one; else ``""``."""
    if not text or len(text) > 50:
        return ""
    compact = str(_iban.compact(text))
    return compact if _iban.is_valid(compact) else ""


def account_text(text: str | None) -> str:
    """An account identifier as given (an IBAN element's content), compact and upper-case."""
    if not text:
        return ""
    return "".join(text.split()).upper()


def find_creditor_reference(text: str) -> str:
    """The first valid ISO 11649 creditor reference (``RF`` + check digits + up to 21 characters, written with
    or without spaces) in ``text``; else ``""``."""
    if "RF" not in text.upper():
        return ""
    for match in _RF.finditer(text.upper()):
        candidate = match.group().replace(" ", "")
        while len(candidate) >= 5:
            if _rf.is_valid(candidate):
                return candidate
            candidate = candidate[:-1]
    return ""


def amount_text(amount: Decimal, currency: str) -> str:
    return f"{amount} {currency}".strip()


@dataclass(slots=True)
class StatementDraft:
    """A statement being read; ``finish`` makes it a ``ParsedStatement``. Entries whose currency is ``""`` take
    the statement's."""

    line: int
    account_id: str = ""
    account_iban: str = ""
    account_number: str = ""
    currency: str = ""
    bank_code: str = ""
    branch_code: str = ""
    statement_id: str = ""
    sequence: str = ""
    opening_balance: Decimal | None = None
    opening_date: date | None = None
    closing_balance: Decimal | None = None
    closing_date: date | None = None
    entries: list[ParsedEntry] = field(default_factory=list)
    warnings: list[BankWarning] = field(default_factory=list)
    check_balances: bool = True

    def warn(self, code: str, message: str, line: int = 0) -> None:
        self.warnings.append(BankWarning(code, message, line or self.line))


def finish(
    draft: StatementDraft,
    *,
    account_currencies: Mapping[str, str] | None,
    default_currency: str | None,
) -> ParsedStatement:
    """The statement with its currency settled and its balances checked.

    - No currency in the statement: the account's (``account_currencies``, by IBAN, account id or account
      number; spaces and case do not matter), else ``default_currency`` (the organization's), each with a
      warning; neither: refused.
    - Opening balance + the entries in the statement's currency must make the closing balance; when they do not,
      a ``balance_mismatch`` warning gives the figures.
    """
    currency = draft.currency
    if not currency:
        known = {"".join(k.split()).upper(): v for k, v in (account_currencies or {}).items()}
        for key in (draft.account_iban, draft.account_id, draft.account_number):
            key = "".join(key.split()).upper()
            if key and known.get(key):
                currency = known[key].upper()
                draft.warn(
                    "currency_assumed",
                    _("the statement gives no currency: %(currency)s, the account's currency, is assumed")
                    % {"currency": currency},
                )
                break
        else:
            if default_currency:
                currency = default_currency.upper()
                draft.warn(
                    "currency_assumed",
                    _("the statement gives no currency: %(currency)s, the organization's currency, is assumed")
                    % {"currency": currency},
                )
            else:
                raise BankFileError(
                    draft.line,
                    _("the statement of account %(account)s gives no currency and none was given for it")
                    % {"account": draft.account_id or "?"},
                )
    entries = draft.entries
    if any(not e.currency for e in entries):
        entries = [e if e.currency else replace(e, currency=currency) for e in entries]
    if draft.check_balances and draft.opening_balance is not None and draft.closing_balance is not None:
        movements = sum((e.amount for e in entries if e.currency == currency), Decimal(0))
        expected = draft.opening_balance + movements
        if any(e.currency != currency for e in entries):
            draft.warn(
                "balance_not_checked",
                _(
                    "some entries are in another currency than the statement's (%(currency)s): "
                    "the balances are not checked"
                )
                % {"currency": currency},
            )
        elif expected != draft.closing_balance:
            draft.warn(
                "balance_mismatch",
                _(
                    "the balances do not agree: opening balance %(opening)s + movements %(movements)s = %(expected)s, "
                    "but the closing balance is %(closing)s"
                )
                % {
                    "opening": amount_text(draft.opening_balance, currency),
                    "movements": amount_text(movements, currency),
                    "expected": amount_text(expected, currency),
                    "closing": amount_text(draft.closing_balance, currency),
                },
            )
    return ParsedStatement(
        account_id=draft.account_id or draft.account_iban or draft.account_number,
        account_iban=draft.account_iban,
        account_number=draft.account_number,
        currency=currency,
        entries=tuple(entries),
        opening_balance=draft.opening_balance,
        opening_date=draft.opening_date,
        closing_balance=draft.closing_balance,
        closing_date=draft.closing_date,
        statement_id=draft.statement_id,
        sequence=draft.sequence,
        bank_code=draft.bank_code,
        branch_code=draft.branch_code,
        line=draft.line,
        warnings=tuple(draft.warnings),
    )
