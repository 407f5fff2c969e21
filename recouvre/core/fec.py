"""The FEC (*fichier des écritures comptables*, article A47 A-1 of the Livre des procédures fiscales): reading the
file and turning its customer-account lines into a plan of customers, documents and allocations.

Reading (``read_fec``):

- the first line is the header; columns are found by name, case-insensitively, in any order: the 18 standard
  columns (``JournalCode`` ... ``Idevise``), the 22-column cash-basis variant (``DateRglt``, ``ModeRglt``,
  ``NatOp``, ``IdClient``), the ``Montant`` + ``Sens`` variant instead of ``Debit``/``Credit``, and an optional
  ``DateEcheance`` (due date) column that some packages add;
- tab or pipe separated, with or without a trailing separator; UTF-8 (with or without BOM), else Windows-1252,
  else Latin-1; any line ending (LF, CR LF, CR CR LF, CR); fields are stripped of their padding, amounts may be
  zero-padded (``0000000074,70``) and negative; dates are ``YYYYMMDD`` (``DD/MM/YYYY`` is also read);
- every bad value is reported as a ``RowError`` naming the line (the header is line 1), the column and why.

Planning (``plan_fec``) reads the customer lines (accounts starting with 411): see ``plan_fec``.

Pure Python: no Django, no clock.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from .dates import DateError, parse_date
from .i18n import _, gettext_noop, ngettext
from .importing import ErrorList, RowError, control_character, control_message
from .instalments import Part, merge_same_dates
from .money import MAX_AMOUNT, AmountError, parse_amount, parse_currency

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

#: The 18 columns of article A47 A-1, in their legal order.
FEC_COLUMNS: tuple[str, ...] = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
#: The four columns the cash-basis variant (BNC/BA, *comptabilité de trésorerie*) adds.
CASH_BASIS_COLUMNS: tuple[str, ...] = ("DateRglt", "ModeRglt", "NatOp", "IdClient")
#: ``Montant`` + ``Sens`` replace ``Debit`` + ``Credit`` in some exports.
SIGNED_AMOUNT_COLUMNS: tuple[str, ...] = ("Montant", "Sens")
#: Not in the legal list, written by some packages; read when present.
DUE_DATE_COLUMN = "DateEcheance"

_KNOWN = FEC_COLUMNS + CASH_BASIS_COLUMNS + SIGNED_AMOUNT_COLUMNS + (DUE_DATE_COLUMN,)
_ALIASES: dict[str, str] = {name.lower(): name for name in _KNOWN}
_ALIASES.update(
    {
        "compteauxnum": "CompAuxNum",
        "compteauxlib": "CompAuxLib",
        "montantdevises": "Montantdevise",
        "devise": "Idevise",
        "dateecheance": DUE_DATE_COLUMN,
        "dateech": DUE_DATE_COLUMN,
        "echeance": DUE_DATE_COLUMN,
    }
)
#: Columns without which a line cannot be read.
REQUIRED_COLUMNS: tuple[str, ...] = ("JournalCode", "EcritureNum", "EcritureDate", "CompteNum", "PieceRef")

CUSTOMER_ACCOUNT_PREFIX = "411"
MAX_REF = 40  # Customer.ref
MAX_NAME = 200  # Customer.name
MAX_NUMBER = 60  # Invoice.number, CreditNote.number
MAX_KEY = 190  # source_ref / source_key (200) minus a prefix

ProgressFn = Callable[[int], None]


class FecFormatError(ValueError):
    """The file is not a FEC we can read (no header, unknown separator...). ``errors`` says why."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class FecFormat:
    """What the header and the bytes told us about the file."""

    encoding: str  # "utf-8", "utf-8-sig" (with BOM), "utf-16", "cp1252" or "latin-1"
    separator: str  # "\t" or "|"
    columns: tuple[str, ...]  # canonical column names, in file order ("" for unknown columns)
    trailing_separator: bool
    line_ending: str  # "LF", "CRLF", "CRCRLF" or "CR"

    @property
    def cash_basis(self) -> bool:
        """The 22-column cash-basis variant."""
        return all(c in self.columns for c in CASH_BASIS_COLUMNS)

    @property
    def signed_amounts(self) -> bool:
        """``Montant`` + ``Sens`` instead of ``Debit`` + ``Credit``."""
        return "Debit" not in self.columns and all(c in self.columns for c in SIGNED_AMOUNT_COLUMNS)


class FecLine(NamedTuple):
    """One line of the file, its values parsed. ``line`` is the line number in the file (header = 1).

    Immutable like the frozen dataclasses of ``core``; a named tuple because a million of them are built per
    large file and a tuple is built several times faster."""

    line: int
    journal_code: str
    journal_label: str
    entry_num: str
    entry_date: date
    account: str
    account_label: str
    aux_account: str
    aux_label: str
    piece_ref: str
    piece_date: date | None
    label: str
    debit: Decimal
    credit: Decimal
    letter: str
    letter_date: date | None
    valid_date: date | None
    currency_amount: Decimal | None
    currency: str
    due_date: date | None = None  # DateEcheance, when the file has it
    payment_date: date | None = None  # DateRglt (cash-basis variant)
    payment_mode: str = ""  # ModeRglt (cash-basis variant)

    @property
    def amount(self) -> Decimal:
        """Debit minus credit: positive for a debit, negative for a credit."""
        return self.debit - self.credit

    @property
    def customer_ref(self) -> str:
        """The auxiliary account, or the account itself when there is none (one 411 account per customer)."""
        return self.aux_account or self.account

    @property
    def customer_name(self) -> str:
        return (self.aux_label if self.aux_account else self.account_label) or self.customer_ref

    @property
    def entry_key(self) -> tuple[str, str, date]:
        """An entry (*écriture*) is identified by its journal, its number and its date."""
        return (self.journal_code, self.entry_num, self.entry_date)

    @property
    def document_date(self) -> date:
        """The date of the document (PieceDate), else the entry date."""
        return self.piece_date or self.entry_date


