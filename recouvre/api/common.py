"""What the API's resources share: the error every refusal raises (``ApiError``, answered as
``{"detail": ..., "errors": [...]}`` by ``recouvre.api.api``), the checks of query values, cursor pagination, and
the writes' ``Idempotency-Key`` and batches. No view lives here, and nothing here knows the ``NinjaAPI``
instance, so that the resources' modules (``recouvre.api.routers``) and the instance can both import it."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Header, Query, Status

from recouvre.core.importing import ImportRefused, control_character
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Allocation

from . import schemas as s
from .idempotency import KeyReused, once
from .services import BatchRefused

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)


class ApiError(Exception):
    def __init__(self, status: int, detail: str, errors: list[dict[str, Any]] | None = None):
        self.status, self.detail, self.errors = status, detail, errors or []
        super().__init__(detail)


# The error answers every operation documents besides its own.
ERRORS: dict[int | tuple[int, ...], Any] = {(400, 401, 403, 404, 409, 413, 422): s.Error}


# ------------------------------------------------------------------------------------------------ helpers


def org_of(request: HttpRequest) -> Any:
    return request.auth.organization  # type: ignore[attr-defined]


def checked_text(value: str | None, name: str) -> str | None:
    if value is not None and control_character(value) is not None:
        raise ApiError(400, _("%(name)s contains a control character.") % {"name": name})
    return value


def valid_since(value: datetime | None) -> datetime | None:
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


def valid_day(value: date | None, name: str) -> date:
    if value is None:
        return timezone.localdate()
    if not EARLIEST <= value <= LATEST:
        raise ApiError(400, _("%(name)s must be between 1900-01-01 and 2199-12-31.") % {"name": name})
    return value


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"after:{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
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


def page(
    request: HttpRequest, qs: QuerySet[Any], cursor: str | None, limit: int, serialize: Callable[[Any], Any]
) -> dict[str, Any]:
    """``{"items": ..., "next": ...}``: the rows after the cursor, by id."""
    if cursor:
        qs = qs.filter(pk__gt=decode_cursor(cursor))
    rows = list(qs.order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    following = None
    if more:
        params = {k: v for k, v in request.GET.items() if k != "cursor"}
        params["cursor"] = encode_cursor(rows[-1].pk)
        following = request.build_absolute_uri(request.path) + "?" + urlencode(params)
    return {"items": [serialize(r) for r in rows], "next": following}


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def updated(qs: QuerySet[Any], since: datetime | None, *fields: str, extra: Q | None = None) -> QuerySet[Any]:
    since = valid_since(since)
    if since is None:
        return qs
    cond = Q()
    for name in fields:
        cond |= Q(**{f"{name}__gte": since})
    if extra is not None:
        cond |= extra
    return qs.filter(cond)


def allocated_since(since: datetime | None, link: str) -> Q | None:
    """Documents whose allocations changed since ``since`` (a payment applied moves an invoice's open amount)."""
    since = valid_since(since)
    if since is None:
        return None
    return Q(Exists(Allocation.objects.filter(**{link: OuterRef("pk")}, created_at__gte=since)))


Limit = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="items per page (at most 1000)")
Cursor = Query(None, max_length=100, description="the cursor of the page asked for, from the previous page's next")
Since = Query(None, description="only what was created or changed at or after this time (ISO 8601)")


# ------------------------------------------------------------------------------------------------ writes

IdempotencyKey = Header(
    ..., alias="Idempotency-Key", min_length=1, max_length=200, description="a key of your own for this write"
)


def actor_of(request: HttpRequest) -> Actor:
    return Actor.system(_("API key %(name)s") % {"name": request.auth.name})  # type: ignore[attr-defined]


def written(request: HttpRequest, key: str, payload: Any, write: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
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


def imported(request: HttpRequest, kind: str, items: Iterable[Any], names: dict[str, str], **options: Any) -> Any:
    from recouvre.imports.services import import_records

    rows = [{k: _cell(v) for k, v in item.model_dump().items()} for item in items]
    actor = actor_of(request)
    try:
        result = import_records(org_of(request), kind, rows, actor=actor, names=names, **options)
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


def batch(request: HttpRequest, record: Callable[..., list[Any]], items: Iterable[Any]) -> dict[str, Any]:
    actor = actor_of(request)
    try:
        done = record(org_of(request), actor, [item.model_dump() for item in items])
    except BatchRefused as exc:
        raise ApiError(
            422,
            ngettext("%(count)s error: nothing was written.", "%(count)s errors: nothing was written.", len(exc.errors))
            % {"count": len(exc.errors)},
            [{"item": i, "field": f, "message": m} for i, f, m in exc.errors],
        ) from exc
    return {"created": len(done), "updated": 0, "unchanged": 0, "notes": []}
