"""Claimed penalties on the customer and invoice pages, and the payment-terms warnings:

- ``{% customer_penalties_box customer %}``: claimed, paid, waived and open penalties, each claim with its basis,
  the buttons to claim, waive, invoice, apply an unapplied payment, and the customer's payment-terms sector;
- ``{% invoice_penalties_box invoice %}``: the terms warning of one invoice and its claims;
- ``{% penalty_mentions_banner %}``: a banner when the organization's legal mentions lack a mandatory one.
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


def _can(context: Any, permission: str) -> bool:
    membership = getattr(context["request"], "membership", None)
    return membership is not None and membership.can(permission)


def _available_payments(org: Any, customer: Any) -> list[Any]:
    """The customer's payments with money applied neither to invoices nor to penalties (``available``)."""
    from django.db.models import Sum

    from recouvre.ledger import selectors as ledger_selectors
    from recouvre.penalties.models import PenaltyPayment

    payments = list(ledger_selectors.customer_unapplied_payments(org, customer)[:20])
    to_penalties = dict(
        PenaltyPayment.objects.filter(organization=org, payment__customer=customer)  # one query, whatever the data
        .values("payment_id")
        .annotate(s=Sum("amount"))
        .values_list("payment_id", "s")
    )
    for p in payments:
        p.available = p.unallocated_amount - to_penalties.get(p.pk, 0)
    return [p for p in payments if p.available > 0]


@register.inclusion_tag("web/_customer_penalties.html", takes_context=True)
def customer_penalties_box(context: Any, customer: Any) -> dict[str, Any]:
    from recouvre.penalties import selectors

    from ..views.penalties import SectorForm, WaiverForm

    org = context["request"].organization
    return {
        "customer": customer,
        "claims": selectors.claims(org, customer),
        "totals": selectors.totals(org, customer),
        "penalty_invoices": selectors.penalty_invoices(org, customer),
        "payments": _available_payments(org, customer),
        "order": selectors.settings_for(org).get_allocation_order_display(),
        "sector_form": SectorForm(initial={"sector": selectors.customer_sector(org, customer)}),
        "waiver_form": WaiverForm(),
        "can_edit": _can(context, "edit"),
        "can_approve": _can(context, "approve"),
        "csrf_token": context.get("csrf_token"),
        "back_to_invoice": "",
    }


@register.inclusion_tag("web/_invoice_penalties.html", takes_context=True)
def invoice_penalties_box(context: Any, invoice: Any) -> dict[str, Any]:
    from recouvre.penalties import selectors
    from recouvre.penalties.models import PenaltyClaim

    from ..views.penalties import WaiverForm

    org = context["request"].organization
    return {
        "invoice": invoice,
        "warning": selectors.terms_warning(org, invoice),
        "claims": list(PenaltyClaim.objects.filter(organization=org, invoice=invoice).prefetch_related("waivers")),
        "waiver_form": WaiverForm(),
        "can_edit": _can(context, "edit"),
        "can_approve": _can(context, "approve"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("web/_penalty_mentions_banner.html", takes_context=True)
def penalty_mentions_banner(context: Any) -> dict[str, Any]:
    from recouvre.penalties import selectors

    org = getattr(context["request"], "organization", None)
    return {"missing": [m.label for m in selectors.missing_letter_mentions(org)] if org is not None else []}
