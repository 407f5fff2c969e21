"""The customer list: columns a collector sorts by, saved filters, CSV/XLSX export of what the filter shows."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.collections import list_selectors
from recouvre.reports import saved_filters as saved
from recouvre.reports.exports import spreadsheet_style
from recouvre.reports.list_exports import AMOUNT, DAY, NUMBER, Column, list_xlsx, write_list_csv

from ..decorators import member_required
from ..list_forms import SORT_LABELS, CustomerListForm, SavedFilterForm
from .common import paginate, today

CUSTOMERS_PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filtered_customers(request: HttpRequest, query: QueryDict | None = None) -> tuple[CustomerListForm, Any]:
    """The form read from ``query`` (the request's by default) and the customers it shows, annotated and sorted."""
    org = request.organization  # type: ignore[attr-defined]
    query = request.GET if query is None else query
    form = CustomerListForm(query or None, organization=org)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = list_selectors.customer_rows(
        org,
        today(),
        search=filters.get("q", ""),
        segment=filters.get("segment", ""),
        overdue_only=filters.get("overdue", False),
        collector_id=filters.get("collector"),
        status=filters.get("status", ""),
        tag=filters.get("tag", ""),
        sort=filters.get("sort") or "overdue",
        direction=filters.get("dir", ""),
    )
    return form, qs


def sort_links(request: HttpRequest, url_name: str, sorts: dict[str, tuple[str, str]], default: str) -> dict[str, Any]:
    """For each sortable column: the address sorting on it (the other way round when it is the current sort) and
    ``asc``/``desc`` when it is the current sort."""
    current = request.GET.get("sort") or default
    if current not in sorts:
        current = default
    current_dir = request.GET.get("dir") or sorts[current][1]
    links = {}
    for key, (_field, natural) in sorts.items():
        query = request.GET.copy()
        query.pop("page", None)
        query["sort"] = key
        if key == current:
            query["dir"] = "desc" if current_dir == "asc" else "asc"
        else:
            query["dir"] = natural
        links[key] = {
            "url": f"{reverse(url_name)}?{query.urlencode()}",
            "state": current_dir if key == current else "",
        }
    return links


@member_required()
def customer_list(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    as_of = today()
    form, qs = filtered_customers(request)
    page = paginate(request, qs, CUSTOMERS_PER_PAGE)
    page.object_list = list_selectors.describe(page.object_list, org, as_of)
    query = saved.clean_query(request.GET)
    return render(
        request,
        "web/customer_list.html",
        {
            "form": form,
            "page": page,
            "as_of": as_of,
            "currency": org.currency,
            "sorts": sort_links(request, "customer_list", list_selectors.CUSTOMER_SORTS, "overdue"),
            "sort_labels": SORT_LABELS,
            "query": query,
            "saved_filters": list(saved.saved_filters(org, request.user, "customers")),
            "save_form": SavedFilterForm(initial={"query": query}),
        },
    )


def customer_columns() -> list[Column]:
    return [
        Column(_("Account")),
        Column(_("Name")),
        Column(_("SIREN")),
        Column(_("Segment")),
        Column(_("Balance"), AMOUNT),
        Column(_("Overdue"), AMOUNT),
        Column(_("Days overdue (oldest)"), NUMBER),
        Column(_("Last action")),
        Column(_("Last action on"), DAY),
        Column(_("Next action")),
        Column(_("Next action on"), DAY),
        Column(_("Collector")),
        Column(_("Status")),
        Column(_("Currency")),
    ]


def customer_export_rows(rows: Any, currency: str) -> Any:
    for c in rows:
        yield [
            c.ref,
            c.name,
            c.siren,
            c.get_segment_display(),
            c.balance,
            c.overdue_total,
            c.oldest_days,
            str(c.last_action_label),
            c.last_action_at,
            str(c.next_action_label),
            c.next_action_on,
            c.collector_name or "",
            ", ".join(str(t) for t in c.tags_running),
            currency,
        ]


def export_response(request: HttpRequest, title: str, columns: list[Column], rows: Any, fmt: str) -> HttpResponse:
    """``rows`` as a CSV (the reader's spreadsheet style) or XLSX download named after ``title`` and the day."""
    org = request.organization  # type: ignore[attr-defined]
    name = f"{slugify(title) or 'list'}-{org.slug}-{today().isoformat()}"
    if fmt == "xlsx":
        response = HttpResponse(list_xlsx(title, columns, rows), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    write_list_csv(response, columns, rows, spreadsheet_style(get_language()))
    return response


@member_required()
def customer_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every customer the filter shows, in the list's order."""
    org = request.organization  # type: ignore[attr-defined]
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, qs = filtered_customers(request)
    rows = list_selectors.iterate_rows(qs, org, today())
    return export_response(request, _("Customers"), customer_columns(), customer_export_rows(rows, org.currency), fmt)


# ------------------------------------------------------------------------------------------------ saved filters

LISTS = {"customers": "customer_list", "invoices": "invoice_list", "aging": "aging"}


@require_POST
@member_required()
def saved_filter_save(request: HttpRequest, list_name: str) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    if list_name not in LISTS:
        return redirect("home")
    form = SavedFilterForm(request.POST)
    back = reverse(LISTS[list_name])
    if not form.is_valid():
        messages.error(request, _("Give the filter a name (80 characters at most)."))
        return redirect(back)
    query = QueryDict(form.cleaned_data["query"] or "")
    try:
        found = saved.save_filter(
            org, request.user, list_name, name=form.cleaned_data["name"], query=saved.clean_query(query)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, _("Filter “%(name)s” saved.") % {"name": found.name})
    return redirect(f"{back}?{found.query}" if found.query else back)


@require_POST
@member_required()
def saved_filter_delete(request: HttpRequest, list_name: str, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    if list_name not in LISTS:
        return redirect("home")
    found = saved.delete_filter(org, request.user, pk)
    if found is not None:
        messages.success(request, _("Filter “%(name)s” deleted.") % {"name": found.name})
    return redirect(LISTS[list_name])
