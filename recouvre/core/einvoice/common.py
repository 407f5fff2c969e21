"""What the CII and UBL readers share: the kind of a document from its type code, the profile from its
identifier, the checks of its totals, and the last step that makes an ``EInvoice``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..i18n import _
from .model import DocumentKind, DuePart, EInvoice, EInvoiceError, Party

MAX_NUMBER = 60  # characters of an invoice number in the ledger
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)
# UNTDID 1001 codes of credit notes among those EN 16931 and the French CTC profiles use; any other code is an
# invoice (380 commercial, 384 corrected, 386 prepayment, 389 self-billed, 393 factored, 751...).
CREDIT_NOTE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "503", "532"})
_PROFILES = (
    ("extended-ctc-fr", "ctc-fr"),
    ("xrechnung", "xrechnung"),
    ("peppol", "peppol-bis-3"),
    ("minimum", "minimum"),
    ("basicwl", "basicwl"),
    ("basic", "basic"),
    ("extended", "extended"),
    ("en16931", "en16931"),
)


def profile_name(profile_id: str) -> str:
    """``minimum``, ``basicwl``, ``basic``, ``en16931``, ``extended``, ``xrechnung``, ``peppol-bis-3``, ``ctc-fr``
    from the specification identifier (BT-24), ``""`` when it names none of them."""
    lowered = profile_id.lower()
    for needle, name in _PROFILES:
        if needle in lowered:
            return name
    return ""


def kind_of(type_code: str) -> DocumentKind:
    return DocumentKind.CREDIT_NOTE if type_code.strip() in CREDIT_NOTE_CODES else DocumentKind.INVOICE


@dataclass(frozen=True, slots=True)
class LineCheck:
    """One invoice line's figures, to check that quantity × net price (per base quantity) plus its charges less its
    allowances is the line's net amount (a warning otherwise)."""

    line_id: str
    quantity: str
    price: str
    base_quantity: str
    adjustments: Decimal
    stated: str


def line_warnings(lines: Sequence[LineCheck], number: str) -> list[str]:
    out: list[str] = []
    for line in lines:
        try:
            quantity, price, stated = Decimal(line.quantity), Decimal(line.price), Decimal(line.stated)
            base = Decimal(line.base_quantity) if line.base_quantity else Decimal(1)
            if base == 0:
                continue
            computed = (quantity * price / base + line.adjustments).quantize(CENT, rounding=ROUND_HALF_UP)
        except (InvalidOperation, ArithmeticError):
            continue
        if abs(computed - stated) > CENT:
            out.append(
                _(
                    "%(number)s, line %(line)s: %(quantity)s × %(price)s makes %(computed)s, the line says %(stated)s "
                    "(the totals of the document are used)"
                )
                % {
                    "number": number,
                    "line": line.line_id or "?",
                    "quantity": line.quantity,
                    "price": line.price,
                    "computed": computed,
                    "stated": line.stated,
                }
            )
    return out


@dataclass(slots=True)
class Draft:
    """What a reader found, before the common checks."""

    syntax: str
    profile_id: str
    number: str
    number_line: int
    type_code: str
    forced_kind: DocumentKind | None
    issue_date: date
    due_date: date | None
    due_line: int
    payment_terms_text: str
    seller: Party
    buyer: Party
    currency: str
    currency_line: int
    total_without_tax: Decimal | None
    tax: Decimal | None
    total: Decimal
    prepaid: Decimal
    rounding: Decimal
    amount_due: Decimal
    totals_line: int
    referenced_invoices: tuple[str, ...]
    due_parts: tuple[DuePart, ...]
    warnings: list[str]
    line_count: int = 0