@dataclass(frozen=True, slots=True)
class FecBook:
    """What ``read_fec`` keeps of a file: its format, the customer-account lines, the entries that touch a
    bank or cash account (class 5) and every error found."""

    format: FecFormat | None
    line_count: int  # data lines read (header and blank lines not counted)
    customer_lines: tuple[FecLine, ...]
    cash_entries: frozenset[tuple[str, str, date]]
    errors: tuple[RowError, ...]  # the first ``MAX_REPORTED_ERRORS`` found
    error_count: int = 0  # every error found, listed or not

    @property
    def errors_total(self) -> int:
        return max(self.error_count, len(self.errors))


# --------------------------------------------------------------------------------------------- bytes and header


def detect_encoding(data: bytes) -> str:
    """``utf-8-sig`` when the file starts with a UTF-8 BOM, ``utf-16`` with a UTF-16 BOM, ``utf-8`` when the
    bytes are valid UTF-8, else ``cp1252`` (Windows French), else ``latin-1`` (which reads any byte)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "cp1252"):
        try:
            codecs.decode(data, encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


def _from_utf16(data: bytes) -> bytes:
    """A UTF-16 file (it starts with a byte order mark) as UTF-8 bytes, its mark kept."""
    try:
        return data.decode("utf-16").encode("utf-8")
    except UnicodeDecodeError as exc:
        raise FecFormatError(
            [
                RowError(
                    data[: exc.start].count(b"\n") + 1,
                    "line",
                    _("the file starts with a UTF-16 byte order mark but holds bytes that are not UTF-16 text"),
                )
            ]
        ) from exc


def _line_ending(data: bytes) -> str:
    first = data.find(b"\n")
    if first < 0:
        return "CR" if b"\r" in data else "LF"
    if data[max(0, first - 2) : first] == b"\r\r":
        return "CRCRLF"
    if data[first - 1 : first] == b"\r":
        return "CRLF"
    return "LF"


def _raw_lines(data: bytes, line_ending: str) -> Iterator[bytes]:
    """The physical lines, without their ending. A line ends at LF (any CRs before it belong to the ending),
    or at CR in files that have no LF at all."""
    if line_ending == "CR":
        yield from data.split(b"\r")
        return
    for raw in io.BytesIO(data):
        yield raw.rstrip(b"\r\n")


def _canonical(name: str) -> str:
    key = re.sub(r"[\s_\-]", "", name.strip().strip('"').lower())
    return _ALIASES.get(key, "")


def sniff(data: bytes) -> FecFormat:
    """Read the encoding, the line ending, the separator and the columns from the bytes and the header line.
    Raises ``FecFormatError`` when the first line is not a FEC header."""
    encoding = detect_encoding(data)
    if encoding == "utf-16":
        data = _from_utf16(data)
    line_ending = _line_ending(data)
    first = next(_raw_lines(data, line_ending), b"")
    try:
        header = first.decode("utf-8-sig" if encoding == "utf-16" else encoding)
    except UnicodeDecodeError as exc:
        raise FecFormatError(
            [
                RowError(
                    1,
                    "header",
                    _("bytes that are not %(encoding)s: %(reason)s") % {"encoding": encoding, "reason": exc.reason},
                )
            ]
        ) from exc
    candidates = [sep for sep in ("\t", "|") if sep in header]
    if not candidates:
        raise FecFormatError(
            [RowError(1, "header", _("no tab or pipe separator in the first line: a FEC starts with its column names"))]
        )
    # The separator is the one that splits the header into the most known column names.
    separator = max(candidates, key=lambda sep: sum(1 for n in header.split(sep) if _canonical(n)))
    names = header.split(separator)
    trailing = len(names) > 1 and not names[-1].strip()
    if trailing:
        names = names[:-1]
    columns = tuple(_canonical(n) for n in names)
    errors: list[RowError] = [
        RowError(1, "header", control_message(name.strip(), char))
        for name in names
        if (char := control_character(name.strip())) is not None
    ]
    if errors:
        raise FecFormatError(errors)
    seen: set[str] = set()
    for name, canonical in zip(names, columns, strict=True):
        if canonical and canonical in seen:
            errors.append(RowError(1, name.strip(), _("column appears twice in the header")))
        seen.add(canonical)
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if not ({"Debit", "Credit"} <= seen or set(SIGNED_AMOUNT_COLUMNS) <= seen):
        missing.append(_("Debit/Credit (or Montant/Sens)"))
    if missing:
        errors.append(
            RowError(
                1,
                "header",
                ngettext(
                    "missing column: %(missing)s; a FEC header names the columns %(columns)s",
                    "missing columns: %(missing)s; a FEC header names the columns %(columns)s",
                    len(missing),
                )
                % {"missing": ", ".join(missing), "columns": ", ".join(FEC_COLUMNS)},
            )
        )
    if errors:
        raise FecFormatError(errors)
    return FecFormat(
        encoding=encoding,
        separator=separator,
        columns=columns,
        trailing_separator=trailing,
        line_ending=line_ending,
    )


# --------------------------------------------------------------------------------------------- values

_PLAIN_AMOUNT = re.compile(r"[-+]?\d+(?:[.,]\d{1,2})?")


def _amount(text: str) -> Decimal:
    """FEC amounts: ``1234,56``, ``0000000074,70``, ``-12,50``, ``1234.56``; anything ``parse_amount`` reads. An
    amount of 10 000 billion or more (more than amounts are stored with) is refused."""
    if not text:
        return ZERO
    if _PLAIN_AMOUNT.fullmatch(text):
        value = Decimal(text.replace(",", "."))
        if abs(value) >= MAX_AMOUNT:
            raise AmountError(_("%(text)r is too large an amount") % {"text": text})
        return value.quantize(CENT)
    value = parse_amount(text)
    if abs(value) >= MAX_AMOUNT:
        raise AmountError(_("%(text)r is too large an amount") % {"text": text})
    return value


def _date(text: str, cache: dict[str, date]) -> date:
    found = cache.get(text)
    if found is not None:
        return found
    if len(text) == 8 and text.isascii() and text.isdigit():
        try:
            value = date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError as exc:
            raise DateError(_("not a valid date: %(text)r (expected YYYYMMDD)") % {"text": text}) from exc
    else:
        value = parse_date(text)
    cache[text] = value
    return value


_ZERO_TEXTS = frozenset({"", "0", "0,00", "0.00", "0,0", "0.0", "-0,00", "-0.00"})
_TWO_DECIMALS = re.compile(r"-?\d+[.,]\d\d")


class _Unusual(Exception):
    """The line needs the careful parser."""


def _plain_amount(text: str) -> Decimal:
    """``1234,56`` or ``1234.56`` and nothing else (the fast path); ``_Unusual`` otherwise."""
    if _TWO_DECIMALS.fullmatch(text):
        value = Decimal(text.replace(",", "."))
        if -MAX_AMOUNT < value < MAX_AMOUNT:
            return value
    raise _Unusual  # the careful parser says why a large amount is refused


_SENS_DEBIT = {"D", "DEBIT", "DÉBIT", "+1", "1", "+"}
_SENS_CREDIT = {"C", "CREDIT", "CRÉDIT", "-1", "-"}


# --------------------------------------------------------------------------------------------- lines


class _LineParser:
    """Parses the stripped fields of one data line; ``errors`` collects the bad values of that line."""

    def __init__(self, fmt: FecFormat, customer_prefix: str = CUSTOMER_ACCOUNT_PREFIX):
        self.customer_prefix = customer_prefix
        pos = {name: i for i, name in enumerate(fmt.columns) if name}

        def col(name: str) -> int:
            return pos.get(name, -1)

        self.i_jc, self.i_jl, self.i_en, self.i_ed = (
            col("JournalCode"),
            col("JournalLib"),
            col("EcritureNum"),
            col("EcritureDate"),
        )
        self.i_cn, self.i_cl, self.i_an, self.i_al = (
            col("CompteNum"),
            col("CompteLib"),
            col("CompAuxNum"),
            col("CompAuxLib"),
        )
        self.i_pr, self.i_pd, self.i_el = col("PieceRef"), col("PieceDate"), col("EcritureLib")
        self.i_de, self.i_cr, self.i_mt, self.i_se = col("Debit"), col("Credit"), col("Montant"), col("Sens")
        self.i_lt, self.i_dl, self.i_vd = col("EcritureLet"), col("DateLet"), col("ValidDate")
        self.i_md, self.i_id = col("Montantdevise"), col("Idevise")
        self.i_due, self.i_dr, self.i_mr = col(DUE_DATE_COLUMN), col("DateRglt"), col("ModeRglt")
        self.signed = self.i_de < 0
        self.dates: dict[str, date] = {}
        self.errors: list[RowError] = []
        self.lineno = 0
        self.f: list[str] = []

    def get(self, i: int) -> str:
        return self.f[i] if i >= 0 else ""

    def need(self, i: int, name: str) -> str:
        value = self.f[i]
        if not value:
            self.errors.append(RowError(self.lineno, name, _("empty; this column is required")))
        return value

    def day(self, i: int, name: str) -> date | None:
        if i < 0 or not self.f[i]:
            return None
        try:
            return _date(self.f[i], self.dates)
        except DateError as exc:
            self.errors.append(RowError(self.lineno, name, str(exc)))
            return None

    def amount(self, i: int, name: str) -> Decimal:
        if i < 0:
            return ZERO
        try:
            return _amount(self.f[i])
        except AmountError as exc:
            self.errors.append(RowError(self.lineno, name, str(exc)))
            return ZERO

    def parse(self, lineno: int, f: list[str]) -> FecLine | None:
        """The line, or ``None`` when it has bad values (then in ``errors``).

        The common case (compact dates, plain amounts, no currency column filled in) takes a fast path; anything
        else, and every line with a bad value, goes through ``parse_carefully``, which names each bad value."""
        if not self.signed:
            try:
                return self._parse_fast(lineno, f)
            except (_Unusual, DateError, AmountError, ValueError, IndexError):
                pass
        return self.parse_carefully(lineno, f)

    def check(self, lineno: int, f: list[str]) -> tuple[str, str, date] | None:
        """Check the values of a line that is not kept (not a customer line): its entry key, or ``None`` when
        it has bad values (then in ``errors``). Same checks as ``parse``, without building the line."""
        if not self.signed:
            try:
                values = self._values_fast(f)
                return (values[0], values[1], values[3])
            except (_Unusual, DateError, AmountError, ValueError, IndexError):
                pass
        line = self.parse_carefully(lineno, f)
        return None if line is None else (line.journal_code, line.entry_num, line.entry_date)

    def _values_fast(self, f: list[str]) -> tuple[Any, ...]:
        """journal code, entry number, account, then the dates and the amounts of a plain line; raises for
        anything else."""
        self.errors = []
        dates = self.dates
        journal_code, entry_num, account, text = f[self.i_jc], f[self.i_en], f[self.i_cn], f[self.i_ed]
        if not (journal_code and entry_num and account and text):
            raise _Unusual
        entry_date = dates.get(text) or _date(text, dates)
        i = self.i_pd
        piece_date = (dates.get(text) or _date(text, dates)) if i >= 0 and (text := f[i]) else None
        i = self.i_dl
        letter_date = (dates.get(text) or _date(text, dates)) if i >= 0 and (text := f[i]) else None
        i = self.i_vd
        valid_date = (dates.get(text) or _date(text, dates)) if i >= 0 and (text := f[i]) else None
        i = self.i_due
        due_date = (dates.get(text) or _date(text, dates)) if i >= 0 and (text := f[i]) else None
        i = self.i_dr
        payment_date = (dates.get(text) or _date(text, dates)) if i >= 0 and (text := f[i]) else None
        text = f[self.i_de]
        debit = ZERO if text in _ZERO_TEXTS else _plain_amount(text)
        i = self.i_cr
        credit = ZERO if i < 0 or (text := f[i]) in _ZERO_TEXTS else _plain_amount(text)
        if (self.i_md >= 0 and f[self.i_md]) or (self.i_id >= 0 and f[self.i_id]):
            raise _Unusual
        return (
            journal_code,
            entry_num,
            account,
            entry_date,
            piece_date,
            letter_date,
            valid_date,
            due_date,
            payment_date,
            debit,
            credit,
        )

    def _parse_fast(self, lineno: int, f: list[str]) -> FecLine:
        (
            journal_code,
            entry_num,
            account,
            entry_date,
            piece_date,
            letter_date,
            valid_date,
            due_date,
            payment_date,
            debit,
            credit,
        ) = self._values_fast(f)
        i = self.i_an
        aux_account = f[i] if i >= 0 else ""
        i = self.i_cl
        account_label = f[i] if i >= 0 else ""
        i = self.i_al
        aux_label = f[i] if i >= 0 else ""
        if account.startswith(self.customer_prefix):
            if (
                len(aux_account or account) > MAX_REF
                or len(aux_label if aux_account else account_label) > MAX_NAME
                or (due_date is not None and due_date < (piece_date or entry_date))
            ):
                raise _Unusual
            intern = sys.intern
            account, aux_account, journal_code = intern(account), intern(aux_account), intern(journal_code)
        i = self.i_jl
        journal_label = f[i] if i >= 0 else ""
        i = self.i_pr
        piece_ref = f[i] if i >= 0 else ""
        i = self.i_el
        label = f[i] if i >= 0 else ""
        i = self.i_lt
        letter = f[i] if i >= 0 else ""
        i = self.i_mr
        payment_mode = f[i] if i >= 0 else ""
        return FecLine(
            lineno,
            journal_code,
            journal_label,
            entry_num,
            entry_date,
            account,
            account_label,
            aux_account,
            aux_label,
            piece_ref,
            piece_date,
            label,
            debit,
            credit,
            letter,
            letter_date,
            valid_date,
            None,
            "",
            due_date,
            payment_date,
            payment_mode,
        )

    def parse_carefully(self, lineno: int, f: list[str]) -> FecLine | None:
        self.lineno, self.f, self.errors = lineno, f, []
        journal_code = self.need(self.i_jc, "JournalCode")
        entry_num = self.need(self.i_en, "EcritureNum")
        account = self.need(self.i_cn, "CompteNum")
        entry_date = self.day(self.i_ed, "EcritureDate") if self.need(self.i_ed, "EcritureDate") else None
        piece_date = self.day(self.i_pd, "PieceDate")
        letter_date = self.day(self.i_dl, "DateLet")
        valid_date = self.day(self.i_vd, "ValidDate")
        due_date = self.day(self.i_due, DUE_DATE_COLUMN)
        payment_date = self.day(self.i_dr, "DateRglt")
        if self.signed:
            debit = credit = ZERO
            value = self.amount(self.i_mt, "Montant")
            sens = f[self.i_se].upper()
            if sens in _SENS_DEBIT:
                debit = value
            elif sens in _SENS_CREDIT:
                credit = value
            else:
                self.errors.append(
                    RowError(lineno, "Sens", _("%(text)r is neither D (debit) nor C (credit)") % {"text": f[self.i_se]})
                )
        else:
            debit = self.amount(self.i_de, "Debit")
            credit = self.amount(self.i_cr, "Credit")
        currency_amount = None
        if self.i_md >= 0 and f[self.i_md]:
            try:
                currency_amount = parse_amount(f[self.i_md], decimals=6)
            except AmountError as exc:
                self.errors.append(RowError(lineno, "Montantdevise", str(exc)))
        currency = self.get(self.i_id)
        if currency:
            try:
                currency = parse_currency(currency)
            except AmountError as exc:
                self.errors.append(RowError(lineno, "Idevise", str(exc)))
        aux_account = self.get(self.i_an)
        if account.startswith(self.customer_prefix):
            self._check_customer(account, aux_account, entry_date, piece_date, due_date)
        if self.errors or entry_date is None:
            return None
        intern = sys.intern
        return FecLine(
            line=lineno,
            journal_code=intern(journal_code),
            journal_label=intern(self.get(self.i_jl)),
            entry_num=entry_num,
            entry_date=entry_date,
            account=intern(account),
            account_label=intern(self.get(self.i_cl)),
            aux_account=intern(aux_account),
            aux_label=intern(self.get(self.i_al)),
            piece_ref=self.get(self.i_pr),
            piece_date=piece_date,
            label=self.get(self.i_el),
            debit=debit,
            credit=credit,
            letter=self.get(self.i_lt),
            letter_date=letter_date,
            valid_date=valid_date,
            currency_amount=currency_amount,
            currency=currency,
            due_date=due_date,
            payment_date=payment_date,
            payment_mode=self.get(self.i_mr),
        )

    def _check_customer(
        self, account: str, aux_account: str, entry_date: date | None, piece_date: date | None, due_date: date | None
    ) -> None:
        ref_field, name_field = ("CompAuxNum", "CompAuxLib") if aux_account else ("CompteNum", "CompteLib")
        if len(aux_account or account) > MAX_REF:
            self.errors.append(
                RowError(self.lineno, ref_field, _("longer than %(limit)s characters") % {"limit": MAX_REF})
            )
        name = self.get(self.i_al if aux_account else self.i_cl)
        if len(name) > MAX_NAME:
            self.errors.append(
                RowError(self.lineno, name_field, _("longer than %(limit)s characters") % {"limit": MAX_NAME})
            )
        issued = piece_date or entry_date
        if due_date is not None and issued is not None and due_date < issued:
            self.errors.append(
                RowError(
                    self.lineno,
                    DUE_DATE_COLUMN,
                    _("due date %(due)s is before the document date %(issued)s") % {"due": due_date, "issued": issued},
                )
            )


# Control characters, except the tab that separates the fields of a tab-separated file.
_CONTROL_BUT_TAB = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class _Reading:
    """What reading the lines found besides the lines themselves: the errors and how many lines were refused as a
    whole (they count as lines read)."""

    def __init__(self, errors: ErrorList) -> None:
        self.errors = errors
        self.bad_lines = 0


def _fields(
    data: bytes, fmt: FecFormat, reading: _Reading, progress: ProgressFn | None, every: int
) -> Iterator[tuple[int, list[str]]]:
    """The line number and the stripped fields of each data line; blank lines skipped, lines that cannot be split
    into the header's columns, or that hold a control character, reported in ``reading``."""
    errors = reading.errors
    if fmt.encoding == "utf-16":
        data = _from_utf16(data)
        encoding = "utf-8-sig"
    else:
        encoding = fmt.encoding
    sep = fmt.separator
    control = (_CONTROL_BUT_TAB if sep == "\t" else _CONTROL).search
    names = [name or _("column %(number)s") % {"number": i + 1} for i, name in enumerate(fmt.columns)]
    sep_name = gettext_noop("tab") if sep == "\t" else gettext_noop("pipe")
    blank = sep + " \t"
    padded = (" " + sep, sep + " ")
    ncols = len(fmt.columns)
    lines = _raw_lines(data, fmt.line_ending)
    next(lines, None)  # the header
    lineno = 1
    for raw in lines:
        lineno += 1
        if progress is not None and lineno % every == 0:
            progress(lineno)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            errors.append(
                RowError(
                    lineno,
                    "line",
                    _("bytes that are not %(encoding)s: %(reason)s") % {"encoding": encoding, "reason": exc.reason},
                )
            )
            reading.bad_lines += 1
            continue
        strip = False
        if not text.isprintable() and control(text):
            # spaces, tabs and line breaks around a value are padding, as spaces are; anything else is refused
            values = [x.strip() for x in text.split(sep)]
            bad = [(i, v, char) for i, v in enumerate(values) if (char := control_character(v)) is not None]
            if bad:
                for i, value, char in bad:
                    name = names[i] if i < len(names) else _("column %(number)s") % {"number": i + 1}
                    errors.append(RowError(lineno, name, control_message(value, char)))
                reading.bad_lines += 1
                continue
            strip = True
        fields = text.split(sep)
        n = len(fields)
        if n != ncols:
            if n == ncols + 1 and not fields[-1].strip():
                fields.pop()
            elif not text.strip(blank):
                continue  # a blank line
            else:
                errors.append(
                    RowError(
                        lineno,
                        "line",
                        _("%(count)s fields separated by %(separator)s where the header has %(columns)s")
                        % {"count": n, "separator": _(sep_name), "columns": ncols},
                    )
                )
                reading.bad_lines += 1
                continue
        if strip or padded[0] in text or padded[1] in text or text[:1] == " " or text[-1:] == " ":
            fields = [x.strip() for x in fields]
        yield lineno, fields


