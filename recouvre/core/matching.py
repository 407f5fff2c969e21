"""Bank matching: which open invoices an incoming credit pays, how sure we are, and why.

Pure: the credits, the open items and the customers come in as plain values (``Credit``, ``OpenItem``,
``CustomerInfo``); ``MatchIndex.build`` prepares the lookups once, ``match`` returns for each credit its ranked
``Proposal``\\ s (the best first; none when nothing points anywhere). Nothing is written: applying a proposal
(allocations, the write-off, timeline events, stopping reminders) and the review queue belong to the storage layer.
The rules, with examples, are in ``docs/matching.md``; in short:

**What points to a customer**

- the payment reference Recouvre prints (``creditor_ref.customer_rf``), in the structured creditor reference of
  the transfer or anywhere in its remittance information, in any spacing: certain;
- invoice numbers in the remittance information, in the forms people write them (``F-2026-0042``,
  ``F20260042``, ``FA2026042``, ``2026-0042``, ``20260042``, ``fact. 2026/42``), several in one transfer; read
  from the known numbers (the text is cut into runs of letters and digits, and each run, and each run joined to
  its neighbours, is looked up), never inside an IBAN, a date, an amount or an RF reference, and a number of
  fewer than four digits (or a bare year) only right after a word like *facture*, *fact*, *inv*, *n°*;
- the payer's IBAN, when it is linked to a customer;
- the payer's name, close to a customer's name once legal forms (SARL, SAS, GmbH, Ltd...), civilities, accents
  and punctuation are set aside (rapidfuzz ``WRatio``, ``MatchSettings.name_cutoff``); looked up only when neither
  a reference nor an invoice number names a customer;
- the amount alone, equal to one open item or to one customer's balance, when nothing else points anywhere and
  at most ``MatchSettings.max_amount_candidates`` customers have that amount open.

**How the amount is spread over a customer's invoices** (``_Book.fit``), in this order: the invoices named, when
the amount equals their open total; the customer's whole balance; one invoice of exactly the amount; the oldest
invoices first (a run of them whose open total is the amount); any combination of at most
``MatchSettings.max_subset_items`` of the oldest invoices (meet in the middle: at most 2 x 2^(n/2) sums); then the
balance, one invoice, or the oldest invoices within ``MatchSettings.tolerance`` (a bank fee, a rounding: the
difference is written off with the match; never an arbitrary combination, which some amount is always close to);
else, when the customer is certain, the amount goes to the oldest invoices first (partial payment), and what is
left over once every open invoice is settled stays unapplied on the customer's account.

**Confidence** is a number from 0 to 1; a proposal at or above ``MatchSettings.auto_threshold`` (0.95 by default)
is applied, unless another customer is indicated as strongly (then both wait). With the default threshold only
these are applied: the customer's payment reference (0.96 to 0.99, partial payments and over-payments included),
and invoice numbers all of one customer with an amount equal to their open total within the tolerance (0.97,
0.99 when the payer's account or name agrees; 0.93 when a number is read loosely, without its letters or zeros,
and the amount is only within the tolerance). Everything else waits for review: the IBAN and the amount (0.93 at
most), the name and the amount (0.85 at most; a word in common with the name of a customer who has the amount
open, 0.52), invoice numbers with another amount (0.75 to 0.88), invoice numbers of several customers (0.6 of
what each would get alone), numbers beside another customer's reference (0.85 at most), an invoice already
settled (0.85 at most, 0.5 without the reference), the amount alone (0.4 at most, shared among the customers that
have it). The closer the date to the due date, the higher the proposal ranks among suggestions of the same kind
(0.01 at most, never across the threshold).

A credit whose sub-transactions (a batch: camt ``TxDtls``) add up to its amount is matched part by part: each
proposal says which part (``Proposal.part``, an index into ``Credit.details``), and the list holds each part's
proposals, ranked, one part after the other. With one sub-transaction, or ones that do not add up, the credit is
matched as a whole, with the texts, name and IBAN of its sub-transactions.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from itertools import product
from operator import attrgetter

from rapidfuzz import fuzz, process

from .creditor_ref import is_valid_rf
from .creditor_ref import normalize as normalize_reference
from .i18n import _, ngettext

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
SHAPE_SAMPLE, SHAPE_EVERY, SHAPE_SHARE, MAX_SHAPES = 5000, 50, 0.005, 8
"""The shapes of invoice numbers (letters in front, widths of the groups of digits) are counted on the first 5 000
open items and one in 50 after; the 8 most common that make at least 0.5 % of them are used to read numbers
written without their letters or zeros."""
NAME_CANDIDATES = 5
"""Customers found by a payer's name alone, at most (the closest names); how the amount fits then ranks them."""

# ---------------------------------------------------------------------------------------------------------------
# Inputs and outputs
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Detail:
    """One sub-transaction of a credit (camt ``TxDtls`` of a batch): its amount, remittance text, payer."""

    amount: Decimal
    text: str = ""
    name: str = ""
    iban: str = ""
    creditor_reference: str = ""


@dataclass(frozen=True, slots=True)
class Credit:
    """An incoming credit on the organization's bank account. ``text`` is all its remittance information, in any
    format (CFONB 05 records, camt ``RmtInf``, MT940 ``:86:``), joined; ``creditor_reference`` the structured
    creditor reference when the bank gives one apart (camt ``CdtrRefInf``): an RF reference, or anything else,
    then read as remittance text. ``details``: the sub-transactions of a batch (kept as a tuple)."""

    id: int | str
    amount: Decimal
    currency: str
    booking_date: date
    text: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""
    creditor_reference: str = ""
    details: Sequence[Detail] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.details, tuple):
            object.__setattr__(self, "details", tuple(self.details))


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An invoice with something still to pay (``open_amount`` > 0)."""

    invoice_id: int
    customer_id: int
    number: str
    open_amount: Decimal
    currency: str
    due_on: date
    issued_on: date


@dataclass(frozen=True, slots=True)
class SettledInvoice:
    """An invoice paid in full, still known by its number: a transfer quoting it is suggested, never applied."""

    invoice_id: int
    customer_id: int
    number: str


@dataclass(frozen=True, slots=True)
class NamedInvoice:
    """An invoice whose number a remittance text quotes (``MatchIndex.invoices_named``): ``written`` as it is in
    the text; ``exact``: written with all the number's letters and digits; ``open``: still to be paid."""

    invoice_id: int
    customer_id: int
    number: str
    written: str
    exact: bool
    open: bool


@dataclass(frozen=True, slots=True)
class CustomerInfo:
    """A customer: its name (and other names it trades under), its payment reference, its known IBANs."""

    customer_id: int
    name: str
    rf: str = ""
    ibans: tuple[str, ...] = ()
    other_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """An organization's matching settings.

    ``auto_threshold``: proposals at or above it are applied. ``tolerance``: the difference (bank fee, rounding)
    written off with a match. ``max_subset_items``: how many of a customer's oldest invoices the combination
    search looks at (2^n combinations, searched in 2 x 2^(n/2) sums). ``name_cutoff``: the least name similarity
    (0-100) for a payer's name to point to a customer. ``max_suggestions``: proposals kept per credit (per part
    of a batch). ``max_amount_candidates``: the amount alone is suggested only when at most this many customers
    have an open item or a balance of exactly that amount. ``date_window_days``: due dates within this many days
    of the booking date rank a suggestion higher."""

    auto_threshold: float = 0.95
    tolerance: Decimal = Decimal("1.00")
    max_subset_items: int = 12
    name_cutoff: float = 85.0
    max_suggestions: int = 5
    max_amount_candidates: int = 5
    date_window_days: int = 60

    def __post_init__(self) -> None:
        if not 0 < self.auto_threshold <= 1:
            raise ValueError(
                _("the threshold is a number above 0 and at most 1, not %(value)s") % {"value": self.auto_threshold}
            )
        if self.tolerance < 0:
            raise ValueError(_("the tolerance cannot be negative (%(value)s)") % {"value": self.tolerance})
        if not 0 <= self.max_subset_items <= 24:
            raise ValueError(
                _("the combination search takes 0 to 24 invoices, not %(value)s") % {"value": self.max_subset_items}
            )
        if not 0 <= self.name_cutoff <= 100:
            raise ValueError(_("the name similarity is from 0 to 100, not %(value)s") % {"value": self.name_cutoff})
        if self.max_suggestions < 1 or self.max_amount_candidates < 0 or self.date_window_days < 0:
            raise ValueError(_("the numbers of suggestions and days cannot be negative"))


