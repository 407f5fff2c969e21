"""What an e-invoice says, once read: plain frozen values, whatever the syntax (CII or UBL) it came in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any


class EInvoiceError(ValueError):
    """The document cannot be imported: ``line`` in the XML (0 when it is about the whole file), the ``field`` (an
    element path or ``PDF``/``XML``) and why, for people."""

    def __init__(self, line: int, field: str, message: str):
        super().__init__(message)
        self.line = line
        self.field = field
        self.message = message

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


@dataclass(frozen=True, slots=True)
class Address:
    line1: str = ""
    line2: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""  # ISO 3166 alpha-2, upper case, or empty


@dataclass(frozen=True, slots=True)
class Party:
    """The seller or the buyer. ``siren``, ``siret`` and ``vat`` are valid numbers only (checked with python-stdnum);
    ``claimed_sirens`` and ``claimed_vats`` are every SIREN and VAT number the document gives or implies for the
    party, valid or not (to tell whether the seller is the organization)."""

    name: str = ""
    trading_name: str = ""
    siren: str = ""
    siret: str = ""
    vat: str = ""
    address: Address = Address()
    email: str = ""
    contact_name: str = ""
    phone: str = ""
    claimed_sirens: tuple[str, ...] = ()
    claimed_vats: tuple[str, ...] = ()

    @property
    def identified(self) -> bool:
        """The document gives at least one SIREN, SIRET or VAT number for the party."""
        return bool(self.claimed_sirens or self.claimed_vats)

    @property
    def label(self) -> str:
        """The name and the best identifier, for messages: ``Au bon moulin (SIREN 999999998)``."""
        name = self.name or self.trading_name or "?"
        if self.siren:
            return f"{name} (SIREN {self.siren})"
        if self.vat:
            return f"{name} ({self.vat})"
        if self.claimed_sirens:
            return f"{name} (SIREN {self.claimed_sirens[0]})"
        if self.claimed_vats:
            return f"{name} ({self.claimed_vats[0]})"
        return name


@dataclass(frozen=True, slots=True)
class DuePart:
    """One due date of the payment terms and, when the document says so, the amount due on it."""

    due_on: date
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class EInvoice:
    """An invoice or a credit note read from CII (Factur-X, ZUGFeRD) or UBL 2.1 (Peppol BIS 3, French CTC).

    Amounts are in ``currency``, with at most two decimals: ``total`` is the grand total with VAT (BT-112),
    ``prepaid`` what was paid before (BT-113), ``rounding`` the rounding amount (BT-114) and ``amount_due`` what
    is still to pay (BT-115 = total - prepaid + rounding). ``due_date`` is the document's (BT-9), else the first
    due date of its payment terms, else ``None``; ``instalments`` are the due dates with their amounts when the
    terms split the amount due over several dates. ``referenced_invoice`` is the first preceding invoice a credit
    note names (BT-25). ``warnings`` are what the reader noticed without refusing the document."""

    syntax: str  # "CII" or "UBL"
    profile: str  # minimum, basicwl, basic, en16931, extended, peppol-bis-3, ctc-fr, xrechnung or ""
    profile_id: str
    number: str
    kind: DocumentKind
    type_code: str
    issue_date: date
    due_date: date | None
    payment_terms_text: str
    seller: Party
    buyer: Party
    currency: str
    total_without_tax: Decimal | None
    tax: Decimal | None
    total: Decimal
    prepaid: Decimal
    rounding: Decimal
    amount_due: Decimal
    referenced_invoice: str = ""
    referenced_invoices: tuple[str, ...] = ()
    instalments: tuple[DuePart, ...] = ()
    warnings: tuple[str, ...] = ()
    line_count: int = 0
