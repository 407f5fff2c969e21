"""The "Legal route" card of the customer page: download the injonction de payer request and the hand-off
package, open court proceedings, record their facts and enforcement steps, close them. Writes are POST only and
need the ``edit`` permission; a customer or proceeding of another organization is 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.ledger.actors import Actor
from recouvre.proceedings import selectors as proceeding_selectors
from recouvre.proceedings import services
from recouvre.proceedings.models import Proceeding
from recouvre.proceedings.requete import InjonctionRefused, NothingToClaim

from .. import proceeding_forms as forms
from ..decorators import member_required
from .common import customer_or_404, today


def _proceeding(request: HttpRequest, pk: int) -> Proceeding:
    try:
        return proceeding_selectors.proceeding(request.organization, pk)  # type: ignore[attr-defined]
    except Proceeding.DoesNotExist as exc:
        raise Http404 from exc


def _back(customer_id: int) -> HttpResponse:
    return redirect(reverse("customer_detail", args=[customer_id]) + "#legal-route")


def _errors(form: Any) -> str:
    return " ".join(
        f"{form.fields[f].label}: {' '.join(e)}" if f in form.fields else " ".join(e) for f, e in form.errors.items()
    )


def _do(
    request: HttpRequest, customer_id: int, form: Any, write: Callable[[dict[str, Any]], Any], done: str
) -> HttpResponse:
    if not form.is_valid():
        messages.error(request, _errors(form))
        return _back(customer_id)
    try:
        write(form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return _back(customer_id)


def _file(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@member_required("edit")
def injonction_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    as_of = today()
    try:
        result = services.export_injonction_request(org, customer, as_of=as_of, actor=Actor.of(request.user))
    except InjonctionRefused as exc:
        return render(
            request, "web/injonction_refused.html", {"customer": customer, "reasons": exc.reasons}, status=409
        )
    except NothingToClaim:
        messages.error(request, _("%(name)s has no overdue invoice in euros to claim.") % {"name": customer.name})
        return _back(customer.pk)
    for warning in result.warnings:
        messages.warning(request, warning)
    return _file(result.pdf, f"requete-injonction-{customer.ref}-{as_of.isoformat()}.pdf", "application/pdf")


@require_POST
@member_required("edit")
def handoff_zip(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    as_of = today()
    try:
        result = services.export_handoff(org, customer, as_of=as_of, actor=Actor.of(request.user))
    except NothingToClaim:
        messages.error(request, _("%(name)s has no overdue invoice in euros to claim.") % {"name": customer.name})
        return _back(customer.pk)
    return _file(result.content, f"transmission-{customer.ref}-{as_of.isoformat()}.zip", "application/zip")


@require_POST
@member_required("edit")
def proceeding_open(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    return _do(
        request,
        customer.pk,
        forms.OpenProceedingForm(request.POST),
        lambda d: services.open_proceeding(
            org,
            customer,
            route=d["route"],
            court=d["court"],
            amount_claimed=d["amount_claimed"],
            notes=d["notes"],
            actor=Actor.of(request.user),
            today=today(),
        ),
        _("Court proceedings opened: collection of this customer stops until they are closed."),
    )


@require_POST
@member_required("edit")
def proceeding_update(request: HttpRequest, pk: int) -> HttpResponse:
    proceeding = _proceeding(request, pk)
    return _do(
        request,
        proceeding.customer_id,
        forms.UpdateProceedingForm(request.POST),
        lambda d: services.update_proceeding(proceeding, actor=Actor.of(request.user), **d),
        _("Court proceedings updated."),
    )


@require_POST
@member_required("edit")
def proceeding_enforcement(request: HttpRequest, pk: int) -> HttpResponse:
    proceeding = _proceeding(request, pk)
    return _do(
        request,
        proceeding.customer_id,
        forms.EnforcementForm(request.POST),
        lambda d: services.add_enforcement_step(proceeding, actor=Actor.of(request.user), **d),
        _("Enforcement step recorded."),
    )


@require_POST
@member_required("edit")
def proceeding_close(request: HttpRequest, pk: int) -> HttpResponse:
    proceeding = _proceeding(request, pk)
    return _do(
        request,
        proceeding.customer_id,
        forms.CloseProceedingForm(request.POST),
        lambda d: services.close_proceeding(
            proceeding, actor=Actor.of(request.user), outcome=d["outcome"], today=today()
        ),
        _("Court proceedings closed: collection resumes at the next run."),
    )
