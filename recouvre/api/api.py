"""The REST API under ``/api/v1/`` (django-ninja): reads with cursor pagination, writes through the imports'
validation with an ``Idempotency-Key``, the collections run. Every answer is JSON, errors too
(``{"detail": ..., "errors": [...]}``), never a traceback. A key sees its own organization only: every read goes
through a selector given the key's organization.

This module holds the ``NinjaAPI`` instance, its error answers and the list of its resources; each resource is a
router of ``recouvre.api.routers``, the keys' check is ``recouvre.api.auth`` and what the resources share is
``recouvre.api.common``."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.operation import Operation

from .auth import READ
from .common import ApiError
from .routers import customers, holds_tasks, invoices, payments, reports, runs, timeline

logger = logging.getLogger(__name__)


class RecouvreApi(NinjaAPI):
    """A ``NinjaAPI`` whose operation ids are ``recouvre_api_api_`` and the view's name, whichever module of
    ``recouvre.api.routers`` the view lives in: the ids published in ``docs/openapi.json`` stay the same when a
    view moves between modules (clients generated from the schema name their methods after them)."""

    def get_openapi_operation_id(self, operation: Operation) -> str:
        return f"recouvre_api_api_{operation.view_func.__name__}"


api = RecouvreApi(
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

for module in (customers, invoices, payments, timeline, holds_tasks, reports, runs):
    api.add_router("", module.router)


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
