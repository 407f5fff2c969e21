"""``{% customer_collection_box customer %}``: the customer's own policy and collector, on the customer page."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("web/_customer_collection.html", takes_context=True)
def customer_collection_box(context: Any, customer: Any) -> dict[str, Any]:
    from ..views.collections_config import customer_collection_form

    request = context["request"]
    membership = getattr(request, "membership", None)
    return {
        "customer": customer,
        "form": customer_collection_form(request.organization, customer),
        "can_manage": membership is not None and membership.can("manage_collections"),
        "csrf_token": context.get("csrf_token"),
    }