class Why(StrEnum):
    """The codes of ``Reason``; ``describe`` puts each in words."""

    REFERENCE = "reference"
    REFERENCE_UNKNOWN = "reference_unknown"
    REFERENCE_OTHER = "reference_other"
    INVOICE_NAMED = "invoice_named"
    INVOICE_SETTLED = "invoice_settled"
    OTHER_CUSTOMERS_NAMED = "other_customers_named"
    IBAN = "iban"
    IBAN_SHARED = "iban_shared"
    NAME = "name"
    NAME_WORD = "name_word"
    AMOUNT_NAMED_TOTAL = "amount_named_total"
    AMOUNT_NAMED_SUBSET = "amount_named_subset"
    AMOUNT_DIFFERS = "amount_differs"
    NAMED_PLUS = "named_plus"
    AMOUNT_BALANCE = "amount_balance"
    AMOUNT_ITEM = "amount_item"
    AMOUNT_OLDEST = "amount_oldest"
    AMOUNT_SUBSET = "amount_subset"
    PARTIAL = "partial"
    WRITE_OFF = "write_off"
    OVERPAYMENT = "overpayment"
    NO_OPEN_ITEMS = "no_open_items"
    AMOUNT_ONLY = "amount_only"
    DUE_DATE_CLOSE = "due_date_close"
    CONFLICT = "conflict"
    PART = "part"
    MANUAL = "manual"  # never proposed by the engine: a person split the credit by hand


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a proposal was made: a ``Why`` code and its values (amounts already with their currency), put in words
    by ``describe`` (``str(reason)``) in the active language."""

    code: Why
    params: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return describe(self)

    def as_dict(self) -> dict[str, object]:
        return {"code": str(self.code), "params": dict(self.params), "text": describe(self)}


@dataclass(frozen=True, slots=True)
class Allocation:
    """``amount`` of the credit goes to invoice ``invoice_id``."""

    invoice_id: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Proposal:
    """One way to book a credit (or a part of one: ``part``) to one customer.

    ``amount``: what is matched (the credit's amount, or the part's). ``allocations``: what goes to which
    invoice, the oldest first; they never exceed the amount nor an invoice's open amount. ``unapplied``: the
    amount less the allocations (an over-payment, left on the customer's account, or written off).
    ``difference``: the amount less the open total of the invoices allocated to (negative: they stay short by
    that much; positive: more was paid). ``write_off_difference``: the difference is within the organization's
    tolerance and is written off with the match: a shortfall on the last invoice allocated to
    (``write_off_invoice_id``), an excess as a gain. ``auto``: applied without review."""

    credit_id: int | str
    customer_id: int
    amount: Decimal
    currency: str
    allocations: tuple[Allocation, ...]
    unapplied: Decimal
    difference: Decimal
    write_off_difference: bool
    confidence: float
    reasons: tuple[Reason, ...]
    auto: bool = False
    part: int | None = None

    @property
    def allocated(self) -> Decimal:
        return sum((a.amount for a in self.allocations), ZERO)

    @property
    def write_off_amount(self) -> Decimal:
        """The amount written off (always positive), 0 when nothing is."""
        return abs(self.difference) if self.write_off_difference else ZERO

    @property
    def write_off_invoice_id(self) -> int | None:
        """The invoice whose shortfall is written off, when the credit was short of the invoices' total."""
        if self.write_off_difference and self.difference < 0 and self.allocations:
            return self.allocations[-1].invoice_id
        return None

    def explain(self) -> list[str]:
        """The reasons, in words, in the active language."""
        return [describe(r) for r in self.reasons]

    def as_dict(self) -> dict[str, object]:
        return {
            "credit_id": self.credit_id,
            "part": self.part,
            "customer_id": self.customer_id,
            "amount": str(self.amount),
            "currency": self.currency,
            "allocations": [{"invoice_id": a.invoice_id, "amount": str(a.amount)} for a in self.allocations],
            "unapplied": str(self.unapplied),
            "difference": str(self.difference),
            "write_off_difference": self.write_off_difference,
            "confidence": round(self.confidence, 4),
            "auto": self.auto,
            "reasons": [r.as_dict() for r in self.reasons],
        }


def describe(reason: Reason) -> str:
    """The reason in words, in the active language (see ``recouvre.core.i18n``)."""
    p = dict(reason.params)
    count = int(p.get("count", "1") or 1)
    match reason.code:
        case Why.REFERENCE:
            return _("the payment reference %(reference)s is this customer's") % p
        case Why.REFERENCE_UNKNOWN:
            return _("the payment reference %(reference)s is no customer's") % p
        case Why.REFERENCE_OTHER:
            return _("the payment reference %(reference)s is another customer's (%(customer)s)") % p
        case Why.INVOICE_NAMED:
            return _("the remittance information names invoice %(number)s (written %(written)s)") % p
        case Why.INVOICE_SETTLED:
            return _("invoice %(number)s, named in the remittance information, is already settled") % p
        case Why.OTHER_CUSTOMERS_NAMED:
            return _("the remittance information also names invoices of other customers (%(numbers)s)") % p
        case Why.IBAN:
            return _("the payer's account %(iban)s is this customer's") % p
        case Why.IBAN_SHARED:
            return _("the payer's account %(iban)s is linked to %(count)s customers") % p
        case Why.NAME:
            return _("the payer's name %(payer)s is close to the customer's name %(name)s (%(score)s/100)") % p
        case Why.NAME_WORD:
            return _("the payer's name %(payer)s shares a word with the customer's name %(name)s") % p
        case Why.AMOUNT_NAMED_TOTAL:
            return (
                ngettext(
                    "the amount equals the open amount of the invoice named (%(total)s)",
                    "the amount equals the open total of the %(count)s invoices named (%(total)s)",
                    count,
                )
                % p
            )
        case Why.AMOUNT_NAMED_SUBSET:
            return (
                ngettext(
                    "the amount equals the open amount of %(count)s of the invoices named (%(total)s)",
                    "the amount equals the open total of %(count)s of the invoices named (%(total)s)",
                    count,
                )
                % p
            )
        case Why.AMOUNT_DIFFERS:
            return _("the amount (%(amount)s) differs from the open total of the invoices named (%(total)s)") % p
        case Why.NAMED_PLUS:
            return (
                ngettext(
                    "the amount also settles %(count)s other invoice of the customer",
                    "the amount also settles %(count)s other invoices of the customer",
                    count,
                )
                % p
            )
        case Why.AMOUNT_BALANCE:
            return _("the amount equals the customer's open balance (%(total)s)") % p
        case Why.AMOUNT_ITEM:
            return _("the amount equals the open amount of invoice %(number)s (%(total)s)") % p
        case Why.AMOUNT_OLDEST:
            return (
                ngettext(
                    "the amount equals the open amount of the customer's oldest invoice (%(total)s)",
                    "the amount equals the open total of the customer's %(count)s oldest invoices (%(total)s)",
                    count,
                )
                % p
            )
        case Why.AMOUNT_SUBSET:
            return (
                ngettext(
                    "the amount equals the open amount of %(count)s of the customer's invoices (%(total)s)",
                    "the amount equals the open total of %(count)s of the customer's invoices (%(total)s)",
                    count,
                )
                % p
            )
        case Why.PARTIAL:
            return (
                _("partial payment, applied to the oldest invoices first: %(short)s remains open on invoice %(number)s")
                % p
            )
        case Why.WRITE_OFF:
            return _("the difference of %(difference)s is within the tolerance of %(tolerance)s and is written off") % p
        case Why.OVERPAYMENT:
            return _("%(unapplied)s more than the open invoices: left unapplied on the customer's account") % p
        case Why.NO_OPEN_ITEMS:
            return _("the customer has no open invoice in %(currency)s: the amount stays on its account") % p
        case Why.AMOUNT_ONLY:
            return (
                ngettext(
                    "only the amount matches: one customer has %(amount)s open",
                    "only the amount matches: %(count)s customers have %(amount)s open",
                    count,
                )
                % p
            )
        case Why.DUE_DATE_CLOSE:
            return (
                ngettext(
                    "received %(count)s day from the due date (%(due)s)",
                    "received %(count)s days from the due date (%(due)s)",
                    count,
                )
                % p
            )
        case Why.CONFLICT:
            return _("another customer is indicated as strongly (%(customer)s): to be checked") % p
        case Why.PART:
            return _("transfer %(part)s of %(count)s in a batch") % p
        case Why.MANUAL:
            return _("applied by hand")
    raise ValueError(reason.code)  # pragma: no cover - every code is described above


# ---------------------------------------------------------------------------------------------------------------
# Normalising what people write
# ---------------------------------------------------------------------------------------------------------------

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_HAS_DIGIT = re.compile(r"\d")
_DIGIT_GROUPS = re.compile(r"\d+")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")
_IBAN_SHAPE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_MASKED = re.compile(
    r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b"  # 2026-04-12
    r"|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2}(?:\d{2})?\b"  # 12/04/2026, 12.04.26
    r"|\b\d{1,3}(?:[ \u00a0.]\d{3})+,\d{2}\b"  # 1 234,56  1.234,56
    r"|\b\d{1,3}(?:[ \u00a0,]\d{3})+\.\d{2}\b"  # 1,234.56
    r"|\b\d+[.,]\d{2}\b"  # 1234,56  1234.56
)
_JOINABLE = frozenset(" -/._")
_JOINABLE_GAPS = frozenset("".join(chars) for size in range(4) for chars in product(sorted(_JOINABLE), repeat=size))
"""What may stand between two tokens read as one number: at most three of ``_JOINABLE``."""
_TOKEN_SPLIT = re.compile(r"([A-Z0-9]+)")
_SUBFIELD = re.compile(r"\?\d\d")
_CONNECTORS = frozenset({"ET", "AND", "UND"})
_KEYWORDS = frozenset(
    {
        "F", "FA", "FC", "FAC", "FACT", "FACTURE", "FACTURES", "FCT", "FT", "INV", "INVOICE", "INVOICES", "N", "NO",
        "NR", "NUM", "NUMERO", "REF", "REFERENCE", "PIECE", "DOC", "RE", "RECHNUNG",
    }
)  # fmt: skip
_IBAN_DIGITS = str.maketrans({chr(ord("A") + i): str(10 + i) for i in range(26)})

LEGAL_FORMS = frozenset(
    {
        "SARL", "SAS", "SA", "SASU", "EURL", "SNC", "SCI", "SCP", "SCM", "SCS", "SCA", "SELARL", "SELAS", "SELAFA",
        "SCOP", "GIE", "EI", "EIRL", "EARL", "GAEC", "SEM", "SPL", "GMBH", "AG", "KG", "UG", "OHG", "LTD", "LIMITED",
        "LLC", "LLP", "INC", "CORP", "PLC", "BV", "NV", "SPA", "SRL", "SL", "SPRL", "SRO", "AB", "AS", "OY", "ETS",
        "ETABLISSEMENTS", "STE", "SOCIETE", "SOC", "CIE", "M", "MR", "MME", "MLLE", "MM", "MMES", "MONSIEUR",
        "MADAME", "MADEMOISELLE", "DR", "ME", "MAITRE", "DE", "DU", "DES", "LA", "LE", "LES", "L", "D", "ET", "THE",
        "AND", "OF", "AU", "AUX", "EN", "OU",
    }
)  # fmt: skip
"""Words set aside when comparing names: legal forms, civilities, articles."""


@lru_cache(maxsize=65536)
def normalize_name(name: str) -> str:
    """A name as compared: capitals without accents, punctuation as spaces, legal forms, civilities and articles
    set aside (``"Société Générale d'Études S.A.R.L."`` -> ``"GENERALE ETUDES"``). A name made only of such
    words is kept whole (``"SAS"`` stays ``"SAS"``)."""
    if not name.isascii():
        name = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    words = _NOT_ALNUM.sub(" ", name.upper().replace(".", "")).split()
    kept = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(kept or words)


def _bars(m: re.Match[str]) -> str:
    """A masked run: as many bars."""
    return "|" * len(m.group())


def compact_iban(iban: str) -> str:
    upper = iban.upper()
    if upper.isascii() and upper.isalnum():  # already compact (most): nothing to take out
        return upper
    return _NOT_ALNUM.sub("", upper)


def _valid_iban(compact: str) -> bool:
    if len(compact) < 15 or len(compact) > 34 or compact.startswith("RF"):
        return False
    return int((compact[4:] + compact[:4]).translate(_IBAN_DIGITS)) % 97 == 1


def _mask_iban(m: re.Match[str]) -> str:
    """An IBAN-shaped run is masked (same length) when it, or it less its last groups, is a valid IBAN."""
    span = m.group()
    cut = len(span)
    while cut >= 15:
        if _valid_iban(span[:cut].replace(" ", "")):
            return "|" * cut + span[cut:]
        cut = span.rfind(" ", 0, cut)
        if cut < 0:
            break
    return span


def _to_cents(amount: Decimal) -> int:
    """The amount in cents, rounded half up."""
    hundredfold = amount * 100
    cents = int(hundredfold)
    return cents if cents == hundredfold else int(hundredfold.to_integral_value(ROUND_HALF_UP))


def _money(cents: int, currency: str) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d} {currency}"


