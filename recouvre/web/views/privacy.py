"""Personal data: the Privacy settings page (administrators) and the export of everything held about a customer
(right of access, GDPR art. 15). Another organization's customer is 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.ledger import selectors
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer
from recouvre.ledger.services import record_event
from recouvre.privacy.notice import default_notice, settings_of
from recouvre.privacy.selectors import subject_access, subject_access_json
from recouvre.privacy.services import save_settings

from ..decorators import member_required
from ..privacy_forms import PrivacySettingsForm


@member_required("manage_org")
def privacy_settings(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    current = settings_of(org)
    form = PrivacySettingsForm(request.POST or None, instance=settings_of(org))
    if request.method == "POST" and form.is_valid():
        save_settings(org, Actor.of(request.user), **{f: form.cleaned_data[f] for f in form.Meta.fields})
        messages.success(request, _("Privacy settings saved."))
        return redirect("privacy_settings")
    defaults = {
        lang: {kind: default_notice(org, lang, kind, current) for kind in ("business", "consumer")}
        for lang in ("fr", "en")
    }
    return render(request, "web/privacy_settings.html", {"form": form, "defaults": defaults})


@require_POST
@member_required("manage_org")
def customer_personal_data(request: HttpRequest, pk: int) -> HttpResponse:
    """The JSON of everything held about the customer; the export is written on its timeline."""
    org = request.organization  # type: ignore[attr-defined]
    try:
        customer = selectors.customer(org, pk)
    except Customer.DoesNotExist as exc:
        raise Http404 from exc
    data = subject_access(org, customer)
    record_event(org, customer, "privacy.exported", Actor.of(request.user), contact="")
    response = HttpResponse(subject_access_json(data), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="personal-data-{customer.pk}.json"'
    return response
