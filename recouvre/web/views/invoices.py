"""Invoice list and invoice page."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from recouvre.ledger import selectors
from recouvre.ledger.models import Invoice
from recouvre.reports.aging_lists import bucket_condition
from recouvre.reports.exports import bucket_labels
from recouvre.reports.list_exports import AMOUNT, DAY, NUMBER, Column
from recouvre.reports.saved_filters import clean_query, saved_filters

from ..decorators import member_required
from ..list_forms import InvoiceListForm, SavedFilterForm
from .common import paginate, today
from .customer_list import export_response

INVOICES_PER_PAGE = 50


def filtered_invoices(request: HttpRequest) -> tuple[InvoiceListForm, Any, date]:
    """The filter form read from the query string, the invoices it shows, and the date they are seen on (today,
    or the aged balance's date when coming from one of its amounts)."""
    org = request.organization  # type: ignore[attr-defined]
    form = InvoiceListForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    as_of = filters.get("as_of") or today()
    condition = Q()
    if filters.get("disputed"):
        from recouvre.collections.selectors import under_dispute

        condition &= under_dispute(org, as_of)
    if filters.get("customer"):
        condition &= Q(customer_id=filters["customer"])
    if filters.get("currency"):
        condition &= Q(currency=filters["currency"].upper())
    if filters.get("bucket"):
        condition &= bucket_condition(filters["bucket"], as_of)
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
    return form, qs, as_of


@member_required()
def invoice_list(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    form, qs, as_of = filtered_invoices(request)
    page = paginate(request, qs, INVOICES_PER_PAGE)
    for inv in page.object_list:
        inv.days_overdue = max(0, (as_of - inv.due_on).days) if inv.open_amount > 0 else 0
    query = clean_query(request.GET)
    customer = None
    if form.is_valid() and form.cleaned_data.get("customer"):
        customer = selectors.customers(org).filter(pk=form.cleaned_data["customer"]).first()
    bucket = form.cleaned_data.get("bucket") if form.is_valid() else ""
    return render(
        request,
        "web/invoice_list.html",
        {
            "form": form,
            "page": page,
            "as_of": as_of,
            "query": query,
            "drill_customer": customer,
            "drill_bucket": bucket_labels().get(bucket or "", ""),
            "saved_filters": list(saved_filters(org, request.user, "invoices")),
            "save_form": SavedFilterForm(initial={"query": query}),
        },
    )


def invoice_columns() -> list[Column]:
    return [
        Column(_("Number")),
        Column(_("Account")),
        Column(_("Customer")),
        Column(_("Issue date"), DAY),
        Column(_("Due date"), DAY),
        Column(_("Days overdue"), NUMBER),
        Column(_("Total"), AMOUNT),
        Column(_("Open amount"), AMOUNT),
        Column(_("Currency")),
    ]


def _invoice_rows(qs: Any, as_of: date) -> Any:
    for inv in qs.iterator(chunk_size=2000):
        yield [
            inv.number,
            inv.customer.ref,
            inv.customer.name,
            inv.issued_on,
            inv.due_on,
            max(0, (as_of - inv.due_on).days) if inv.open_amount > 0 else 0,
            inv.total,
            inv.open_amount,
            inv.currency,
        ]


@member_required()
def invoice_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every invoice the filter shows, in the list's order."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, qs, as_of = filtered_invoices(request)
    return export_response(request, _("Invoices"), invoice_columns(), _invoice_rows(qs, as_of), fmt)


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
