"""``{% holds_panel customer %}`` (customer page) and ``{% invoice_disputes invoice %}`` (invoice page): the holds,
their state, and the forms to place, resolve and lift them for members who may edit."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from recouvre.collections import selectors
from recouvre.collections.models import HoldKind, HoldOutcome

from .. import hold_forms
from ..views.common import today

register = template.Library()


def _state(hold: Any, as_of: Any) -> None:
    hold.state = hold.status(as_of)
    labels = {
        "active": _("Active"),
        "scheduled": _("Starts later"),
        "ended": _("Ended"),
        **{value: str(label) for value, label in HoldOutcome.choices},
    }
    hold.state_label = labels.get(hold.state, hold.state)


def _can_edit(context: Any) -> bool:
    membership = getattr(context["request"], "membership", None)
    return membership is not None and membership.can("edit")


@register.inclusion_tag("web/_holds.html", takes_context=True)
def holds_panel(context: Any, customer: Any) -> dict[str, Any]:
    request = context["request"]
    org = request.organization
    as_of = today()
    rows = selectors.customer_holds(org, customer)
    for hold in rows:
        _state(hold, as_of)
        hold.invoice_numbers = (  # type: ignore[attr-defined]
            [hold.invoice.number] if hold.invoice is not None else [i.number for i in hold.invoices.all()]
        )
    can_edit = _can_edit(context)
    forms: dict[str, Any] = {}
    if can_edit:
        kw = {"organization": org, "customer": customer}
        forms = {
            "dispute": hold_forms.DisputeForm(**kw),
            "promise": hold_forms.PromiseForm(**kw),
            "plan": hold_forms.PlanForm(**kw),
            "instalments": hold_forms.InstalmentFormSet(prefix="instalments"),
            "paid": hold_forms.AlreadyPaidForm(**kw),
            "pause": hold_forms.PauseForm(**kw),
            "insolvency": hold_forms.InsolvencyForm(**kw),
        }
    return {
        "customer": customer,
        "active": [h for h in rows if h.state in ("active", "scheduled")],  # type: ignore[attr-defined]
        "past": [h for h in rows if h.state not in ("active", "scheduled")],  # type: ignore[attr-defined]
        "can_edit": can_edit,
        "forms": forms,
        "resolve_form": hold_forms.ResolveDisputeForm(auto_id=False),
        "dispute_kind": HoldKind.DISPUTE.value,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("web/_invoice_disputes.html", takes_context=True)
def invoice_disputes(context: Any, invoice: Any) -> dict[str, Any]:
    request = context["request"]
    org = request.organization
    as_of = today()
    disputes = selectors.invoice_disputes(org, invoice)
    for hold in disputes:
        _state(hold, as_of)
    live = next((h for h in disputes if h.released_at is None), None)
    can_edit = _can_edit(context)
    form = None
    if can_edit and live is None and invoice.open_amount > 0:
        form = hold_forms.DisputeForm(
            organization=org, customer=invoice.customer, initial={"invoice": invoice.pk}, auto_id="inv-dispute-%s"
        )
    return {
        "invoice": invoice,
        "disputes": disputes,
        "live": live,
        "can_edit": can_edit,
        "form": form,
        "resolve_form": hold_forms.ResolveDisputeForm(auto_id=False),
        "csrf_token": context.get("csrf_token"),
    }
