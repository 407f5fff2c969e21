"""``{% securities_panel customer %}`` (customer page): the securities held for the customer's debt, the guarantors
to inform of a payment incident (C. civ. 2303), the mediations and conciliations (C. civ. 2238), and the forms for
members who may edit. Only the current organization's rows are read."""

from __future__ import annotations

from typing import Any

from django import template

from recouvre.core import securities as core
from recouvre.legal import securities

from ..security_forms import AmicableEndForm, AmicableStartForm, GuarantorInformedForm
from ..views.common import today

register = template.Library()


@register.inclusion_tag("web/_customer_securities.html", takes_context=True)
def securities_panel(context: Any, customer: Any) -> dict[str, Any]:
    request = context["request"]
    org = request.organization
    as_of = today()
    membership = getattr(request, "membership", None)
    can_edit = membership is not None and membership.can("edit")
    rows = list(securities.securities_of(org, customer))
    for row in rows:
        row.in_force = securities.facts_of(row).in_force(as_of)  # type: ignore[attr-defined]
    reminders = securities.guarantor_reminders(org, as_of, customer=customer)
    steps = list(securities.amicable_steps(org, customer).order_by("-started_on", "-id"))
    running = next((s for s in steps if s.ended_on is None), None)
    return {
        "request": request,
        "customer": customer,
        "as_of": as_of,
        "securities": rows,
        "deposits": core.deposits_total(securities.facts_of(r) for r in rows),
        "reminders": [
            {
                "reminder": r,
                "form": GuarantorInformedForm(
                    initial={"invoice": r.invoice_number, "informed_on": as_of}, auto_id=f"gi{r.security.pk}_%s"
                )
                if can_edit
                else None,
            }
            for r in reminders
        ],
        "notice_months": securities.notice_months(org),
        "steps": steps,
        "running": running,
        "professional": customer.kind != "consumer",
        "can_edit": can_edit,
        "start_form": AmicableStartForm(auto_id="am_%s", initial={"started_on": as_of})
        if can_edit and running is None
        else None,
        "end_form": AmicableEndForm(auto_id="amend_%s", initial={"ended_on": as_of})
        if can_edit and running is not None
        else None,
        "csrf_token": context.get("csrf_token"),
    }