def _decimal(cents: int) -> Decimal:
    return Decimal(cents) * CENT


def _is_year(digits: str) -> bool:
    return len(digits) == 4 and digits.isdigit() and 1900 <= int(digits) <= 2099


def _number_key(number: str) -> str:
    """An invoice number as it is looked up: its letters and digits, in capitals (``F-2026-0042`` -> ``F20260042``)."""
    upper = number.upper().replace("-", "").replace("/", "")
    return upper if upper.isascii() and upper.isalnum() else _NOT_ALNUM.sub("", upper)


def _shape(number: str, key: str) -> tuple[str, tuple[int, ...]] | None:
    """The letters in front of an invoice number and the widths of its groups of digits (``F-2026-0042`` ->
    ``("F", (4, 4))``), when they make the whole number; ``None`` for a number with letters between digits."""
    prefix = key[: len(key) - len(key.lstrip(_LETTERS))]
    groups = _DIGIT_GROUPS.findall(number)
    if not groups or prefix + "".join(groups) != key:
        return None
    return prefix, tuple(len(g) for g in groups)


# ---------------------------------------------------------------------------------------------------------------
# The index
# ---------------------------------------------------------------------------------------------------------------


class _Item:
    """An open item and its open amount in cents."""

    __slots__ = ("item", "cents")

    def __init__(self, item: OpenItem, cents: int):
        self.item = item
        self.cents = cents

    @property
    def customer_id(self) -> int:
        return self.item.customer_id

    @property
    def currency(self) -> str:
        return self.item.currency

    @property
    def order(self) -> tuple[date, date, str, int]:
        """Oldest first: by due date, then issue date, number and id."""
        item = self.item
        return (item.due_on, item.issued_on, item.number, item.invoice_id)


_Ref = _Item | SettledInvoice
_OLDEST_FIRST = attrgetter("item.due_on", "item.issued_on", "item.number", "item.invoice_id")


class _Fit:
    __slots__ = ("kind", "items", "within_tolerance")

    def __init__(self, kind: Why | None, items: list[_Item], within_tolerance: bool = False):
        self.kind = kind  # AMOUNT_BALANCE / ITEM / OLDEST / SUBSET, or PARTIAL, OVERPAYMENT, None (nothing open)
        self.items = items
        self.within_tolerance = within_tolerance

    @property
    def exact(self) -> bool:
        return self.kind in _EXACT_KINDS


_EXACT_KINDS = frozenset({Why.AMOUNT_BALANCE, Why.AMOUNT_ITEM, Why.AMOUNT_OLDEST, Why.AMOUNT_SUBSET})


