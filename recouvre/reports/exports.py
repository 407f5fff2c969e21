"""The aged balance as rows, CSV, XLSX and terminal text. Headers are translated in the active language.

Every function takes the reports of one or several currencies (``selectors.aged_balances``). Rows carry their
currency in a ``Currency`` column and each currency has its own total row: no row and no total adds amounts of two
currencies. Text that a spreadsheet could take for a formula (a customer named ``=HYPERLINK(...)``) stays text: in
CSV it gets a leading ``'``, in XLSX it is written as a string cell.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.utils.translation import gettext as _

from recouvre.core.aging import BUCKET_KEYS, AgedBalance

# Columns holding text (account, customer, currency); the others hold amounts.
TEXT_COLUMNS = (0, 1, 2 + len(BUCKET_KEYS) + 3)
# What a spreadsheet reads as the start of a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Writable(Protocol):
    """Where CSV goes: a text file, ``sys.stdout``, a Django ``HttpResponse``."""

    def write(self, text: str, /) -> object: ...


@dataclass(frozen=True)
class CsvStyle:
    """How a CSV file is written: ``PLAIN`` (commas, ``1234.56``, no BOM) for programs and the command line;
    ``spreadsheet_style`` for a person who opens the file in a spreadsheet."""

    delimiter: str = ","
    decimal_comma: bool = False
    bom: bool = False


PLAIN = CsvStyle()


def spreadsheet_style(language: str | None) -> CsvStyle:
    """A file downloaded from the web app: a byte-order mark (so that Excel reads UTF-8: ``Non échu``, not
    ``Non Ã©chu``), and for a French reader ``;`` between fields and a decimal comma (what French Excel expects)."""
    french = (language or "").lower().startswith("fr")
    return CsvStyle(delimiter=";" if french else ",", decimal_comma=french, bom=True)


def csv_writer(out: Writable, style: CsvStyle) -> Any:
    """A CSV writer of ``style`` on ``out`` (the byte-order mark written first when the style has one)."""
    if style.bom:
        out.write("\ufeff")
    return csv.writer(out, delimiter=style.delimiter)


def number_cell(value: str, style: CsvStyle) -> str:
    """An amount, a percentage or a number of days (``1234.56``) as the style writes it (``1234,56`` in French)."""
    return value.replace(".", ",") if style.decimal_comma else value


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
        _("Currency"),
    ]


def report_rows(report: AgedBalance) -> Iterator[list[str]]:
    """One currency: a row per customer, then its total row; amounts as plain decimal strings (``1234.56``), the
    currency in the last column."""
    for line in report.lines:
        yield [
            line.ref,
            line.name,
            *(str(line.buckets[k]) for k in BUCKET_KEYS),
            str(line.total),
            str(line.unapplied),
            str(line.balance),
            report.currency,
        ]
    totals = report.buckets
    yield [
        "",
        _("Total"),
        *(str(totals[k]) for k in BUCKET_KEYS),
        str(report.total),
        str(report.unapplied),
        str(report.balance),
        report.currency,
    ]


def aging_rows(reports: Sequence[AgedBalance]) -> Iterator[list[str]]:
    """The header, then each currency's customers and total row, currency after currency."""
    yield aging_header()
    for report in reports:
        yield from report_rows(report)


def csv_safe(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def write_aging_csv(out: Writable, reports: Sequence[AgedBalance], style: CsvStyle = PLAIN) -> None:
    """The rows as CSV; the text columns are made safe to open in a spreadsheet, the amounts written in ``style``."""
    writer = csv_writer(out, style)
    for n, row in enumerate(aging_rows(reports)):
        writer.writerow(
            [csv_safe(v) if i in TEXT_COLUMNS else (number_cell(v, style) if n else v) for i, v in enumerate(row)]
        )


def aging_xlsx(reports: Sequence[AgedBalance]) -> bytes:
    """An XLSX workbook with real numbers (not text) formatted with two decimals, a total row (bold) per currency,
    and the account, customer and currency always as text, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = _("Aged balance")[:31]
    ws.append([_("Aged balance on %(date)s") % {"date": reports[0].as_of.isoformat()}])
    ws.append([])
    ws.append(aging_header())
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for report in reports:
        rows = list(report_rows(report))
        for n, row in enumerate(rows, start=1):
            ws.append([Decimal(v) if i not in TEXT_COLUMNS else v for i, v in enumerate(row)])
            for i, cell in enumerate(ws[ws.max_row]):
                if i in TEXT_COLUMNS:
                    cell.data_type = "s"  # "=..." stays text: openpyxl would otherwise write it as a formula
                else:
                    cell.number_format = "#,##0.00"
                if n == len(rows):
                    cell.font = Font(bold=True)
    ws.column_dimensions["B"].width = 40
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def print_aging(reports: Sequence[AgedBalance]) -> None:
    """One table per currency, the first one's currency first, each with its own total."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # A pipe or a file gets the whole table, not one cut to 80 columns.
    console = Console(width=None if sys.stdout.isatty() else 240)
    header = aging_header()[:-1]  # the currency is in each table's title
    for n, report in enumerate(reports):
        table = Table(
            title=_("Aged balance on %(date)s (%(currency)s)")
            % {"date": report.as_of.isoformat(), "currency": report.currency}
        )
        for i, h in enumerate(header):
            table.add_column(h, justify="right" if i >= 2 else "left", no_wrap=True)
        # As plain Text: a customer named "Dupont [Paris]" is not read as console markup.
        rows = [[Text(v) for v in row[:-1]] for row in report_rows(report)]
        for row in rows[:-1]:
            table.add_row(*row)
        table.add_section()
        table.add_row(*rows[-1], style="bold")
        if n:
            console.print()
        console.print(table)
