"""``{% notes_of customer invoice as notes %}``: the notes shown by ``web/_notes.html`` (a customer's, or one
invoice's), and ``{% unread_notifications %}``: the reader's unread count for the bell of the top bar."""

from __future__ import annotations

from typing import Any

from django import template

from recouvre.notes import selectors
from recouvre.notifications.services import unread_count

register = template.Library()

SHOWN = 50


@register.simple_tag(takes_context=True)
def notes_of(context: Any, customer: Any, invoice: Any = None) -> dict[str, Any]:
    request = context["request"]
    organization = request.organization
    qs = selectors.notes(organization, customer=customer, invoice=invoice or None)
    notes = list(qs[: SHOWN + 1])
    membership = getattr(request, "membership", None)
    return {
        "shown": selectors.shown(organization, notes[:SHOWN], request.user),
        "more": len(notes) > SHOWN,
        "can_write": membership is not None and membership.can("edit"),
    }


@register.simple_tag(takes_context=True)
def unread_notifications(context: Any) -> int:
    request = context.get("request")
    organization = getattr(request, "organization", None)
    user = getattr(request, "user", None)
    if organization is None or user is None or not user.is_authenticated:
        return 0
    return unread_count(organization, user)