class _Book:
    """A customer's open items in one currency, the oldest first, with what the fits need."""

    __slots__ = ("items", "total", "prefix", "by_amount")

    def __init__(self, items: list[_Item]):
        items.sort(key=_OLDEST_FIRST)
        self.items = items
        self.total = sum(it.cents for it in items)
        self.prefix: dict[int, int] = {}
        running = 0
        for k, it in enumerate(items, 1):
            running += it.cents
            self.prefix.setdefault(running, k)
        self.by_amount: dict[int, _Item] = {}
        for it in items:
            self.by_amount.setdefault(it.cents, it)

    def fit(self, cents: int, tol: int, max_subset: int, *, exclude: frozenset[int] = frozenset()) -> _Fit:
        """How ``cents`` is best spread over these items (see the module's docstring for the order)."""
        items = [it for it in self.items if it.item.invoice_id not in exclude] if exclude else self.items
        if not items:
            return _Fit(None, [])
        if exclude:
            return _Book(list(items)).fit(cents, tol, max_subset)
        total = self.total
        if total == cents:
            return _Fit(Why.AMOUNT_BALANCE, items)
        one = self.by_amount.get(cents)
        if one is not None:
            return _Fit(Why.AMOUNT_ITEM, [one])
        k = self.prefix.get(cents)
        if k is not None:
            return _Fit(Why.AMOUNT_OLDEST, items[:k])
        subset = _subset(items, cents, 0, max_subset)
        if subset is not None:
            return _Fit(Why.AMOUNT_SUBSET, subset)
        if tol:
            if abs(total - cents) <= tol:
                return _Fit(Why.AMOUNT_BALANCE, items, True)
            near = [it for it in items if abs(it.cents - cents) <= tol]
            if near:
                best = min(near, key=lambda it: (abs(it.cents - cents), it.order))
                return _Fit(Why.AMOUNT_ITEM, [best], True)
            running = 0
            for k, it in enumerate(items, 1):
                running += it.cents
                if abs(running - cents) <= tol:
                    return _Fit(Why.AMOUNT_OLDEST, items[:k], True)
                if running > cents + tol:
                    break
        return _Fit(Why.PARTIAL if cents < total else Why.OVERPAYMENT, items)


def _subset(items: list[_Item], target: int, tol: int, max_items: int) -> list[_Item] | None:
    """The combination (two items or more) of the oldest ``max_items`` items not above the target whose total is
    within ``tol`` of ``target``: the closest, then the fewest items, then the oldest. Meet in the middle."""
    pool = [it for it in items if it.cents <= target + tol][:max_items]
    if len(pool) < 2 or sum(it.cents for it in pool) < target - tol:
        return None
    half = len(pool) // 2
    left, right = pool[:half], pool[half:]

    def sums(part: list[_Item]) -> list[tuple[int, int]]:
        out = [(0, 0)]
        for i, it in enumerate(part):
            bit = 1 << i
            out += [(s + it.cents, m | bit) for s, m in out]
        return out

    right_sums = sorted(sums(right))
    keys = [s for s, _m in right_sums]
    best: tuple[int, int, tuple[int, ...]] | None = None
    best_mask = 0
    for s, m in sums(left):
        j = bisect_left(keys, target - tol - s)
        while j < len(keys) and keys[j] <= target + tol - s:
            mask = m | (right_sums[j][1] << half)
            j += 1
            size = mask.bit_count()
            if size < 2:
                continue
            positions = tuple(i for i in range(len(pool)) if mask >> i & 1)
            key = (abs(s + keys[j - 1] - target), size, positions)
            if best is None or key < best:
                best, best_mask = key, mask
    if best is None:
        return None
    return [pool[i] for i in range(len(pool)) if best_mask >> i & 1]


class _Customer:
    __slots__ = ("info", "items", "books", "rf", "_norms", "_words")

    def __init__(self, info: CustomerInfo):
        self.info = info
        self.items: list[_Item] = []
        self.books: dict[str, _Book] | None = None
        self.rf = ""
        self._norms: tuple[str, ...] | None = None
        self._words: frozenset[str] | None = None

    @property
    def norms(self) -> tuple[str, ...]:
        """The customer's names, normalised."""
        if self._norms is None:
            raw = (self.info.name, *self.info.other_names)
            self._norms = tuple(n for n in (normalize_name(r) for r in raw if r) if n)
        return self._norms

    @property
    def words(self) -> frozenset[str]:
        """The words of the customer's names, normalised."""
        if self._words is None:
            self._words = frozenset(w for n in self.norms for w in n.split())
        return self._words

    def book(self, currency: str) -> _Book:
        if self.books is None:
            by_currency: dict[str, list[_Item]] = {}
            for it in self.items:
                by_currency.setdefault(it.item.currency, []).append(it)
            self.books = {cur: _Book(items) for cur, items in by_currency.items()}
        book = self.books.get(currency)
        if book is None:
            book = self.books[currency] = _Book([])
        return book


class _Names:
    """Customers' names, normalised, in blocks by word; built the first time a payer's name is looked up.

    A lookup scores (``fuzz.WRatio``) the names that share the payer's two rarest words; when none of them is close
    enough, the names of the block of its rarest word are sifted quickly first (words sorted, ``fuzz.ratio``: a
    token-sort similarity), and the closest of them scored."""

    def __init__(self, customers: Iterable[_Customer]):
        self.norms: list[str] = []
        self.owners: list[int] = []
        self.blocks: dict[str, list[int]] = {}
        self.block_keys: dict[str, list[str]] = {}
        self.block_sets: dict[str, set[int]] = {}
        self.word_customers: dict[str, list[int]] = {}
        for c in customers:
            for norm in c.norms:
                pos = len(self.norms)
                self.norms.append(norm)
                self.owners.append(c.info.customer_id)
                words = norm.split()
                key = " ".join(sorted(words))
                for word in set(words):
                    block = self.blocks.get(word)
                    if block is None:
                        self.blocks[word] = [pos]
                        self.block_keys[word] = [key]
                    else:
                        block.append(pos)
                        self.block_keys[word].append(key)
        self.cache: dict[tuple[str, float, int], list[tuple[int, float]]] = {}

    def customers_with(self, word: str) -> list[int]:
        """The customers one of whose names has this word, each once, in the order of the index."""
        found = self.word_customers.get(word)
        if found is None:
            owners = self.owners
            found = self.word_customers[word] = list(dict.fromkeys(owners[p] for p in self.blocks[word]))
        return found

    def _set(self, word: str) -> set[int]:
        found = self.block_sets.get(word)
        if found is None:
            found = self.block_sets[word] = set(self.blocks[word])
        return found

    def lookup(self, query: str, cutoff: float, limit: int) -> list[tuple[int, float]]:
        """Customers whose name scores at least ``cutoff`` against ``query`` (normalised), the best first."""
        cache_key = (query, cutoff, limit)
        found = self.cache.get(cache_key)
        if found is not None:
            return found
        blocks = self.blocks
        words = sorted({w for w in query.split() if w in blocks}, key=lambda w: (len(blocks[w]), w))
        best: dict[int, float] = {}
        if len(words) >= 2:
            self._score(query, self._set(words[0]) & self._set(words[1]), cutoff, best)
        if not best and words:
            word = words[0]
            block = blocks[word]
            query_key = " ".join(sorted(query.split()))
            sifted = process.extract(
                query_key, self.block_keys[word], scorer=fuzz.ratio, processor=None,
                score_cutoff=max(0.0, cutoff - 25), limit=limit * 2,
            )  # fmt: skip
            self._score(query, (block[i] for _key, _score, i in sifted), cutoff, best)
        result = sorted(best.items(), key=lambda cs: (-cs[1], cs[0]))[:limit]
        if len(self.cache) > 100_000:
            self.cache.clear()
        self.cache[cache_key] = result
        return result

    def _score(self, query: str, positions: Iterable[int], cutoff: float, best: dict[int, float]) -> None:
        norms, owners = self.norms, self.owners
        for pos in positions:
            score = fuzz.WRatio(query, norms[pos], processor=None, score_cutoff=cutoff)
            if score:
                owner = owners[pos]
                if score > best.get(owner, 0.0):
                    best[owner] = score


