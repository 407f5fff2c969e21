"""Today's run preview: what a run would send and why each customer is or is not contacted; "Run now"."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from recouvre.collections.preview import CONTACTED, SKIPPED, run_preview
from recouvre.collections.selectors import calendar_for
from recouvre.collections.services import run_collections
from recouvre.collections.tasks import queue_sending
from recouvre.ledger.actors import Actor

from ..decorators import member_required
from ..forms import DATE_INPUT_FORMATS, DateInput, DayField
from .common import paginate, today, warn_if_no_worker

CUSTOMERS_PER_PAGE = 100


class RunPreviewForm(forms.Form):
    as_of = DayField(label=gettext_lazy("Run of"), required=False, input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    outcome = forms.ChoiceField(
        label=gettext_lazy("Show"),
        required=False,
        choices=[
            ("", gettext_lazy("Every customer")),
            (CONTACTED, gettext_lazy("Contacted")),
            (SKIPPED, gettext_lazy("Left alone")),
        ],
    )


@member_required()
def run_preview_view(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    form = RunPreviewForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    as_of: date = data.get("as_of") or today()
    preview = run_preview(org, as_of, calendar=calendar_for(org))
    outcome = data.get("outcome") or ""
    customers = [c for c in preview.customers if not outcome or c.outcome == outcome]
    return render(
        request,
        "web/run_preview.html",
        {
            "form": form,
            "preview": preview,
            "counts": preview.counts,
            "customers": paginate(request, customers, CUSTOMERS_PER_PAGE),
            "is_today": as_of == today(),
            "can_run": request.membership.can("approve"),  # type: ignore[attr-defined]
        },
    )


@require_POST
@member_required("approve")
def run_now(request: HttpRequest) -> HttpResponse:
    """Run today's collections for real (plan and store), then queue the sending for the background worker: an
    unresponsive mail server holds up the worker, not this page."""
    org = request.organization  # type: ignore[attr-defined]
    actor = Actor.of(request.user)
    result = run_collections(org, today(), actor=actor, calendar=calendar_for(org))
    queue_sending(org, request.user)
    messages.success(
        request,
        _(
            "Run done: %(actions)s actions planned (%(emails)s e-mails, %(letters)s letters, %(tasks)s tasks), "
            "%(approval)s awaiting approval. Sending is queued: the background worker sends the e-mails due, "
            "produces the letters and opens the tasks in a moment."
        )
        % {
            "actions": result.actions,
            "emails": result.emails,
            "letters": result.letters,
            "tasks": result.tasks,
            "approval": result.awaiting_approval,
        },
    )
    warn_if_no_worker(request)
    return redirect(reverse("run_preview"))
