"""The aged balance (*balance âgée*) on screen, as CSV and as XLSX."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from recouvre.core.aging import BUCKET_KEYS, AgedBalance
from recouvre.reports.aging_lists import AGING_SORTS, narrowed, sorted_report
from recouvre.reports.exports import aging_xlsx, spreadsheet_style, write_aging_csv
from recouvre.reports.saved_filters import clean_query, saved_filters
from recouvre.reports.selectors import aged_balances, currencies_in_use

from ..decorators import member_required
from ..forms import AgingForm
from ..list_forms import AgingFilterForm, SavedFilterForm
from .common import paginate, today
from .customer_list import sort_links
from .home import bucket_rows

LINES_PER_PAGE = 100


def _report(request: HttpRequest) -> tuple[AgingForm, AgedBalance, list[str]]:
    """The form (as-of date, currency) read from the query string, and the report it asks for: one currency, the
    organization's unless another is chosen (the ``recouvre report aging --currency`` selector). A bad date or a
    currency the organization does not use is reported on the form and the default is used. The report is then
    narrowed to the segment, collector and tag asked for and sorted (``_filters``)."""
    org = request.organization  # type: ignore[attr-defined]
    currencies = currencies_in_use(org)
    form = AgingForm(request.GET or None, currencies=currencies)
    as_of: date = today()
    currency: str = org.currency
    if form.is_bound and form.is_valid():
        as_of = form.cleaned_data["as_of"] or as_of
        currency = form.cleaned_data["currency"] or currency
    if not form.is_bound:
        form = AgingForm(initial={"as_of": as_of, "currency": currency}, currencies=currencies)
    (report,) = aged_balances(org, as_of, currency=currency)
    filters = _filters(request).cleaned_data
    report = narrowed(
        org,
        report,
        segment=filters.get("segment", ""),
        collector_id=filters.get("collector"),
        tag=filters.get("tag", ""),
    )
    return form, sorted_report(report, filters.get("sort") or "ref", filters.get("dir", "")), currencies


def _filters(request: HttpRequest) -> AgingFilterForm:
    form = AgingFilterForm(request.GET or None, organization=request.organization, sorts=list(AGING_SORTS))  # type: ignore[attr-defined]
    if form.is_bound:
        form.is_valid()
    else:
        form.cleaned_data = {}
    return form


@member_required()
def aging(request: HttpRequest) -> HttpResponse:
    form, report, currencies = _report(request)
    bars, bar_max = bucket_rows(report.buckets)
    filters = _filters(request)
    drill_base = reverse("invoice_list")
    drill = QueryDict(mutable=True)
    drill.update({"as_of": report.as_of.isoformat(), "currency": report.currency, "status": "open"})
    for key in ("segment", "collector"):
        if request.GET.get(key) and not filters.errors.get(key):
            drill[key] = request.GET[key]
    query = clean_query(request.GET)
    sorts = sort_links(request, "aging", {k: (k, d) for k, d in AGING_SORTS.items()}, "ref")
    for b in bars:
        b["sort"] = sorts[b["key"]]
        b["drill"] = f"{drill_base}?{drill.urlencode()}&bucket={b['key']}"
    page = paginate(request, report.lines, LINES_PER_PAGE)
    labels = {b["key"]: b["label"] for b in bars}
    rows = [
        {
            "line": line,
            "cells": [
                {
                    "key": key,
                    "label": labels[key],
                    "amount": line.buckets[key],
                    "url": f"{drill_base}?{drill.urlencode()}&customer={line.customer_id}&bucket={key}"
                    if line.customer_id
                    else "",
                }
                for key in BUCKET_KEYS
            ],
        }
        for line in page.object_list
    ]
    return render(
        request,
        "web/aging.html",
        {
            "form": form,
            "report": report,
            "page": page,
            "rows": rows,
            "bars": bars,
            "bar_max": bar_max,
            "several_currencies": len(currencies) > 1,
            "export_query": request.GET.urlencode(),
            "filters": filters,
            "sorts": sorts,
            "drill_totals": not (request.GET.get("tag") or "").strip(),
            "query": query,
            "saved_filters": list(saved_filters(request.organization, request.user, "aging")),  # type: ignore[attr-defined]
            "save_form": SavedFilterForm(initial={"query": query}),
        },
    )


def _filename(request: HttpRequest, report: AgedBalance, extension: str) -> str:
    org = request.organization  # type: ignore[attr-defined]
    name = slugify(_("aged balance")) or "aged-balance"
    return f"{name}-{org.slug}-{report.currency.lower()}-{report.as_of.isoformat()}.{extension}"


@member_required()
def aging_csv(request: HttpRequest) -> HttpResponse:
    _form, report, _currencies = _report(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(request, report, "csv")}"'
    write_aging_csv(response, [report], spreadsheet_style(get_language()))
    return response


@member_required()
def aging_xlsx_view(request: HttpRequest) -> HttpResponse:
    _form, report, _currencies = _report(request)
    response = HttpResponse(
        aging_xlsx([report]), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(request, report, "xlsx")}"'
    return response
