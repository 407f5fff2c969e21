"""Invoices and credit notes: ``GET /invoices``, ``GET /invoices/{number}``, ``GET /credit-notes``, and the batches
``POST /invoices`` (with the checks of an invoice import) and ``POST /credit-notes``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router

from recouvre.ledger import selectors as ledger
from recouvre.ledger.models import Invoice

from .. import schemas as s
from ..auth import WRITE
from ..common import (
    ERRORS,
    Cursor,
    IdempotencyKey,
    Limit,
    Since,
    allocated_since,
    batch,
    checked_text,
    imported,
    money,
    org_of,
    page,
    updated,
    written,
)
from ..services import record_credit_notes

router = Router()


def _status(invoice: Invoice, today: date) -> str:
    if invoice.open_amount <= 0:
        return "paid"
    return "overdue" if invoice.due_on < today else "open"


def _invoice(today: date) -> Callable[[Any], dict[str, Any]]:
    def serialize(i: Any) -> dict[str, Any]:
        return {
            "id": i.pk,
            "number": i.number,
            "customer_ref": i.customer.ref,
            "issue_date": i.issued_on,
            "due_date": i.due_on,
            "total": money(i.total),
            "amount_excl_tax": money(i.amount_excl_tax),
            "tax_amount": money(i.tax_amount),
            "open_amount": money(i.open_amount),
            "currency": i.currency,
            "status": _status(i, today),
            "source": i.source,
            "created_at": i.created_at,
            "updated_at": i.updated_at,
        }

    return serialize


@router.get("/invoices", response={200: s.InvoicePage, **ERRORS}, tags=["invoices"])
def list_invoices(
    request: HttpRequest,
    updated_since: s.IsoDateTime | None = Query(
        None, description="only invoices created, changed, or settled in part at or after this time (ISO 8601)"
    ),
    customer_ref: str | None = Query(None, max_length=40),
    status: str | None = Query(None, pattern="^(open|overdue|paid)$"),
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    today = timezone.localdate()
    qs = ledger.invoices(org_of(request)).select_related("customer")
    qs = updated(qs, updated_since, "updated_at", extra=allocated_since(updated_since, "invoice"))
    if customer_ref:
        qs = qs.filter(customer__ref=checked_text(customer_ref, "customer_ref"))
    if status == "paid":
        qs = qs.filter(open_amount__lte=0)
    elif status == "open":
        qs = qs.filter(open_amount__gt=0, due_on__gte=today)
    elif status == "overdue":
        qs = qs.filter(open_amount__gt=0, due_on__lt=today)
    return page(request, qs, cursor, limit, _invoice(today))


@router.get("/invoices/{number}", response={200: s.InvoiceOut, **ERRORS}, tags=["invoices"])
def get_invoice(request: HttpRequest, number: str) -> dict[str, Any]:
    found = (
        ledger.invoices(org_of(request))
        .select_related("customer")
        .filter(number=checked_text(number, "number"))
        .first()
    )
    if found is None:
        raise Http404
    return _invoice(timezone.localdate())(found)


@router.get("/credit-notes", response={200: s.CreditNotePage, **ERRORS}, tags=["invoices"])
def list_credit_notes(
    request: HttpRequest,
    updated_since: s.IsoDateTime | None = Since,
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    qs = ledger.credit_notes(org_of(request)).select_related("customer", "invoice")
    qs = updated(qs, updated_since, "created_at", extra=allocated_since(updated_since, "credit_note"))
    return page(
        request,
        qs,
        cursor,
        limit,
        lambda n: {
            "id": n.pk,
            "number": n.number,
            "customer_ref": n.customer.ref,
            "issue_date": n.issued_on,
            "total": money(n.total),
            "unallocated_amount": money(n.unallocated_amount),
            "currency": n.currency,
            "invoice_number": n.invoice.number if n.invoice is not None else None,
            "created_at": n.created_at,
        },
    )


@router.post("/invoices", auth=WRITE, response={200: s.WriteResult, 201: s.WriteResult, **ERRORS}, tags=["invoices"])
def write_invoices(request: HttpRequest, payload: s.InvoiceBatch, idempotency_key: str = IdempotencyKey) -> Any:
    """Create or update invoices by number, with the checks and messages of an invoice import; one refused value
    refuses the batch (422, each error naming the item's index and field) and writes nothing."""
    return written(
        request,
        idempotency_key,
        payload.model_dump(mode="json"),
        lambda: (
            201,
            imported(request, "invoices", payload.items, s.INVOICE_NAMES, create_customers=payload.create_customers),
        ),
    )


@router.post(
    "/credit-notes", auth=WRITE, response={200: s.WriteResult, 201: s.WriteResult, **ERRORS}, tags=["invoices"]
)
def write_credit_notes(request: HttpRequest, payload: s.CreditNoteBatch, idempotency_key: str = IdempotencyKey) -> Any:
    """Create credit notes (a number already used is refused); one refused value refuses the batch. A credit note
    is applied to invoices with ``POST /allocations``."""
    return written(
        request,
        idempotency_key,
        payload.model_dump(mode="json"),
        lambda: (201, batch(request, record_credit_notes, payload.items)),
    )
