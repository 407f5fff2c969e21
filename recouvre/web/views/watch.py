"""The company watch on the customer page (``#legal``): refresh the customer's identity from the public company
directory, confirm or dismiss an announcement found at the BODACC. POST views calling one service each, back to the
customer page with a message; members who cannot edit get 403, another organization's announcement 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.ledger.actors import Actor
from recouvre.ledger.timeline import field_label
from recouvre.watch import services
from recouvre.watch.models import Announcement

from ..decorators import member_required
from .common import customer_or_404


def _back(customer_id: int) -> str:
    return reverse("customer_detail", args=[customer_id]) + "#watch"


def _announcement(request: HttpRequest, pk: int) -> Announcement:
    try:
        return services.announcement(request.organization, pk)  # type: ignore[attr-defined]
    except Announcement.DoesNotExist as exc:
        raise Http404 from exc


@require_POST
@member_required("edit")
def refresh_customer(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    try:
        result = services.refresh_customer(customer, actor=Actor.of(request.user))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except services.WatchError as exc:
        messages.error(request, _("Nothing changed: %(error)s.") % {"error": exc})
    else:
        if result.changes:
            messages.success(
                request,
                _("Company details refreshed from the public directory: %(fields)s.")
                % {"fields": ", ".join(field_label("watch", name) for name in sorted(result.changes))},
            )
        else:
            messages.success(request, _("The public directory says nothing new."))
    return redirect(_back(customer.pk))


def _decide(request: HttpRequest, pk: int, confirming: bool) -> HttpResponse:
    found = _announcement(request, pk)
    actor = Actor.of(request.user)
    try:
        if confirming:
            services.confirm(found, actor=actor)
        else:
            services.dismiss(found, actor=actor, note=request.POST.get("note", "")[:500])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Announcement confirmed: collection stays stopped.")
            if confirming
            else _("Announcement dismissed: collection resumes at the next run."),
        )
    return redirect(_back(found.customer_id))


@require_POST
@member_required("edit")
def confirm_announcement(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, True)


@require_POST
@member_required("edit")
def dismiss_announcement(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, False)
