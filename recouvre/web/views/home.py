"""The dashboard: the credit KPIs with their 12-month trend, what is owed and how late, cash collected per week,
the aged balance by segment, the most overdue customers and the collectors' results. Every figure links to the
invoices or customers behind it. Charts are SVG drawn here (``recouvre.core.charts``): no script, no CDN."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from recouvre.core import charts
from recouvre.core.aging import BUCKET_KEYS, BUCKETS
from recouvre.core.kpis import Period
from recouvre.ledger import selectors
from recouvre.reports import dashboard
from recouvre.reports.exports import bucket_labels, spreadsheet_style
from recouvre.reports.kpis import kpi_reports
from recouvre.tasks.selectors import open_counts

from .. import formatting
from ..decorators import member_required
from .common import today

MONTHS = 12


def bucket_rows(buckets: dict) -> tuple[list[dict], object]:  # type: ignore[type-arg]
    """``[{"key", "label", "amount"}]`` in bucket order, and the largest amount (for bar widths)."""
    labels = bucket_labels()
    rows = [{"key": k, "label": labels[k], "amount": buckets[k]} for k in BUCKET_KEYS]
    return rows, max((r["amount"] for r in rows), default=0)


def _url(name: str, **query: Any) -> str:
    """A list's address with its filters; dates as ISO (accepted by every date filter)."""
    params = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in query.items() if v not in (None, "")}
    return reverse(name) + ("?" + urlencode(params) if params else "")


def bucket_dues(as_of: date) -> dict[str, dict[str, date | None]]:
    """Each aging bucket as a due-date range on ``as_of`` (the invoice list's ``due_from`` / ``due_to``)."""
    out: dict[str, dict[str, date | None]] = {}
    for b in BUCKETS:
        if b.min_days is None:
            out[b.key] = {"due_from": as_of, "due_to": None}
        else:
            out[b.key] = {
                "due_from": as_of - timedelta(days=b.max_days) if b.max_days is not None else None,
                "due_to": as_of - timedelta(days=b.min_days),
            }
    return out


def kpi_cards(as_of: date) -> list[tuple[str, str, str, bool, dict[str, Any]]]:
    """(key, label, unit, whether higher is better, filters of the invoices behind it)."""
    over_90 = bucket_dues(as_of)["over_90"]
    days, pct = _("days"), "%"  # "%" is written "\u00a0%" in French (see ``_unit``)
    return [
        ("dso_countback", _("DSO (count-back)"), days, False, {"status": "open"}),
        ("dso_simple", _("DSO (simple)"), days, False, {"status": "open"}),
        ("bpdso", _("Best possible DSO"), days, False, {"status": "open", "due_from": as_of}),
        ("add", _("Average days delinquent"), days, False, {"status": "overdue"}),
        ("cei", _("Collection effectiveness"), pct, True, {"status": "open"}),
        ("overdue_pct", _("Overdue"), pct, False, {"status": "overdue"}),
        ("overdue_90_pct", _("Overdue over 90 days"), pct, False, {"status": "overdue", **over_90}),
        ("dispute_rate", _("Dispute rate"), pct, False, {"status": "open", "disputed": "on"}),
    ]


def _unit(unit: str) -> str:
    """What follows a KPI's figure: `` jours`` / `` days``; ``\u00a0%`` in French, ``%`` in English."""
    if unit != "%":
        return f" {unit}"
    return "%" if (get_language() or "fr").startswith("en") else "\u00a0%"


def _kpis(org: Any, as_of: date, currency: str) -> tuple[Any, list[dict[str, Any]]]:
    report = kpi_reports(org, as_of, period=Period.MONTH, months=MONTHS, currency=currency)[0]
    months = [(date(int(m[:4]), int(m[5:]), 1), k) for m, k in report.series]
    names = [formatting.month(m) for m, _k in months]
    cards = []
    for key, label, unit, higher_better, filters in kpi_cards(as_of):
        values = [getattr(k, key) for _m, k in months]
        value = values[-1]
        previous = values[-2] if len(values) > 1 else None
        change = value - previous if value is not None and previous is not None else None
        trend = ""
        if change:
            trend = "better" if (change > 0) == higher_better else "worse"
        points = [
            charts.Point(name, v.quantize(Decimal("0.1")) if v is not None else None)
            for name, v in zip(names, values, strict=True)
        ]
        unit_text = _unit(unit)
        chart = charts.line_chart(
            points,
            label=_("%(kpi)s over the last %(months)s months") % {"kpi": label, "months": len(points)},
            fmt=lambda v, u=unit_text: formatting.figure(v) + u,
        )
        cards.append(
            {
                "key": key,
                "label": label,
                "unit": unit_text,
                # a percentage changes by percentage points
                "change_unit": unit_text if unit != "%" else " " + _("pts"),
                "value": value,
                "change": change,
                "trend": trend,
                "chart": mark_safe(chart),  # noqa: S308 - every text in it is escaped by the chart module
                "url": _url("invoice_list", **filters),
                "series": [(m, v) for m, v in zip((m for m, _k in months), values, strict=True)],
            }
        )
    return report, cards


