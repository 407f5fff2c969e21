"""The KPI reports (``kpis.kpi_reports``) as JSON, CSV and terminal tables. Days and percentages are decimal
strings with one decimal, amounts with two; an undefined ratio (no sales, nothing open) is ``null`` / empty / "-".
Each currency is its own report: no figure adds two currencies."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import Any

from django.utils.translation import gettext as _

from recouvre.core.kpis import AMOUNTS, RATIOS, Kpis

from .exports import PLAIN, CsvStyle, Writable, csv_safe, csv_writer, number_cell
from .kpis import KpiReport

COLUMNS = (*RATIOS, *AMOUNTS)


def kpi_labels() -> dict[str, str]:
    return {
        "dso_countback": _("DSO (count-back, days)"),
        "dso_simple": _("DSO (simple, days)"),
        "bpdso": _("Best possible DSO (days)"),
        "add": _("Average days delinquent (DSO - BPDSO)"),
        "add_invoice": _("Average days delinquent (by invoice)"),
        "cei": _("Collection effectiveness index (%)"),
        "overdue_pct": _("Overdue (% of receivables)"),
        "overdue_90_pct": _("Overdue over 90 days (% of receivables)"),
        "dispute_rate": _("Disputed (% of receivables)"),
        "payment_delay": _("Average payment delay (days)"),
        "receivables": _("Receivables"),
        "current": _("Not due"),
        "overdue": _("Overdue"),
        "overdue_90": _("Overdue over 90 days"),
        "disputed": _("Disputed"),
        "sales": _("Sales of the period"),
        "opening": _("Receivables at the start of the period"),
        "collected": _("Collected in the period"),
    }


def _report_dict(report: KpiReport) -> dict[str, Any]:
    out: dict[str, Any] = {
        "as_of": report.as_of.isoformat(),
        "currency": report.currency,
        "period": report.period.value,
        "kpis": report.kpis.as_dict(),
        "series": [{"month": month, **k.as_dict()} for month, k in report.series],
    }
    if report.breakdown:
        out["breakdown"] = [{"key": key, "label": label, **k.as_dict()} for key, label, k in report.breakdown]
    return out


def as_json(reports: Sequence[KpiReport]) -> dict[str, Any]:
    """The first currency's report at the top level; the others, same shape, in ``other_currencies``."""
    first, *others = reports
    return {**_report_dict(first), "other_currencies": [_report_dict(r) for r in others]}


def csv_rows(reports: Sequence[KpiReport]) -> Iterator[list[str]]:
    """A header, then per currency one row per month of the series and one per breakdown line."""
    labels = kpi_labels()
    yield [_("Currency"), _("Month"), _("Breakdown"), _("Period start"), _("Period end"), *(labels[c] for c in COLUMNS)]
    for report in reports:
        for month, k in report.series:
            yield [report.currency, month, "", *_values(k)]
        for _key, label, k in report.breakdown:
            yield [report.currency, "", label, *_values(k)]


def _values(k: Kpis) -> list[str]:
    d = k.as_dict()
    return [str(d["period_start"]), str(d["period_end"]), *(str(d[c]) if d[c] is not None else "" for c in COLUMNS)]


def write_csv(out: Writable, reports: Sequence[KpiReport], style: CsvStyle = PLAIN) -> None:
    """CSV; the breakdown label (a customer's name) is made safe to open in a spreadsheet, the figures written in
    ``style``."""
    writer = csv_writer(out, style)
    for n, row in enumerate(csv_rows(reports)):
        if n:
            row = [*row[:2], csv_safe(row[2]), *row[3:5], *(number_cell(v, style) for v in row[5:])]
        writer.writerow(row)


def print_kpis(reports: Sequence[KpiReport]) -> None:
    """Per currency: the KPIs as of the date, the monthly series, and the breakdown when asked."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(width=None if sys.stdout.isatty() else 240)
    labels = kpi_labels()
    short = ("dso_countback", "dso_simple", "bpdso", "add", "cei", "overdue_pct", "receivables", "sales", "collected")
    for n, report in enumerate(reports):
        if n:
            console.print()
        values = report.kpis.as_dict()
        table = Table(
            title=_("KPIs on %(date)s (%(currency)s), %(start)s to %(end)s")
            % {
                "date": report.as_of.isoformat(),
                "currency": report.currency,
                "start": values["period_start"],
                "end": values["period_end"],
            }
        )
        table.add_column(_("Indicator"))
        table.add_column(_("Value"), justify="right")
        for c in COLUMNS:
            table.add_row(labels[c], str(values[c]) if values[c] is not None else "-")
        console.print(table)
        series = Table(title=_("Monthly series (%(currency)s)") % {"currency": report.currency})
        series.add_column(_("Month"))
        for c in short:
            series.add_column(labels[c], justify="right")
        for month, k in report.series:
            d = k.as_dict()
            series.add_row(month, *(str(d[c]) if d[c] is not None else "-" for c in short))
        console.print(series)
        if report.breakdown:
            table = Table(title=_("Breakdown (%(currency)s)") % {"currency": report.currency})
            table.add_column(_("Breakdown"))
            for c in short:
                table.add_column(labels[c], justify="right")
            for _key, label, k in report.breakdown:
                d = k.as_dict()
                table.add_row(Text(label or "-"), *(str(d[c]) if d[c] is not None else "-" for c in short))
            console.print(table)
