"""How long a customer's personal data is kept, and what the purge may do with it on a day (LEGAL-FR §7.3).

The rule, after the CNIL référentiel "gestion des impayés" (délibération 2021-130) as LEGAL-FR §7.3 reads it:

- **active base**: while any claim is open (an open invoice, a running hold, court proceedings or insolvency
  proceedings not closed), nothing is touched;
- **intermediate archive**: once the matter is closed (paid, credited or written off), the data is kept for the
  prescription period counted from the last event of the matter: 2 years for a consumer (C. conso L218-2), 5
  years between professionals and for civil claims (C. com. L110-4, C. civ. 2224), 10 years when a court order or
  judgment was obtained (CPCE L111-4). LEGAL-FR marks these durations "to validate": they are settings;
- **accounting documents**: invoices and their amounts are kept 10 years (C. com. L123-22); the purge never
  deletes an invoice, and an invoice's PDF stays on file until its accounting retention is over.

Past the archive, the customer's personal data is anonymised and the documents on file that are not accounting
documents still within their retention are deleted. Pure: the facts and ``as_of`` are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Refusal(StrEnum):
    OPEN_INVOICE = "open_invoice"
    ACTIVE_HOLD = "active_hold"
    OPEN_PROCEEDING = "open_proceeding"
    OPEN_INSOLVENCY = "open_insolvency"
    IN_ARCHIVE = "in_archive"


class Basis(StrEnum):
    """Which archive period applies."""

    CONSUMER = "consumer"
    BUSINESS = "business"
    JUDGMENT = "judgment"


@dataclass(frozen=True)
class RetentionPolicy:
    consumer_years: int = 2
    business_years: int = 5
    judgment_years: int = 10
    accounting_years: int = 10


@dataclass(frozen=True)
class DocumentFacts:
    id: int
    is_invoice_copy: bool  # the PDF of an invoice: an accounting document
    invoice_issued_on: date | None


@dataclass(frozen=True)
class MatterFacts:
    """What the purge needs to know of one customer."""

    consumer: bool
    open_invoices: int
    active_holds: int
    open_proceedings: int
    open_insolvencies: int
    judgment: bool  # a court order or judgment was obtained
    last_activity: date  # the last event of the matter: payment, credit, write-off, closing, ...
    anonymised: bool  # already anonymised by an earlier purge
    documents: tuple[DocumentFacts, ...] = ()


@dataclass(frozen=True)
class Decision:
    refusals: tuple[Refusal, ...]
    basis: Basis
    archive_until: date  # the first day the data may be anonymised
    anonymise: bool
    delete_documents: tuple[int, ...]
    keep_documents: tuple[int, ...]  # invoice copies still within their accounting retention

    @property
    def has_work(self) -> bool:
        return self.anonymise or bool(self.delete_documents)


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def decide(facts: MatterFacts, policy: RetentionPolicy, as_of: date) -> Decision:
    refusals: list[Refusal] = []
    if facts.open_invoices:
        refusals.append(Refusal.OPEN_INVOICE)
    if facts.active_holds:
        refusals.append(Refusal.ACTIVE_HOLD)
    if facts.open_proceedings:
        refusals.append(Refusal.OPEN_PROCEEDING)
    if facts.open_insolvencies:
        refusals.append(Refusal.OPEN_INSOLVENCY)
    if facts.judgment:
        basis, years = Basis.JUDGMENT, policy.judgment_years
    elif facts.consumer:
        basis, years = Basis.CONSUMER, policy.consumer_years
    else:
        basis, years = Basis.BUSINESS, policy.business_years
    archive_until = add_years(facts.last_activity, years)
    if as_of < archive_until:
        refusals.append(Refusal.IN_ARCHIVE)
    if refusals:
        return Decision(tuple(refusals), basis, archive_until, False, (), ())
    delete: list[int] = []
    keep: list[int] = []
    for doc in facts.documents:
        accounting = (
            doc.is_invoice_copy
            and doc.invoice_issued_on is not None
            and as_of < add_years(doc.invoice_issued_on, policy.accounting_years)
        )
        (keep if accounting else delete).append(doc.id)
    return Decision((), basis, archive_until, not facts.anonymised, tuple(delete), tuple(keep))
