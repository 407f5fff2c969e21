"""Payments and allocations: ``GET /payments``, ``GET /allocations``, and the batches ``POST /payments`` (with the
checks of a payment import) and ``POST /allocations``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from recouvre.core.records import payment_id_key
from recouvre.ledger import selectors as ledger
from recouvre.ledger.models import Payment

from .. import schemas as s
from .. import selectors
from ..auth import WRITE
from ..common import (
    ERRORS,
    Cursor,
    IdempotencyKey,
    Limit,
    Since,
    allocated_since,
    batch,
    imported,
    money,
    org_of,
    page,
    updated,
    written,
)
from ..services import record_allocations

router = Router()


def _payment_id(source_key: str) -> str | None:
    """The payment's own id, as the import or the API was given it (None for a payment given without one)."""
    return source_key.removeprefix(payment_id_key("")) if source_key.startswith(payment_id_key("")) else None


def _payment(p: Payment) -> dict[str, Any]:
    return {
        "id": p.pk,
        "payment_id": _payment_id(p.source_key),
        "customer_ref": p.customer.ref,
        "received_date": p.received_on,
        "amount": money(p.amount),
        "unallocated_amount": money(p.unallocated_amount),
        "currency": p.currency,
        "method": p.method,
        "reference": p.reference,
        "created_at": p.created_at,
    }


@router.get("/payments", response={200: s.PaymentPage, **ERRORS}, tags=["payments"])
def list_payments(
    request: HttpRequest,
    updated_since: s.IsoDateTime | None = Since,
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    qs = ledger.payments(org_of(request)).select_related("customer")
    qs = updated(qs, updated_since, "created_at", extra=allocated_since(updated_since, "payment"))
    return page(request, qs, cursor, limit, _payment)


@router.get("/allocations", response={200: s.AllocationPage, **ERRORS}, tags=["payments"])
def list_allocations(
    request: HttpRequest,
    updated_since: s.IsoDateTime | None = Since,
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    qs = updated(selectors.allocations(org_of(request)), updated_since, "created_at")
    return page(
        request,
        qs,
        cursor,
        limit,
        lambda a: {
            "id": a.pk,
            "invoice_number": a.invoice.number,
            "payment_id": _payment_id(a.payment.source_key) if a.payment is not None else None,
            "credit_note_number": a.credit_note.number if a.credit_note is not None else None,
            "amount": money(a.amount),
            "date": a.allocated_on,
            "created_at": a.created_at,
        },
    )


@router.post("/payments", auth=WRITE, response={200: s.WriteResult, 201: s.WriteResult, **ERRORS}, tags=["payments"])
def write_payments(request: HttpRequest, payload: s.PaymentBatch, idempotency_key: str = IdempotencyKey) -> Any:
    """Record payments (a ``payment_id`` sent again is not recorded twice), applied to the invoice they name or to
    the customer's oldest open invoices as an import does; one refused value refuses the batch."""
    return written(
        request,
        idempotency_key,
        payload.model_dump(mode="json"),
        lambda: (201, imported(request, "payments", payload.items, s.PAYMENT_NAMES)),
    )


@router.post("/allocations", auth=WRITE, response={200: s.WriteResult, 201: s.WriteResult, **ERRORS}, tags=["payments"])
def write_allocations(request: HttpRequest, payload: s.AllocationBatch, idempotency_key: str = IdempotencyKey) -> Any:
    """Apply payments (by ``payment_id``) and credit notes (by number) to invoices, each within what the invoice
    still owes and what is left to apply, in the same currency; one refused item refuses the batch."""
    return written(
        request,
        idempotency_key,
        payload.model_dump(mode="json"),
        lambda: (201, batch(request, record_allocations, payload.items)),
    )
