"""Credit insurance, the reads: each covered open invoice with its declaration deadline, status and insured share
(``recouvre.core.insurance``), in three queries whatever the number of customers (covers with their policies, the
covered customers' open invoices, their declarations).

An invoice is covered when its customer has a cover, it is in the cover's currency, and it was issued while the
cover runs. Its insured share: the cover's limit taken by the customer's covered open invoices, the oldest due
first."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from recouvre.core import insurance as core
from recouvre.ledger.models import Invoice
from recouvre.organizations.models import Organization

from .models import InsuranceCover, InsuranceDeclaration, InsurancePolicy


@dataclass(frozen=True, slots=True)
class CoveredInvoice:
    invoice: Invoice
    cover: InsuranceCover
    deadline: date
    status: str  # core.DECLARED, OVERDUE, SOON, PENDING
    insured_share: Decimal
    declaration: InsuranceDeclaration | None

    @property
    def open_amount(self) -> Decimal:
        return self.invoice.total - self.invoice.allocated_amount


def policies(organization: Organization) -> list[InsurancePolicy]:
    return list(InsurancePolicy.objects.filter(organization=organization).order_by("insurer", "number"))


def cover_of(organization: Organization, customer_id: int) -> InsuranceCover | None:
    return (
        InsuranceCover.objects.select_related("policy")
        .filter(organization=organization, customer_id=customer_id)
        .first()
    )


def terms_of(cover: InsuranceCover) -> core.Terms:
    policy = cover.policy
    days = policy.max_extension_days if cover.max_extension_days is None else cover.max_extension_days
    return core.Terms(max_extension_days=days, declaration_days=policy.declaration_days)


def covered_invoices(
    organization: Organization, today: date, *, customer_id: int | None = None, due_until: date | None = None
) -> list[CoveredInvoice]:
    """Every covered open invoice of the organization (of one customer when given; due by ``due_until`` when
    given: the shares stay those of all, the oldest due taking the limit first), by deadline."""
    covers_qs = InsuranceCover.objects.select_related("policy").filter(organization=organization)
    if customer_id is not None:
        covers_qs = covers_qs.filter(customer_id=customer_id)
    covers = {c.customer_id: c for c in covers_qs}
    if not covers:
        return []
    rows = Invoice.objects.select_related("customer").filter(
        organization=organization, customer_id__in=list(covers), open_amount__gt=0
    )
    if due_until is not None:
        rows = rows.filter(due_on__lte=due_until)
    invoices = [
        inv
        for inv in rows.order_by("due_on", "number")
        if inv.currency == covers[inv.customer_id].currency
        and core.covers_on(inv.issued_on, covers[inv.customer_id].starts_on, covers[inv.customer_id].ends_on)
    ]
    declared = {
        d.invoice_id: d
        for d in InsuranceDeclaration.objects.filter(organization=organization, invoice_id__in=[i.pk for i in invoices])
    }
    by_customer: dict[int, list[core.OpenInvoice]] = defaultdict(list)
    for inv in invoices:
        by_customer[inv.customer_id].append(
            core.OpenInvoice(
                key=inv.pk, due_on=inv.due_on, number=inv.number, open_amount=inv.total - inv.allocated_amount
            )
        )
    shares: dict[object, Decimal] = {}
    for cid, items in by_customer.items():
        shares.update(core.insured_shares(items, covers[cid].limit))
    out = []
    for inv in invoices:
        cover = covers[inv.customer_id]
        deadline = core.declaration_deadline(inv.due_on, terms_of(cover))
        declaration = declared.get(inv.pk)
        out.append(
            CoveredInvoice(
                invoice=inv,
                cover=cover,
                deadline=deadline,
                status=core.status(deadline, today, declared=declaration is not None),
                insured_share=shares[inv.pk],
                declaration=declaration,
            )
        )
    out.sort(key=lambda c: (c.deadline, c.invoice.customer_id, c.invoice.number))
    return out
