from __future__ import annotations

from django.http import HttpRequest

from .selectors import organizations_for


def organizations(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_organization": getattr(request, "organization", None),
        "current_membership": getattr(request, "membership", None),
        "my_organizations": organizations_for(user),
    }