class MatchIndex:
    """The open items and customers of an organization, prepared for ``match``: invoice numbers in every form
    people write them, payment references, IBANs; the names and amount lookups are built the first time they are
    needed. Build it once per run (``MatchIndex.build``) and match any number of credits against it."""

    def __init__(self) -> None:
        self._customers: dict[int, _Customer] = {}
        self._exact: dict[str, list[_Ref]] = {}
        self._shapes: tuple[tuple[str, tuple[int, ...]], ...] = ()
        self._rf: dict[str, int] = {}
        self._rf_lengths: tuple[int, ...] = ()
        self._iban: dict[str, tuple[int, ...]] = {}
        self._names: _Names | None = None
        self._amounts: dict[str, dict[int, list[int]]] = {}
        self._owner_sets: dict[tuple[str, int], set[int]] = {}
        self.items = 0

    @classmethod
    def build(
        cls,
        open_items: Iterable[OpenItem],
        customers: Iterable[CustomerInfo],
        settled: Iterable[SettledInvoice] = (),
    ) -> MatchIndex:
        """The index of these open items (those with nothing open are taken as settled), customers, and invoices
        already settled (known by their number only)."""
        with _no_cycle_collection():
            return cls._build(open_items, customers, settled)

    @classmethod
    def _build(
        cls, open_items: Iterable[OpenItem], customers: Iterable[CustomerInfo], settled: Iterable[SettledInvoice]
    ) -> MatchIndex:
        index = cls()
        custs = index._customers
        ibans: dict[str, list[int]] = {}
        for info in customers:
            c = custs[info.customer_id] = _Customer(info)
            if info.rf:
                rf = normalize_reference(info.rf)
                c.rf = rf
                index._rf[rf] = info.customer_id
            for iban in info.ibans:
                owners = ibans.setdefault(compact_iban(iban), [])
                if info.customer_id not in owners:
                    owners.append(info.customer_id)
        index._iban = {k: tuple(v) for k, v in ibans.items() if k}
        index._rf_lengths = tuple(sorted({len(k) for k in index._rf}, reverse=True))
        exact = index._exact
        amounts: dict[str, dict[int, list[int]]] = {}
        totals: dict[tuple[int, str], int] = {}
        shapes: dict[tuple[str, tuple[int, ...]], int] = {}
        sampled = 0
        for n, item in enumerate(open_items):
            cents = _to_cents(item.open_amount)
            ref: _Ref
            if cents <= 0:
                ref = SettledInvoice(item.invoice_id, item.customer_id, item.number)
            else:
                cid, currency = item.customer_id, item.currency
                ref = _Item(item, cents)
                owner = custs.get(cid)
                if owner is None:
                    owner = custs[cid] = _Customer(CustomerInfo(cid, ""))
                owner.items.append(ref)
                by_cents = amounts.get(currency)
                if by_cents is None:
                    by_cents = amounts[currency] = {}
                same_amount = by_cents.get(cents)
                if same_amount is None:
                    by_cents[cents] = [cid]
                elif same_amount[-1] != cid:
                    same_amount.append(cid)
                totals[cid, currency] = totals.get((cid, currency), 0) + cents
            key = _number_key(item.number)
            if key:
                bucket = exact.get(key)
                if bucket is None:
                    exact[key] = [ref]
                else:
                    bucket.append(ref)
                if n < SHAPE_SAMPLE or n % SHAPE_EVERY == 0:
                    shape = _shape(item.number.upper(), key)
                    sampled += 1
                    if shape is not None:
                        shapes[shape] = shapes.get(shape, 0) + 1
        for s in settled:
            if s.customer_id not in custs:
                custs[s.customer_id] = _Customer(CustomerInfo(s.customer_id, ""))
            key = _number_key(s.number)
            if key:
                exact.setdefault(key, []).append(s)
        index.items = sum(len(c.items) for c in custs.values())
        for (cid, currency), total in totals.items():
            if len(custs[cid].items) > 1:
                amounts[currency].setdefault(total, []).append(cid)
        index._amounts = amounts
        least = max(1, sampled * SHAPE_SHARE)
        common = sorted((count, shape) for shape, count in shapes.items() if count >= least)
        index._shapes = tuple(shape for _count, shape in reversed(common[-MAX_SHAPES:]))
        return index

    # -- lookups ------------------------------------------------------------------------------------------------

    def customer_of_reference(self, reference: str) -> int | None:
        """The customer whose payment reference this is (any spacing, any case)."""
        return self._rf.get(normalize_reference(reference))

    def customers_of_iban(self, iban: str) -> tuple[int, ...]:
        return self._iban.get(compact_iban(iban), ())

    def _known_rf_in(self, upper: str) -> str:
        """A customer's reference anywhere in the text, whatever the spacing."""
        if not self._rf_lengths or "RF" not in upper:
            return ""
        compact = _NOT_ALNUM.sub("", upper)
        start = compact.find("RF")
        while start >= 0:
            for length in self._rf_lengths:
                candidate = compact[start : start + length]
                if candidate in self._rf:
                    return candidate
            start = compact.find("RF", start + 2)
        return ""

    def invoices_named(self, text: str) -> list[NamedInvoice]:
        """The invoices (open or settled) whose numbers ``text`` quotes, each once, in the order they appear."""
        out = []
        for ref, written, exact in self._numbers(text.upper())[0]:
            if isinstance(ref, _Item):
                item = ref.item
                out.append(NamedInvoice(item.invoice_id, item.customer_id, item.number, written, exact, True))
            else:
                out.append(NamedInvoice(ref.invoice_id, ref.customer_id, ref.number, written, exact, False))
        return out

    def _numbers(self, upper: str) -> tuple[list[tuple[_Ref, str, bool]], list[str]]:
        """The invoices named in ``upper`` (with the words that name them, and whether they are written as the
        invoice's number is, letters and digits) and the valid RF references written in it (compact)."""
        if not _HAS_DIGIT.search(upper):
            return [], []
        if _IBAN_SHAPE.search(upper):
            upper = _IBAN_SHAPE.sub(_mask_iban, upper)
        if "?" in upper:  # MT940 :86: subfield codes (?20, ?21...) glue two digits to the next word
            upper = _SUBFIELD.sub("|||", upper)
        masked = _MASKED.sub(_bars, upper)
        # the text cut at its tokens: [before, token, gap, token, gap, ..., token, after]
        parts = _TOKEN_SPLIT.split(masked)
        toks = parts[1::2]
        n = len(toks)
        gaps = parts[2:-1:2]  # gaps[i]: between toks[i] and toks[i + 1]
        joinable = [gap in _JOINABLE_GAPS for gap in gaps]
        joinable.append(False)
        found: list[tuple[_Ref, str, bool]] = []
        seen: set[tuple[type, int]] = set()
        references: list[str] = []
        last_hit_end = -10
        i = 0
        while i < n:
            tok = toks[i]
            if tok.isalpha():
                if len(tok) > 4 or not joinable[i] or toks[i + 1].isalpha():
                    i += 1
                    continue
            if tok.startswith("RF") and len(tok) >= 4 and tok[2:4].isdigit():
                skip = self._skip_reference(toks, joinable, i, references)
                if skip:
                    i += skip
                    continue
            prev = toks[i - 1] if i > 0 else ""
            anchored = prev in _KEYWORDS or (
                last_hit_end >= i - 2
                and (prev in _CONNECTORS or any(ch in ",&+;" for ch in gaps[i - 1]) or last_hit_end == i - 1)
            )
            hit = None
            size = 1
            while size < 4 and i + size < n and joinable[i + size - 1] and not toks[i + size].isalpha():
                size += 1
            while size >= 1:
                hit = self._lookup(toks[i : i + size], anchored, exact_only=tok.isalpha())
                if hit:
                    break
                size -= 1
            if hit:
                written = "".join(parts[2 * i + 1 : 2 * (i + size)])
                refs, exact = hit
                for ref in refs:
                    key = (type(ref), ref.item.invoice_id if isinstance(ref, _Item) else ref.invoice_id)
                    if key not in seen:
                        seen.add(key)
                        found.append((ref, written, exact))
                last_hit_end = i + size - 1
                i += size
            else:
                i += 1
        return found, references

    def _skip_reference(self, toks: list[str], joinable: list[bool], i: int, references: list[str]) -> int:
        """How many tokens from ``i`` make an RF reference (valid check digits), 0 if none does."""
        if len(toks[i]) > 4:
            if is_valid_rf(toks[i]):
                references.append(toks[i])
                return 1
            return 0
        groups: list[str] = []
        j = i
        while j + 1 < len(toks) and joinable[j] and len(toks[j + 1]) <= 4 and sum(map(len, groups)) < 21:
            groups.append(toks[j + 1])
            j += 1
            if len(toks[j]) < 4:
                break
        for k in range(len(groups), 0, -1):
            compact = toks[i] + "".join(groups[:k])
            if is_valid_rf(compact):
                references.append(compact)
                return k + 1
        return 0

    def _lookup(self, window: list[str], anchored: bool, exact_only: bool) -> tuple[list[_Ref], bool] | None:
        """The invoices a run of tokens names: its letters and digits as they are, else (unless ``exact_only``)
        without the letters in front and its groups of digits padded with zeros to the widths of the common
        shapes of the organization's numbers, behind their letters (``2026-42``, ``FA202642`` and ``2026042``
        are ``F-2026-0042`` when numbers look like ``F-2026-0042``). A number of fewer than four digits, or a
        bare year, counts only when ``anchored`` (after *facture*, *n°*...)."""
        exact = self._exact
        w = "".join(window)
        hit = exact.get(w)
        if hit is not None:
            if not anchored and (len(w) < 2 or (w.isdigit() and (len(w) < 4 or _is_year(w)))):
                return None
            return hit, True
        if exact_only:
            return None
        bare = w.lstrip(_LETTERS)
        if not bare:
            return None
        letters = w[: len(w) - len(bare)]
        if letters:
            if letters in _KEYWORDS:
                anchored = True
            elif len(letters) > 4:
                return None
        if not anchored and bare.isdigit() and (len(bare) < 4 or _is_year(bare)):
            return None
        found: list[_Ref] = []
        if letters:
            found.extend(exact.get(bare, ()))
        if not bare.isdigit():  # letters after digits (``20EREF``): only as written
            return (found, False) if found else None
        groups = [g for tok in window for g in _DIGIT_GROUPS.findall(tok)]
        split = [groups[0][:4], groups[0][4:]] if len(groups) == 1 and len(groups[0]) > 4 else None
        if split is not None and not _is_year(split[0]):
            split = None
        tried = {w, bare}
        for prefix, widths in self._shapes:
            parts = groups if len(groups) == len(widths) else split if split and len(widths) == 2 else None
            if parts is None or any(len(g) > width for g, width in zip(parts, widths, strict=True)):
                continue
            key = prefix + "".join(g.zfill(width) for g, width in zip(parts, widths, strict=True))
            if key in tried:
                continue
            tried.add(key)
            for ref in exact.get(key, ()):
                if ref not in found:
                    found.append(ref)
        return (found, False) if found else None

    def _customer_names(self) -> _Names:
        if self._names is None:
            self._names = _Names(self._customers.values())
        return self._names

    def _amount_owners(self, currency: str, cents: int) -> list[int]:
        """Customers with an open item, or a balance, of exactly ``cents``."""
        by_currency = self._amounts.get(currency)
        return by_currency.get(cents, []) if by_currency else []

    def _amount_owners_named(self, currency: str, cents: int, query: str) -> list[int]:
        """The customers with an open item or a balance of ``cents`` whose names share a word with ``query``
        (normalised): when many have that amount, those among the customers with the query's rarest word."""
        owners = self._amount_owners(currency, cents)
        if not owners:
            return []
        words = set(query.split())
        customers = self._customers
        if len(owners) <= 32:
            return [cid for cid in owners if not words.isdisjoint(customers[cid].words)]
        names = self._customer_names()
        known = sorted((w for w in words if w in names.blocks), key=lambda w: (len(names.blocks[w]), w))
        if not known:
            return []
        key = (currency, cents)
        owner_set = self._owner_sets.get(key)
        if owner_set is None:
            if len(self._owner_sets) > 10_000:
                self._owner_sets.clear()
            owner_set = self._owner_sets[key] = set(owners)
        return [cid for cid in names.customers_with(known[0]) if cid in owner_set]

    # -- matching -----------------------------------------------------------------------------------------------

    def match_credit(self, credit: Credit, settings: MatchSettings) -> list[Proposal]:
        """The ranked proposals for one credit (see ``match``)."""
        details = credit.details
        if len(details) >= 2 and sum((d.amount for d in details), ZERO) == credit.amount:
            if all(d.amount > 0 for d in details):
                out: list[Proposal] = []
                for k, d in enumerate(details):
                    part_reason = Reason(Why.PART, {"part": str(k + 1), "count": str(len(details))})
                    unit = _Unit(
                        self, settings, credit.id, k, d.amount, credit.currency, credit.booking_date,
                        d.text, d.name, d.iban, d.creditor_reference,
                    )  # fmt: skip
                    for prop in unit.proposals():
                        out.append(replace(prop, reasons=(part_reason, *prop.reasons)))
                return out
        text = " ".join(t for t in (credit.text, *(d.text for d in details)) if t)
        name = credit.counterparty_name or next((d.name for d in details if d.name), "")
        iban = credit.counterparty_iban or next((d.iban for d in details if d.iban), "")
        rf = credit.creditor_reference or next((d.creditor_reference for d in details if d.creditor_reference), "")
        unit = _Unit(self, settings, credit.id, None, credit.amount, credit.currency, credit.booking_date, text,
                     name, iban, rf)  # fmt: skip
        return unit.proposals()