def iter_fec_lines(
    data: bytes, fmt: FecFormat, errors: list[RowError], *, progress: ProgressFn | None = None, every: int = 5000
) -> Iterator[FecLine]:
    """Every data line of ``data`` as a ``FecLine``; lines with bad values are left out and each bad value is
    appended to ``errors``. Blank lines are skipped. ``progress(lines_read)`` is called every ``every`` lines."""
    parser = _LineParser(fmt)
    reading = _Reading(ErrorList(keep=sys.maxsize))
    for lineno, fields in _fields(data, fmt, reading, progress, every):
        errors.extend(reading.errors)
        reading.errors.clear()
        line = parser.parse(lineno, fields)
        if line is None:
            errors.extend(parser.errors)
        else:
            yield line
    errors.extend(reading.errors)


def _read_bytes(source: bytes | str | Path | BinaryIO) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    return source.read()


def read_fec(
    source: bytes | str | Path | BinaryIO,
    *,
    customer_prefix: str = CUSTOMER_ACCOUNT_PREFIX,
    progress: ProgressFn | None = None,
) -> FecBook:
    """Read a whole FEC: keep its customer-account lines (accounts starting with ``customer_prefix``) and the
    entries that have a bank or cash line (class 5 account); collect every error. Never raises for bad content:
    a file that is not a FEC comes back with its errors and no lines."""
    data = _read_bytes(source)
    try:
        fmt = sniff(data)
    except FecFormatError as exc:
        return FecBook(None, 0, (), frozenset(), tuple(exc.errors))
    errors = ErrorList()
    reading = _Reading(errors)
    customer_lines: list[FecLine] = []
    cash_entries: set[tuple[str, str, date]] = set()
    parser = _LineParser(fmt, customer_prefix)
    account_at = fmt.columns.index("CompteNum")
    count = 0
    for lineno, fields in _fields(data, fmt, reading, progress, 5000):
        count += 1
        account = fields[account_at]
        if account.startswith(customer_prefix):
            line = parser.parse(lineno, fields)
            if line is not None:
                customer_lines.append(line)
                continue
        else:
            # other lines are checked as thoroughly, but only their entry is kept, for the bank lines
            entry = parser.check(lineno, fields)
            if entry is not None:
                if account.startswith("5"):
                    cash_entries.add(entry)
                continue
        errors.extend(parser.errors)
    count += reading.bad_lines
    return FecBook(fmt, count, tuple(customer_lines), frozenset(cash_entries), tuple(errors), errors.total)


