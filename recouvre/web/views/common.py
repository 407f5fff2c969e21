"""Small helpers shared by the views."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest
from django.utils import timezone

from recouvre.ledger import selectors
from recouvre.ledger.models import Customer, Invoice


def today() -> date:
    """The business date of the request, in the server's time zone (Europe/Paris)."""
    return timezone.localdate()


def paginate(request: HttpRequest, items: Any, per_page: int) -> Page:
    """The page asked for in ``?page=``; out-of-range or malformed numbers give the nearest valid page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def customer_or_404(request: HttpRequest, pk: int) -> Customer:
    """The current organization's customer ``pk``; another organization's, or none, is a 404."""
    try:
        return selectors.customer(request.organization, pk)  # type: ignore[attr-defined]
    except Customer.DoesNotExist as exc:
        raise Http404 from exc


def invoice_or_404(request: HttpRequest, pk: int) -> Invoice:
    """The current organization's invoice ``pk``; another organization's, or none, is a 404."""
    try:
        return selectors.invoice(request.organization, pk)  # type: ignore[attr-defined]
    except Invoice.DoesNotExist as exc:
        raise Http404 from exc


def form_errors(form: Any) -> str:
    """A refused form's errors in one line for a message: each error after its field's label."""
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        parts.extend(f"{label}: {e}" if label else str(e) for e in errors)
    return " ".join(parts)


def warn_if_no_worker(request: HttpRequest) -> None:
    """After queueing work for the background worker: a warning when no worker is running (no heartbeat within
    three of its intervals), since what was queued waits until one runs."""
    from django.contrib import messages
    from django.utils.translation import gettext as _

    from recouvre.operations.models import Component
    from recouvre.operations.selectors import component_status

    if component_status(Component.WORKER, timezone.now()).stale:
        messages.warning(
            request,
            _(
                "No background worker is running: what was queued waits until one runs (recouvre worker, or "
                "recouvre serve). Tell your administrator."
            ),
        )
