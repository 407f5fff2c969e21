"""``{% legal_route_panel customer %}`` (customer page): the legal route recommended today with its reasons, the
downloads (injonction de payer request, hand-off package), and the customer's court proceedings with their
deadlines and forms."""

from __future__ import annotations

from typing import Any

from django import template

from recouvre.core.routes import route_label
from recouvre.proceedings import selectors
from recouvre.proceedings.models import decree_2026_96_from
from recouvre.proceedings.recommendation import legal_route

from .. import proceeding_forms as forms
from ..views.common import today

register = template.Library()


@register.inclusion_tag("web/_legal_route.html", takes_context=True)
def legal_route_panel(context: Any, customer: Any) -> dict[str, Any]:
    request = context["request"]
    org = request.organization
    as_of = today()
    # the customer page computes the route once for its recommended next step and hands it over
    route = context.get("legal_route_today") or legal_route(org, customer, as_of)
    membership = getattr(request, "membership", None)
    can_edit = membership is not None and membership.can("edit")
    proceedings = selectors.customer_proceedings(org, customer)
    current = next((p for p in proceedings if p.is_open), None)
    update_form = None
    if current is not None and can_edit:
        update_form = forms.UpdateProceedingForm(
            initial={
                name: getattr(current, name)
                for name in forms.UpdateProceedingForm.base_fields
                if hasattr(current, name)
            }
        )
    open_form = None
    if current is None and can_edit and route.recommendation.judicial:
        open_form = forms.OpenProceedingForm(
            initial={
                "route": route.recommendation.route.value,
                "amount_claimed": route.facts.principal + route.facts.interest,
            }
        )
    return {
        "request": request,
        "customer": customer,
        "as_of": as_of,
        "route": route.recommendation,
        "facts": route.facts,
        "alternatives": [route_label(r) for r in route.recommendation.alternatives],
        # The request can be drawn: something left to claim and nothing that forbids it (insolvency, an
        # administrative contract, a debtor abroad); the hand-off package needs only something to claim.
        "claimable": bool(route.invoices) and not route.refusals,
        "handoff": bool(route.invoices) and not route.facts.insolvency,
        "can_edit": can_edit,
        "proceedings": proceedings,
        "current": current,
        "open_form": open_form,
        "update_form": update_form,
        "enforcement_form": forms.EnforcementForm() if current is not None and can_edit else None,
        "close_form": forms.CloseProceedingForm() if current is not None and can_edit else None,
        "decree_from": decree_2026_96_from(),
    }
