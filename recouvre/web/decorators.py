"""Access checks for the staff web app: logged in, member of an organization, allowed by the role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

View = Callable[..., HttpResponse]


def member_required(permission: str = "view") -> Callable[[View], View]:
    """Let the view run only for a logged-in user who is a member of ``request.organization`` and whose role
    grants ``permission`` (``recouvre.organizations.models.PERMISSIONS``).

    Anonymous users go to the login page; a user with no membership gets a page saying so; a member whose
    role does not allow it gets 403.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = getattr(request, "membership", None)
            if membership is None or getattr(request, "organization", None) is None:
                return render(request, "web/no_organization.html")
            if not membership.can(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
