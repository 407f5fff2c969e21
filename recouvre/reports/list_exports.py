"""Any list as CSV or XLSX: the customers, invoices, worklist tasks a filter shows.

The same rules as the aged balance's downloads (``recouvre.reports.exports``): a byte-order mark, and for a French
reader ``;`` between fields and decimal commas (``spreadsheet_style``); text a spreadsheet could take for a formula
(``=HYPERLINK(...)``) gets a leading ``'`` in CSV and is written as a string cell in XLSX; amounts are real numbers in
XLSX, dates real dates."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from .exports import CsvStyle, Writable, csv_safe, csv_writer, number_cell

TEXT, AMOUNT, NUMBER, DAY = "text", "amount", "number", "date"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT


def _csv_cell(value: Any, kind: str, style: CsvStyle) -> str:
    if value is None or value == "":
        return ""
    if kind == AMOUNT:
        return number_cell(str(Decimal(value).quantize(Decimal("0.01"))), style)
    if kind == NUMBER:
        return number_cell(str(value), style)
    if kind == DAY:
        return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
    return csv_safe(str(value))


def write_list_csv(out: Writable, columns: Sequence[Column], rows: Iterable[Sequence[Any]], style: CsvStyle) -> None:
    writer = csv_writer(out, style)
    writer.writerow([csv_safe(c.label) for c in columns])
    for row in rows:
        writer.writerow([_csv_cell(v, c.kind, style) for c, v in zip(columns, row, strict=True)])


def list_xlsx(title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> bytes:
    """A one-sheet workbook, written as it streams (any number of rows in little memory)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31] or "Sheet")
    bold = Font(bold=True)
    header = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=c.label)
        cell.data_type = "s"
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in rows:
        cells = []
        for c, v in zip(columns, row, strict=True):
            if v is None or v == "":
                cells.append(None)
                continue
            if c.kind == AMOUNT:
                cell = WriteOnlyCell(ws, value=Decimal(v))
                cell.number_format = "#,##0.00"
            elif c.kind == NUMBER:
                cell = WriteOnlyCell(ws, value=v)
            elif c.kind == DAY:
                cell = WriteOnlyCell(ws, value=v.date() if isinstance(v, datetime) else v)
                cell.number_format = "yyyy-mm-dd"
            else:
                cell = WriteOnlyCell(ws, value=str(v))
                cell.data_type = "s"  # "=..." stays text: openpyxl would otherwise write it as a formula
            cells.append(cell)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