def customer_balances(lines: Iterable[FecLine], customer_prefix: str = CUSTOMER_ACCOUNT_PREFIX) -> dict[str, Decimal]:
    """Each customer's balance in the books: debits minus credits of its customer-account lines."""
    balances: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        if line.account.startswith(customer_prefix):
            balances[line.customer_ref] += line.debit - line.credit
    return dict(balances)


# --------------------------------------------------------------------------------------------- plan


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    PAYMENT = "payment"
    CREDIT_NOTE = "credit_note"


@dataclass(frozen=True, slots=True)
class PlannedCustomer:
    ref: str
    name: str
    account: str  # the 411 account the lines are on
    balance: Decimal  # debits minus credits in the file


class PlannedDocument(NamedTuple):
    """A customer line that becomes an invoice (debit), a payment or a credit note (credit). (A named tuple, like
    ``FecLine``, for speed.)"""

    key: str  # stable natural key: journal|entry number|entry date|rank of the customer line in the entry
    kind: DocumentKind
    customer_ref: str
    amount: Decimal  # > 0
    dated_on: date  # issue date (invoice, credit note) or date received (payment)
    due_on: date | None  # from the file's due-date column, if any; else computed from payment terms later
    number: str  # the PieceRef when it names this one document of its kind in the file, else ""
    synthetic_number: str  # built from the journal, the entry number, its date and the rank
    piece_ref: str
    label: str
    journal_code: str
    line: int
    letter: str
    opening: bool  # brought forward from the opening entries (à nouveaux)
    method: str = "other"  # payments: transfer, cheque, card, cash, direct_debit, bill or other
    instalments: tuple[Part, ...] = ()  # an invoice whose lines have several due dates: its schedule