def _cash(org: Any, as_of: date, currency: str) -> dict[str, Any]:
    weeks = dashboard.weekly_collected(org, as_of, currency)
    forecast = dashboard.remembered_forecast(org, as_of, currency)
    bars = [
        charts.Point(
            formatting.short_day(start),
            amount,
            href=_url("invoice_list", status="all", paid_from=start, paid_to=min(start + timedelta(days=6), as_of)),
            title=_("Week of %(day)s: %(amount)s collected")
            % {"day": formatting.day(start), "amount": formatting.money(amount, currency)},
        )
        for start, amount in weeks
    ]
    bars += [
        charts.Point(
            formatting.short_day(start),
            expected,
            title=_("Week of %(day)s: %(amount)s expected")
            % {"day": formatting.day(start), "amount": formatting.money(expected, currency)},
        )
        for start, _end, expected in forecast
    ]
    past = len(weeks)
    chart = charts.bar_chart(
        bars,
        label=_("Cash collected per week over the last %(weeks)s weeks") % {"weeks": past}
        + (_(", then the forecast of the next %(weeks)s weeks") % {"weeks": len(forecast)} if forecast else ""),
        fmt=lambda v: formatting.figure(v, places=0),
        width=720 if forecast else 640,
        every=2 if forecast else 1,
        bar_class=lambda i, _p: "chart-forecast" if i >= past else "",
    )
    return {
        "chart": mark_safe(chart),  # noqa: S308 - every text in it is escaped by the chart module
        "weeks": [(start, amount, bars[i].href) for i, (start, amount) in enumerate(weeks)],
        "forecast": forecast,
        "collected": sum((a for _s, a in weeks), Decimal("0.00")),
        "expected": sum((e for _s, _e, e in forecast), Decimal("0.00")),
    }


def _segments(org: Any, as_of: date, currency: str) -> dict[str, Any]:
    dues = bucket_dues(as_of)
    rows = []
    for seg in dashboard.aged_by_segment(org, as_of, currency):
        rows.append(
            {
                "label": seg.label,
                "url": _url("invoice_list", status="open", segment=seg.segment),
                "total": seg.total,
                "cells": [
                    (seg.buckets[k], _url("invoice_list", status="open", segment=seg.segment, **dues[k]))
                    for k in BUCKET_KEYS
                ],
            }
        )
    labels = bucket_labels()
    return {"rows": rows, "headers": [labels[k] for k in BUCKET_KEYS]}


def _collectors(org: Any, start: date, as_of: date, currency: str) -> list[dict[str, Any]]:
    out = []
    for r in dashboard.collectors_results(org, start, as_of, currency):
        key = r.collector_id if r.collector_id is not None else 0
        out.append(
            {
                "result": r,
                "customers_url": _url("customer_list", collector=key),
                "collected_url": _url("invoice_list", status="all", collector=key, paid_from=start, paid_to=as_of),
            }
        )
    return out


@member_required()
def home(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    as_of = today()
    currency = org.currency
    totals = selectors.receivable_totals(org, as_of, currency)
    overdue_customers, top_overdue = selectors.most_overdue_customers(org, as_of, currency, 10)
    bars, bar_max = bucket_rows(totals["buckets"])
    report, cards = _kpis(org, as_of, currency)
    start = report.kpis.start
    return render(
        request,
        "web/home.html",
        {
            "as_of": as_of,
            "currency": currency,
            "totals": totals,
            "overdue_customers": overdue_customers,
            "bars": bars,
            "bar_max": bar_max,
            "top_overdue": top_overdue,
            "tasks": open_counts(org, as_of, request.user),
            "kpis": report.kpis,
            "cards": cards,
            "months": [m for m, _v in cards[0]["series"]] if cards else [],
            "period_start": start,
            "cash": _cash(org, as_of, currency),
            "segments": _segments(org, as_of, currency),
            "collectors": _collectors(org, start, as_of, currency),
            "links": {
                "open": _url("invoice_list", status="open"),
                "overdue": _url("invoice_list", status="overdue"),
                "overdue_customers": _url("customer_list", overdue="on"),
            },
        },
    )


@member_required()
def kpis_csv(request: HttpRequest) -> HttpResponse:
    """The KPIs' 12-month series (the dashboard's) as CSV, a line per month, per currency."""
    from recouvre.reports.kpi_exports import write_csv

    org = request.organization  # type: ignore[attr-defined]
    as_of = today()
    reports = kpi_reports(org, as_of, period=Period.MONTH, months=MONTHS)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kpis-{org.slug}-{as_of.isoformat()}.csv"'
    write_csv(response, reports, spreadsheet_style(get_language()))
    return response
