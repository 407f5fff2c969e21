"""The REST API under ``/api/v1/`` (django-ninja): reads with cursor pagination, writes through the imports'
validation with an ``Idempotency-Key``, the collections run. Every answer is JSON, errors too
(``{"detail": ..., "errors": [...]}``), never a traceback. A key sees its own organization only: every read goes
through a selector given the key's organization."""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Header, NinjaAPI, Query, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from recouvre.core.importing import ImportRefused, control_character
from recouvre.core.records import payment_id_key
from recouvre.core.sizes import human_size
from recouvre.ledger import selectors as ledger
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Allocation, Invoice, Payment
from recouvre.ledger.timeline import describe

from . import schemas as s
from . import selectors
from .idempotency import KeyReused, once
from .models import ApiKey, Scope
from .services import touch

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 20 * 1024 * 1024
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)


class ApiError(Exception):
    def __init__(self, status: int, detail: str, errors: list[dict[str, Any]] | None = None):
        self.status, self.detail, self.errors = status, detail, errors or []
        super().__init__(detail)


class KeyAuth(HttpBearer):
    """``Authorization: Bearer KEY``: an unrevoked key with ``scope``."""

    def __init__(self, scope: str):
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > max_body_bytes():
            raise ApiError(
                413,
                _("The request body is larger than the %(limit)s accepted.") % {"limit": human_size(max_body_bytes())},
            )
        key = selectors.active_key(token) if len(token) < 200 and token.isascii() else None
        if key is None:
            return None
        if self.scope not in key.scopes:
            raise ApiError(403, _("This API key does not have the %(scope)s scope.") % {"scope": self.scope})
        touch(key)
        return key


def max_body_bytes() -> int:
    return int(getattr(settings, "API_MAX_BODY_BYTES", MAX_BODY_BYTES))


READ, WRITE, RUN = KeyAuth(Scope.READ), KeyAuth(Scope.WRITE), KeyAuth(Scope.RUN)

api = NinjaAPI(
    title="Recouvre API",
    version="1",
    description=(
        "Accounts receivable of one organization: customers, invoices, credit notes, payments, allocations, "
        "timeline, holds, tasks, the collections run, KPIs and the aged balance. Send an API key as "
        "`Authorization: Bearer KEY`, and an `Idempotency-Key` header with every write."
    ),
    urls_namespace="api_v1",
    docs_url=None,
    auth=READ,
)

ERRORS: dict[int | tuple[int, ...], Any] = {(400, 401, 403, 404, 409, 413, 422): s.Error}


# ------------------------------------------------------------------------------------------------ errors