class PlannedAllocation(NamedTuple):
    """Part of a credit (payment or credit note) applied to a debit (invoice) of the same lettering group."""

    invoice_key: str
    credit_key: str
    amount: Decimal
    allocated_on: date
    customer_ref: str
    letter: str


@dataclass(frozen=True, slots=True)
class UnbalancedLettering:
    """A lettering group whose debits and credits differ: every line of it is left open."""

    customer_ref: str
    letter: str
    debit: Decimal
    credit: Decimal
    lines: tuple[int, ...]

    @property
    def difference(self) -> Decimal:
        return self.debit - self.credit


@dataclass(frozen=True, slots=True)
class FecPlan:
    customers: tuple[PlannedCustomer, ...]
    documents: tuple[PlannedDocument, ...]
    allocations: tuple[PlannedAllocation, ...]
    unbalanced: tuple[UnbalancedLettering, ...]
    zero_lines: int  # customer lines with a zero net amount, skipped
    opening_lines: int  # customer lines from the opening entries (à nouveaux)
    foreign_currency_lines: int = 0  # customer lines with a Montantdevise or an Idevise

    def count(self, kind: DocumentKind) -> int:
        return sum(1 for d in self.documents if d.kind == kind)


_OPENING_JOURNALS = {"AN", "ANO", "AN0", "RAN", "ANOU"}
_OPENING_WORDS = re.compile(r"\ba[ -]?nouveaux?\b")
_CASH_JOURNALS = {"BQ", "BNQ", "BAN", "BANK", "BANQUE", "CA", "CAI", "CAIS", "CAISSE", "CSS", "CAS", "CASH"}
_CASH_WORDS = re.compile(r"\b(?:banque|bank|caisse|cash)\b")
_METHOD_CODES = {
    "VIR": "transfer",
    "VIREMENT": "transfer",
    "CHQ": "cheque",
    "CH": "cheque",
    "CHEQUE": "cheque",
    "CB": "card",
    "CARTE": "card",
    "ESP": "cash",
    "ESPECES": "cash",
    "PRLV": "direct_debit",
    "PRL": "direct_debit",
    "PREL": "direct_debit",
    "LCR": "bill",
    "EFFET": "bill",
}
_METHOD_WORDS = [
    (re.compile(r"^(?:vir|virement)\b"), "transfer"),
    (re.compile(r"\b(?:chq|ch[eè]ques?)\b"), "cheque"),
    (re.compile(r"^(?:prlv|pr[eé]l[eè]vement)\b"), "direct_debit"),
    (re.compile(r"\b(?:remise cb|rem cb|recette cb|carte)\b"), "card"),
    (re.compile(r"\besp[eè]ces\b"), "cash"),
    (re.compile(r"\blcr\b"), "bill"),
]


