"""Notes on a customer or an invoice (``web/_notes.html``): add one, change or delete one's own."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Invoice
from recouvre.notes import services
from recouvre.notes.models import MAX_LENGTH, Note

from ..decorators import member_required
from .common import customer_or_404


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or ""
    if (
        target
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        and target.startswith("/")
    ):
        return redirect(target)
    return redirect(default)


def _text(request: HttpRequest) -> str:
    # A bounded read: a note holds at most MAX_LENGTH characters (the service says so in words).
    return (request.POST.get("text") or "")[: MAX_LENGTH * 2]


def _note(request: HttpRequest, pk: int) -> Note:
    try:
        return Note.objects.select_related("customer", "invoice").get(
            organization=request.organization,  # type: ignore[attr-defined]
            pk=pk,
        )
    except Note.DoesNotExist as exc:
        raise Http404 from exc


def _page(note: Note) -> str:
    if note.invoice_id is not None:
        return reverse("invoice_detail", args=[note.invoice_id]) + "#notes"
    return reverse("customer_detail", args=[note.customer_id]) + "#notes"


@require_POST
@member_required("edit")
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    invoice = None
    raw = request.POST.get("invoice") or ""
    if raw:
        if not raw.isdigit():
            raise Http404
        invoice = Invoice.objects.filter(organization=org, customer=customer, pk=int(raw)).first()
        if invoice is None:
            raise Http404
    default = (
        reverse("invoice_detail", args=[invoice.pk]) if invoice else reverse("customer_detail", args=[customer.pk])
    ) + "#notes"
    try:
        services.add_note(org, customer, _text(request), actor=Actor.of(request.user), invoice=invoice)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(request, default)
    messages.success(request, _("Note added."))
    return _back(request, default)


@require_POST
@member_required("edit")
def note_edit(request: HttpRequest, pk: int) -> HttpResponse:
    note = _note(request, pk)
    try:
        services.edit_note(note, _text(request), actor=Actor.of(request.user))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return _back(request, _page(note))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(request, _page(note))
    messages.success(request, _("Note changed."))
    return _back(request, _page(note))


@require_POST
@member_required("edit")
def note_delete(request: HttpRequest, pk: int) -> HttpResponse:
    note = _note(request, pk)
    page = _page(note)
    try:
        services.delete_note(note, actor=Actor.of(request.user))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return _back(request, page)
    messages.success(request, _("Note deleted."))
    return _back(request, page)
