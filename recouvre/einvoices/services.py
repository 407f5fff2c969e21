"""Importing e-invoices (Factur-X / ZUGFeRD PDFs, CII XML, UBL 2.1 invoices and credit notes) into the ledger.

``import_einvoices(organization, files, actor=...)`` reads every file (``recouvre.core.einvoice``), compares what
they say with the ledger, and writes the differences in one transaction, for all the files given at once: any file
refused refuses them all (``EInvoicesRefused`` names each file, line, field and reason) and nothing is written.

- The seller must be the organization: when the organization has a SIREN, SIRET or VAT number and the document's
  seller gives another, the file is refused (a document whose buyer is the organization is a purchase invoice, also
  refused).
- The buyer becomes a customer or is matched to one: by SIREN, then SIRET, then VAT number, then the exact name
  once normalised (no accents, case, punctuation or legal form), never to a customer whose SIREN says otherwise;
  several customers matching alike refuse the file (say which by giving the customer its SIREN). A new customer is
  a business, named after the buyer's legal name, with its identifiers, address and contact, and an account
  reference made of ``411`` and its name (``411MAJOLIEB``).
- An invoice's open amount is its amount due (total minus what was prepaid); its due date is the document's, else
  the one its payment terms give (``30 jours net``), else the customer's terms, else the organization's (a warning
  says which). Due dates with their amounts (EXTENDED) make an invoice payable in instalments.
- A credit note that names a known invoice of the same customer is applied to it (up to what is open); one whose
  invoice is unknown, settled or another customer's stays unallocated on the customer's account, with a warning.
- A PDF is kept on file: as the invoice's PDF, or for a credit note with the invoice it corrects (else with the
  customer).
- A number already in the ledger: the same customer and the same amount due (and currency) leave it unchanged (its
  PDF is put on file if it has none); anything else refuses the file, naming both; nothing is ever overwritten.

``import_statuses(organization, name, content, actor=...)`` applies a file of lifecycle status messages with the
hold services the web uses (``recouvre.collections.holds``).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core.dates import PaymentTerms
from recouvre.core.einvoice import (
    DocumentKind,
    EInvoice,
    EInvoiceError,
    Party,
    compact_vat,
    french_vat,
    normal_name,
    read_einvoice,
    siren_of_vat,
    suggest_ref,
    terms_from_text,
)
from recouvre.core.instalments import Part, schedule_errors
from recouvre.ledger import services as ledger
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import CreditNote, Customer, CustomerKind, Invoice, Source
from recouvre.organizations.models import Organization

ZERO = Decimal("0.00")
FRENCH_SPEAKING = frozenset({"FR", "BE", "LU", "MC", "CH"})


# --------------------------------------------------------------------------------------------- the report


@dataclass(frozen=True, slots=True)
class FileError:
    """A refusal: the file, the line in its XML (0: the whole file), the field and why."""

    file: str
    line: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        return f"{where}, {self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class Warning:
    file: str
    number: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "number": self.number, "message": self.message}

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass(slots=True)
class DocumentLine:
    number: str
    kind: str
    customer_ref: str
    issue_date: date
    due_date: date | None
    total: Decimal
    open_amount: Decimal
    currency: str
    outcome: str = "created"  # created / unchanged
    file: str = ""
    customer_name: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "kind": self.kind,
            "customer_ref": self.customer_ref,
            "issue_date": self.issue_date.isoformat(),
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "total": str(self.total),
            "open_amount": str(self.open_amount),
            "currency": self.currency,
        }


@dataclass(slots=True)
class EInvoiceImport:
    """What an import of e-invoices did (or, in a dry run, would do)."""

    files: list[str] = field(default_factory=list)
    created: int = 0
    unchanged: int = 0
    documents: list[DocumentLine] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    dry_run: bool = False
    details: dict[str, dict[str, int]] = field(default_factory=dict)

    updated: int = 0  # never: an e-invoice already in the ledger is left as it is

    def count(self, entity: str, outcome: str, n: int = 1) -> None:
        bucket = self.details.setdefault(entity, {"created": 0, "updated": 0, "unchanged": 0})
        bucket[outcome] += n

    @property
    def notes(self) -> list[str]:
        return [str(w) for w in self.warnings]

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "unchanged": self.unchanged,
            "documents": [d.as_dict() for d in self.documents],
            "warnings": [w.as_dict() for w in self.warnings],
            "errors": [e.as_dict() for e in self.errors],
        }


class EInvoicesRefused(Exception):
    """The files are refused; nothing was written. ``errors`` names each file, line, field and reason."""

    def __init__(self, errors: list[FileError], warnings: list[Warning] | None = None):
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors
        self.warnings = warnings or []

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": 0,
            "unchanged": 0,
            "documents": [],
            "warnings": [w.as_dict() for w in self.warnings],
            "errors": [e.as_dict() for e in self.errors],
        }


# --------------------------------------------------------------------------------------------- customers


@dataclass(slots=True)
class _Customer:
    id: int | None
    ref: str
    name: str
    siren: str
    siret: str
    vat: str
    terms: PaymentTerms | None
    party: Party | None = None  # a customer this import creates: the buyer it is made from
    file: str = ""

    @property
    def sirens(self) -> set[str]:
        found = {self.siren, self.siret[:9], siren_of_vat(self.vat)}
        return {s for s in found if len(s) == 9}


class _Customers:
    """The organization's customers, and those this import creates, matched to buyers."""

    def __init__(self, organization: Organization):
        rows = Customer.objects.filter(organization=organization).values_list(
            "id", "ref", "name", "siren", "siret", "vat_number", "payment_terms_days", "payment_terms_end_of_month"
        )
        self.all = [
            _Customer(
                pk,
                ref,
                name,
                (siren or "").replace(" ", ""),
                (siret or "").replace(" ", ""),
                compact_vat(vat or ""),
                PaymentTerms(days, eom) if days is not None else None,
            )
            for pk, ref, name, siren, siret, vat, days, eom in rows
        ]
        self.refs = {c.ref for c in self.all}
        self.new: list[_Customer] = []
        self._names: dict[str, list[_Customer]] | None = None

    def _by_name(self) -> dict[str, list[_Customer]]:
        if self._names is None:
            self._names = defaultdict(list)
            for c in self.all:
                self._names[normal_name(c.name)].append(c)
        return self._names

    def match(self, buyer: Party) -> tuple[_Customer | None, str, list[_Customer]]:
        """The customer the buyer is, how it was found (``siren``, ``siret``, ``vat``, ``name``), or several
        customers that match alike (ambiguous); ``(None, "", [])`` when none."""
        pool = self.all
        if buyer.siren:
            found = [c for c in pool if buyer.siren in c.sirens]
            if found:
                return self._narrow(found, buyer, "siren")
        if buyer.siret:
            found = [c for c in pool if c.siret == buyer.siret]
            if found:
                return self._narrow(found, buyer, "siret")
        if buyer.vat:
            found = [c for c in pool if c.vat and c.vat == buyer.vat]
            if found:
                return self._narrow(found, buyer, "vat")
        names = {normal_name(n) for n in (buyer.name, buyer.trading_name) if n}
        found = []
        for name in names:
            for c in self._by_name().get(name, []):
                if buyer.siren and c.sirens and buyer.siren not in c.sirens:
                    continue  # the same name, another company
                if buyer.vat and c.vat and c.vat != buyer.vat:
                    continue
                if c not in found:
                    found.append(c)
        if len(found) == 1:
            return found[0], "name", []
        if found:
            return None, "name", found
        return None, "", []

    @staticmethod
    def _narrow(found: list[_Customer], buyer: Party, how: str) -> tuple[_Customer | None, str, list[_Customer]]:
        if len(found) == 1:
            return found[0], how, []
        for test in (
            lambda c: bool(buyer.siret) and c.siret == buyer.siret,
            lambda c: bool(buyer.vat) and c.vat == buyer.vat,
            lambda c: normal_name(c.name) in {normal_name(buyer.name), normal_name(buyer.trading_name)},
        ):
            narrowed = [c for c in found if test(c)]
            if len(narrowed) == 1:
                return narrowed[0], how, []
            if narrowed:
                found = narrowed
        return None, how, found

    def create(self, buyer: Party, file: str) -> _Customer:
        name = (buyer.name or buyer.trading_name)[:200]
        ref = suggest_ref(name, self.refs)
        self.refs.add(ref)
        customer = _Customer(None, ref, name, buyer.siren, buyer.siret, buyer.vat, None, party=buyer, file=file)
        self.all.append(customer)
        self.new.append(customer)
        if self._names is not None:
            self._names[normal_name(name)].append(customer)
        return customer


