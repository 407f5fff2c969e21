"""``{% formal_notice_panel customer %}`` (customer page): the customer's formal notices (*mises en demeure*) with
their letters, posting, acknowledgment and payment deadline, the button to send one now, and the statement of
account."""

from __future__ import annotations

from typing import Any

from django import template

from recouvre.collections.models import Action
from recouvre.letters.models import Letter

from ..views.common import today

register = template.Library()


def _can(context: Any, permission: str) -> bool:
    membership = getattr(context["request"], "membership", None)
    return membership is not None and membership.can(permission)


@register.inclusion_tag("web/_formal_notice.html", takes_context=True)
def formal_notice_panel(context: Any, customer: Any) -> dict[str, Any]:
    request = context["request"]
    org = request.organization
    as_of = today()
    notices = list(
        Action.objects.filter(organization=org, customer=customer, template="formal_notice")
        .exclude(state="cancelled")
        .order_by("-send_on", "-id")[:10]
    )
    letters = {
        letter.action_id: letter
        for letter in Letter.objects.filter(organization=org, action_id__in=[a.pk for a in notices]).defer("pdf")
    }
    rows = []
    for action in notices:
        letter = letters.get(action.pk)
        expired = action.state == "sent" and action.deadline_on is not None and action.deadline_on < as_of
        rows.append({"action": action, "letter": letter, "expired": expired})
    overdue = customer.invoices.filter(open_amount__gt=0, due_on__lt=as_of).exists()
    return {
        "customer": customer,
        "rows": rows,
        "as_of": as_of,
        "can_send": _can(context, "edit") and overdue,
        "can_approve": _can(context, "approve"),
        "can_edit": _can(context, "edit"),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
