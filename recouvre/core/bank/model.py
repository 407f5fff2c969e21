"""What a bank file reads as, whatever its format: files, statements, entries and their transaction details.

Amounts are exact ``Decimal`` values as the bank wrote them (a camt amount may have five decimals: nothing is
rounded), signed from the account holder's side: a credit (money in) is positive, a debit negative.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..i18n import _

#: Formats ``detect`` names.
CAMT053 = "camt.053"
CAMT054 = "camt.054"
CFONB120 = "cfonb120"
MT940 = "mt940"
OFX = "ofx"
CSV = "csv"
FORMATS: tuple[str, ...] = (CAMT053, CAMT054, CFONB120, MT940, OFX, CSV)

#: Files larger than this are refused unless ``parse`` is given another limit.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024

RawFields = tuple[tuple[str, str], ...]


class BankFileError(ValueError):
    """The file is refused as a whole: ``line`` is where (1 = the first line; 0 when it is the file as a whole)
    and ``message`` says why, in the active language."""

    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line:
            return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}
        return self.message

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "message": self.message}


@dataclass(frozen=True, slots=True)
class BankWarning:
    """Something the person importing should know, the file being read all the same. ``code`` is stable
    (``balance_mismatch``, ``currency_assumed``, ``balance_not_checked``, ``entries_not_booked``,
    ``balance_other_currency``, ``format_version``); ``message`` is in the active language."""

    code: str
    message: str
    line: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "line": self.line}


@dataclass(frozen=True, slots=True)
class ParsedDetail:
    """One transaction of a batched entry (a camt ``<TxDtls>`` when an entry has several): what the payer sent,
    for matching one payment against several invoices. ``amount`` is signed like the entry's (``None`` when the
    bank gave none)."""

    amount: Decimal | None
    currency: str | None
    text: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""
    end_to_end_id: str = ""
    creditor_reference: str = ""
    bank_reference: str = ""
    raw: RawFields = ()


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """A booked movement as the bank lists it: a camt ``<Ntry>``, a CFONB 04 record (with its 05 records), an
    MT940 ``:61:`` (with its ``:86:``), an OFX ``<STMTTRN>``, a CSV row.

    - ``amount``: signed, + for a credit; exact, as written; ``currency``: ISO 4217.
    - ``bank_reference``: the bank's own reference for the entry when the format has a reliable one (camt
      ``AcctSvcrRef``, MT940 reference after ``//``, OFX ``FITID``, a CSV column declared unique); else ``""``.
    - ``text``: the remittance information and the bank's wording, joined with `` / ``.
    - ``counterparty_*``: the payer of a credit, the payee of a debit, when the file names them.
    - ``creditor_reference``: a structured creditor reference (ISO 11649 ``RF..``, or the one a camt
      ``<CdtrRefInf>`` carries).
    - ``details``: the transactions of a batched entry (two or more); a single one is folded into the entry.
    - ``line``: where the entry starts in the file; ``raw``: the other fields, as (name, value) pairs.
    """

    booking_date: date
    value_date: date | None
    amount: Decimal
    currency: str
    bank_reference: str = ""
    text: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""
    end_to_end_id: str = ""
    creditor_reference: str = ""
    details: tuple[ParsedDetail, ...] = ()
    line: int = 0
    raw: RawFields = ()

    @property
    def is_credit(self) -> bool:
        """Money in (a zero amount keeps the side the bank gave it)."""
        return not self.amount.is_signed()


@dataclass(frozen=True, slots=True)
class ParsedStatement:
    """One statement (or camt.054 notification) of one account.

    - ``account_id``: how the account is shown: its IBAN when the file gives it (or, for CFONB, the one its bank,
      branch and account numbers make), else the account number as written; ``account_number``: as written
      (CFONB: the 11-character account number; OFX: ``ACCTID``; MT940: ``:25:``); ``bank_code`` and
      ``branch_code``: CFONB's *code banque* and *code guichet*, OFX's ``BANKID`` and ``BRANCHID``.
    - ``currency``: the statement's, or the one assumed (see ``warnings``).
    - balances are signed (+ in credit) and ``None`` when the file gives none.
    - ``statement_id`` and ``sequence``: the bank's identification (camt ``Id`` and ``LglSeqNb``/``ElctrncSeqNb``,
      MT940 ``:20:`` and ``:28C:``, OFX ``TRNUID``), ``""`` when none.
    """

    account_id: str
    account_iban: str
    account_number: str
    currency: str
    entries: tuple[ParsedEntry, ...]
    opening_balance: Decimal | None = None
    opening_date: date | None = None
    closing_balance: Decimal | None = None
    closing_date: date | None = None
    statement_id: str = ""
    sequence: str = ""
    bank_code: str = ""
    branch_code: str = ""
    line: int = 0
    warnings: tuple[BankWarning, ...] = ()


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    """Booked entries of a file in one currency: how many, and the credits and the debits as positive sums."""

    entries: int
    credits: Decimal
    debits: Decimal

    def as_dict(self) -> dict[str, object]:
        return {"entries": self.entries, "credits": str(self.credits), "debits": str(self.debits)}


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A whole bank file: its ``format`` (one of ``FORMATS``), the ``version`` when the format has one
    (``camt.053.001.02``, OFX ``102``/``211``...), its statements in file order and the warnings that concern the
    file as a whole (each statement carries its own)."""

    format: str
    statements: tuple[ParsedStatement, ...]
    warnings: tuple[BankWarning, ...] = ()
    version: str = ""

    def entries(self) -> Iterator[tuple[ParsedStatement, ParsedEntry]]:
        for statement in self.statements:
            for entry in statement.entries:
                yield statement, entry

    @property
    def entry_count(self) -> int:
        return sum(len(s.entries) for s in self.statements)

    def totals(self) -> dict[str, CurrencyTotals]:
        """Per currency (sorted by code): the number of entries, the credits and the debits (absolute amounts)."""
        counts: dict[str, _Totals] = {}
        for _statement, entry in self.entries():
            bucket = counts.get(entry.currency)
            if bucket is None:
                bucket = counts[entry.currency] = _Totals()
            bucket.n += 1
            if entry.is_credit:
                bucket.credits += entry.amount
            else:
                bucket.debits -= entry.amount
        return {code: CurrencyTotals(t.n, t.credits, t.debits) for code, t in sorted(counts.items())}

    def all_warnings(self) -> list[BankWarning]:
        """The file's warnings, then each statement's, in file order."""
        out = list(self.warnings)
        for statement in self.statements:
            out.extend(statement.warnings)
        return out


@dataclass(slots=True)
class _Totals:
    n: int = 0
    credits: Decimal = field(default_factory=Decimal)
    debits: Decimal = field(default_factory=Decimal)
