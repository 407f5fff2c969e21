"""The organization switcher."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from recouvre.organizations import selectors
from recouvre.organizations.middleware import SESSION_KEY


@require_POST
@login_required
def switch_organization(request: HttpRequest) -> HttpResponse:
    """Work in the organization POSTed as ``organization`` (its id). Only an organization the user is a member
    of can be chosen; any other id gives 404, the same answer as an id that does not exist."""
    try:
        org_id = int(request.POST.get("organization", ""))
    except ValueError as exc:
        raise Http404 from exc
    org = selectors.organizations_for(request.user).filter(pk=org_id).first()  # type: ignore[arg-type]
    if org is None:
        raise Http404
    request.session[SESSION_KEY] = org.pk
    # Back to the dashboard: the page the user was on may show an object of the previous organization.
    return redirect("home")
