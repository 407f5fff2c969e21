"""Customer list and customer page."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from recouvre.core.aging import ZERO
from recouvre.ledger import selectors
from recouvre.ledger.models import Customer
from recouvre.ledger.timeline import describe
from recouvre.organizations.models import Organization
from recouvre.reports.selectors import aged_balance
from recouvre.risk.credit import check_order, customer_credit
from recouvre.risk.forms import OrderCheckForm

from ..decorators import member_required
from ..forms import CustomerLegalIdentityForm
from .common import customer_or_404, today
from .home import bucket_rows
from .portal_links import portal_card

TIMELINE_LENGTH = 100
OPEN_ITEMS_SHOWN = 200
FIGURES = ("open", "overdue", "unapplied")


@member_required()
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    as_of = today()

    invoices = list(selectors.customer_open_invoices(org, customer)[: OPEN_ITEMS_SHOWN + 1])
    invoices_truncated = len(invoices) > OPEN_ITEMS_SHOWN
    invoices = invoices[:OPEN_ITEMS_SHOWN]
    for inv in invoices:
        inv.days_overdue = max(0, (as_of - inv.due_on).days)  # type: ignore[attr-defined]
    payments = list(selectors.customer_unapplied_payments(org, customer)[:OPEN_ITEMS_SHOWN])
    notes = list(selectors.customer_unapplied_credit_notes(org, customer)[:OPEN_ITEMS_SHOWN])
    # Figures per currency: a customer billed in two currencies has two balances, never one sum.
    figures = selectors.customer_balances(org, customer, as_of) or {org.currency: dict.fromkeys(FIGURES, ZERO)}
    balances = [
        {"currency": cur, **f, "balance": f["open"] - f["unapplied"]}
        for cur, f in sorted(figures.items(), key=lambda kv: (kv[0] != org.currency, kv[0]))
    ]

    aging = aged_balance(org, as_of, customer_ids=[customer.pk])
    bars, bar_max = bucket_rows(aging.buckets)
    events = [
        {"event": e, "text": describe(e), "who": _who(e)} for e in selectors.timeline(org, customer)[:TIMELINE_LENGTH]
    ]
    # Credit: the stored score and why, the exposure against the limit, and the order check (asked by GET).
    credit = customer_credit(org, customer, as_of)
    order_form = OrderCheckForm(request.GET if "order_amount" in request.GET else None)
    order = None
    if order_form.is_bound and order_form.is_valid():
        order = check_order(org, customer, order_form.cleaned_data["order_amount"], today=as_of)
    insurance = _insurance(org, customer, as_of)
    return render(
        request,
        "web/customer_detail.html",
        {
            "customer": customer,
            "contacts": list(customer.contacts.all()),
            "invoices": invoices,
            "invoices_truncated": invoices_truncated,
            "payments": payments,
            "credit_notes": notes,
            "balances": balances,
            "as_of": as_of,
            "currency": org.currency,
            "aging": aging,
            "bars": bars,
            "bar_max": bar_max,
            "events": events,
            "timeline_truncated": len(events) == TIMELINE_LENGTH,
            "credit": credit,
            "order_form": order_form,
            "order": order,
            "insurance": insurance,
            "portal": portal_card(customer),
        },
    )


def _insurance(org: Organization, customer: Customer, as_of: date) -> dict[str, object]:
    """The customer's credit insurance cover, its covered open invoices and those left to declare."""
    from recouvre.core import insurance as core_insurance
    from recouvre.risk.insurance_selectors import cover_of, covered_invoices, terms_of

    cover = cover_of(org, customer.pk)
    if cover is None:
        return {"cover": None}
    items = covered_invoices(org, as_of, customer_id=customer.pk)
    return {
        "cover": cover,
        "extension_days": terms_of(cover).max_extension_days,
        "items": items,
        "to_declare": [i for i in items if i.status != core_insurance.DECLARED],
    }


def _who(event: object) -> str:
    actor = getattr(event, "actor", None)
    if actor is not None:
        return actor.get_full_name() or actor.get_username()
    from recouvre.ledger.actors import readable

    return readable(getattr(event, "actor_label", "") or "")


@member_required("edit")
def customer_legal_identity(request: HttpRequest, pk: int) -> HttpResponse:
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from recouvre.ledger.actors import Actor
    from recouvre.ledger.services import update_customer

    customer = customer_or_404(request, pk)
    form = CustomerLegalIdentityForm(request.POST or None, initial=CustomerLegalIdentityForm.initial_of(customer))
    if request.method == "POST" and form.is_valid():
        update_customer(customer, Actor.of(request.user), validate=True, **form.changes())
        messages.success(request, _("Legal identity saved."))
        return redirect("customer_detail", pk=customer.pk)
    return render(request, "web/customer_legal_identity.html", {"customer": customer, "form": form})
