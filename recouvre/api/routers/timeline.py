"""The timeline: ``GET /timeline``, the events of the organization (of one customer with ``customer_ref``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from recouvre.ledger.timeline import describe

from .. import schemas as s
from .. import selectors
from ..common import (
    ERRORS,
    Cursor,
    Limit,
    checked_text,
    org_of,
    page,
    updated,
)

router = Router()


@router.get("/timeline", response={200: s.EventPage, **ERRORS}, tags=["timeline"])
def list_events(
    request: HttpRequest,
    updated_since: s.IsoDateTime | None = Query(None, description="only events at or after this time (ISO 8601)"),
    customer_ref: str | None = Query(None, max_length=40),
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    qs = updated(selectors.events(org_of(request)), updated_since, "occurred_at")
    if customer_ref:
        qs = qs.filter(customer__ref=checked_text(customer_ref, "customer_ref"))
    return page(
        request,
        qs,
        cursor,
        limit,
        lambda e: {
            "id": e.pk,
            "kind": e.kind,
            "customer_ref": e.customer.ref if e.customer is not None else None,
            "text": describe(e),
            "data": e.data if isinstance(e.data, dict) else {},
            "actor": e.actor_label,
            "occurred_at": e.occurred_at,
        },
    )
