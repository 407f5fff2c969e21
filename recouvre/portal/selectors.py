"""The customer portal's reads: everything is scoped to the link's own organization and customer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from recouvre.collections.models import Hold
from recouvre.collections.selectors import holds as live_holds
from recouvre.documents.models import Document
from recouvre.documents.selectors import invoice_pdfs
from recouvre.ledger import selectors as ledger
from recouvre.ledger.models import Customer, Invoice

from .models import PortalLink

OPEN_INVOICES_SHOWN = 200


@dataclass
class StatementLine:
    invoice: Invoice
    days_late: int
    pdf: Document | None
    holds: list[Hold] = field(default_factory=list)


@dataclass
class Statement:
    customer: Customer
    as_of: date
    lines: list[StatementLine]
    truncated: bool
    totals: dict[str, Decimal]
    """Open amounts per currency (every open invoice, shown or not)."""
    overdue: dict[str, Decimal]
    unapplied: dict[str, Decimal]
    holds: list[Hold]


def statement(link: PortalLink, as_of: date) -> Statement:
    org, customer = link.organization, link.customer
    invoices = list(ledger.customer_open_invoices(org, customer)[: OPEN_INVOICES_SHOWN + 1])
    truncated = len(invoices) > OPEN_INVOICES_SHOWN
    invoices = invoices[:OPEN_INVOICES_SHOWN]
    pdfs = invoice_pdfs(org, [inv.number for inv in invoices])
    active = live_holds(org, as_of=as_of, customer=customer)
    by_invoice: dict[int, list[Hold]] = {}
    for hold in active:
        ids = {inv.pk for inv in hold.invoices.all()} or ({hold.invoice_id} if hold.invoice_id else set())
        for pk in ids:
            by_invoice.setdefault(pk, []).append(hold)
    lines = [
        StatementLine(inv, max(0, (as_of - inv.due_on).days), pdfs.get(inv.number), by_invoice.get(inv.pk, []))
        for inv in invoices
    ]
    figures = ledger.customer_balances(org, customer, as_of)
    return Statement(
        customer=customer,
        as_of=as_of,
        lines=lines,
        truncated=truncated,
        totals={cur: f["open"] for cur, f in figures.items() if f["open"]},
        overdue={cur: f["overdue"] for cur, f in figures.items() if f["overdue"]},
        unapplied={cur: f["unapplied"] for cur, f in figures.items() if f["unapplied"]},
        holds=active,
    )


def customer_invoice(link: PortalLink, pk: int) -> Invoice | None:
    """One invoice of the link's customer (open or not), or None."""
    return ledger.invoices(link.organization).filter(customer=link.customer, pk=pk).first()


def invoice_pdf(link: PortalLink, invoice: Invoice) -> Document | None:
    return invoice_pdfs(link.organization, [invoice.number]).get(invoice.number)
