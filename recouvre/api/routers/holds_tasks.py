"""Holds and tasks: ``GET /holds``, ``POST /holds`` (a pause or a promise to pay), ``POST /holds/{hold_id}/release``,
and ``GET /tasks``."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from recouvre.ledger import selectors as ledger

from .. import schemas as s
from .. import selectors
from ..auth import WRITE
from ..common import (
    EARLIEST,
    ERRORS,
    LATEST,
    ApiError,
    Cursor,
    IdempotencyKey,
    Limit,
    actor_of,
    checked_text,
    org_of,
    page,
    updated,
    written,
)

router = Router()


@router.get("/holds", response={200: s.HoldPage, **ERRORS}, tags=["holds"])
def list_holds(
    request: HttpRequest,
    updated_since: s.IsoDateTime | None = Query(
        None, description="only holds placed or released at or after this time"
    ),
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    today = timezone.localdate()
    qs = updated(selectors.holds(org_of(request)), updated_since, "created_at", "released_at")

    def serialize(h: Any) -> dict[str, Any]:
        numbers = [i.number for i in h.invoices.all()]
        if h.invoice is not None and h.invoice.number not in numbers:
            numbers.insert(0, h.invoice.number)
        return {
            "id": h.pk,
            "kind": h.kind,
            "customer_ref": h.customer.ref,
            "invoice_numbers": numbers,
            "starts_on": h.starts_on,
            "ends_on": h.ends_on,
            "active": h.released_at is None and h.starts_on <= today and (h.ends_on is None or h.ends_on >= today),
            "outcome": h.outcome,
            "created_at": h.created_at,
            "released_at": h.released_at,
        }

    return page(request, qs, cursor, limit, serialize)


@router.get("/tasks", response={200: s.TaskPage, **ERRORS}, tags=["tasks"])
def list_tasks(
    request: HttpRequest,
    updated_since: s.IsoDateTime | None = Query(None, description="only tasks opened or done at or after this time"),
    state: str | None = Query(None, max_length=12),
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    from recouvre.tasks.selectors import tasks

    qs = tasks(org_of(request)).select_related("customer", "invoice", "assignee")
    qs = updated(qs, updated_since, "created_at", "done_at")
    if state:
        qs = qs.filter(state=checked_text(state, "state"))
    return page(
        request,
        qs,
        cursor,
        limit,
        lambda t: {
            "id": t.pk,
            "kind": t.kind,
            "title": t.title,
            "customer_ref": t.customer.ref,
            "invoice_number": t.invoice.number if t.invoice is not None else None,
            "due_on": t.due_on,
            "state": t.state,
            "outcome": t.outcome,
            "assignee": t.assignee.get_username() if t.assignee is not None else None,
            "created_at": t.created_at,
            "done_at": t.done_at,
        },
    )


@router.post("/holds", auth=WRITE, response={200: s.HoldCreated, 201: s.HoldCreated, **ERRORS}, tags=["holds"])
def write_hold(request: HttpRequest, payload: s.HoldIn, idempotency_key: str = IdempotencyKey) -> Any:
    """Pause the collection of a customer (or of one invoice) until a day, or record a promise to pay an amount
    by a day (about some invoices, or all of the customer's), as the web app does; on the customer's timeline."""
    from django.core.exceptions import ValidationError

    from recouvre.collections.holds import pause_customer, record_promise

    org = org_of(request)
    actor = actor_of(request)

    def place() -> tuple[int, Any]:
        errors = []
        customer = ledger.customers(org).filter(ref=checked_text(payload.customer_ref, "customer_ref")).first()
        if customer is None:
            errors.append(
                {"field": "customer_ref", "message": _("unknown customer %(ref)s") % {"ref": payload.customer_ref}}
            )
        numbers = [checked_text(n, "invoice_numbers") for n in payload.invoice_numbers]
        invoices = list(ledger.invoices(org).filter(number__in=numbers, customer=customer)) if customer else []
        missing = sorted(set(numbers) - {i.number for i in invoices})
        if customer is not None and missing:
            errors.append(
                {
                    "field": "invoice_numbers",
                    "message": _("no invoice %(number)s of this customer") % {"number": ", ".join(missing)},
                }
            )
        for name in ("until", "promised_on"):
            value = getattr(payload, name)
            if value is not None and not EARLIEST <= value <= LATEST:
                errors.append({"field": name, "message": _("a date between 1900-01-01 and 2199-12-31 is expected")})
        needed = ("until",) if payload.kind == "pause" else ("amount", "promised_on")
        errors += [{"field": n, "message": _("a value is expected")} for n in needed if getattr(payload, n) is None]
        if payload.kind == "pause" and len(invoices) > 1:
            errors.append(
                {"field": "invoice_numbers", "message": _("a pause holds one invoice, or the whole customer")}
            )
        if errors:
            raise ApiError(422, _("The request is not valid: nothing was written."), errors)
        try:
            if payload.kind == "pause":
                hold = pause_customer(
                    org,
                    customer,
                    until=payload.until,
                    actor=actor,
                    reason=payload.note,
                    invoice=next(iter(invoices), None),
                )
            else:
                hold = record_promise(
                    org,
                    customer,
                    amount=payload.amount,
                    promised_on=payload.promised_on,
                    actor=actor,
                    invoices=invoices,
                    note=payload.note,
                )
        except ValidationError as exc:
            raise ApiError(422, " ".join(exc.messages)) from exc
        return 201, {"id": hold.pk}

    return written(request, idempotency_key, payload.model_dump(mode="json"), place)


@router.post("/holds/{hold_id}/release", auth=WRITE, response={200: s.HoldCreated, **ERRORS}, tags=["holds"])
def release(request: HttpRequest, hold_id: int, idempotency_key: str = IdempotencyKey) -> Any:
    """End a hold today: the collection of what it held goes on."""
    from django.core.exceptions import ValidationError

    from recouvre.collections.holds import release_hold
    from recouvre.collections.models import Hold

    org = org_of(request)

    def end() -> tuple[int, Any]:
        hold = selectors.holds(org).filter(pk=hold_id).first() if 0 < hold_id < 2**63 else None
        if hold is None:
            raise Http404
        try:
            release_hold(hold, actor=actor_of(request))
        except (ValidationError, Hold.DoesNotExist) as exc:
            raise ApiError(422, " ".join(getattr(exc, "messages", [str(exc)]))) from exc
        return 200, {"id": hold.pk}

    return written(request, idempotency_key, {"hold": hold_id}, end)