def match(credits: Iterable[Credit], index: MatchIndex, settings: MatchSettings | None = None) -> list[list[Proposal]]:
    """For each credit, in order, its proposals ranked best first (empty when nothing points anywhere). At most
    one proposal per credit (per part of a batch) has ``auto`` set: the first, when it reaches the threshold and
    no other customer does."""
    settings = settings or MatchSettings()
    with _no_cycle_collection():
        return [index.match_credit(credit, settings) for credit in credits]


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while hundreds of thousands of small objects are made, none of them in a
    cycle (it would walk them all again and again: a third of the time); reference counting still frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def first_per_part(proposals: Sequence[Proposal]) -> dict[int | None, Proposal]:
    """The best proposal of each part of a credit (``None``: the credit as a whole)."""
    best: dict[int | None, Proposal] = {}
    for p in proposals:
        best.setdefault(p.part, p)
    return best


# ---------------------------------------------------------------------------------------------------------------
# One credit (or part of a batch)
# ---------------------------------------------------------------------------------------------------------------


class _Evidence:
    __slots__ = ("customer", "rf", "named", "settled", "written", "loose", "iban_owners", "name_score", "name_word")

    def __init__(self, customer: _Customer):
        self.customer = customer
        self.rf = False
        self.loose = False  # an invoice named only without its letters, or zeros, or separators
        self.named: list[_Item] = []
        self.settled: list[SettledInvoice] = []
        self.written: dict[int, str] = {}
        self.iban_owners = 0
        self.name_score = 0.0
        self.name_word = False  # the payer's name shares a word with the customer's, not close enough otherwise


class _Assessment:
    """A customer's proposal before it is put in words: the allocation (in cents) and the confidence."""

    __slots__ = (
        "evidence", "confidence", "allocations", "unapplied", "difference", "write_off", "decision", "named_plus",
        "others", "date", "auto", "conflict",
    )  # fmt: skip

    def __init__(self, evidence: _Evidence, confidence: float, chosen: list[_Item], cents: int, tol: int,
                 within_tol: bool, decision: list[Reason], named_plus: bool):  # fmt: skip
        self.evidence = evidence
        self.confidence = confidence
        self.allocations, self.unapplied, self.difference = _allocate(chosen, cents)
        self.write_off = within_tol and self.difference != 0 and abs(self.difference) <= tol
        self.decision = decision
        self.named_plus = named_plus
        self.others: list[int] = []
        self.date: tuple[int, date] | None = None
        self.auto = False
        self.conflict: int | None = None  # another customer indicated as strongly


