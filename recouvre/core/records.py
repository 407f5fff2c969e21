"""Validation of table rows into records: customers, invoices and payments, every refusal collected.

Each row is read against ``ResolvedColumns``. Values are trimmed; an empty cell means "not given" (``None``)
and never erases a stored value. Amounts are read with ``parse_amount`` (French or English writing), dates with
``parse_date`` (day first unless the mapping says month first), identifiers with python-stdnum, and the
usual English and French words for kinds, segments, languages, payment methods and payment terms.
A natural key seen twice in one file is refused on the second line, naming the first.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from itertools import islice, repeat
from operator import add, eq, ge, sub
from typing import Any, cast

from .dates import DateError, PaymentTerms, parse_date
from .i18n import _, gettext_noop
from .identifiers import IdentifierError, validate_iban, validate_siren, validate_siret, validate_vat
from .importing import ErrorList, RowError, control_character, control_message
from .instalments import Part, ScheduleError, parse_schedule, schedule_errors
from .mappings import ColumnMapping, MappingOptions, ResolvedColumns, field_spec, strip_accents
from .money import MAX_AMOUNT, AmountError, parse_amount, parse_currency

CENT = Decimal("0.01")

Progress = Callable[[int], None]


# ------------------------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    line: int
    ref: str
    name: str
    kind: str | None = None
    segment: str | None = None
    siren: str | None = None
    siret: str | None = None
    vat_number: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    language: str | None = None
    payment_terms: PaymentTerms | None = None
    credit_limit: Decimal | None = None
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name or self.email or self.phone)


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    line: int
    number: str
    customer_ref: str
    issued_on: date
    total: Decimal
    due_on: date | None = None
    amount_excl_tax: Decimal | None = None
    tax_amount: Decimal | None = None
    currency: str | None = None
    customer_name: str | None = None
    instalments: tuple[Part, ...] = ()  # payable on several dates: the schedule (two instalments at least)


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """``key`` is the payment's natural key in this organization (``Payment.source_key``): the payment id
    when the file has one, else a digest of what identifies the payment in the file (see ``payment_key``)."""

    line: int
    key: str
    customer_ref: str
    received_on: date
    amount: Decimal
    currency: str | None = None
    reference: str | None = None
    method: str | None = None
    payer_name: str | None = None
    payer_iban: str | None = None
    invoice_number: str | None = None
    customer_name: str | None = None


Record = CustomerRecord | InvoiceRecord | PaymentRecord


@dataclass(frozen=True, slots=True)
class Validated:
    kind: str
    records: list[Record]
    errors: ErrorList  # the first errors found; ``errors.total`` counts them all
    rows: int  # data lines read (blank lines excluded)


# ------------------------------------------------------------------------------------------- vocabularies


def _words(text: str) -> str:
    return " ".join(strip_accents(text).lower().replace("-", " ").replace("_", " ").split())


def _vocab(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_words(word): value for value, words in table.items() for word in (value, *words)}


KIND_WORDS = _vocab(
    {
        "business": (
            "company",
            "b2b",
            "professional",
            "pro",
            "entreprise",
            "société",
            "professionnel",
            "personne morale",
        ),
        "consumer": ("individual", "private", "person", "b2c", "particulier", "consommateur", "personne physique"),
        "public": (
            "public body",
            "public sector",
            "government",
            "b2g",
            "collectivité",
            "collectivité locale",
            "administration",
            "secteur public",
            "organisme public",
            "établissement public",
        ),
    }
)
SEGMENT_WORDS = _vocab(
    {
        "strategic": ("key account", "key", "stratégique", "grand compte", "grands comptes", "clé"),
        "standard": ("normal", "regular", "courant"),
        "small": ("petit", "petit compte", "petits comptes", "tpe"),
    }
)
LANGUAGE_WORDS = _vocab(
    {
        "fr": ("french", "français"),
        "en": ("english", "anglais"),
        "de": ("german", "allemand", "deutsch"),
        "es": ("spanish", "espagnol", "español"),
        "it": ("italian", "italien", "italiano"),
        "nl": ("dutch", "néerlandais", "nederlands"),
        "pt": ("portuguese", "portugais", "português"),
    }
)
METHOD_WORDS = _vocab(
    {
        "transfer": ("virement", "vir", "bank transfer", "credit transfer", "wire", "sepa", "virement sepa"),
        "direct_debit": ("direct debit", "prélèvement", "prlv", "sdd", "prélèvement sepa"),
        "cheque": ("check", "chèque", "chq"),
        "card": ("carte", "carte bancaire", "cb", "credit card", "carte de crédit"),
        "cash": ("espèces", "liquide"),
        "bill": ("bill of exchange", "lcr", "traite", "effet", "lcr bor", "billet à ordre", "bor"),
        "other": ("autre",),
    }
)
COUNTRY_WORDS = _vocab(
    {
        "FR": ("france",),
        "BE": ("belgique", "belgium"),
        "CH": ("suisse", "switzerland"),
        "LU": ("luxembourg",),
        "MC": ("monaco",),
        "DE": ("allemagne", "germany"),
        "ES": ("espagne", "spain"),
        "IT": ("italie", "italy"),
        "NL": ("pays bas", "netherlands"),
        "PT": ("portugal",),
        "GB": ("royaume uni", "united kingdom", "uk"),
        "IE": ("irlande", "ireland"),
        "US": ("etats unis", "united states", "usa"),
    }
)

_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"\+?[0-9 ().\-/]{6,40}")
_TERMS = re.compile(
    r"^(?:net\s*)?(?P<days>\d{1,3})\s*(?:j|jr|jrs|jour|jours|d|day|days)?\s*(?:net)?\s*"
    r"(?P<eom>fm|fdm|eom|fin\s*de\s*mois|fin\s*mois|end\s*of\s*month|end\s*of\s*the\s*month)?$"
)
_IMMEDIATE = frozenset({"comptant", "a reception", "reception", "upon receipt", "on receipt", "immediate", "cash"})


def parse_payment_terms(text: str) -> PaymentTerms:
    """``30``, ``30 jours``, ``net 30``, ``45 FM``, ``45 jours fin de mois``, ``45 days end of month``,
    ``comptant`` (0 days). Refuses anything else and terms over 365 days."""
    s = _words(text).replace(".", "")
    if s in _IMMEDIATE:
        return PaymentTerms(0)
    m = _TERMS.match(s)
    if not m:
        raise ValueError(
            _("cannot read payment terms %(text)r (write e.g. 30, 60 jours, 45 FM, 45 days end of month)")
            % {"text": text}
        )
    days = int(m["days"])
    if days > 365:
        raise ValueError(_("payment terms of %(days)s days are more than a year") % {"days": days})
    return PaymentTerms(days, end_of_month=bool(m["eom"]))


def payment_key(
    customer_ref: str, received_on: date, amount: Decimal, reference: str, invoice_number: str, occurrence: int
) -> str:
    """A stable natural key for a payment row that has no id: what identifies it in the file, plus how many
    identical rows came before it in the same file (so two identical rows stay two payments, and re-importing
    the same or an overlapping file finds them again)."""
    text = "\x1f".join((customer_ref, received_on.isoformat(), str(amount), reference, invoice_number, str(occurrence)))
    return "file:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def payment_id_key(payment_id: str) -> str:
    return "file-id:" + payment_id


# ------------------------------------------------------------------------------------------- the validator

_PLAIN_AMOUNT = re.compile(r"-?\d{1,13}(?:[.,]\d{1,2})?")  # fewer than MAX_AMOUNT, at most 2 decimals
# A whole column of amounts joined by line breaks: each cell a plain positive amount (as ``_PLAIN_AMOUNT``
# without the sign), or more often one with exactly two decimals, which needs no rounding to cents.
_PLAIN_COLUMN = re.compile(r"(?:\d{1,13}(?:[.,]\d{1,2})?\n)*")
_CENTS_COLUMN = re.compile(r"(?:\d{1,13}[.,]\d\d\n)*")
QUICK_BATCH = 5000  # invoice lines read together by the quick path (progress is reported at the same pace)


# What a natural key seen twice names (see ``RowReader._duplicate``), translated only when a line is refused.
_THE_CUSTOMER_ACCOUNT = gettext_noop("the customer account %(value)s")
_THE_INVOICE = gettext_noop("the invoice %(value)s")
_THE_PAYMENT_ID = gettext_noop("the payment id %(value)s")
_THE_PAYMENT_REFERENCE = gettext_noop("the payment reference %(value)s")


class _Bad(Exception):
    """One refused value; the message is for people."""


def _invoice_records(count: int, columns: Sequence[Iterable[Any]]) -> list[InvoiceRecord]:
    """``[InvoiceRecord(*values) for values in zip(*columns)]``, built a column at a time: the frozen dataclass's
    ``__init__`` sets each field through ``object.__setattr__`` (1.5 µs a record), where the slots' own setters
    mapped over whole columns take a third of that. The records are the same (``InvoiceRecord`` has no
    ``__post_init__``)."""
    records = cast(list[InvoiceRecord], list(map(object.__new__, repeat(InvoiceRecord, count))))
    for spec, values in zip(fields(InvoiceRecord), columns, strict=True):
        deque(map(getattr(InvoiceRecord, spec.name).__set__, records, values), maxlen=0)
    return records


class RowReader:
    """Reads the rows of one file of one kind. ``errors`` collects every refusal."""

    def __init__(
        self, kind: str, columns: ResolvedColumns, options: MappingOptions, header_width: int, *, quick: bool = True
    ):
        """``quick=False`` reads every line with the full rules (the quick paths give the same result, faster)."""
        self.kind = kind
        self.quick = quick
        self.columns = columns
        self.options = options
        self.width = header_width
        self.errors = ErrorList()
        self._refused: set[str] = set()  # fields of the line being read refused for a control character
        self._dates: dict[str, date | str] = {}
        self._currencies: dict[str, str | None] = {}
        self._seen: dict[str, int] = {}  # natural key -> its line, for the lines read one by one
        self._batched: set[str] = set()  # invoice numbers of the batches read whole
        self._batches: list[tuple[Sequence[str], Sequence[int]]] = []  # their numbers and lines
        self._batched_lines: dict[str, int] | None = None  # number -> line, worked out when a number comes again
        self._occurrences: dict[tuple[str, ...], int] = {}
        self._row = {"customers": self._customer, "invoices": self._invoice, "payments": self._payment}[kind]
        self._cols = [(f, i, columns.headers[f]) for f, i in columns.indexes.items()]
        self._max_length = {f: field_spec(kind, f).max_length for f in columns.indexes}

    # -- entry point
    def read(self, rows: Iterable[tuple[int, Sequence[str]]], progress: Progress | None = None) -> Validated:
        records: list[Record] = []
        quick = self._quick_invoices() if self.kind == "invoices" and self.quick else None
        if quick is None:
            n = self._read_lines(rows, records, progress)
        else:
            n = 0
            lines = iter(rows)
            while batch := list(islice(lines, QUICK_BATCH)):
                read = quick(batch)
                if read is None:
                    self._read_lines(batch, records, None)
                else:
                    records.extend(read)
                n += len(batch)
                if progress is not None and not n % 5000:
                    progress(n)
        return Validated(self.kind, records, self.errors, n)

    def _read_lines(
        self, rows: Iterable[tuple[int, Sequence[str]]], records: list[Record], progress: Progress | None
    ) -> int:
        """Read ``rows`` one by one into ``records`` (the quick reading of a common invoice line first, else the
        full rules); returns how many were read."""
        n = 0
        append = records.append
        row = self._row
        errors = self.errors
        fast = self._fast_invoice_reader() if self.kind == "invoices" and self.quick else None
        for line, cells in rows:
            n += 1
            if progress is not None and not n % 5000:
                progress(n)
            if len(cells) > self.width and any(c.strip() for c in cells[self.width :]):
                errors.append(
                    RowError(
                        line,
                        "columns",
                        _(
                            "this line has %(values)s values but the header has %(columns)s columns "
                            "(an unquoted separator inside a value?)"
                        )
                        % {"values": len(cells), "columns": self.width},
                    )
                )
                continue
            if fast is not None:
                quick = fast(line, cells)
                if quick is not None:
                    append(quick)
                    continue
            nerr = errors.total
            record = row(line, self._values(line, cells))
            if record is not None and errors.total == nerr:
                append(record)
        return n

    def _quick_invoices(self) -> Callable[[list[tuple[int, Sequence[str]]]], list[InvoiceRecord] | None] | None:
        """A batch of common invoice lines read column by column, each check made once over the whole column:
        the quick path's rules (``_fast_invoice_reader``) for every line of the batch, its dates and currencies
        worked out by the full rules once per distinct text. Returns ``None`` as soon as one line of the batch
        is not such a line: its lines are then read one by one, and the full rules say what is wrong."""
        idx = self.columns.indexes
        i_tot = idx.get("total")
        if i_tot is None or "instalments" in idx:
            return None
        i_num, i_ref, i_iss = idx["number"], idx["customer_ref"], idx["issued_on"]
        i_due, i_excl, i_tax = idx.get("due_on"), idx.get("amount_excl_tax"), idx.get("tax_amount")
        i_cur, i_name = idx.get("currency"), idx.get("customer_name")
        needed = max(idx.values())
        width = self.width
        dates, currencies, seen, batched = self._dates, self._currencies, self._seen, self._batched
        max_num, max_ref, max_name = (
            field_spec("invoices", f).max_length or 0 for f in ("number", "customer_ref", "customer_name")
        )
        strip, cents, quantize, printable = str.strip, repeat(CENT), Decimal.quantize, str.isprintable
        plain_column, cents_column = _PLAIN_COLUMN.fullmatch, _CENTS_COLUMN.fullmatch

        def all_dates(texts: Iterable[str]) -> bool:
            return all(isinstance(self._date_value(text), date) for text in texts)

        def amounts(texts: list[str]) -> list[Decimal] | None:
            """Plain positive amounts, rounded to cents, checked and converted a column at a time."""
            joined = "\n".join(texts) + "\n"
            exact = cents_column(joined)
            if exact is None and plain_column(joined) is None:
                return None
            parts = joined.replace(",", ".").split("\n")
            parts.pop()  # what follows the last line break
            if len(parts) != len(texts):  # a cell holding a line break
                return None
            values = list(map(Decimal, parts))
            return values if exact is not None else list(map(quantize, values, cents))

        def read(batch: list[tuple[int, Sequence[str]]]) -> list[InvoiceRecord] | None:
            lines, rows = zip(*batch, strict=True)
            widths = set(map(len, rows))
            if min(widths) <= needed or max(widths) > width:
                return None
            columns = list(zip(*rows, strict=False))  # as many columns as the shortest line has: enough
            count = len(lines)

            def texts(i: int) -> list[str]:
                return list(map(strip, columns[i]))

            def optional_amounts(i: int | None) -> tuple[bool, list[Decimal] | None]:
                """(readable, amounts); no amounts when the column is absent or empty on every line."""
                if i is None:
                    return True, None
                values = texts(i)
                if not any(values):
                    return True, None
                if not all(values):
                    return False, None
                read = amounts(values)
                return read is not None, read

            numbers, refs = texts(i_num), texts(i_ref)
            if not all(numbers) or not all(refs) or max(map(len, numbers)) > max_num or max(map(len, refs)) > max_ref:
                return None
            if not printable("".join(numbers)) or not printable("".join(refs)):
                return None  # a control character somewhere (or a character such as a no-break space): line by line
            distinct_numbers = set(numbers)
            if len(distinct_numbers) != count or not (
                batched.isdisjoint(distinct_numbers) and seen.keys().isdisjoint(distinct_numbers)
            ):
                return None
            names: Iterable[str | None] = repeat(None)
            if i_name is not None:
                given = texts(i_name)
                if max(map(len, given)) > max_name or not printable("".join(given)):
                    return None
                names = [name or None for name in given]
            issued_texts = texts(i_iss)
            distinct = set(issued_texts)
            if "" in distinct or not all_dates(distinct):
                return None
            issued = cast(list[date], list(map(dates.__getitem__, issued_texts)))
            due: Iterable[date | None] = repeat(None)
            if i_due is not None:
                due_texts = texts(i_due)
                distinct = set(due_texts)
                if distinct != {""}:
                    if "" in distinct or not all_dates(distinct):
                        return None
                    due_on = cast(list[date], list(map(dates.__getitem__, due_texts)))
                    if not all(map(ge, due_on, issued)):
                        return None
                    due = due_on
            totals = amounts(texts(i_tot))
            if totals is None or not all(totals):
                return None
            ok_excl, excl = optional_amounts(i_excl)
            ok_tax, tax = optional_amounts(i_tax)
            if not (ok_excl and ok_tax):
                return None
            if excl is not None and tax is not None:
                if not all(map(eq, map(add, excl, tax), totals)):
                    return None
            elif excl is not None:
                tax = list(map(sub, totals, excl))
                if min(tax) < 0:
                    return None
            elif tax is not None:
                excl = list(map(sub, totals, tax))
                if min(excl) < 0:
                    return None
            currency: Iterable[str | None] = repeat(None)
            if i_cur is not None:
                codes = texts(i_cur)
                if not all(self._currency_value(code) for code in set(codes) if code):
                    return None
                currency = list(map(currencies.get, codes))  # an empty cell is not a key: None, not given
            records = _invoice_records(
                count,
                (
                    lines,
                    numbers,
                    refs,
                    issued,
                    totals,
                    due,
                    excl if excl is not None else repeat(None),
                    tax if tax is not None else repeat(None),
                    currency,
                    names,
                    repeat(()),
                ),
            )
            batched.update(distinct_numbers)
            self._batches.append((numbers, lines))
            if self._batched_lines is not None:
                self._batched_lines.update(zip(numbers, lines, strict=True))
            return records

        return read

    def _fast_invoice_reader(self) -> Callable[[int, Sequence[str]], InvoiceRecord | None]:
        """The common invoice line, read with as little work as possible: plain amounts, dates already seen,
        nothing missing, nothing too long. Anything else returns ``None`` and the line is read again by
        ``_invoice``, which knows every rule and says what is wrong."""
        idx = self.columns.indexes
        i_num, i_ref, i_iss = idx["number"], idx["customer_ref"], idx["issued_on"]
        i_due, i_tot = idx.get("due_on"), idx.get("total")
        i_excl, i_tax = idx.get("amount_excl_tax"), idx.get("tax_amount")
        i_cur, i_name = idx.get("currency"), idx.get("customer_name")
        if i_tot is None or "instalments" in idx:
            return lambda line, cells: None
        dates, currencies, seen, batched = self._dates, self._currencies, self._seen, self._batched
        plain, cent, dec = _PLAIN_AMOUNT.fullmatch, CENT, Decimal
        max_num, max_ref, max_name = (
            field_spec("invoices", f).max_length or 0 for f in ("number", "customer_ref", "customer_name")
        )

        def amount(text: str) -> Decimal | None:
            if not plain(text) or text[0] == "-":
                return None
            text = text.replace(",", ".")
            value = dec(text)
            return value if text[-3:-2] == "." else value.quantize(cent)

        def read(line: int, cells: Sequence[str]) -> InvoiceRecord | None:
            try:
                number, ref = cells[i_num].strip(), cells[i_ref].strip()
                issued_on = dates.get(cells[i_iss].strip())
                due_text = cells[i_due].strip() if i_due is not None else ""
                total = amount(cells[i_tot].strip())
                excl_text = cells[i_excl].strip() if i_excl is not None else ""
                tax_text = cells[i_tax].strip() if i_tax is not None else ""
                currency_text = cells[i_cur].strip() if i_cur is not None else ""
                name = cells[i_name].strip() if i_name is not None else ""
            except IndexError:
                return None
            if (
                not number
                or not ref
                or not (number + ref + name).isprintable()  # a control character? the full rules say so
                or len(number) > max_num
                or len(ref) > max_ref
                or len(name) > max_name
                or number in seen
                or number in batched
                or total is None
                or not total
                or not isinstance(issued_on, date)
            ):
                return None
            due_on: date | None = None
            if due_text:
                due = dates.get(due_text)
                if not isinstance(due, date) or due < issued_on:
                    return None
                due_on = due
            excl = tax = None
            if excl_text:
                excl = amount(excl_text)
                if excl is None:
                    return None
            if tax_text:
                tax = amount(tax_text)
                if tax is None:
                    return None
            if excl is not None:
                if tax is None:
                    tax = total - excl
                elif excl + tax != total:
                    return None
            elif tax is not None:
                excl = total - tax
            if (excl is not None and excl < 0) or (tax is not None and tax < 0):
                return None
            currency = None
            if currency_text:
                currency = currencies.get(currency_text)
                if currency is None:
                    return None
            seen[number] = line
            return InvoiceRecord(line, number, ref, issued_on, total, due_on, excl, tax, currency, name or None)

        return read

    def _values(self, line: int, cells: Sequence[str]) -> dict[str, str]:
        values: dict[str, str] = {}
        width = len(cells)
        if self._refused:
            self._refused = set()
        for fname, i, header in self._cols:
            if i < width:
                v = cells[i].strip()
                if v:
                    if not v.isprintable() and (char := control_character(v)) is not None:
                        # one error for the field: what else is wrong with its value is not said
                        self.errors.append(RowError(line, header, control_message(v, char)))
                        self._refused.add(fname)
                        values[fname] = v
                        continue
                    limit = self._max_length[fname]
                    if limit is not None and len(v) > limit:
                        self.errors.append(
                            RowError(
                                line,
                                header,
                                _("%(start)r... is longer than %(limit)s characters")
                                % {"start": v[:30], "limit": limit},
                            )
                        )
                    values[fname] = v
        return values

    def _error(self, line: int, fname_or_header: str, message: str) -> None:
        if self._refused and fname_or_header in self._refused:
            return  # already refused for a control character
        header = self.columns.headers.get(fname_or_header, fname_or_header)
        self.errors.append(RowError(line, header, message))

    def _missing(self, line: int, fname: str) -> None:
        label = field_spec(self.kind, fname).label
        self._error(line, fname, _("the %(label)s is missing") % {"label": _(label)})

    def _duplicate(self, line: int, fname: str, key: str, what: str, value: str) -> bool:
        """``what`` is a marked message naming ``value`` (``_THE_INVOICE``...), translated only when refused."""
        first = self._seen.get(key)
        if first is None and key in self._batched:
            first = self._batched_line(key)
        if first is None:
            self._seen[key] = line
        elif first != line:
            self._error(
                line,
                fname,
                _("%(what)s is also on line %(first)s of this file")
                % {"what": _(what) % {"value": value}, "first": first},
            )
            return True
        return False

    def _batched_line(self, number: str) -> int:
        """The line of an invoice number read in a batch (the lines of all of them, worked out the first time)."""
        if self._batched_lines is None:
            self._batched_lines = {}
            for numbers, lines in self._batches:
                self._batched_lines.update(zip(numbers, lines, strict=True))
        return self._batched_lines[number]

    # -- values
    def _amount(self, line: int, fname: str, text: str, *, allow_negative: bool = False) -> Decimal | None:
        if _PLAIN_AMOUNT.fullmatch(text):  # the common case, read without parse_amount's general rules
            plain = text.replace(",", ".")
            value = Decimal(plain)
            if plain[-3:-2] != ".":
                value = value.quantize(CENT)
        else:
            try:
                value = parse_amount(text)
            except AmountError as exc:
                self._error(line, fname, str(exc))
                return None
            if abs(value) >= MAX_AMOUNT:
                self._error(line, fname, _("%(text)r is too large an amount") % {"text": text})
                return None
        if value < 0 and not allow_negative:
            self._error(line, fname, _("%(text)r is negative") % {"text": text})
            return None
        return value

    def _date(self, line: int, fname: str, text: str) -> date | None:
        cached = self._date_value(text)
        if isinstance(cached, str):
            self._error(line, fname, cached)
            return None
        return cached

    def _date_value(self, text: str) -> date | str:
        """The date ``text`` (not empty) is, or why it is refused; worked out once per distinct text."""
        cached = self._dates.get(text)
        if cached is None:
            if (char := control_character(text)) is not None:
                cached = self._dates[text] = control_message(text, char)
                return cached
            try:
                cached = parse_date(text, dayfirst=self.options.dayfirst)
            except DateError as exc:
                cached = str(exc)
                try:
                    parse_date(text, dayfirst=not self.options.dayfirst)
                    if self.options.dayfirst:
                        hint = _(
                            "%(error)s; dates are read day first (DD/MM/YYYY): if the file writes them the other way, "
                            "use a mapping saying so"
                        )
                    else:
                        hint = _(
                            "%(error)s; dates are read month first (MM/DD/YYYY): if the file writes them the other "
                            "way, use a mapping saying so"
                        )
                    cached = hint % {"error": cached}
                except DateError:
                    pass
            self._dates[text] = cached
        return cached

    def _currency(self, line: int, fname: str, text: str) -> str | None:
        value = self._currency_value(text)
        if value is None:
            self._error(line, fname, _("%(text)r is not a currency code (write EUR, USD...)") % {"text": text})
        return value

    def _currency_value(self, text: str) -> str | None:
        """The currency code ``text`` (not empty) is, or ``None``; worked out once per distinct text."""
        if text not in self._currencies:
            if control_character(text) is not None:
                self._currencies[text] = None
                return None
            try:
                self._currencies[text] = parse_currency(text)
            except AmountError:
                self._currencies[text] = None
        return self._currencies[text]

    def _word(self, line: int, fname: str, text: str, vocab: dict[str, str], accepted: str) -> str | None:
        value = vocab.get(_words(text))
        if value is None:
            self._error(
                line,
                fname,
                _("%(text)r is not understood (accepted: %(accepted)s)") % {"text": text, "accepted": accepted},
            )
        return value

    # -- kinds
    def _customer(self, line: int, v: dict[str, str]) -> CustomerRecord | None:
        nerr = self.errors.total
        ref, name = v.get("ref"), v.get("name")
        if ref is None:
            self._missing(line, "ref")
        elif self._duplicate(line, "ref", ref, _THE_CUSTOMER_ACCOUNT, ref):
            ref = None
        if name is None:
            self._missing(line, "name")
        kind = segment = language = country = None
        if "kind" in v:
            kind = self._word(line, "kind", v["kind"], KIND_WORDS, "business/entreprise, consumer/particulier, public")
        if "segment" in v:
            segment = self._word(
                line, "segment", v["segment"], SEGMENT_WORDS, "strategic/stratégique, standard, small/petit"
            )
        if "language" in v:
            language = LANGUAGE_WORDS.get(_words(v["language"]))
            if language is None:
                code = v["language"].strip().replace("_", "-").split("-")[0].lower()
                if len(code) == 2 and code.isascii() and code.isalpha():
                    language = code
                else:
                    self._error(
                        line,
                        "language",
                        _("%(text)r is not a language (write fr, en, français...)") % {"text": v["language"]},
                    )
        if "country" in v:
            text = v["country"]
            country = COUNTRY_WORDS.get(_words(text))
            if country is None:
                if len(text) == 2 and text.isascii() and text.isalpha():
                    country = text.upper()
                else:
                    self._error(
                        line, "country", _("%(text)r is not a country (write a code such as FR, BE)") % {"text": text}
                    )
        siren = siret = vat = None
        try:
            if "siret" in v:
                siret = validate_siret(v["siret"])
        except IdentifierError as exc:
            self._error(line, "siret", str(exc))
        try:
            if "siren" in v:
                siren = validate_siren(v["siren"])
        except IdentifierError as exc:
            self._error(line, "siren", str(exc))
        if siren and siret and siret[:9] != siren:
            self._error(
                line,
                "siret",
                _("the SIRET %(siret)s is not an establishment of the SIREN %(siren)s")
                % {"siret": siret, "siren": siren},
            )
        elif siret and not siren and "siren" not in v:
            siren = siret[:9]
        try:
            if "vat_number" in v:
                vat = validate_vat(v["vat_number"].upper())
        except IdentifierError as exc:
            self._error(line, "vat_number", str(exc))
        terms = None
        if "payment_terms" in v:
            try:
                terms = parse_payment_terms(v["payment_terms"])
            except ValueError as exc:
                self._error(line, "payment_terms", str(exc))
        limit = None
        if "credit_limit" in v:
            limit = self._amount(line, "credit_limit", v["credit_limit"])
        email = v.get("email")
        if email is not None and not _EMAIL.fullmatch(email):
            self._error(line, "email", _("%(text)r is not an e-mail address") % {"text": email})
        phone = v.get("phone")
        if phone is not None and (not _PHONE.fullmatch(phone) or sum(c.isdigit() for c in phone) < 6):
            self._error(line, "phone", _("%(text)r is not a phone number") % {"text": phone})
        if self.errors.total != nerr or ref is None or name is None:
            return None
        return CustomerRecord(
            line,
            ref,
            name,
            kind=kind,
            segment=segment,
            siren=siren,
            siret=siret,
            vat_number=vat,
            address_line1=v.get("address_line1"),
            address_line2=v.get("address_line2"),
            postal_code=v.get("postal_code"),
            city=v.get("city"),
            country=country,
            language=language,
            payment_terms=terms,
            credit_limit=limit,
            contact_name=v.get("contact_name"),
            email=email,
            phone=phone,
        )

    def _invoice(self, line: int, v: dict[str, str]) -> InvoiceRecord | None:
        nerr = self.errors.total
        number, ref = v.get("number"), v.get("customer_ref")
        if number is None:
            self._missing(line, "number")
        elif self._duplicate(line, "number", number, _THE_INVOICE, number):
            number = None
        if ref is None:
            self._missing(line, "customer_ref")
        issued_on = due_on = None
        text = v.get("issued_on")
        if text is None:
            self._missing(line, "issued_on")
        else:
            issued_on = self._date(line, "issued_on", text)
        text = v.get("due_on")
        if text is not None:
            due_on = self._date(line, "due_on", text)
            if due_on and issued_on and due_on < issued_on:
                self._error(
                    line,
                    "due_on",
                    _("the due date %(due)s is before the issue date %(issued)s")
                    % {"due": due_on, "issued": issued_on},
                )
        total = excl = tax = None
        before = self.errors.total
        if "total" in v:
            total = self._amount(line, "total", v["total"], allow_negative=True)
        if "amount_excl_tax" in v:
            excl = self._amount(line, "amount_excl_tax", v["amount_excl_tax"])
        if "tax_amount" in v:
            tax = self._amount(line, "tax_amount", v["tax_amount"])
        if self.errors.total == before:
            if total is None:
                if excl is not None and tax is not None:
                    total = excl + tax
                else:
                    self._missing(line, "total")
            elif excl is not None and tax is not None:
                if excl + tax != total:
                    self._error(
                        line,
                        "total",
                        _("%(total)s is not the amount excl. tax %(excl)s plus the tax %(tax)s (%(sum)s)")
                        % {"total": total, "excl": excl, "tax": tax, "sum": excl + tax},
                    )
            elif excl is not None:
                tax = total - excl
                if tax < 0:
                    self._error(
                        line,
                        "amount_excl_tax",
                        _("%(part)s is more than the total %(total)s") % {"part": excl, "total": total},
                    )
            elif tax is not None:
                excl = total - tax
                if excl < 0:
                    self._error(
                        line,
                        "tax_amount",
                        _("%(part)s is more than the total %(total)s") % {"part": tax, "total": total},
                    )
            if total is not None and total <= 0 and self.errors.total == before:
                self._error(
                    line,
                    "total",
                    _("%(amount)s is not a positive amount (credit notes are not imported as invoices)")
                    % {"amount": total},
                )
        currency = self._currency(line, "currency", v["currency"]) if "currency" in v else None
        parts: tuple[Part, ...] = ()
        if "instalments" in v and total is not None and issued_on is not None and self.errors.total == nerr:
            parts, due_on = self._instalments(line, v["instalments"], total, issued_on, due_on)
        if self.errors.total != nerr or number is None or ref is None or issued_on is None or total is None:
            return None
        return InvoiceRecord(
            line, number, ref, issued_on, total, due_on, excl, tax, currency, v.get("customer_name"), parts
        )

    def _instalments(
        self, line: int, text: str, total: Decimal, issued_on: date, due_on: date | None
    ) -> tuple[tuple[Part, ...], date | None]:
        """The schedule written in the ``instalments`` cell (``2026-01-31:500.00;2026-02-28:500.00``) and the
        invoice's due date (the first instalment's). One instalment for the whole total is a plain due date."""

        def read_date(value: str) -> date:
            found = self._date_value(value)
            if isinstance(found, str):
                raise ValueError(found)
            return found

        try:
            parts = parse_schedule(text, read_date=read_date, read_amount=parse_amount)
        except ScheduleError as exc:
            self._error(line, "instalments", str(exc))
            return (), due_on
        if len(parts) == 1 and parts[0].amount == total and parts[0].due_on >= issued_on:
            parts_due = parts[0].due_on
            if due_on is not None and due_on != parts_due:
                self._error(
                    line,
                    "due_on",
                    _("the due date %(due)s is not the instalment's %(first)s") % {"due": due_on, "first": parts_due},
                )
            return (), parts_due
        errors = schedule_errors(parts, total=total, issued_on=issued_on)
        for message in errors:
            self._error(line, "instalments", message)
        if errors:
            return (), due_on
        if due_on is not None and due_on != parts[0].due_on:
            self._error(
                line,
                "due_on",
                _("the due date %(due)s is not the first instalment's %(first)s")
                % {"due": due_on, "first": parts[0].due_on},
            )
        return parts, parts[0].due_on

    def _payment(self, line: int, v: dict[str, str]) -> PaymentRecord | None:
        nerr = self.errors.total
        ref = v.get("customer_ref")
        if ref is None:
            self._missing(line, "customer_ref")
        received_on = amount = None
        text = v.get("received_on")
        if text is None:
            self._missing(line, "received_on")
        else:
            received_on = self._date(line, "received_on", text)
        text = v.get("amount")
        if text is None:
            self._missing(line, "amount")
        else:
            amount = self._amount(line, "amount", text, allow_negative=True)
            if amount is not None and amount <= 0:
                self._error(
                    line,
                    "amount",
                    _("%(amount)s is not a positive amount (refunds are not payments)") % {"amount": amount},
                )
                amount = None
        currency = self._currency(line, "currency", v["currency"]) if "currency" in v else None
        method = None
        if "method" in v:
            method = self._word(
                line,
                "method",
                v["method"],
                METHOD_WORDS,
                "transfer/virement, direct debit/prélèvement, cheque/chèque, card/carte, cash/espèces, bill/LCR, other",
            )
        iban = None
        if "payer_iban" in v:
            try:
                iban = validate_iban(v["payer_iban"])
            except IdentifierError as exc:
                self._error(line, "payer_iban", str(exc))
        reference = v.get("reference")
        invoice_number = v.get("invoice_number")
        key = None
        if "payment_id" in v:
            key = payment_id_key(v["payment_id"])
            if self._duplicate(line, "payment_id", key, _THE_PAYMENT_ID, v["payment_id"]):
                key = None
        elif self.options.reference_is_unique:
            if reference is None:
                self._error(
                    line, "reference", _("the reference is missing (the mapping says it identifies the payment)")
                )
            else:
                key = payment_id_key(reference)
                if self._duplicate(line, "reference", key, _THE_PAYMENT_REFERENCE, reference):
                    key = None
        elif self.columns.has("payment_id"):
            self._missing(line, "payment_id")
        elif ref is not None and received_on is not None and amount is not None:
            ident = (ref, received_on.isoformat(), str(amount), reference or "", invoice_number or "")
            occurrence = self._occurrences.get(ident, 0)
            self._occurrences[ident] = occurrence + 1
            key = payment_key(ref, received_on, amount, reference or "", invoice_number or "", occurrence)
        if self.errors.total != nerr or key is None or ref is None or received_on is None or amount is None:
            return None
        return PaymentRecord(
            line,
            key,
            ref,
            received_on,
            amount,
            currency=currency,
            reference=reference,
            method=method,
            payer_name=v.get("payer_name"),
            payer_iban=iban,
            invoice_number=invoice_number,
            customer_name=v.get("customer_name"),
        )


def validate_rows(
    kind: str,
    rows: Iterable[tuple[int, Sequence[str]]],
    columns: ResolvedColumns,
    *,
    header_width: int,
    mapping: ColumnMapping | None = None,
    options: MappingOptions | None = None,
    progress: Progress | None = None,
) -> Validated:
    """Read every row; records for the good ones, a ``RowError`` for every refused value."""
    opts = options or (mapping.options if mapping is not None else MappingOptions())
    return RowReader(kind, columns, opts, header_width).read(rows, progress)