def finish(d: Draft) -> EInvoice:
    """Check the draft and make the ``EInvoice``: a number of at most 60 characters, a currency code, totals that
    add up (BR-CO-15: total = total without VAT + VAT; BR-CO-16: amount due = total - prepaid + rounding), amounts
    that are not negative, a due date not before the issue date."""
    if not d.number:
        raise EInvoiceError(d.number_line, "BT-1", _("the document has no number (BT-1)"))
    if len(d.number) > MAX_NUMBER:
        raise EInvoiceError(
            d.number_line,
            "BT-1",
            _("the number %(number)s is longer than %(max)s characters") % {"number": d.number[:80], "max": MAX_NUMBER},
        )
    if not _CURRENCY.fullmatch(d.currency):
        raise EInvoiceError(
            d.currency_line,
            "BT-5",
            _("%(value)r is not a currency code (three capital letters, e.g. EUR)") % {"value": d.currency[:20]},
        )
    kind = d.forced_kind or kind_of(d.type_code)
    what = _("credit note") if kind == DocumentKind.CREDIT_NOTE else _("invoice")
    if d.total_without_tax is not None and d.tax is not None and d.total_without_tax + d.tax != d.total:
        raise EInvoiceError(
            d.totals_line,
            "BT-112",
            _(
                "the totals do not add up: %(excl)s without VAT + %(tax)s VAT = %(sum)s, but the %(what)s says a total "
                "of %(total)s"
            )
            % {"excl": d.total_without_tax, "tax": d.tax, "sum": d.total_without_tax + d.tax, "total": d.total,
               "what": what},
        )  # fmt: skip
    if d.total - d.prepaid + d.rounding != d.amount_due:
        raise EInvoiceError(
            d.totals_line,
            "BT-115",
            _(
                "the totals do not add up: %(total)s total - %(prepaid)s prepaid + %(rounding)s rounding = %(sum)s, "
                "but the %(what)s says %(due)s is due"
            )
            % {
                "total": d.total,
                "prepaid": d.prepaid,
                "rounding": d.rounding,
                "sum": d.total - d.prepaid + d.rounding,
                "due": d.amount_due,
                "what": what,
            },
        )
    if d.total < 0 or d.amount_due < 0 or d.prepaid < 0:
        raise EInvoiceError(
            d.totals_line,
            "BT-115",
            _(
                "the %(what)s has negative amounts (total %(total)s, due %(due)s): a credit is issued as a credit "
                "note with positive amounts"
            )
            % {"what": what, "total": d.total, "due": d.amount_due},
        )
    parts = tuple(sorted(d.due_parts, key=lambda p: p.due_on))
    due_date = d.due_date
    if due_date is None and parts:
        due_date = parts[0].due_on
    instalments: tuple[DuePart, ...] = ()
    if (
        kind == DocumentKind.INVOICE
        and len(parts) >= 2
        and all(p.amount is not None and p.amount > 0 for p in parts)
        and len({p.due_on for p in parts}) == len(parts)
        and sum((p.amount or ZERO for p in parts), ZERO) == d.amount_due
    ):
        instalments = parts
        due_date = parts[0].due_on
    elif len({p.due_on for p in parts}) > 1 and kind == DocumentKind.INVOICE:
        d.warnings.append(
            _("%(number)s: several due dates whose amounts do not make up the amount due; the first, %(due)s, is used")
            % {"number": d.number, "due": parts[0].due_on.isoformat()}
        )
    if due_date is not None and due_date < d.issue_date and kind == DocumentKind.INVOICE:
        raise EInvoiceError(
            d.due_line,
            "BT-9",
            _("the due date %(due)s is before the issue date %(issued)s")
            % {"due": due_date.isoformat(), "issued": d.issue_date.isoformat()},
        )
    refs = tuple(dict.fromkeys(r for r in d.referenced_invoices if r))
    return EInvoice(
        syntax=d.syntax,
        profile=profile_name(d.profile_id),
        profile_id=d.profile_id,
        number=d.number,
        kind=kind,
        type_code=d.type_code,
        issue_date=d.issue_date,
        due_date=due_date,
        payment_terms_text=d.payment_terms_text,
        seller=d.seller,
        buyer=d.buyer,
        currency=d.currency,
        total_without_tax=d.total_without_tax,
        tax=d.tax,
        total=d.total,
        prepaid=d.prepaid,
        rounding=d.rounding,
        amount_due=d.amount_due,
        referenced_invoice=refs[0] if refs and kind == DocumentKind.CREDIT_NOTE else "",
        referenced_invoices=refs,
        instalments=instalments,
        warnings=tuple(dict.fromkeys(d.warnings)),
        line_count=d.line_count,
    )
