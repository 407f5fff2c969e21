"""The aged balance (*balance âgée*) on screen, as CSV and as XLSX."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from recouvre.core.aging import AgedBalance
from recouvre.reports.exports import aging_xlsx, spreadsheet_style, write_aging_csv
from recouvre.reports.selectors import aged_balances, currencies_in_use

from ..decorators import member_required
from ..forms import AgingForm
from .common import paginate, today
from .home import bucket_rows

LINES_PER_PAGE = 100


def _report(request: HttpRequest) -> tuple[AgingForm, AgedBalance, list[str]]:
    """The form (as-of date, currency) read from the query string, and the report it asks for: one currency, the
    organization's unless another is chosen (the ``recouvre report aging --currency`` selector). A bad date or a
    currency the organization does not use is reported on the form and the default is used."""
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
    return form, report, currencies


@member_required()
def aging(request: HttpRequest) -> HttpResponse:
    form, report, currencies = _report(request)
    bars, bar_max = bucket_rows(report.buckets)
    return render(
        request,
        "web/aging.html",
        {
            "form": form,
            "report": report,
            "page": paginate(request, report.lines, LINES_PER_PAGE),
            "bars": bars,
            "bar_max": bar_max,
            "several_currencies": len(currencies) > 1,
            "export_query": request.GET.urlencode(),
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
