"""``{% customer_tasks customer %}``: the open tasks of a customer, on its page."""

from __future__ import annotations

from typing import Any

from django import template

from recouvre.tasks import selectors

register = template.Library()

SHOWN = 20


@register.inclusion_tag("web/_customer_tasks.html", takes_context=True)
def customer_tasks(context: Any, customer: Any) -> dict[str, Any]:
    request = context["request"]
    tasks = list(
        selectors.tasks(request.organization)
        .filter(customer=customer, state="open")
        .select_related("assignee", "invoice")
        .order_by("due_on", "id")[: SHOWN + 1]
    )
    return {"tasks": tasks[:SHOWN], "truncated": len(tasks) > SHOWN, "customer": customer}