def _customer_label(c: _Customer) -> str:
    return f"{c.name} ({c.ref})"


# --------------------------------------------------------------------------------------------- the plan


@dataclass(slots=True)
class _Doc:
    file: str
    content: bytes
    is_pdf: bool
    einvoice: EInvoice
    customer: _Customer | None = None
    due_on: date | None = None
    instalments: tuple[Part, ...] = ()
    stored_id: int | None = None  # the invoice or credit note already in the ledger (unchanged)
    allocate_to: tuple[str, Decimal] | None = None  # credit note: invoice number, amount applied
    corrects: str = ""  # credit note: the invoice it corrects (same customer)
    keep_pdf: bool = False
    duplicate_of: str = ""  # the same document earlier in this import


def _org_identity(organization: Organization) -> tuple[set[str], set[str]]:
    sirens = {
        s
        for s in (
            (organization.siren or "").replace(" ", ""),
            (organization.siret or "").replace(" ", "")[:9],
            siren_of_vat(organization.vat_number or ""),
        )
        if len(s) == 9 and s.isdigit()
    }
    vats = {compact_vat(organization.vat_number or "")} - {""}
    if not vats:
        vats = {french_vat(s) for s in sirens} - {""}
    return sirens, vats


def _check_seller(organization: Organization, doc: _Doc, errors: list[FileError], warnings: list[Warning]) -> None:
    inv = doc.einvoice
    sirens, vats = _org_identity(organization)
    seller = inv.seller
    if sirens and (set(inv.buyer.claimed_sirens) & sirens):
        errors.append(
            FileError(
                doc.file,
                0,
                "BT-47",
                _(
                    "%(number)s is addressed to %(org)s (the buyer %(buyer)s): a purchase invoice, not one of its "
                    "invoices to collect"
                )
                % {"number": inv.number, "org": organization.name, "buyer": inv.buyer.label},
            )
        )
        return
    if not (sirens or vats):
        return
    if not seller.identified:
        warnings.append(
            Warning(
                doc.file,
                inv.number,
                _("%(number)s: the seller %(seller)s gives no SIREN or VAT number; it could not be checked")
                % {"number": inv.number, "seller": seller.name or "?"},
            )
        )
        return
    other_sirens = [s for s in seller.claimed_sirens if s not in sirens] if sirens else []
    other_vats = [v for v in seller.claimed_vats if v not in vats] if vats else []
    if other_sirens or other_vats:
        org_ids = ", ".join([*(f"SIREN {s}" for s in sorted(sirens)), *sorted(vats)])
        seller_ids = ", ".join([*(f"SIREN {s}" for s in seller.claimed_sirens), *seller.claimed_vats])
        errors.append(
            FileError(
                doc.file,
                0,
                "BT-30",
                _(
                    "%(number)s was issued by %(seller)s (%(seller_ids)s), not by %(org)s (%(org_ids)s): it is not one "
                    "of its invoices"
                )
                % {
                    "number": inv.number,
                    "seller": seller.name or "?",
                    "seller_ids": seller_ids,
                    "org": organization.name,
                    "org_ids": org_ids,
                },
            )
        )


