"""Customers and their contacts: ``GET /customers``, ``GET /customers/{ref}``, ``GET /contacts``, and ``POST
/customers`` (a batch, with the checks of a customer import)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router

from recouvre.ledger import selectors as ledger

from .. import schemas as s
from .. import selectors
from ..auth import WRITE
from ..common import (
    ERRORS,
    Cursor,
    IdempotencyKey,
    Limit,
    Since,
    checked_text,
    imported,
    money,
    org_of,
    page,
    updated,
    written,
)

router = Router()


def _customer(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "ref": c.ref,
        "name": c.name,
        "kind": c.kind,
        "segment": c.segment,
        "siren": c.siren,
        "siret": c.siret,
        "vat_number": c.vat_number,
        "address_line1": c.address_line1,
        "address_line2": c.address_line2,
        "postal_code": c.postal_code,
        "city": c.city,
        "country": c.country,
        "language": c.language,
        "payment_terms_days": c.payment_terms_days,
        "payment_terms_end_of_month": c.payment_terms_end_of_month,
        "credit_limit": money(c.credit_limit),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


@router.get("/customers", response={200: s.CustomerPage, **ERRORS}, tags=["customers"])
def list_customers(
    request: HttpRequest,
    updated_since: s.IsoDateTime | None = Since,
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    qs = updated(ledger.customers(org_of(request)), updated_since, "updated_at")
    return page(request, qs, cursor, limit, _customer)


@router.get("/customers/{ref}", response={200: s.CustomerOut, **ERRORS}, tags=["customers"])
def get_customer(request: HttpRequest, ref: str) -> dict[str, Any]:
    found = ledger.customers(org_of(request)).filter(ref=checked_text(ref, "ref")).first()
    if found is None:
        raise Http404
    return _customer(found)


@router.get("/contacts", response={200: s.ContactPage, **ERRORS}, tags=["customers"])
def list_contacts(
    request: HttpRequest,
    customer_ref: str | None = Query(None, max_length=40),
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    qs = selectors.contacts(org_of(request))
    if customer_ref:
        qs = qs.filter(customer__ref=checked_text(customer_ref, "customer_ref"))
    return page(
        request,
        qs,
        cursor,
        limit,
        lambda c: {
            "id": c.pk,
            "customer_ref": c.customer.ref,
            "name": c.name,
            "role": c.role,
            "email": c.email,
            "phone": c.phone,
            "is_primary": c.is_primary,
        },
    )


@router.post("/customers", auth=WRITE, response={200: s.WriteResult, 201: s.WriteResult, **ERRORS}, tags=["customers"])
def write_customers(request: HttpRequest, payload: s.CustomerBatch, idempotency_key: str = IdempotencyKey) -> Any:
    """Create or update customers by account (``ref``), with the checks and messages of a customer import; one
    refused value refuses the batch (422, each error naming the item's index and field) and writes nothing."""
    return written(
        request,
        idempotency_key,
        payload.model_dump(mode="json"),
        lambda: (201, imported(request, "customers", payload.items, s.CUSTOMER_NAMES)),
    )