class _Unit:
    def __init__(
        self,
        index: MatchIndex,
        settings: MatchSettings,
        credit_id: int | str,
        part: int | None,
        amount: Decimal,
        currency: str,
        booking_date: date,
        text: str,
        name: str,
        iban: str,
        rf: str,
    ):
        self.index = index
        self.settings = settings
        self.credit_id = credit_id
        self.part = part
        self.cents = _to_cents(amount)
        self.currency = currency.upper()
        self.booking_date = booking_date
        self.text = text or ""
        self.name = name or ""
        self.iban = compact_iban(iban) if iban else ""
        self.rf = rf or ""
        self.tol = _to_cents(settings.tolerance)
        self.rf_written = ""
        self.rf_customer: int | None = None
        self.general: list[Reason] = []

    def proposals(self) -> list[Proposal]:
        if self.cents <= 0:
            return []
        index, settings = self.index, self.settings
        upper = self.text.upper()
        general = self.general
        evidence: dict[int, _Evidence] = {}

        def ev(cid: int) -> _Evidence:
            e = evidence.get(cid)
            if e is None:
                e = evidence[cid] = _Evidence(index._customers[cid])
            return e

        rf_customer: int | None = None
        if self.rf:
            rf = normalize_reference(self.rf)
            rf_customer = index._rf.get(rf)
            if rf_customer is not None:
                self.rf_written = rf
            elif is_valid_rf(rf):
                general.append(Reason(Why.REFERENCE_UNKNOWN, {"reference": rf}))
            else:  # not an RF reference: often the invoice number itself, read with the text
                upper = f"{upper} | {self.rf.upper()}"
        if rf_customer is None:
            found = index._known_rf_in(upper)
            if found:
                rf_customer, self.rf_written = index._rf[found], found
        named, references = index._numbers(upper)
        if rf_customer is None:
            for r in references:
                if r not in index._rf:
                    general.append(Reason(Why.REFERENCE_UNKNOWN, {"reference": r}))
                    break
        else:
            ev(rf_customer).rf = True
            self.rf_customer = rf_customer
        for ref, written, exact in named:
            if isinstance(ref, _Item):
                if ref.currency != self.currency:
                    continue
                e = ev(ref.customer_id)
                e.named.append(ref)
                e.written[ref.item.invoice_id] = written
                e.loose = e.loose or not exact
            else:
                e = ev(ref.customer_id)
                e.settled.append(ref)
                e.written[ref.invoice_id] = written
        owners = index._iban.get(self.iban, ()) if self.iban else ()
        for cid in owners:
            ev(cid).iban_owners = len(owners)
        named_customers = [cid for cid, e in evidence.items() if e.named]
        query = normalize_name(self.name) if self.name else ""
        cutoff = settings.name_cutoff
        if query:
            if rf_customer is None and not named_customers:
                # the customers whose open item or balance is the amount, if their name is close enough; then
                # the closest names of all
                for cid in index._amount_owners_named(self.currency, self.cents, query):
                    if cid not in evidence:
                        score = _name_score(query, index._customers[cid])
                        if score >= cutoff:
                            ev(cid).name_score = score
                        else:  # the manager's own name, a trade name: a word in common, and the amount
                            ev(cid).name_word = True
                for cid, score in index._customer_names().lookup(query, cutoff, NAME_CANDIDATES):
                    if cid not in evidence:
                        ev(cid).name_score = score
            for e in evidence.values():
                if not e.name_score:
                    score = _name_score(query, e.customer)
                    e.name_score = score if score >= cutoff else 0.0
        assessments = []
        for e in evidence.values():
            a = self._assess(e, evidence, named_customers)
            if a is not None:
                assessments.append(a)
        if not assessments:
            return self._rank(self._amount_only(general))
        ranking = lambda a: (-a.confidence, a.evidence.customer.info.customer_id)  # noqa: E731
        assessments.sort(key=ranking)
        top = assessments[: settings.max_suggestions]
        threshold = settings.auto_threshold
        strong = [a for a in top if a.confidence >= threshold]
        if len(strong) > 1:  # two customers as strongly: neither is applied
            for a in strong:
                a.conflict = next(b for b in strong if b is not a).evidence.customer.info.customer_id
                a.confidence = round(threshold * 0.9, 4)
            top.sort(key=ranking)
        elif strong:
            top[0].auto = True
        return [self._build(a, evidence) for a in top]

    # -- one customer -------------------------------------------------------------------------------------------

    def _assess(
        self, e: _Evidence, evidence: Mapping[int, _Evidence], named_customers: list[int]
    ) -> _Assessment | None:
        s = self.settings
        cents, tol, currency = self.cents, self.tol, self.currency
        cust = e.customer
        cid = cust.info.customer_id
        decision: list[Reason] = []
        confidence: float
        chosen: list[_Item]
        within_tol = False
        named_plus = False
        if e.named:
            named = sorted(e.named, key=lambda it: it.order)
            named_total = sum(it.cents for it in named)
            if abs(named_total - cents) <= tol:
                chosen, within_tol = named, named_total != cents
                total = _money(named_total, currency)
                decision.append(Reason(Why.AMOUNT_NAMED_TOTAL, {"count": str(len(named)), "total": total}))
                agrees = e.iban_owners == 1 or e.name_score >= 90
                if e.rf or agrees:
                    confidence = 0.99
                elif e.loose and within_tol:
                    confidence = 0.93  # a number read loosely and an amount only close: two half-signals
                else:
                    confidence = 0.97
            elif cents < named_total:
                near = [it for it in named if abs(it.cents - cents) <= tol]
                subset = _subset(named, cents, 0, s.max_subset_items) if not near and len(named) > 2 else None
                if near:
                    chosen = [min(near, key=lambda it: (abs(it.cents - cents), it.order))]
                elif subset is not None:
                    chosen = subset
                else:
                    chosen = named
                if chosen is named:
                    decision.append(self._differs(named_total))
                    confidence = 0.97 if e.rf else 0.80
                else:
                    within_tol = sum(it.cents for it in chosen) != cents
                    decision.append(self._named_subset_reason(chosen))
                    confidence = 0.98 if e.rf else 0.88
            else:
                named_ids = frozenset(it.item.invoice_id for it in named)
                rest = cust.book(currency).fit(cents - named_total, tol, s.max_subset_items, exclude=named_ids)
                if rest.kind is not None and (rest.exact or e.rf):
                    chosen, within_tol, named_plus = named + rest.items, rest.within_tolerance, True
                    confidence = (0.98 if rest.exact else 0.97) if e.rf else 0.86
                else:
                    chosen = named
                    decision.append(self._differs(named_total))
                    confidence = 0.97 if e.rf else 0.75
        else:
            fit = cust.book(currency).fit(cents, tol, s.max_subset_items)
            if fit.kind is None:
                if not e.rf:
                    return None
                chosen = []
                decision.append(Reason(Why.NO_OPEN_ITEMS, {"currency": currency}))
                confidence = 0.96
            else:
                chosen, within_tol = fit.items, fit.within_tolerance
                if fit.exact:
                    decision.append(self._fit_reason(fit))
                confidence = self._fit_confidence(e, fit)
                if confidence <= 0:
                    return None
        a = _Assessment(e, confidence, chosen, cents, tol, within_tol, decision, named_plus)
        others = [c for c in named_customers if c != cid]
        if others:
            a.others = others
            a.confidence = min(a.confidence, 0.85) if e.rf else a.confidence * 0.6
        if self.rf_customer is not None and self.rf_customer != cid:
            a.confidence = min(a.confidence, 0.85)  # another customer's reference: to be checked
        if e.settled and not e.named:
            a.confidence = min(a.confidence, 0.85)  # quoting a settled invoice: paid twice? to be checked
        threshold = s.auto_threshold
        if a.confidence < threshold and a.allocations:
            bonus, days, due = self._date_bonus([it for it, _a in a.allocations])
            if bonus and a.confidence + bonus < threshold:
                a.confidence += bonus
                a.date = (days, due)
        a.confidence = round(min(a.confidence, 1.0), 4)
        return a

    def _build(self, a: _Assessment, evidence: Mapping[int, _Evidence]) -> Proposal:
        """The proposal of an assessment, with its reasons in order: what pointed to the customer, how the amount
        fits, what is left."""
        e = a.evidence
        cust = e.customer
        currency = self.currency
        reasons: list[Reason] = list(self.general)
        if e.rf:
            reasons.append(Reason(Why.REFERENCE, {"reference": self.rf_written}))
        for it in sorted(e.named, key=lambda it: it.order):
            written = e.written[it.item.invoice_id]
            reasons.append(Reason(Why.INVOICE_NAMED, {"number": it.item.number, "written": written}))
        for st in e.settled:
            reasons.append(Reason(Why.INVOICE_SETTLED, {"number": st.number}))
        if e.iban_owners == 1:
            reasons.append(Reason(Why.IBAN, {"iban": self.iban}))
        elif e.iban_owners > 1:
            reasons.append(Reason(Why.IBAN_SHARED, {"iban": self.iban, "count": str(e.iban_owners)}))
        if e.name_score:
            score = str(round(e.name_score))
            reasons.append(Reason(Why.NAME, {"payer": self.name.strip(), "name": cust.info.name, "score": score}))
        elif e.name_word:
            reasons.append(Reason(Why.NAME_WORD, {"payer": self.name.strip(), "name": cust.info.name}))
        reasons.extend(a.decision)
        if a.named_plus:
            reasons.append(Reason(Why.NAMED_PLUS, {"count": str(len(a.allocations) - len(e.named))}))
        if a.write_off:
            difference = _money(abs(a.difference), currency)
            tolerance = _money(self.tol, currency)
            reasons.append(Reason(Why.WRITE_OFF, {"difference": difference, "tolerance": tolerance}))
        elif a.difference < 0 and a.allocations:
            short = _money(-a.difference, currency)
            reasons.append(Reason(Why.PARTIAL, {"short": short, "number": a.allocations[-1][0].item.number}))
        if a.unapplied and not a.write_off:
            reasons.append(Reason(Why.OVERPAYMENT, {"unapplied": _money(a.unapplied, currency)}))
        if self.rf_customer is not None and self.rf_customer != cust.info.customer_id:
            other = self._customer_name(self.rf_customer)
            reasons.append(Reason(Why.REFERENCE_OTHER, {"reference": self.rf_written, "customer": other}))
        if a.others:
            numbers = sorted({it.item.number for c in a.others for it in evidence[c].named})
            reasons.append(Reason(Why.OTHER_CUSTOMERS_NAMED, {"numbers": ", ".join(numbers)}))
        if a.date is not None:
            reasons.append(Reason(Why.DUE_DATE_CLOSE, {"count": str(a.date[0]), "due": a.date[1].isoformat()}))
        if a.conflict is not None:
            reasons.append(Reason(Why.CONFLICT, {"customer": self._customer_name(a.conflict)}))
        return Proposal(
            credit_id=self.credit_id,
            customer_id=cust.info.customer_id,
            amount=_decimal(self.cents),
            currency=currency,
            allocations=tuple(Allocation(it.item.invoice_id, _decimal(c)) for it, c in a.allocations),
            unapplied=_decimal(a.unapplied),
            difference=_decimal(a.difference),
            write_off_difference=a.write_off,
            confidence=a.confidence,
            reasons=tuple(reasons),
            auto=a.auto,
            part=self.part,
        )

    def _differs(self, named_total: int) -> Reason:
        amounts = {"amount": _money(self.cents, self.currency), "total": _money(named_total, self.currency)}
        return Reason(Why.AMOUNT_DIFFERS, amounts)

    def _named_subset_reason(self, items: list[_Item]) -> Reason:
        total = sum(it.cents for it in items)
        return Reason(Why.AMOUNT_NAMED_SUBSET, {"count": str(len(items)), "total": _money(total, self.currency)})

    def _fit_reason(self, fit: _Fit) -> Reason:
        total = _money(sum(it.cents for it in fit.items), self.currency)
        if fit.kind == Why.AMOUNT_ITEM:
            return Reason(Why.AMOUNT_ITEM, {"number": fit.items[0].item.number, "total": total})
        if fit.kind == Why.AMOUNT_BALANCE:
            return Reason(Why.AMOUNT_BALANCE, {"total": total})
        assert fit.kind is not None
        return Reason(fit.kind, {"count": str(len(fit.items)), "total": total})

    def _fit_confidence(self, e: _Evidence, fit: _Fit) -> float:
        """What a customer found without invoice numbers gets, by what pointed to it and how the amount fits."""
        cutoff = self.settings.name_cutoff
        if e.rf:
            return 0.99 if fit.exact and not fit.within_tolerance else 0.98 if fit.exact else 0.97
        fits_exactly = fit.exact and not fit.within_tolerance
        fits = fit.exact
        best = 0.0
        if e.settled:
            best = max(best, 0.5 if fits else 0.3)
        if e.iban_owners:
            value = 0.90 if fits_exactly else 0.88 if fits else 0.60
            if e.iban_owners > 1:
                value *= 0.75
            if e.name_score:
                value += 0.03
            best = max(best, value)
        if e.name_score:
            t = (e.name_score - cutoff) / (100 - cutoff) if cutoff < 100 else 1.0
            value = 0.60 + 0.25 * t if fits_exactly else 0.55 + 0.25 * t if fits else 0.30 + 0.2 * t
            best = max(best, value)
        elif e.name_word and fits:
            best = max(best, 0.52 if fits_exactly else 0.45)
        return min(best, 0.93)

    def _date_bonus(self, items: list[_Item]) -> tuple[float, int, date]:
        window = self.settings.date_window_days
        due = max(it.item.due_on for it in items)
        days = abs((self.booking_date - due).days)
        if not window or days > window:
            return 0.0, days, due
        return round(0.01 * (1 - days / (window + 1)), 4), days, due

    # -- nothing but the amount ---------------------------------------------------------------------------------

    def _amount_only(self, general: list[Reason]) -> list[Proposal]:
        s = self.settings
        if not s.max_amount_candidates:
            return []
        owners = self.index._amount_owners(self.currency, self.cents)
        if not owners or len(owners) > s.max_amount_candidates:
            return []
        out = []
        share = 0.4 / len(owners)
        for cid in owners:
            book = self.index._customers[cid].book(self.currency)
            if book.total == self.cents:
                fit = _Fit(Why.AMOUNT_BALANCE, book.items)
            else:
                fit = _Fit(Why.AMOUNT_ITEM, [book.by_amount[self.cents]])
            allocations, _unapplied, _difference = _allocate(fit.items, self.cents)
            bonus, days, due = self._date_bonus(fit.items)
            reasons = [
                *general,
                Reason(Why.AMOUNT_ONLY, {"count": str(len(owners)), "amount": _money(self.cents, self.currency)}),
                self._fit_reason(fit),
            ]
            if bonus:
                reasons.append(Reason(Why.DUE_DATE_CLOSE, {"count": str(days), "due": due.isoformat()}))
            out.append(
                Proposal(
                    credit_id=self.credit_id,
                    customer_id=cid,
                    amount=_decimal(self.cents),
                    currency=self.currency,
                    allocations=tuple(Allocation(it.item.invoice_id, _decimal(a)) for it, a in allocations),
                    unapplied=ZERO,
                    difference=ZERO,
                    write_off_difference=False,
                    confidence=round(share + bonus, 4),
                    reasons=tuple(reasons),
                    part=self.part,
                )
            )
        return out

    # -- ranking ------------------------------------------------------------------------------------------------

    def _rank(self, proposals: list[Proposal]) -> list[Proposal]:
        """Best first; the first is applied when it reaches the threshold alone. When two customers reach it,
        neither is applied: both are brought under the threshold, with the other's name as a reason."""
        if not proposals:
            return []
        threshold = self.settings.auto_threshold
        proposals.sort(key=lambda p: (-p.confidence, p.customer_id))
        proposals = proposals[: self.settings.max_suggestions]
        strong = [p for p in proposals if p.confidence >= threshold]
        if len(strong) > 1:
            capped = []
            for p in proposals:
                if p.confidence >= threshold:
                    other = next(q for q in strong if q is not p)
                    reason = Reason(Why.CONFLICT, {"customer": self._customer_name(other.customer_id)})
                    p = replace(p, confidence=round(threshold * 0.9, 4), reasons=(*p.reasons, reason))
                capped.append(p)
            capped.sort(key=lambda p: (-p.confidence, p.customer_id))
            return capped
        if strong:
            proposals[0] = replace(proposals[0], auto=True)
        return proposals

    def _customer_name(self, cid: int) -> str:
        return self.index._customers[cid].info.name or str(cid)


def _name_score(query: str, customer: _Customer) -> float:
    """The best similarity (0-100) of ``query`` (normalised) to the customer's names."""
    best = 0.0
    for norm in customer.norms:
        score = fuzz.WRatio(query, norm, processor=None)
        if score > best:
            best = score
    return best


def _allocate(items: list[_Item], cents: int) -> tuple[list[tuple[_Item, int]], int, int]:
    """Spread ``cents`` over ``items`` in order: each gets its open amount until the money runs out. Returns the
    allocations, what is left (unapplied), and the amount less the open total of the items allocated to."""
    allocations: list[tuple[_Item, int]] = []
    remaining = cents
    touched = 0
    for it in items:
        if remaining <= 0:
            break
        amount = min(it.cents, remaining)
        allocations.append((it, amount))
        remaining -= amount
        touched += it.cents
    return allocations, remaining, cents - touched
