"""Invoice list and invoice page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from recouvre.ledger import selectors
from recouvre.ledger.models import Invoice

from ..decorators import member_required
from ..forms import InvoiceFilterForm
from .common import paginate, today

INVOICES_PER_PAGE = 50


@member_required()
def invoice_list(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    as_of = today()
    form = InvoiceFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    condition = None
    if filters.get("disputed"):
        from recouvre.collections.selectors import under_dispute

        condition = under_dispute(org, as_of)
    qs = selectors.invoice_list(
        org,
        as_of,
        status=filters.get("status") or "open",
        due_from=filters.get("due_from"),
        due_to=filters.get("due_to"),
        search=filters.get("q", ""),
        segment=filters.get("segment", ""),
        collector_id=filters.get("collector"),
        paid_from=filters.get("paid_from"),
        paid_to=filters.get("paid_to"),
        condition=condition,
    )
    page = paginate(request, qs, INVOICES_PER_PAGE)
    for inv in page.object_list:
        inv.days_overdue = max(0, (as_of - inv.due_on).days) if inv.open_amount > 0 else 0
    return render(request, "web/invoice_list.html", {"form": form, "page": page, "as_of": as_of})


@member_required()
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    try:
        invoice = selectors.invoice(org, pk)
    except Invoice.DoesNotExist as exc:
        raise Http404 from exc
    as_of = today()
    days_overdue = max(0, (as_of - invoice.due_on).days) if invoice.open_amount > 0 else 0
    allocations = list(selectors.invoice_allocations(org, invoice))
    membership = getattr(request, "membership", None)
    can_undo = membership is not None and membership.can("edit")
    if can_undo:
        from recouvre.ledger.cash import undo_refusals

        why_not = undo_refusals(allocations)
        for a in allocations:
            a.why_not = why_not.get(a.pk, "")  # type: ignore[attr-defined]
    return render(
        request,
        "web/invoice_detail.html",
        {
            "invoice": invoice,
            "allocations": allocations,
            "can_undo": can_undo,
            "days_overdue": days_overdue,
            "as_of": as_of,
        },
    )
