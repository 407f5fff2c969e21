"""``{% processes_banner %}``: on the dashboard, for administrators, a warning when the background worker or the
scheduler is not running (no heartbeat within three of its intervals; never seen, once the database is more than
15 minutes old) or has been failing for over a minute (``recouvre.operations.selectors.warnings``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("web/_processes_banner.html", takes_context=True)
def processes_banner(context: template.Context) -> dict[str, Any]:
    from recouvre.operations.selectors import warnings

    request = context.get("request")
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    admin = (membership is not None and membership.can("manage_org")) or bool(getattr(user, "is_superuser", False))
    return {"warnings": warnings(timezone.now()) if admin else []}