def _plain(text: str) -> str:
    """Lower case without accents, for matching words."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def is_opening(line: FecLine) -> bool:
    """An opening entry (*à nouveaux*): journal AN/ANO/RAN..., or a journal or entry label saying "à nouveau"."""
    if line.journal_code.upper() in _OPENING_JOURNALS:
        return True
    return _says_opening(line.journal_label) or _says_opening(line.label)


def _says_opening(text: str) -> bool:
    return "nouv" in text.lower() and bool(_OPENING_WORDS.search(_plain(text)))


def is_cash_journal(code: str, label: str) -> bool:
    """A bank or cash journal, by its code (BQ, BNQ, CA, CAISSE...) or its label (banque, caisse)."""
    upper = code.upper()
    return upper in _CASH_JOURNALS or upper.startswith(("BQ", "BNQ", "BANK")) or bool(_CASH_WORDS.search(_plain(label)))


def payment_method(line: FecLine) -> str:
    """The payment method from ModeRglt (cash-basis variant) or the usual words of the entry label."""
    code = line.payment_mode.upper()
    if code in _METHOD_CODES:
        return _METHOD_CODES[code]
    label = line.label.lower()
    for pattern, method in _METHOD_WORDS:
        if pattern.search(label):
            return method
    return "other"


def synthetic_number(journal_code: str, entry_num: str, entry_date: date, rank: int) -> str:
    """``VE-00012-20230109-1``: journal, entry number, entry date, rank of the customer line in the entry;
    hashed when longer than an invoice number may be."""
    return _synthetic_number(journal_code, entry_num, entry_date.strftime("%Y%m%d"), rank)


def _synthetic_number(journal_code: str, entry_num: str, day: str, rank: int) -> str:
    number = f"{journal_code}-{entry_num}-{day}-{rank}"
    if len(number) <= MAX_NUMBER:
        return number
    return "FEC-" + hashlib.sha1(number.encode()).hexdigest()[:16]


def _document_key(journal_code: str, entry_num: str, day: str, rank: int) -> str:
    key = f"{journal_code}|{entry_num}|{day}|{rank}"
    if len(key) <= MAX_KEY:
        return key
    return "h|" + hashlib.sha1(key.encode()).hexdigest()


def plan_fec(book: FecBook) -> FecPlan:
    """Turn the customer lines into customers, documents and allocations.

    - A customer per auxiliary account (``CompAuxNum``), or per 411 account when the line has none; its name is
      the first non-empty ``CompAuxLib`` (or ``CompteLib``) met.
    - Each line is netted (debit minus credit; negative amounts allowed); a zero line is skipped. A debit becomes
      an invoice; a credit becomes a payment when its journal is a bank or cash journal or its entry has a line
      on a class-5 account, else a credit note. Opening entries (*à nouveaux*) are open items like any other:
      a debit is an invoice dated at its PieceDate (else EcritureDate), a credit a payment.
    - Lettering (``EcritureLet``) groups the lines of one customer that settle each other. A group whose debits
      equal its credits is allocated first-in first-out by date (the oldest credit to the oldest debit), dated at
      the group's ``DateLet`` (else the later of the two documents' dates). A group that does not balance is
      left open and reported.
    - Each document's key is built from the file's own identifiers (journal, entry number, entry date and the
      rank of the customer line within the entry), so reading the same file again gives the same keys.
    """
    accounts: dict[str, str] = {}  # customer ref -> its 411 account
    names: dict[str, str] = {}
    balances: dict[str, Decimal] = defaultdict(lambda: ZERO)
    ranks: dict[tuple[str, str, date], int] = defaultdict(int)
    cash_journals: dict[tuple[str, str], bool] = {}
    cash_entries = book.cash_entries
    piece_refs: Counter[tuple[DocumentKind, str]] = Counter()
    pending: list[tuple[FecLine, DocumentKind, str, int, bool, Decimal]] = []
    zero_lines = opening_lines = foreign = 0
    invoice, payment, credit_note = DocumentKind.INVOICE, DocumentKind.PAYMENT, DocumentKind.CREDIT_NOTE

    for line in book.customer_lines:
        ref = line.aux_account or line.account
        if ref not in accounts:
            accounts[ref] = line.account
        if not names.get(ref):
            names[ref] = line.aux_label if line.aux_account else line.account_label
        amount = line.debit - line.credit
        balances[ref] += amount
        if line.currency or line.currency_amount is not None:
            foreign += 1
        entry = (line.journal_code, line.entry_num, line.entry_date)
        rank = ranks[entry] = ranks[entry] + 1
        if not amount:
            zero_lines += 1
            continue
        opening = is_opening(line)
        if opening:
            opening_lines += 1
        if amount > ZERO:
            kind = invoice
        else:
            journal = (line.journal_code, line.journal_label)
            cash = cash_journals.get(journal)
            if cash is None:
                cash = cash_journals[journal] = is_cash_journal(*journal)
            kind = payment if opening or cash or entry in cash_entries else credit_note
            amount = -amount
        if kind is not payment and line.piece_ref:
            piece_refs[(kind, line.piece_ref)] += 1
        pending.append((line, kind, ref, rank, opening, amount))

    documents: list[PlannedDocument] = []
    days: dict[date, str] = {}
    # the invoice lines of one entry with the same piece reference: one invoice when their due dates differ
    by_piece: dict[tuple[str, str, str, date, str], list[int]] = defaultdict(list)
    for line, kind, ref, rank, opening, amount in pending:
        piece = line.piece_ref
        journal_code, entry_num, entry_date = line.journal_code, line.entry_num, line.entry_date
        day = days.get(entry_date)
        if day is None:
            day = days[entry_date] = entry_date.strftime("%Y%m%d")
        if kind is payment:
            dated_on, number, method = line.payment_date or entry_date, "", payment_method(line)
        else:
            dated_on, method = line.piece_date or entry_date, "other"
            number = piece if piece and piece_refs[(kind, piece)] == 1 and len(piece) <= MAX_NUMBER else ""
            if kind is invoice and piece:
                by_piece[(ref, journal_code, entry_num, entry_date, piece)].append(len(documents))
        documents.append(
            PlannedDocument(
                _document_key(journal_code, entry_num, day, rank),
                kind,
                ref,
                amount,
                dated_on,
                line.due_date if kind is invoice else None,
                number,
                _synthetic_number(journal_code, entry_num, day, rank),
                piece,
                line.label,
                journal_code,
                line.line,
                line.letter,
                opening,
                method,
            )
        )

    allocations, unbalanced = _allocate_lettering(documents, book.customer_lines)
    if len(by_piece) < sum(1 for d in documents if d.kind is invoice and d.piece_ref):
        documents, allocations = _merge_instalments(documents, allocations, by_piece, piece_refs)
    planned_customers = tuple(
        PlannedCustomer(ref, names.get(ref) or ref, account, balances[ref]) for ref, account in accounts.items()
    )
    return FecPlan(
        customers=planned_customers,
        documents=tuple(documents),
        allocations=tuple(allocations),
        unbalanced=tuple(unbalanced),
        zero_lines=zero_lines,
        opening_lines=opening_lines,
        foreign_currency_lines=foreign,
    )


def _merge_instalments(
    documents: list[PlannedDocument],
    allocations: list[PlannedAllocation],
    by_piece: Mapping[tuple[str, str, str, date, str], list[int]],
    piece_refs: Counter[tuple[DocumentKind, str]],
) -> tuple[list[PlannedDocument], list[PlannedAllocation]]:
    """One invoice for the customer lines of one entry that carry the same piece reference and different due dates
    (an invoice payable in instalments: one 411 line per due date): its amount is theirs added up, its due date the
    first, its schedule their amounts by due date, its key and line the first line's, and its number the piece
    reference when no other invoice of the file has it. Lettering was worked out line by line before: the
    allocations of the other lines go to the merged invoice (those between the same two documents added up)."""
    replaced: dict[str, str] = {}  # key of a line merged into another -> key of the invoice it belongs to
    merged: dict[int, PlannedDocument] = {}
    dropped: set[int] = set()
    for (_ref, *_entry, piece), indexes in by_piece.items():
        if len(indexes) < 2:
            continue
        docs = [documents[i] for i in indexes]
        dues = {d.due_on for d in docs}
        if None in dues or len(dues) < 2:
            continue
        first = docs[0]
        parts = merge_same_dates([Part(d.due_on, d.amount) for d in docs if d.due_on is not None])
        number = piece if piece_refs[(DocumentKind.INVOICE, piece)] == len(docs) and len(piece) <= MAX_NUMBER else ""
        merged[indexes[0]] = first._replace(
            amount=sum((d.amount for d in docs), ZERO),
            due_on=parts[0].due_on,
            number=number,
            letter=first.letter if all(d.letter == first.letter for d in docs) else "",
            instalments=parts,
        )
        for i, doc in zip(indexes[1:], docs[1:], strict=True):
            dropped.add(i)
            replaced[doc.key] = first.key
    if not merged:
        return documents, allocations
    kept = [merged.get(i, doc) for i, doc in enumerate(documents) if i not in dropped]
    combined: dict[tuple[str, str], PlannedAllocation] = {}
    for allocation in allocations:
        invoice_key = replaced.get(allocation.invoice_key, allocation.invoice_key)
        pair = (invoice_key, allocation.credit_key)
        known = combined.get(pair)
        if known is None:
            combined[pair] = allocation._replace(invoice_key=invoice_key)
        else:
            combined[pair] = known._replace(
                amount=known.amount + allocation.amount, allocated_on=max(known.allocated_on, allocation.allocated_on)
            )
    return kept, list(combined.values())


def _allocate_lettering(
    documents: list[PlannedDocument], lines: tuple[FecLine, ...]
) -> tuple[list[PlannedAllocation], list[UnbalancedLettering]]:
    groups: dict[tuple[str, str], list[PlannedDocument]] = defaultdict(list)
    for doc in documents:
        if doc.letter:
            groups[(doc.customer_ref, doc.letter)].append(doc)
    letter_dates: dict[tuple[str, str], date] = {}
    for line in lines:
        if line.letter and line.letter_date is not None:
            group = (line.customer_ref, line.letter)
            if group in groups and (group not in letter_dates or line.letter_date > letter_dates[group]):
                letter_dates[group] = line.letter_date
    allocations: list[PlannedAllocation] = []
    unbalanced: list[UnbalancedLettering] = []
    for (ref, letter), docs in groups.items():
        debits = sorted((d for d in docs if d.kind == DocumentKind.INVOICE), key=lambda d: (d.dated_on, d.line))
        credits = sorted((d for d in docs if d.kind != DocumentKind.INVOICE), key=lambda d: (d.dated_on, d.line))
        debit_total = sum((d.amount for d in debits), ZERO)
        credit_total = sum((d.amount for d in credits), ZERO)
        if debit_total != credit_total:
            unbalanced.append(
                UnbalancedLettering(ref, letter, debit_total, credit_total, tuple(sorted(d.line for d in docs)))
            )
            continue
        letter_date = letter_dates.get((ref, letter))
        i = j = 0
        left_debit = debits[0].amount if debits else ZERO
        left_credit = credits[0].amount if credits else ZERO
        while i < len(debits) and j < len(credits):
            amount = min(left_debit, left_credit)
            debit, credit = debits[i], credits[j]
            allocations.append(
                PlannedAllocation(
                    invoice_key=debit.key,
                    credit_key=credit.key,
                    amount=amount,
                    allocated_on=letter_date or max(debit.dated_on, credit.dated_on),
                    customer_ref=ref,
                    letter=letter,
                )
            )
            left_debit -= amount
            left_credit -= amount
            if left_debit == 0:
                i += 1
                if i < len(debits):
                    left_debit = debits[i].amount
            if left_credit == 0:
                j += 1
                if j < len(credits):
                    left_credit = credits[j].amount
    return allocations, unbalanced
