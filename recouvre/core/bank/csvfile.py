"""Bank statements exported as CSV, read with a saved mapping.

A mapping names, for some fields, the header of the column that holds them (``{"booking_date": "Date
opération", "amount": "Montant"}``), as the invoice imports' mappings do; fields it does not name are recognised
from their usual headers, in English or French (case, accents and punctuation do not matter). The header is the
first line that has the date column and an amount (or debit/credit) column: lines an export writes before it
(the account, the period) are skipped.

Options: ``date_format`` (empty: ``YYYY-MM-DD``, ``YYYYMMDD`` or day-first ``DD/MM/YYYY``; else a ``strptime``
pattern such as ``%m/%d/%Y``), ``decimal_separator`` (``,`` or ``.``; the other one, spaces and apostrophes are
thousands separators), ``reference_is_unique`` (the reference column is the bank's transaction id, so it keys
the entry; else it is part of the text), ``account`` (the account the file is for, when no column gives it).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..dates import DateError, parse_date
from ..i18n import _, gettext_noop, ngettext
from ..mappings import FieldSpec, normalize_header
from ..tabular import SEPARATORS
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

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "booking_date",
        gettext_noop("booking date"),
        True,
        (
            "date",
            "booking date",
            "posting date",
            "posted",
            "transaction date",
            "date opération",
            "date d'opération",
            "date comptable",
            "date de comptabilisation",
        ),
    ),
    FieldSpec("value_date", gettext_noop("value date"), False, ("value date", "date valeur", "date de valeur")),
    FieldSpec("amount", gettext_noop("amount"), False, ("amount", "montant", "montant eur", "montant en euros")),
    FieldSpec("debit", gettext_noop("debit"), False, ("debit", "débit", "montant débit", "debit amount")),
    FieldSpec("credit", gettext_noop("credit"), False, ("credit", "crédit", "montant crédit", "credit amount")),
    FieldSpec("currency", gettext_noop("currency"), False, ("currency", "devise", "monnaie")),
    FieldSpec(
        "text",
        gettext_noop("label"),
        False,
        ("label", "description", "details", "wording", "libellé", "libellé opération", "intitulé", "motif"),
    ),
    FieldSpec(
        "reference",
        gettext_noop("reference"),
        False,
        ("reference", "transaction id", "référence", "référence opération", "id opération"),
    ),
    FieldSpec(
        "counterparty_name",
        gettext_noop("counterparty"),
        False,
        ("counterparty", "counterparty name", "payer", "payee", "tiers", "nom du tiers", "contrepartie"),
    ),
    FieldSpec(
        "counterparty_iban",
        gettext_noop("counterparty IBAN"),
        False,
        ("counterparty iban", "iban contrepartie", "iban tiers", "iban du tiers"),
    ),
    FieldSpec(
        "end_to_end_id",
        gettext_noop("end-to-end reference"),
        False,
        ("end to end id", "end to end reference", "référence de bout en bout"),
    ),
    FieldSpec("account", gettext_noop("account"), False, ("account", "account number", "iban", "compte")),
)
_SPECS = {spec.name: spec for spec in FIELDS}
_SYNONYMS = {normalize_header(text): spec.name for spec in FIELDS for text in (spec.name, *spec.synonyms)}
_MAX_PREAMBLE = 30
_SEP_HINT = re.compile(r'"?sep=(.)"?', re.IGNORECASE)
_CURRENCY_MARKS = re.compile(r"^(€|\$|£|[A-Z]{3})|(€|\$|£|[A-Z]{3})$")


@dataclass(frozen=True, slots=True)
class CsvMapping:
    """Which column holds which field, and how dates and amounts are written (see the module's text)."""

    columns: Mapping[str, str] = field(default_factory=dict)
    date_format: str = ""
    decimal_separator: str = ","
    reference_is_unique: bool = False
    account: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CsvMapping:
        """A mapping as stored (``as_dict``); refuses unknown keys and fields, and bad options (``ValueError``)."""
        known = {"columns", "date_format", "decimal_separator", "reference_is_unique", "account"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                ngettext(
                    "unknown mapping option: %(names)s (known: %(known)s)",
                    "unknown mapping options: %(names)s (known: %(known)s)",
                    len(unknown),
                )
                % {"names": ", ".join(unknown), "known": ", ".join(sorted(known))}
            )
        columns = data.get("columns") or {}
        if not isinstance(columns, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
        ):
            raise ValueError(_("the columns of a mapping are pairs of a field and a header"))
        mapping = cls(
            columns=dict(columns),
            date_format=str(data.get("date_format") or ""),
            decimal_separator=str(data.get("decimal_separator") or ","),
            reference_is_unique=bool(data.get("reference_is_unique", False)),
            account=str(data.get("account") or ""),
        )
        problems = mapping.problems()
        if problems:
            raise ValueError("; ".join(problems))
        return mapping

    def as_dict(self) -> dict[str, Any]:
        return {
            "columns": dict(self.columns),
            "date_format": self.date_format,
            "decimal_separator": self.decimal_separator,
            "reference_is_unique": self.reference_is_unique,
            "account": self.account,
        }

    def problems(self) -> list[str]:
        """What is wrong with the mapping itself (not with a file)."""
        out: list[str] = []
        seen: dict[str, str] = {}
        for name, header in self.columns.items():
            if name not in _SPECS:
                out.append(
                    _("%(field)r is not a field of a bank statement (fields: %(fields)s)")
                    % {"field": name, "fields": ", ".join(_SPECS)}
                )
                continue
            key = normalize_header(header)
            if not key:
                out.append(_("the header for %(field)s is empty") % {"field": name})
            elif key in seen:
                out.append(
                    _("the column %(column)r is given for both %(first)s and %(second)s")
                    % {"column": header, "first": seen[key], "second": name}
                )
            seen[key] = name
        if self.decimal_separator not in (",", "."):
            out.append(_("the decimal separator must be ',' or '.', not %(text)r") % {"text": self.decimal_separator})
        if self.date_format:
            try:
                datetime(2024, 12, 31).strftime(self.date_format)
            except ValueError:
                out.append(_("%(text)r is not a date format") % {"text": self.date_format})
            if "%" not in self.date_format:
                out.append(_("%(text)r is not a date format") % {"text": self.date_format})
        return out


def _resolve(header: list[str], mapping: CsvMapping) -> dict[str, int] | None:
    """Field -> column index, when this row is the header (it has the date and an amount column)."""
    by_key: dict[str, int] = {}
    for index, cell in enumerate(header):
        by_key.setdefault(normalize_header(cell), index)
    found: dict[str, int] = {}
    named = {normalize_header(h): f for f, h in mapping.columns.items()}
    for key, field_name in named.items():
        if key in by_key:
            found[field_name] = by_key[key]
    for key, index in by_key.items():
        field_name = _SYNONYMS.get(key, "")
        if field_name and field_name not in found and field_name not in mapping.columns and index not in found.values():
            found[field_name] = index
    if "booking_date" not in found or not ({"amount", "debit", "credit"} & set(found)):
        return None
    return found


def _header(text: str, delimiter: str, start: int, mapping: CsvMapping) -> tuple[int, list[str], dict[str, int]] | None:
    """The header's line, cells and columns when one of the first lines, cut at ``delimiter``, is the header."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            line = reader.line_num
            if line > start + _MAX_PREAMBLE:
                return None
            if line > start and len(row) > 1:
                columns = _resolve(row, mapping)
                if columns is not None:
                    return line, row, columns
    except csv.Error:
        return None
    return None


def _amount(text: str, separator: str, line: int, column: str) -> Decimal | None:
    raw = text
    s = "".join(text.split()).replace("'", "").upper()
    s = _CURRENCY_MARKS.sub("", s)
    if not s:
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    if s.endswith("-"):
        negative, s = True, s[:-1]
    if s[:1] in "+-":
        negative, s = s[0] == "-", s[1:]
    s = s.replace("." if separator == "," else ",", "")
    if s.count(separator) > 1 or not re.fullmatch(r"\d+(\.\d*)?|\.\d+", s.replace(separator, "."), re.ASCII):
        raise BankFileError(line, _("%(column)s: %(text)r is not an amount") % {"column": column, "text": raw})
    value = Decimal(s.replace(separator, "."))
    return value.copy_negate() if negative else value


def _date(text: str, mapping: CsvMapping, line: int, column: str) -> date:
    try:
        if mapping.date_format:
            return datetime.strptime(text.strip(), mapping.date_format).date()
        return parse_date(text)
    except (ValueError, DateError) as exc:
        if isinstance(exc, DateError):
            reason = str(exc)
        else:
            reason = _("%(text)r does not read as %(format)s") % {"text": text, "format": mapping.date_format}
        raise BankFileError(line, _("%(column)s: %(reason)s") % {"column": column, "reason": reason}) from None


def parse(
    content: bytes,
    mapping: CsvMapping,
    *,
    account_currencies: Mapping[str, str] | None = None,
    default_currency: str | None = None,
) -> ParsedFile:
    text = decode(content)
    lines = split_lines(text)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise BankFileError(0, _("the file is empty"))
    hint = _SEP_HINT.fullmatch(lines[first].strip())
    start = first + 1 if hint else first  # lines before the header's search: blank ones and Excel's "sep=;"
    found = None
    for delimiter in (hint.group(1),) if hint else SEPARATORS:
        found = _header(text, delimiter, start, mapping)
        if found is not None:
            break
    if found is None:
        raise BankFileError(
            start + 1,
            _(
                "no header line with a date column and an amount (or debit and credit) column in the first "
                "%(count)s lines: check the mapping"
            )
            % {"count": _MAX_PREAMBLE},
        )
    header_line, header, columns = found
    for field_name, header_text in mapping.columns.items():
        if field_name not in columns:
            raise BankFileError(
                header_line,
                _("the column %(column)r (for %(field)s) is not in the header")
                % {"column": header_text, "field": _(_SPECS[field_name].label)},
            )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    drafts: dict[str, StatementDraft] = {}
    try:
        for row in reader:
            line = reader.line_num
            if line > header_line and any(cell.strip() for cell in row):
                _row(row, line, columns, header, mapping, drafts)
    except csv.Error as exc:
        raise BankFileError(reader.line_num, _("cannot read the line: %(reason)s") % {"reason": exc}) from None
    statements: list[ParsedStatement] = []
    for draft in drafts.values():
        statements.append(finish(draft, account_currencies=account_currencies, default_currency=default_currency))
    if not statements:
        raise BankFileError(header_line, _("the file has a header but no entry"))
    return ParsedFile(format="csv", statements=tuple(statements))


def _row(
    row: list[str],
    line: int,
    columns: dict[str, int],
    header: list[str],
    mapping: CsvMapping,
    drafts: dict[str, StatementDraft],
) -> None:
    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    def label(name: str) -> str:
        return header[columns[name]].strip()

    booking = _date(cell("booking_date"), mapping, line, label("booking_date"))
    value = _date(cell("value_date"), mapping, line, label("value_date")) if cell("value_date") else None
    separator = mapping.decimal_separator
    if "amount" in columns and cell("amount"):
        amount = _amount(cell("amount"), separator, line, label("amount"))
    else:
        debit = _amount(cell("debit"), separator, line, label("debit")) if "debit" in columns else None
        credit = _amount(cell("credit"), separator, line, label("credit")) if "credit" in columns else None
        if debit and credit:
            raise BankFileError(line, _("the line has both a debit and a credit"))
        if debit:
            amount = abs(debit).copy_negate()
        elif credit is not None:
            amount = abs(credit)
        elif debit is not None:
            amount = abs(debit).copy_negate()
        else:
            amount = None
    if amount is None:
        raise BankFileError(line, _("the line has no amount"))
    currency = cell("currency").upper()
    if currency and (len(currency) != 3 or not currency.isalpha() or not currency.isascii()):
        raise BankFileError(line, _("%(text)r is not a currency code") % {"text": cell("currency")})
    account = squeeze(cell("account")) or mapping.account
    draft = drafts.get(account)
    if draft is None:
        iban = valid_iban(account)
        draft = drafts[account] = StatementDraft(
            line=line, account_id=iban or account, account_iban=iban, account_number=account, check_balances=False
        )
    if currency and not draft.currency:
        draft.currency = currency
    reference = cell("reference")
    unique = mapping.reference_is_unique and reference
    text = join_text([cell("text"), "" if unique else reference])
    e2e = cell("end_to_end_id")
    draft.entries.append(
        ParsedEntry(
            booking_date=booking,
            value_date=value,
            amount=amount,
            currency=currency,
            bank_reference=reference if unique else "",
            text=text,
            counterparty_name=squeeze(cell("counterparty_name")),
            counterparty_iban=valid_iban(cell("counterparty_iban"))
            or squeeze(cell("counterparty_iban")).replace(" ", ""),
            end_to_end_id=e2e,
            creditor_reference=find_creditor_reference(text),
            line=line,
        )
    )