def _error(request: HttpRequest, status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _error(request, exc.status, exc.detail, exc.errors)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(request, 401, _("A valid API key is required: send it as Authorization: Bearer KEY."))
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for e in exc.errors:
        loc = [p for p in e.get("loc", ()) if p not in ("body", "payload", "query", "header", "path")]
        item = next((p for p in loc if isinstance(p, int)), None)
        names = [str(p) for p in loc if not isinstance(p, int)]
        field = names[-1] if names else ""
        entry: dict[str, Any] = {"field": field, "message": str(e.get("msg", ""))}
        if item is not None:
            entry = {"item": item, **entry}
        errors.append(entry)
    return _error(request, 422, _("The request is not valid: nothing was written."), errors)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, _("Not found."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(Exception)
def _failure(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API request failed: %s %s", request.method, request.path)
    return _error(request, 500, _("The server failed to answer; nothing was written. Try again later."))


# ------------------------------------------------------------------------------------------------ helpers


def _org(request: HttpRequest) -> Any:
    return request.auth.organization  # type: ignore[attr-defined]


def _text(value: str | None, name: str) -> str | None:
    if value is not None and control_character(value) is not None:
        raise ApiError(400, _("%(name)s contains a control character.") % {"name": name})
    return value


def _since(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ApiError(400, _("updated_since is not a usable date and time.")) from exc
    if not EARLIEST.year <= value.year <= LATEST.year:
        raise ApiError(400, _("updated_since must be between the years 1900 and 2199."))
    return value


def _day(value: date | None, name: str) -> date:
    if value is None:
        return timezone.localdate()
    if not EARLIEST <= value <= LATEST:
        raise ApiError(400, _("%(name)s must be between 1900-01-01 and 2199-12-31.") % {"name": name})
    return value


def _encode(pk: int) -> str:
    return base64.urlsafe_b64encode(f"after:{pk}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("after:"):
            raise ValueError
        pk = int(text[6:])
        if not 0 <= pk < 2**63:
            raise ValueError
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise ApiError(400, _("The cursor is not one this API gave.")) from exc
    return pk


def _page(
    request: HttpRequest, qs: QuerySet[Any], cursor: str | None, limit: int, serialize: Callable[[Any], Any]
) -> dict[str, Any]:
    """``{"items": ..., "next": ...}``: the rows after the cursor, by id."""
    if cursor:
        qs = qs.filter(pk__gt=_decode(cursor))
    rows = list(qs.order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    following = None
    if more:
        params = {k: v for k, v in request.GET.items() if k != "cursor"}
        params["cursor"] = _encode(rows[-1].pk)
        following = request.build_absolute_uri(request.path) + "?" + urlencode(params)
    return {"items": [serialize(r) for r in rows], "next": following}


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _updated(qs: QuerySet[Any], since: datetime | None, *fields: str, extra: Q | None = None) -> QuerySet[Any]:
    since = _since(since)
    if since is None:
        return qs
    cond = Q()
    for name in fields:
        cond |= Q(**{f"{name}__gte": since})
    if extra is not None:
        cond |= extra
    return qs.filter(cond)


def _allocated_since(since: datetime | None, link: str) -> Q | None:
    """Documents whose allocations changed since ``since`` (a payment applied moves an invoice's open amount)."""
    since = _since(since)
    if since is None:
        return None
    return Q(Exists(Allocation.objects.filter(**{link: OuterRef("pk")}, created_at__gte=since)))


Limit = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="items per page (at most 1000)")
Cursor = Query(None, max_length=100, description="the cursor of the page asked for, from the previous page's next")
Since = Query(None, description="only what was created or changed at or after this time (ISO 8601)")


# ------------------------------------------------------------------------------------------------ reads


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
        "credit_limit": _money(c.credit_limit),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


@api.get("/customers", response={200: s.CustomerPage, **ERRORS}, tags=["customers"])
def list_customers(
    request: HttpRequest,
    updated_since: datetime | None = Since,
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    qs = _updated(ledger.customers(_org(request)), updated_since, "updated_at")
    return _page(request, qs, cursor, limit, _customer)


@api.get("/customers/{ref}", response={200: s.CustomerOut, **ERRORS}, tags=["customers"])
def get_customer(request: HttpRequest, ref: str) -> dict[str, Any]:
    found = ledger.customers(_org(request)).filter(ref=_text(ref, "ref")).first()
    if found is None:
        raise Http404
    return _customer(found)


@api.get("/contacts", response={200: s.ContactPage, **ERRORS}, tags=["customers"])
def list_contacts(
    request: HttpRequest,
    customer_ref: str | None = Query(None, max_length=40),
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    qs = selectors.contacts(_org(request))
    if customer_ref:
        qs = qs.filter(customer__ref=_text(customer_ref, "customer_ref"))
    return _page(
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
            "total": _money(i.total),
            "amount_excl_tax": _money(i.amount_excl_tax),
            "tax_amount": _money(i.tax_amount),
            "open_amount": _money(i.open_amount),
            "currency": i.currency,
            "status": _status(i, today),
            "source": i.source,
            "created_at": i.created_at,
            "updated_at": i.updated_at,
        }

    return serialize


@api.get("/invoices", response={200: s.InvoicePage, **ERRORS}, tags=["invoices"])
def list_invoices(
    request: HttpRequest,
    updated_since: datetime | None = Query(
        None, description="only invoices created, changed, or settled in part at or after this time (ISO 8601)"
    ),
    customer_ref: str | None = Query(None, max_length=40),
    status: str | None = Query(None, pattern="^(open|overdue|paid)$"),
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    today = timezone.localdate()
    qs = ledger.invoices(_org(request)).select_related("customer")
    qs = _updated(qs, updated_since, "updated_at", extra=_allocated_since(updated_since, "invoice"))
    if customer_ref:
        qs = qs.filter(customer__ref=_text(customer_ref, "customer_ref"))
    if status == "paid":
        qs = qs.filter(open_amount__lte=0)
    elif status == "open":
        qs = qs.filter(open_amount__gt=0, due_on__gte=today)
    elif status == "overdue":
        qs = qs.filter(open_amount__gt=0, due_on__lt=today)
    return _page(request, qs, cursor, limit, _invoice(today))


@api.get("/invoices/{number}", response={200: s.InvoiceOut, **ERRORS}, tags=["invoices"])
def get_invoice(request: HttpRequest, number: str) -> dict[str, Any]:
    found = ledger.invoices(_org(request)).select_related("customer").filter(number=_text(number, "number")).first()
    if found is None:
        raise Http404
    return _invoice(timezone.localdate())(found)


@api.get("/credit-notes", response={200: s.CreditNotePage, **ERRORS}, tags=["invoices"])
def list_credit_notes(
    request: HttpRequest,
    updated_since: datetime | None = Since,
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    qs = ledger.credit_notes(_org(request)).select_related("customer", "invoice")
    qs = _updated(qs, updated_since, "created_at", extra=_allocated_since(updated_since, "credit_note"))
    return _page(
        request,
        qs,
        cursor,
        limit,
        lambda n: {
            "id": n.pk,
            "number": n.number,
            "customer_ref": n.customer.ref,
            "issue_date": n.issued_on,
            "total": _money(n.total),
            "unallocated_amount": _money(n.unallocated_amount),
            "currency": n.currency,
            "invoice_number": n.invoice.number if n.invoice is not None else None,
            "created_at": n.created_at,
        },
    )


def _payment_id(source_key: str) -> str | None:
    """The payment's own id, as the import or the API was given it (None for a payment given without one)."""
    return source_key.removeprefix(payment_id_key("")) if source_key.startswith(payment_id_key("")) else None


def _payment(p: Payment) -> dict[str, Any]:
    return {
        "id": p.pk,
        "payment_id": _payment_id(p.source_key),
        "customer_ref": p.customer.ref,
        "received_date": p.received_on,
        "amount": _money(p.amount),
        "unallocated_amount": _money(p.unallocated_amount),
        "currency": p.currency,
        "method": p.method,
        "reference": p.reference,
        "created_at": p.created_at,
    }


@api.get("/payments", response={200: s.PaymentPage, **ERRORS}, tags=["payments"])
def list_payments(
    request: HttpRequest,
    updated_since: datetime | None = Since,
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    qs = ledger.payments(_org(request)).select_related("customer")
    qs = _updated(qs, updated_since, "created_at", extra=_allocated_since(updated_since, "payment"))
    return _page(request, qs, cursor, limit, _payment)


@api.get("/allocations", response={200: s.AllocationPage, **ERRORS}, tags=["payments"])
def list_allocations(
    request: HttpRequest,
    updated_since: datetime | None = Since,
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    qs = _updated(selectors.allocations(_org(request)), updated_since, "created_at")
    return _page(
        request,
        qs,
        cursor,
        limit,
        lambda a: {
            "id": a.pk,
            "invoice_number": a.invoice.number,
            "payment_id": _payment_id(a.payment.source_key) if a.payment is not None else None,
            "credit_note_number": a.credit_note.number if a.credit_note is not None else None,
            "amount": _money(a.amount),
            "date": a.allocated_on,
            "created_at": a.created_at,
        },
    )


@api.get("/timeline", response={200: s.EventPage, **ERRORS}, tags=["timeline"])
def list_events(
    request: HttpRequest,
    updated_since: datetime | None = Query(None, description="only events at or after this time (ISO 8601)"),
    customer_ref: str | None = Query(None, max_length=40),
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    qs = _updated(selectors.events(_org(request)), updated_since, "occurred_at")
    if customer_ref:
        qs = qs.filter(customer__ref=_text(customer_ref, "customer_ref"))
    return _page(
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


@api.get("/holds", response={200: s.HoldPage, **ERRORS}, tags=["holds"])
def list_holds(
    request: HttpRequest,
    updated_since: datetime | None = Query(None, description="only holds placed or released at or after this time"),
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    today = timezone.localdate()
    qs = _updated(selectors.holds(_org(request)), updated_since, "created_at", "released_at")

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

    return _page(request, qs, cursor, limit, serialize)


@api.get("/tasks", response={200: s.TaskPage, **ERRORS}, tags=["tasks"])
def list_tasks(
    request: HttpRequest,
    updated_since: datetime | None = Query(None, description="only tasks opened or done at or after this time"),
    state: str | None = Query(None, max_length=12),
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> dict[str, Any]:
    from recouvre.tasks.selectors import tasks

    qs = tasks(_org(request)).select_related("customer", "invoice", "assignee")
    qs = _updated(qs, updated_since, "created_at", "done_at")
    if state:
        qs = qs.filter(state=_text(state, "state"))
    return _page(
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


@api.get("/kpis", response={200: dict[str, Any], **ERRORS}, tags=["reports"])
def kpis(
    request: HttpRequest,
    as_of: date | None = Query(None, description="default today"),
    months: int = Query(12, ge=1, le=120),
) -> Any:
    """DSO, CEI, overdue ratio and the other KPIs per currency, as ``recouvre report kpis --json``."""
    from recouvre.reports import kpi_exports
    from recouvre.reports.kpis import kpi_reports

    return kpi_exports.as_json(kpi_reports(_org(request), _day(as_of, "as_of"), months=months))


@api.get("/aged-balance", response={200: dict[str, Any], **ERRORS}, tags=["reports"])
def aged_balance(
    request: HttpRequest,
    as_of: date | None = Query(None, description="default today"),
    currency: str | None = Query(None, pattern="^[A-Z]{3}$"),
) -> Any:
    """The aged balance by customer, as ``recouvre report aging --json``."""
    from recouvre.core.aging import aged_balances_as_dict
    from recouvre.reports.selectors import aged_balances

    return aged_balances_as_dict(aged_balances(_org(request), _day(as_of, "as_of"), currency=currency))


# ------------------------------------------------------------------------------------------------ writes

IdempotencyKey = Header(
    ..., alias="Idempotency-Key", min_length=1, max_length=200, description="a key of your own for this write"
)


def _actor(request: HttpRequest) -> Actor:
    return Actor.system(_("API key %(name)s") % {"name": request.auth.name})  # type: ignore[attr-defined]


def _written(request: HttpRequest, key: str, payload: Any, write: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
    if not key.strip() or control_character(key) is not None:
        raise ApiError(400, _("The Idempotency-Key header must be given, as printable text."))
    try:
        status, body, _replayed = once(request.auth, key, request.method or "POST", request.path, payload, write)  # type: ignore[arg-type]
    except KeyReused as exc:
        raise ApiError(
            409 if exc.conflict else 422,
            _("This Idempotency-Key was already used for another request; use a new key for a new request."),
        ) from exc
    return Status(status, body)


def _imported(request: HttpRequest, kind: str, items: Iterable[Any], names: dict[str, str], **options: Any) -> Any:
    from recouvre.imports.services import import_records

    rows = [{k: _cell(v) for k, v in item.model_dump().items()} for item in items]
    actor = Actor.system(_("API key %(name)s") % {"name": request.auth.name})  # type: ignore[attr-defined]
    try:
        result = import_records(_org(request), kind, rows, actor=actor, names=names, **options)
    except ImportRefused as exc:
        raise ApiError(
            422,
            ngettext("%(count)s error: nothing was written.", "%(count)s errors: nothing was written.", exc.total)
            % {"count": exc.total},
            [{"item": e.line, "field": e.field, "message": e.message} for e in exc.errors],
        ) from exc
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged, "notes": result.notes}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@api.post("/customers", auth=WRITE, response={200: s.WriteResult, 201: s.WriteResult, **ERRORS}, tags=["customers"])
def write_customers(request: HttpRequest, payload: s.CustomerBatch, idempotency_key: str = IdempotencyKey) -> Any:
    """Create or update customers by account (``ref``), with the checks and messages of a customer import; one
    refused value refuses the batch (422, each error naming the item's index and field) and writes nothing."""
    return _written(
        request,
        idempotency_key,
        payload.model_dump(mode="json"),
        lambda: (201, _imported(request, "customers", payload.items, s.CUSTOMER_NAMES)),
    )


@api.post("/invoices", auth=WRITE, response={200: s.WriteResult, 201: s.WriteResult, **ERRORS}, tags=["invoices"])
def write_invoices(request: HttpRequest, payload: s.InvoiceBatch, idempotency_key: str = IdempotencyKey) -> Any:
    """Create or update invoices by number, with the checks and messages of an invoice import; one refused value
    refuses the batch (422, each error naming the item's index and field) and writes nothing."""
    return _written(
        request,
        idempotency_key,
        payload.model_dump(mode="json"),
        lambda: (
            201,
            _imported(request, "invoices", payload.items, s.INVOICE_NAMES, create_customers=payload.create_customers),
        ),
    )


@api.post("/payments", auth=WRITE, response={200: s.WriteResult, 201: s.WriteResult, **ERRORS}, tags=["payments"])
def write_payments(request: HttpRequest, payload: s.PaymentBatch, idempotency_key: str = IdempotencyKey) -> Any:
    """Record payments (a ``payment_id`` sent again is not recorded twice), applied to the invoice they name or to
    the customer's oldest open invoices as an import does; one refused value refuses the batch."""
    return _written(
        request,
        idempotency_key,
        payload.model_dump(mode="json"),
        lambda: (201, _imported(request, "payments", payload.items, s.PAYMENT_NAMES)),
    )


def _batch(request: HttpRequest, record: Callable[..., list[Any]], items: Iterable[Any]) -> dict[str, Any]:
    from .services import BatchRefused

    actor = Actor.system(_("API key %(name)s") % {"name": request.auth.name})  # type: ignore[attr-defined]
    try:
        done = record(_org(request), actor, [item.model_dump() for item in items])
    except BatchRefused as exc:
        raise ApiError(
            422,
            ngettext("%(count)s error: nothing was written.", "%(count)s errors: nothing was written.", len(exc.errors))
            % {"count": len(exc.errors)},
            [{"item": i, "field": f, "message": m} for i, f, m in exc.errors],
        ) from exc
    return {"created": len(done), "updated": 0, "unchanged": 0, "notes": []}


@api.post("/credit-notes", auth=WRITE, response={200: s.WriteResult, 201: s.WriteResult, **ERRORS}, tags=["invoices"])
def write_credit_notes(request: HttpRequest, payload: s.CreditNoteBatch, idempotency_key: str = IdempotencyKey) -> Any:
    """Create credit notes (a number already used is refused); one refused value refuses the batch. A credit note
    is applied to invoices with ``POST /allocations``."""
    from .services import record_credit_notes

    return _written(
        request,
        idempotency_key,
        payload.model_dump(mode="json"),
        lambda: (201, _batch(request, record_credit_notes, payload.items)),
    )


@api.post("/allocations", auth=WRITE, response={200: s.WriteResult, 201: s.WriteResult, **ERRORS}, tags=["payments"])
def write_allocations(request: HttpRequest, payload: s.AllocationBatch, idempotency_key: str = IdempotencyKey) -> Any:
    """Apply payments (by ``payment_id``) and credit notes (by number) to invoices, each within what the invoice
    still owes and what is left to apply, in the same currency; one refused item refuses the batch."""
    from .services import record_allocations

    return _written(
        request,
        idempotency_key,
        payload.model_dump(mode="json"),
        lambda: (201, _batch(request, record_allocations, payload.items)),
    )


@api.post("/holds", auth=WRITE, response={200: s.HoldCreated, 201: s.HoldCreated, **ERRORS}, tags=["holds"])
def write_hold(request: HttpRequest, payload: s.HoldIn, idempotency_key: str = IdempotencyKey) -> Any:
    """Pause the collection of a customer (or of one invoice) until a day, or record a promise to pay an amount
    by a day (about some invoices, or all of the customer's), as the web app does; on the customer's timeline."""
    from django.core.exceptions import ValidationError

    from recouvre.collections.holds import pause_customer, record_promise

    org = _org(request)
    actor = _actor(request)

    def place() -> tuple[int, Any]:
        errors = []
        customer = ledger.customers(org).filter(ref=_text(payload.customer_ref, "customer_ref")).first()
        if customer is None:
            errors.append(
                {"field": "customer_ref", "message": _("unknown customer %(ref)s") % {"ref": payload.customer_ref}}
            )
        numbers = [_text(n, "invoice_numbers") for n in payload.invoice_numbers]
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

    return _written(request, idempotency_key, payload.model_dump(mode="json"), place)


@api.post("/holds/{hold_id}/release", auth=WRITE, response={200: s.HoldCreated, **ERRORS}, tags=["holds"])
def release(request: HttpRequest, hold_id: int, idempotency_key: str = IdempotencyKey) -> Any:
    """End a hold today: the collection of what it held goes on."""
    from django.core.exceptions import ValidationError

    from recouvre.collections.holds import release_hold
    from recouvre.collections.models import Hold

    org = _org(request)

    def end() -> tuple[int, Any]:
        hold = selectors.holds(org).filter(pk=hold_id).first() if 0 < hold_id < 2**63 else None
        if hold is None:
            raise Http404
        try:
            release_hold(hold, actor=_actor(request))
        except (ValidationError, Hold.DoesNotExist) as exc:
            raise ApiError(422, " ".join(getattr(exc, "messages", [str(exc)]))) from exc
        return 200, {"id": hold.pk}

    return _written(request, idempotency_key, {"hold": hold_id}, end)


# ------------------------------------------------------------------------------------------------ collections


def _run_day(body: s.RunIn) -> date:
    today = timezone.localdate()
    as_of = body.as_of or today
    if as_of > today:
        raise ApiError(
            422, _("as_of %(as_of)s is after today: a run cannot be dated in the future.") % {"as_of": as_of}
        )
    if as_of < EARLIEST:
        raise ApiError(422, _("as_of must be after 1900-01-01."))
    return as_of


@api.post("/collections/preview", auth=RUN, response={200: dict[str, Any], **ERRORS}, tags=["collections"])
def collections_preview(request: HttpRequest, payload: s.RunIn) -> Any:
    """What a run would plan (actions, e-mails, letters, tasks, customers left alone and why); writes nothing."""
    from recouvre.collections.selectors import calendar_for
    from recouvre.collections.services import run_collections

    org = _org(request)
    actor = Actor.system(_("API key %(name)s") % {"name": request.auth.name})  # type: ignore[attr-defined]
    result = run_collections(org, _run_day(payload), actor=actor, dry_run=True, calendar=calendar_for(org))
    return result.as_dict(details=True)


@api.post(
    "/collections/run", auth=RUN, response={200: dict[str, Any], 201: dict[str, Any], **ERRORS}, tags=["collections"]
)
def collections_run(request: HttpRequest, payload: s.RunIn, idempotency_key: str = IdempotencyKey) -> Any:
    """Run the collections: plan and store the actions, then queue the sending for the background worker."""
    from recouvre.collections.selectors import calendar_for
    from recouvre.collections.services import RunRefused, check_run_date, run_collections
    from recouvre.collections.tasks import queue_sending

    org = _org(request)
    actor = Actor.system(_("API key %(name)s") % {"name": request.auth.name})  # type: ignore[attr-defined]
    as_of = _run_day(payload)

    def run() -> tuple[int, Any]:
        try:
            check_run_date(org, as_of, today=timezone.localdate())
        except RunRefused as exc:
            raise ApiError(422, str(exc)) from exc
        result = run_collections(org, as_of, actor=actor, calendar=calendar_for(org))
        queue_sending(org, None)
        return 201, result.as_dict(details=True)

    return _written(request, idempotency_key, payload.model_dump(mode="json"), run)
