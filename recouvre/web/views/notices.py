"""The formal notice (*mise en demeure*) from the customer page: "send a formal notice now", and the statement of
account (*relevé de compte*) PDF."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.collections.notices import request_formal_notice
from recouvre.ledger.actors import Actor
from recouvre.letters.services import produce_due_letters

from ..decorators import member_required
from ..forms import check_day
from .common import customer_or_404, today


@require_POST
@member_required("edit")
def customer_formal_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for a formal notice to the customer now. A member who may approve and ticks "approve" sends it straight
    to printing (the letter is produced at once); otherwise it waits in the approval queue."""
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    membership = getattr(request, "membership", None)
    approved = bool(request.POST.get("approve")) and membership is not None and membership.can("approve")
    actor = Actor.of(request.user)
    back = reverse("customer_detail", args=[customer.pk]) + "#formal-notice"
    try:
        action = request_formal_notice(org, customer, actor=actor, today=today(), approved=approved)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    if approved:
        produce_due_letters(org, now=timezone.now(), actor=actor, only=[action.pk])
        action.refresh_from_db()
        if action.state == "ready":
            messages.success(
                request, _("The formal notice is ready: print it, post it and record its tracking number.")
            )
        elif action.state == "planned":
            messages.success(
                request,
                _("The formal notice will be produced on %(day)s, the next business day.")
                % {"day": action.send_on.isoformat()},
            )
        else:
            messages.error(
                request, _("The formal notice could not be produced: %(error)s") % {"error": action.last_error}
            )
    else:
        messages.success(request, _("The formal notice waits in the approval queue."))
    return redirect(back)


def _as_of(request: HttpRequest) -> date:
    """``?as_of=`` (ISO), today by default; a date that is not one, or outside the dates handled, is a 400."""
    raw = request.GET.get("as_of") or ""
    try:
        return check_day(date.fromisoformat(raw)) if raw else today()
    except (ValueError, ValidationError) as exc:
        raise BadRequest(_("as_of: not a date Recouvre handles")) from exc


@member_required()
def customer_statement(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer's statement of account at ``?as_of=`` (today by default), as a PDF download: a copy to keep,
    without the customer's link to the portal (``customer_statement_to_send`` gives the one to send)."""
    return _statement(request, pk, portal_url="")


@require_POST
@member_required("edit")
def customer_statement_to_send(request: HttpRequest, pk: int) -> HttpResponse:
    """The statement of account to send to the customer: with the customer's link to the portal (reused while
    reusable, else created now) and its QR code."""
    from recouvre.portal.links import document_link

    customer = customer_or_404(request, pk)
    return _statement(request, pk, portal_url=document_link(customer, actor=Actor.of(request.user)))


def _statement(request: HttpRequest, pk: int, *, portal_url: str) -> HttpResponse:
    from recouvre.letters.statement import render_statement

    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    as_of = _as_of(request)
    statement = render_statement(org, customer, as_of, portal_url=portal_url)
    response = HttpResponse(statement.pdf, content_type="application/pdf")
    name = f"releve-{customer.ref}-{as_of.isoformat()}.pdf".replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
