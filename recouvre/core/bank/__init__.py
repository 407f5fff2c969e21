"""Bank statement files: recognising the format from the content, reading it into statements and entries, and
the stable key that keeps a re-imported entry from being counted twice.

::

    from recouvre.core.bank import parse, entry_keys

    parsed = parse(content, default_currency="EUR")      # raises BankFileError(line, message)
    for statement in parsed.statements:
        for key, entry in zip(entry_keys(statement), statement.entries, strict=True):
            ...

Formats (``detect``): ISO 20022 camt.053 and camt.054, CFONB 120, MT940, OFX 1.x/2.x, CSV with a mapping.
Pure Python: no Django, no clock, no file system; the caller gives the bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from ..i18n import _
from . import camt, cfonb, csvfile, mt940, ofx
from .common import decode, split_lines, squeeze
from .csvfile import CsvMapping
from .model import (
    CAMT053,
    CAMT054,
    CFONB120,
    CSV,
    DEFAULT_MAX_BYTES,
    FORMATS,
    MT940,
    OFX,
    BankFileError,
    BankWarning,
    CurrencyTotals,
    ParsedDetail,
    ParsedEntry,
    ParsedFile,
    ParsedStatement,
)

__all__ = [
    "CAMT053",
    "CAMT054",
    "CFONB120",
    "CSV",
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "KEY_VERSION",
    "MT940",
    "OFX",
    "BankFileError",
    "BankWarning",
    "CsvMapping",
    "CurrencyTotals",
    "ParsedDetail",
    "ParsedEntry",
    "ParsedFile",
    "ParsedStatement",
    "detect",
    "entry_key",
    "entry_keys",
    "parse",
]

_HEAD = 8192
_CSV_SEPARATORS = (";", ",", "\t", "|")


def detect(content: bytes) -> str:
    """The format of ``content`` (one of ``FORMATS``), from what it holds, never from a file name: an XML
    document with a camt.053/camt.054 namespace or root element; an OFX header or ``<OFX>``; MT940's ``{1:``
    envelope or its fields; CFONB records; else a text whose first lines have a ``;``, ``,``, tab or ``|`` separator
    (CSV). Raises ``BankFileError``."""
    if not content.strip():
        raise BankFileError(0, _("the file is empty"))
    head_bytes = content[:_HEAD]
    if len(head_bytes) % 2 and head_bytes.startswith((b"\xff\xfe", b"\xfe\xff")):
        head_bytes = head_bytes[:-1]
    try:
        head = decode(head_bytes)
    except BankFileError:
        head = head_bytes.decode("latin-1")
    start = head.lstrip("\ufeff \t\r\n")
    if ofx.looks_like(head.encode("utf-8", "replace")):
        return OFX
    if start.startswith("<"):
        kind = camt.looks_like(head)
        if kind:
            return kind
        raise BankFileError(
            1, _("an XML document that is neither a camt.053 or camt.054 bank message nor an OFX statement")
        )
    lines = split_lines(head)
    if len(content) > _HEAD and len(lines) > 1:
        lines = lines[:-1]  # the last one may be cut
    if mt940.looks_like(lines):
        return MT940
    if cfonb.looks_like(lines):
        return CFONB120
    head_lines = [line for line in lines if line.strip()][:30]  # an export may write a few lines before its header
    if all(line.replace("\t", " ").isprintable() for line in head_lines) and any(
        sep in line for line in head_lines for sep in _CSV_SEPARATORS
    ):
        return CSV
    raise BankFileError(
        0, _("not a bank statement format Recouvre reads (camt.053, camt.054, CFONB 120, MT940, OFX, or CSV)")
    )


def parse(
    content: bytes,
    *,
    default_currency: str | None = None,
    csv_mapping: CsvMapping | Mapping[str, Any] | None = None,
    account_currencies: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParsedFile:
    """Read a bank file whole, or refuse it whole (``BankFileError`` with the line and the reason).

    - ``default_currency``: the organization's, for a statement that gives none and whose account is not in
      ``account_currencies`` (IBAN, account id or account number -> currency); both fallbacks leave a
      ``currency_assumed`` warning on the statement. Without either, such a statement is refused.
    - ``csv_mapping``: needed for a CSV file (a ``CsvMapping`` or its ``as_dict()`` form); ignored otherwise.
    - ``max_bytes``: larger files are refused before anything is read.
    """
    if len(content) > max_bytes:
        raise BankFileError(
            0,
            _("the file is %(size)s bytes, more than the %(limit)s bytes a bank file may have")
            % {"size": len(content), "limit": max_bytes},
        )
    if default_currency is not None:
        default_currency = default_currency.strip().upper()
        if len(default_currency) != 3 or not default_currency.isalpha():
            raise ValueError(f"not a currency code: {default_currency!r}")
    fmt = detect(content)
    options: dict[str, Any] = {"account_currencies": account_currencies, "default_currency": default_currency}
    if fmt in (CAMT053, CAMT054):
        return camt.parse(content, **options)
    if fmt == CFONB120:
        return cfonb.parse(content, **options)
    if fmt == MT940:
        return mt940.parse(content, **options)
    if fmt == OFX:
        return ofx.parse(content, **options)
    if csv_mapping is None:
        raise BankFileError(
            0,
            _(
                "this looks like a CSV file: it needs a column mapping (which column holds the date, the amount, "
                "the label...)"
            ),
        )
    mapping = csv_mapping if isinstance(csv_mapping, CsvMapping) else CsvMapping.from_dict(csv_mapping)
    return csvfile.parse(content, mapping, **options)


#: Changes when the way keys are made changes (keys of another version never meet).
KEY_VERSION = "1"


def _canonical_amount(entry: ParsedEntry) -> str:
    """The absolute amount without trailing zeros (``8.850`` and ``8.85`` are the same amount)."""
    value = abs(entry.amount)
    return format(value.normalize(), "f") if value else "0"


def _base_key(statement: ParsedStatement, entry: ParsedEntry) -> str:
    account = "".join((statement.account_iban or statement.account_id).split()).upper()
    sign = "C" if entry.is_credit else "D"
    day = entry.booking_date.isoformat()
    amount = _canonical_amount(entry)
    if entry.bank_reference:
        parts = ("ref", account, entry.currency, entry.bank_reference, day, sign, amount)
    else:
        parts = ("txt", account, entry.currency, day, sign, amount, squeeze(entry.text))
    return "\x1f".join((KEY_VERSION, *parts))


def entry_key(statement: ParsedStatement, entry: ParsedEntry, counter: int = 0) -> str:
    """The stable key of an entry: the SHA-256 (64 hex digits) of, joined with the unit separator (U+001F):

    - ``KEY_VERSION``;
    - with a bank reference: ``ref``, the account (IBAN, else account id; no spaces, upper case), the currency,
      the bank reference, the booking date (ISO), ``C``/``D``, the absolute amount without trailing zeros;
    - without: ``txt``, the account, the currency, the booking date, ``C``/``D``, the amount, the text (runs of
      spaces as one);
    - ``counter``: 0 for the first entry with that key in its statement, 1 for the next identical one...

    The same entry read again, from the same file or from another statement covering the same days in the same
    format, gets the same key; ``entry_keys`` numbers identical entries for you."""
    return hashlib.sha256(f"{_base_key(statement, entry)}\x1f{counter}".encode()).hexdigest()


def entry_keys(statement: ParsedStatement) -> list[str]:
    """The key of each entry of ``statement``, in order, identical entries numbered 0, 1, 2... by ``counter``."""
    seen: dict[str, int] = {}
    keys: list[str] = []
    for entry in statement.entries:
        base = _base_key(statement, entry)
        counter = seen.get(base, 0)
        seen[base] = counter + 1
        keys.append(hashlib.sha256(f"{base}\x1f{counter}".encode()).hexdigest())
    return keys
