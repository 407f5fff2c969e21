"""API keys (administrators): create one (the key is shown on the page that answers, never again) and revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from recouvre.api.models import Scope
from recouvre.api.selectors import api_key, api_keys
from recouvre.api.services import create_api_key, revoke_api_key
from recouvre.ledger.actors import Actor

from ..decorators import member_required


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, help_text=gettext_lazy("What uses the key."))
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"),
        choices=Scope.choices,
        initial=[Scope.READ],
        widget=forms.CheckboxSelectMultiple,
    )


@member_required("manage_org")
def api_key_list(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    form = ApiKeyForm(request.POST or None)
    created = None
    new_key = ""
    if request.method == "POST" and form.is_valid():
        try:
            created, new_key = create_api_key(
                org, Actor.of(request.user), name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = ApiKeyForm()
    response = render(
        request,
        "web/api_keys.html",
        {"form": form, "keys": list(api_keys(org)), "created": created, "new_key": new_key, "section": "api_keys"},
    )
    if new_key:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@member_required("manage_org")
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    found = api_key(org, pk)
    if found is None:
        raise Http404
    revoke_api_key(found, Actor.of(request.user))
    messages.success(request, _("API key %(name)s revoked.") % {"name": found.name})
    return redirect("api_keys")
