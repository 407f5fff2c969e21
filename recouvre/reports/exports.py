"""The aged balance as rows, CSV, XLSX and terminal text. Headers are translated in the active language."""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.utils.translation import gettext as _

from recouvre.core.aging import BUCKET_KEYS, AgedBalance


def bucket_labels() -> dict[str, str]:
    return {
        "not_due": _("Not due"),
        "1_30": _("1-30 days"),
        "31_60": _("31-60 days"),
        "61_90": _("61-90 days"),
        "over_90": _("Over 90 days"),
    }


def aging_header() -> list[str]:
    labels = bucket_labels()
    return [
        _("Account"),
        _("Customer"),
        *(labels[k] for k in BUCKET_KEYS),
        _("Total"),
        _("Unapplied"),
        _("Balance"),
    ]


def aging_rows(report: AgedBalance) -> Iterator[list[str]]:
    """Header, one row per customer, then the total row; amounts as plain decimal strings (``1234.56``)."""
    yield aging_header()
    for line in report.lines:
        yield [
            line.ref,
            line.name,
            *(str(line.buckets[k]) for k in BUCKET_KEYS),
            str(line.total),
            str(line.unapplied),
            str(line.balance),
        ]
    totals = report.buckets
    yield [
        "",
        _("Total"),
        *(str(totals[k]) for k in BUCKET_KEYS),
        str(report.total),
        str(report.unapplied),
        str(report.balance),
    ]


def aging_xlsx(report: AgedBalance) -> bytes:
    """An XLSX workbook with real numbers (not text) formatted with two decimals."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = _("Aged balance")[:31]
    ws.append([_("Aged balance on %(date)s") % {"date": report.as_of.isoformat()}, "", report.currency])
    ws.append([])
    rows = list(aging_rows(report))
    ws.append(rows[0])
    for cell in ws[3]:
        cell.font = Font(bold=True)
    from decimal import Decimal

    for row in rows[1:]:
        ws.append([row[0], row[1], *(Decimal(v) for v in row[2:])])
    for r in ws.iter_rows(min_row=4, min_col=3):
        for cell in r:
            cell.number_format = "#,##0.00"
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.column_dimensions["B"].width = 40
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def print_aging(report: AgedBalance) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=_("Aged balance on %(date)s (%(currency)s)")
        % {"date": report.as_of.isoformat(), "currency": report.currency}
    )
    rows = list(aging_rows(report))
    for i, h in enumerate(rows[0]):
        table.add_column(h, justify="right" if i >= 2 else "left", no_wrap=True)
    for row in rows[1:-1]:
        table.add_row(*row)
    table.add_section()
    table.add_row(*rows[-1], style="bold")
    import sys

    # A pipe or a file gets the whole table, not one cut to 80 columns.
    Console(width=None if sys.stdout.isatty() else 240).print(table)
