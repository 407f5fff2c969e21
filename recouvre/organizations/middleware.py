"""Which organization the current request works in.

The organization is the one chosen in the switcher (kept in the session) if the user is a member of it,
otherwise the user's first organization. ``request.organization`` and ``request.membership`` are ``None``
for anonymous users and for users with no membership. Views never trust an organization id from a URL or
a form: they read ``request.organization`` and pass it to selectors.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .models import Membership

SESSION_KEY = "recouvre_organization_id"


class CurrentOrganizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organization = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = Membership.objects.filter(user=user).select_related("organization")
            chosen = request.session.get(SESSION_KEY)
            m = None
            if chosen is not None:
                m = memberships.filter(organization_id=chosen).first()
            if m is None:
                m = memberships.order_by("organization__name").first()
            if m is not None:
                request.organization = m.organization  # type: ignore[attr-defined]
                request.membership = m  # type: ignore[attr-defined]
        return self.get_response(request)