def _same_document(a: EInvoice, b: EInvoice) -> bool:
    return (a.kind, a.amount_due, a.currency, a.buyer.name, a.buyer.siren, a.buyer.vat) == (
        b.kind,
        b.amount_due,
        b.currency,
        b.buyer.name,
        b.buyer.siren,
        b.buyer.vat,
    )


def _kind_word(kind: DocumentKind) -> str:
    return _("credit note") if kind == DocumentKind.CREDIT_NOTE else _("invoice")


def _terms_label(terms: PaymentTerms) -> str:
    if terms.end_of_month:
        return _("%(days)s days end of month") % {"days": terms.days}
    return _("%(days)s days") % {"days": terms.days}


class _Planner:
    def __init__(self, organization: Organization, result: EInvoiceImport):
        self.org = organization
        self.result = result
        self.errors: list[FileError] = []
        self.customers = _Customers(organization)
        self.org_terms = PaymentTerms(organization.payment_terms_days, organization.payment_terms_end_of_month)

    def warn(self, doc: _Doc, message: str) -> None:
        self.result.warnings.append(Warning(doc.file, doc.einvoice.number, message))

    def plan(self, docs: list[_Doc]) -> list[_Doc]:
        org = self.org
        for doc in docs:
            _check_seller(org, doc, self.errors, self.result.warnings)
        # the same number twice in the files given
        first: dict[tuple[str, str], _Doc] = {}
        kept: list[_Doc] = []
        for doc in docs:
            key = (doc.einvoice.kind.value, doc.einvoice.number)
            earlier = first.get(key)
            if earlier is None:
                first[key] = doc
                kept.append(doc)
            elif _same_document(earlier.einvoice, doc.einvoice):
                doc.duplicate_of = earlier.file
            else:
                self.errors.append(
                    FileError(
                        doc.file,
                        0,
                        "BT-1",
                        _(
                            "%(what)s %(number)s is also in %(other)s with other amounts or another buyer "
                            "(%(amount)s %(currency)s for %(buyer)s there, %(this_amount)s %(this_currency)s for "
                            "%(this_buyer)s here)"
                        )
                        % {
                            "what": _kind_word(doc.einvoice.kind),
                            "number": doc.einvoice.number,
                            "other": earlier.file,
                            "amount": earlier.einvoice.amount_due,
                            "currency": earlier.einvoice.currency,
                            "buyer": earlier.einvoice.buyer.label,
                            "this_amount": doc.einvoice.amount_due,
                            "this_currency": doc.einvoice.currency,
                            "this_buyer": doc.einvoice.buyer.label,
                        },
                    )
                )
        if self.errors:
            return kept
        numbers = [d.einvoice.number for d in kept if d.einvoice.kind == DocumentKind.INVOICE]
        note_numbers = [d.einvoice.number for d in kept if d.einvoice.kind == DocumentKind.CREDIT_NOTE]
        referenced = [d.einvoice.referenced_invoice for d in kept if d.einvoice.referenced_invoice]
        invoices = {
            row["number"]: row
            for row in Invoice.objects.filter(organization=org, number__in=[*numbers, *referenced]).values(
                "id", "number", "customer_id", "customer__ref", "customer__name", "currency", "total", "open_amount",
                "issued_on", "due_on",
            )
        }  # fmt: skip
        notes = {
            row["number"]: row
            for row in CreditNote.objects.filter(organization=org, number__in=note_numbers).values(
                "id", "number", "customer_id", "customer__ref", "customer__name", "currency", "total", "issued_on"
            )
        }
        with_pdf = set(
            Invoice.objects.filter(
                organization=org,
                number__in=numbers,
                documents__kind="invoice_pdf",
                documents__withdrawn_at__isnull=True,
            ).values_list("number", flat=True)
        )
        for doc in kept:
            self._customer(doc)
        for doc in kept:
            stored = (invoices if doc.einvoice.kind == DocumentKind.INVOICE else notes).get(doc.einvoice.number)
            if stored is not None:
                self._known(doc, stored, with_pdf)
            elif doc.einvoice.kind == DocumentKind.INVOICE:
                self._new_invoice(doc)
        # credit notes last: they may name an invoice of these files
        open_left: dict[str, Decimal] = {n: row["open_amount"] for n, row in invoices.items()}
        owners: dict[str, tuple[int | None, str, str]] = {
            n: (row["customer_id"], row["currency"], row["customer__ref"]) for n, row in invoices.items()
        }
        for doc in kept:
            if doc.einvoice.kind == DocumentKind.INVOICE and doc.stored_id is None and doc.customer is not None:
                open_left[doc.einvoice.number] = doc.einvoice.amount_due
                owners[doc.einvoice.number] = (doc.customer.id, doc.einvoice.currency, doc.customer.ref)
        for doc in kept:
            if doc.einvoice.kind == DocumentKind.CREDIT_NOTE and doc.stored_id is None:
                self._new_credit_note(doc, open_left, owners)
        used = {id(d.customer) for d in kept if d.customer is not None}
        self.customers.new = [c for c in self.customers.new if id(c) in used]
        return kept

    def _customer(self, doc: _Doc) -> None:
        buyer = doc.einvoice.buyer
        customer, how, several = self.customers.match(buyer)
        if several:
            self.errors.append(
                FileError(
                    doc.file,
                    0,
                    "BT-44",
                    _(
                        "%(number)s: the buyer %(buyer)s matches several customers (%(customers)s); give the right "
                        "one its SIREN or VAT number"
                    )
                    % {
                        "number": doc.einvoice.number,
                        "buyer": buyer.label,
                        "customers": ", ".join(_customer_label(c) for c in several[:5]),
                    },
                )
            )
            return
        if customer is None:
            customer = self.customers.create(buyer, doc.file)
        elif how == "name" and customer.id is not None:
            self.warn(
                doc,
                _("%(number)s: the buyer %(buyer)s was matched by its name to the customer %(customer)s")
                % {"number": doc.einvoice.number, "buyer": buyer.label, "customer": _customer_label(customer)},
            )
        doc.customer = customer

    def _known(self, doc: _Doc, stored: dict[str, Any], with_pdf: set[str]) -> None:
        inv = doc.einvoice
        customer = doc.customer
        same_customer = customer is not None and customer.id == stored["customer_id"]
        same_amount = stored["total"] == inv.amount_due and stored["currency"] == inv.currency
        if not (same_customer and same_amount):
            self.errors.append(
                FileError(
                    doc.file,
                    0,
                    "BT-1",
                    _(
                        "%(what)s %(number)s is already recorded for %(stored_customer)s, %(stored_amount)s "
                        "%(stored_currency)s; this file says %(buyer)s, %(amount)s %(currency)s: refused, nothing is "
                        "overwritten"
                    )
                    % {
                        "what": _kind_word(inv.kind),
                        "number": inv.number,
                        "stored_customer": f"{stored['customer__name']} ({stored['customer__ref']})",
                        "stored_amount": stored["total"],
                        "stored_currency": stored["currency"],
                        "buyer": inv.buyer.label,
                        "amount": inv.amount_due,
                        "currency": inv.currency,
                    },
                )
            )
            return
        doc.stored_id = stored["id"]
        if inv.issue_date != stored["issued_on"]:
            self.warn(
                doc,
                _("%(number)s: the file says it was issued on %(file_date)s, the ledger on %(stored)s; kept as it is")
                % {"number": inv.number, "file_date": inv.issue_date.isoformat(), "stored": stored["issued_on"]},
            )
        if inv.kind == DocumentKind.INVOICE:
            doc.due_on = stored["due_on"]
            if inv.due_date is not None and inv.due_date != stored["due_on"]:
                self.warn(
                    doc,
                    _("%(number)s: the file says it is due on %(file_date)s, the ledger on %(stored)s; kept as it is")
                    % {"number": inv.number, "file_date": inv.due_date.isoformat(), "stored": stored["due_on"]},
                )
            doc.keep_pdf = doc.is_pdf and inv.number not in with_pdf and self._pdf_fits(doc)
            if doc.keep_pdf:
                with_pdf.add(inv.number)

    def _pdf_fits(self, doc: _Doc) -> bool:
        limit = settings.DOCUMENTS_MAX_UPLOAD_BYTES
        if len(doc.content) > limit:
            self.warn(
                doc,
                _("%(file)s is larger than the %(limit)s MB a document may be: the PDF is not kept")
                % {"file": doc.file, "limit": limit // (1024 * 1024)},
            )
            return False
        return True

    def _new_invoice(self, doc: _Doc) -> None:
        inv = doc.einvoice
        if doc.customer is None:
            return
        if inv.amount_due <= 0:
            self.warn(
                doc,
                _("%(number)s is fully prepaid (nothing is due): not imported") % {"number": inv.number},
            )
            doc.customer = None
            return
        if inv.due_date is not None:
            doc.due_on = inv.due_date
        else:
            terms = terms_from_text(inv.payment_terms_text)
            if terms is not None:
                doc.due_on = terms.due_on(inv.issue_date)
                self.warn(
                    doc,
                    _("%(number)s gives no due date: due on %(due)s from its payment terms (%(text)s)")
                    % {"number": inv.number, "due": doc.due_on.isoformat(), "text": inv.payment_terms_text[:80]},
                )
            elif doc.customer.terms is not None:
                doc.due_on = doc.customer.terms.due_on(inv.issue_date)
                self.warn(
                    doc,
                    _("%(number)s gives no due date: due on %(due)s from the customer's payment terms (%(terms)s)")
                    % {"number": inv.number, "due": doc.due_on.isoformat(), "terms": _terms_label(doc.customer.terms)},
                )
            else:
                doc.due_on = self.org_terms.due_on(inv.issue_date)
                self.warn(
                    doc,
                    _("%(number)s gives no due date: due on %(due)s from the organization's payment terms (%(terms)s)")
                    % {"number": inv.number, "due": doc.due_on.isoformat(), "terms": _terms_label(self.org_terms)},
                )
        if inv.instalments:
            parts = tuple(Part(p.due_on, p.amount or ZERO) for p in inv.instalments)
            problems = schedule_errors(parts, total=inv.amount_due, issued_on=inv.issue_date)
            if problems:
                self.warn(
                    doc,
                    _("%(number)s: its instalments cannot be kept (%(reason)s); due on %(due)s")
                    % {"number": inv.number, "reason": "; ".join(problems), "due": parts[0].due_on.isoformat()},
                )
            else:
                doc.instalments = parts
                doc.due_on = parts[0].due_on
        doc.keep_pdf = doc.is_pdf and self._pdf_fits(doc)
        if inv.buyer.siren[:1] in ("1", "2") and doc.customer.id is None:
            self.warn(
                doc,
                _(
                    "%(buyer)s has a SIREN beginning with %(digit)s, as public bodies do: check the customer's kind "
                    "(created as a business)"
                )
                % {"buyer": inv.buyer.label, "digit": inv.buyer.siren[:1]},
            )

    def _new_credit_note(
        self, doc: _Doc, open_left: dict[str, Decimal], owners: dict[str, tuple[int | None, str, str]]
    ) -> None:
        inv = doc.einvoice
        customer = doc.customer
        if customer is None:
            return
        if inv.amount_due <= 0:
            self.warn(doc, _("%(number)s credits nothing (no amount): not imported") % {"number": inv.number})
            doc.customer = None
            return
        doc.keep_pdf = doc.is_pdf and self._pdf_fits(doc)
        target = inv.referenced_invoice
        if not target:
            self.warn(
                doc,
                _("credit note %(number)s names no invoice: kept unallocated on the customer's account")
                % {"number": inv.number},
            )
            return
        owner = owners.get(target)
        if owner is None:
            self.warn(
                doc,
                _(
                    "credit note %(number)s corrects invoice %(invoice)s, which Recouvre does not know: kept "
                    "unallocated on the customer's account"
                )
                % {"number": inv.number, "invoice": target},
            )
            return
        owner_id, currency, owner_ref = owner
        same_customer = (owner_id is not None and owner_id == customer.id) or (
            owner_id is None and owner_ref == customer.ref
        )
        if not same_customer:
            self.warn(
                doc,
                _(
                    "credit note %(number)s corrects invoice %(invoice)s, which is another customer's (%(ref)s): kept "
                    "unallocated"
                )
                % {"number": inv.number, "invoice": target, "ref": owner_ref},
            )
            return
        doc.corrects = target
        if currency != inv.currency:
            self.warn(
                doc,
                _("credit note %(number)s is in %(currency)s, invoice %(invoice)s in %(other)s: kept unallocated")
                % {"number": inv.number, "currency": inv.currency, "invoice": target, "other": currency},
            )
            return
        left = open_left.get(target, ZERO)
        amount = min(left, inv.amount_due)
        if amount <= 0:
            self.warn(
                doc,
                _("credit note %(number)s: invoice %(invoice)s is already settled; the credit note stays unallocated")
                % {"number": inv.number, "invoice": target},
            )
            return
        open_left[target] = left - amount
        doc.allocate_to = (target, amount)
        if amount < inv.amount_due:
            self.warn(
                doc,
                _(
                    "credit note %(number)s: %(amount)s %(currency)s applied to invoice %(invoice)s (what was open), "
                    "%(rest)s left unallocated"
                )
                % {
                    "number": inv.number,
                    "amount": amount,
                    "currency": inv.currency,
                    "invoice": target,
                    "rest": inv.amount_due - amount,
                },
            )


# --------------------------------------------------------------------------------------------- the import


def import_einvoices(
    organization: Organization,
    files: Sequence[tuple[str, bytes]],
    *,
    actor: Actor,
    dry_run: bool = False,
) -> EInvoiceImport:
    """Import the e-invoices ``files`` (``(name, content)`` pairs) into ``organization``, all or nothing.

    Raises ``EInvoicesRefused`` (nothing written) naming every refused file; with ``dry_run`` the result is computed
    and nothing is written. Each import that is not a dry run is recorded as an ``ImportRun`` (refused ones too)."""
    started_at = timezone.now()
    names = [name for name, _content in files]
    result = EInvoiceImport(files=names, dry_run=dry_run)
    docs: list[_Doc] = []
    errors: list[FileError] = []
    for name, content in files:
        try:
            read = read_einvoice(content)
        except EInvoiceError as exc:
            errors.append(FileError(name, exc.line, exc.field, exc.message))
            continue
        docs.append(_Doc(name, content, read.is_pdf, read.invoice))
        result.warnings.extend(Warning(name, read.invoice.number, w) for w in read.invoice.warnings)
    if not files:
        errors.append(FileError("", 0, "file", _("no file given")))
    try:
        if errors:
            raise EInvoicesRefused(errors, result.warnings)
        with contextlib.nullcontext() if dry_run else transaction.atomic():
            planner = _Planner(organization, result)
            kept = planner.plan(docs)
            if planner.errors:
                raise EInvoicesRefused(planner.errors, result.warnings)
            _report(result, docs, planner)
            if not dry_run:
                _write(organization, actor, kept, planner, result)
                _record_run(organization, names, files, actor, started_at, "succeeded", result, [])
    except EInvoicesRefused as exc:
        if not dry_run:
            _record_run(organization, names, files, actor, started_at, "refused", result, exc.errors)
        raise
    return result


def _report(result: EInvoiceImport, docs: list[_Doc], planner: _Planner) -> None:
    for doc in docs:
        inv = doc.einvoice
        customer = doc.customer
        if doc.duplicate_of:
            result.unchanged += 1
            result.warnings.append(
                Warning(
                    doc.file,
                    inv.number,
                    _("%(number)s is the same document as in %(other)s: imported once")
                    % {"number": inv.number, "other": doc.duplicate_of},
                )
            )
            continue
        if customer is None:  # not imported (nothing due)
            continue
        outcome = "unchanged" if doc.stored_id is not None else "created"
        entity = "invoices" if inv.kind == DocumentKind.INVOICE else "credit_notes"
        result.count(entity, outcome)
        if outcome == "created":
            result.created += 1
        else:
            result.unchanged += 1
        result.documents.append(
            DocumentLine(
                number=inv.number,
                kind=inv.kind.value,
                customer_ref=customer.ref,
                issue_date=inv.issue_date,
                due_date=doc.due_on if inv.kind == DocumentKind.INVOICE else None,
                total=inv.total,
                open_amount=inv.amount_due,
                currency=inv.currency,
                outcome=outcome,
                file=doc.file,
                customer_name=customer.name,
            )
        )
        if doc.allocate_to is not None:
            result.count("allocations", "created")
        if doc.keep_pdf:
            result.count("documents", "created")
    if planner.customers.new:
        result.count("customers", "created", len(planner.customers.new))


def _language(country: str) -> str:
    return "fr" if not country or country in FRENCH_SPEAKING else "en"


def _write(
    organization: Organization, actor: Actor, docs: list[_Doc], planner: _Planner, result: EInvoiceImport
) -> None:
    from recouvre.documents.models import DocumentKind as FileKind
    from recouvre.documents.services import attach_document
    from recouvre.tasks.settled import close_settled_tasks

    customers: dict[str, Customer] = {}
    for new in planner.customers.new:
        party = new.party or Party()
        address = party.address
        country = address.country if len(address.country) == 2 and address.country.isalpha() else "FR"
        try:
            customer = ledger.create_customer(
                organization,
                actor,
                ref=new.ref,
                name=new.name or new.ref,
                kind=CustomerKind.BUSINESS,
                siren=new.siren,
                siret=new.siret,
                vat_number=new.vat[:20],
                address_line1=address.line1[:200],
                address_line2=address.line2[:200],
                postal_code=address.postal_code[:20],
                city=address.city[:100],
                country=country,
                language=_language(country),
            )
        except ValidationError as exc:  # pragma: no cover - every value is cut to its field's size
            raise EInvoicesRefused([FileError(new.file, 0, "BT-44", "; ".join(exc.messages))]) from exc
        new.id = customer.pk
        customers[new.ref] = customer
        if party.email or party.phone or party.contact_name:
            ledger.add_contact(
                customer,
                actor,
                name=party.contact_name[:200],
                email=party.email[:254] if "@" in party.email else "",
                phone=party.phone[:40],
                is_primary=True,
            )

    def customer_of(c: _Customer) -> Customer:
        found = customers.get(c.ref)
        if found is None:
            found = customers[c.ref] = Customer.objects.get(pk=c.id)
        return found

    invoices: dict[str, Invoice] = {}
    per_customer: dict[str, Counter[str]] = defaultdict(Counter)
    for doc in docs:
        inv = doc.einvoice
        if doc.customer is None or inv.kind != DocumentKind.INVOICE:
            continue
        customer = customer_of(doc.customer)
        if doc.stored_id is not None:
            invoice = Invoice.objects.get(pk=doc.stored_id)
            per_customer[customer.ref]["unchanged"] += 1
        else:
            assert doc.due_on is not None
            amounts_add_up = (
                inv.prepaid == 0 and inv.total_without_tax is not None and inv.tax is not None and inv.rounding == 0
            )
            invoice = ledger.create_invoice(
                organization,
                actor,
                customer=customer,
                number=inv.number,
                issued_on=inv.issue_date,
                due_on=doc.due_on,
                total=inv.amount_due,
                currency=inv.currency,
                amount_excl_tax=inv.total_without_tax if amounts_add_up else None,
                tax_amount=inv.tax if amounts_add_up else None,
                source=Source.EINVOICE,
                source_ref=doc.file[:200],
                instalments=doc.instalments,
            )
            per_customer[customer.ref]["created"] += 1
        invoices[inv.number] = invoice
        if doc.keep_pdf:
            attach_document(
                organization,
                actor,
                kind=FileKind.INVOICE_PDF,
                file_name=doc.file,
                content=doc.content,
                invoice=invoice,
                note=_("E-invoice %(number)s") % {"number": inv.number},
            )
    applied = False
    for doc in docs:
        inv = doc.einvoice
        if doc.customer is None or inv.kind != DocumentKind.CREDIT_NOTE:
            continue
        customer = customer_of(doc.customer)
        if doc.stored_id is not None:
            per_customer[customer.ref]["unchanged"] += 1
            continue
        corrected = None
        if doc.corrects:
            corrected = invoices.get(doc.corrects) or Invoice.objects.get(
                organization=organization, number=doc.corrects
            )
        note = ledger.create_credit_note(
            organization,
            actor,
            customer=customer,
            number=inv.number,
            issued_on=inv.issue_date,
            total=inv.amount_due,
            currency=inv.currency,
            invoice=corrected,
            source=Source.EINVOICE,
            source_ref=doc.file[:200],
        )
        per_customer[customer.ref]["created"] += 1
        if doc.allocate_to is not None and corrected is not None:
            ledger.allocate(
                actor,
                invoice=corrected,
                amount=doc.allocate_to[1],
                credit_note=note,
                allocated_on=inv.issue_date,
                source=Source.EINVOICE,
            )
            applied = True
        if doc.keep_pdf:
            attach_document(
                organization,
                actor,
                kind=FileKind.OTHER,
                file_name=doc.file,
                content=doc.content,
                customer=customer if corrected is None else None,
                invoice=corrected,
                note=_("Credit note %(number)s (e-invoice)") % {"number": inv.number},
            )
    events = []
    for ref, counts in per_customer.items():
        if counts["created"]:
            events.append(
                (
                    customers[ref].pk,
                    "import.summary",
                    {
                        "file": ", ".join(result.files)[:200],
                        "import_kind": "einvoice",
                        "created": counts["created"],
                        "updated": 0,
                        "unchanged": counts["unchanged"],
                    },
                )
            )
    ledger.bulk_record_events(organization, actor, events)
    if applied:
        close_settled_tasks(organization, actor=actor)


def _record_run(
    organization: Organization,
    names: list[str],
    files: Sequence[tuple[str, bytes]],
    actor: Actor,
    started_at: Any,
    status: str,
    result: EInvoiceImport,
    errors: list[FileError],
) -> None:
    from recouvre.imports.models import ImportRun

    digest = hashlib.sha256(files[0][1]).hexdigest() if len(files) == 1 else ""
    ImportRun.objects.create(
        organization=organization,
        kind="einvoice",
        file_name=", ".join(names)[:255],
        sha256=digest,
        actor=actor.user,
        actor_label=actor.label[:150],
        started_at=started_at,
        finished_at=timezone.now(),
        status=status,
        rows=len(files),
        created=result.created if status == "succeeded" else 0,
        updated=0,
        unchanged=result.unchanged if status == "succeeded" else 0,
        error_count=len(errors),
        errors=[{"line": e.line, "field": f"{e.file}: {e.field}", "message": e.message} for e in errors[:1000]],
        notes=[str(w) for w in result.warnings][:1000],
        details=result.details if status == "succeeded" else {},
    )
