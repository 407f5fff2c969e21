"""The reader's notifications in the current organization: read them, open what they are about, mark them read;
and whether the daily digest e-mail comes (``recouvre.notifications``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from recouvre.notifications import services
from recouvre.notifications.models import Notification
from recouvre.notifications.texts import text

from ..decorators import member_required
from .common import paginate

PER_PAGE = 50


@member_required()
def notification_list(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    qs = Notification.objects.filter(organization=org, user=request.user)
    if request.GET.get("show") == "unread":
        qs = qs.filter(read_at__isnull=True)
    page = paginate(request, qs, PER_PAGE)
    rows = [{"n": n, "text": text(n.kind, n.data)} for n in page.object_list]
    return render(
        request,
        "web/notifications.html",
        {
            "page": page,
            "rows": rows,
            "unread": services.unread_count(org, request.user),
            "only_unread": request.GET.get("show") == "unread",
            "digest": services.wants_digest(request.user),
        },
    )


def _safe(link: str) -> bool:
    return link.startswith("/") and not link.startswith("//") and "\\" not in link


@require_POST
@member_required()
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to what it is about."""
    org = request.organization  # type: ignore[attr-defined]
    n = Notification.objects.filter(organization=org, user=request.user, pk=pk).first()
    if n is None:
        return redirect("notifications")
    services.mark_read(org, request.user, n.pk)
    return redirect(n.link if n.link and _safe(n.link) else "notifications")


@require_POST
@member_required()
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.mark_read(request.organization, request.user, pk)  # type: ignore[attr-defined]
    return redirect("notifications")


@require_POST
@member_required()
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(request.organization, request.user)  # type: ignore[attr-defined]
    if count:
        messages.success(
            request,
            ngettext("%(count)d notification marked read.", "%(count)d notifications marked read.", count)
            % {"count": count},
        )
    return redirect("notifications")


@require_POST
@member_required()
def notification_digest(request: HttpRequest) -> HttpResponse:
    on = request.POST.get("daily_digest") == "on"
    services.set_daily_digest(request.user, on)
    messages.success(
        request,
        _("You will receive the daily digest e-mail.")
        if on
        else _("You will no longer receive the daily digest e-mail."),
    )
    return redirect("notifications")
