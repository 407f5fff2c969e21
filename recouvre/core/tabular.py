"""Read a CSV or XLSX file as a header and rows of text cells, with the line numbers people see.

- CSV: the encoding is UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode text"), or else
  Windows-1252 / Latin-1. The separator is the one among ``;`` ``,`` tab ``|`` found most often in the header,
  unless a first line ``sep=;`` (written by Excel) names it.
- XLSX: the first worksheet, read with openpyxl in read-only mode; numbers become their shortest decimal text
  (``1234.5`` stays ``1234.5``, ``411001.0`` becomes ``411001``), dates become ``YYYY-MM-DD``.
- The header is the first line that is not blank; line numbers are as in the file (the header is usually 1).
  Blank lines are skipped. Every cell is text; nothing is trimmed or converted here.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from itertools import chain, compress, repeat
from pathlib import Path
from typing import Any

from .i18n import _

SEPARATORS = (";", ",", "\t", "|")
SEPARATOR_NAMES = {";": "semicolon", ",": "comma", "\t": "tab", "|": "pipe"}
_CHUNK = 1 << 20
_TEXT_CHUNK = 1 << 20  # characters of a CSV file read at a time
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls

Row = tuple[int, tuple[str, ...]]
_SEP_HINT = re.compile(r'"?sep=(.)"?', re.IGNORECASE)


class TabularError(ValueError):
    """The file cannot be read as a table; ``line`` is where (0 when it is the file as a whole)."""

    def __init__(self, message: str, line: int = 0):
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What was learnt about a file before reading its rows."""

    format: str  # "csv" or "xlsx"
    encoding: str | None  # CSV only
    sha256: str
    size: int
    line_estimate: int | None  # lines in the file (CSV) or rows in the sheet (XLSX), header included


@dataclass(frozen=True, slots=True)
class TableHeader:
    line: int
    cells: tuple[str, ...]
    delimiter: str | None  # CSV only


def sniff_file(path: Path) -> FileFacts:
    """One pass over the bytes: format, encoding, SHA-256 and line count. Refuses empty and .xls files."""
    digest = hashlib.sha256()
    size = 0
    newlines = 0
    with path.open("rb") as fh:
        head = fh.read(_CHUNK)
        if not head:
            raise TabularError(_("the file is empty"))
        if head.startswith(_OLE_MAGIC):
            raise TabularError(_("Excel 97-2003 files (.xls) are not supported: save the sheet as XLSX or CSV"))
        is_xlsx = head.startswith(_ZIP_MAGIC)
        encoding: str | None = None
        utf8: Any = None
        if not is_xlsx:
            if head.startswith(codecs.BOM_UTF8):
                encoding = "utf-8-sig"
            elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                encoding = "utf-16"
            else:
                utf8 = codecs.getincrementaldecoder("utf-8")()
        chunk = head
        last = b""
        while chunk:
            last = chunk[-1:]
            digest.update(chunk)
            size += len(chunk)
            newlines += chunk.count(b"\n")
            if utf8 is not None:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = None
                    encoding = "cp1252"
            chunk = fh.read(_CHUNK)
        if utf8 is not None:
            try:
                utf8.decode(b"", final=True)
                encoding = "utf-8"
            except UnicodeDecodeError:
                encoding = "cp1252"
    if encoding == "cp1252" and not _decodes(path, "cp1252"):
        encoding = "latin-1"  # bytes cp1252 leaves undefined (0x81, 0x8d...): every byte is a Latin-1 character
    if is_xlsx:
        return FileFacts("xlsx", None, digest.hexdigest(), size, None)
    return FileFacts("csv", encoding, digest.hexdigest(), size, newlines + (last not in (b"\n", b"\r")))


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff_delimiter(header_line: str) -> str:
    """The separator among ``;`` ``,`` tab ``|`` that occurs most often in the header, outside quotes."""
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(SEPARATORS, key=lambda s: counts[s])  # ties go to the first: ; then , then tab then |
    if counts[best] == 0:
        raise TabularError(
            _("cannot find the column separator in the header line (expected semicolon, comma, tab or pipe)"), 1
        )
    return best


class Table:
    """An open table: ``header`` then ``rows()``. Use as a context manager so the file is closed."""

    def __init__(self, path: Path, facts: FileFacts):
        self.path = path
        self.facts = facts
        self._fh: Any = None
        self._workbook: Any = None
        self._rows: Iterator[Row] | None = None
        self.header: TableHeader = self._open()

    # -- lifecycle
    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading
    def rows(self) -> Iterator[Row]:
        """``(line, cells)`` for every non-blank line after the header; cells are text, possibly fewer or more
        than the header's."""
        if self._rows is None:
            raise RuntimeError("rows() can be read once")
        rows, self._rows = self._rows, None
        return rows

    def _open(self) -> TableHeader:
        if self.facts.format == "xlsx":
            return self._open_xlsx()
        return self._open_csv()

    def _open_csv(self) -> TableHeader:
        assert self.facts.encoding is not None
        self._fh = self.path.open(encoding=self.facts.encoding, newline="")
        first_line = ""
        skipped = 0
        declared: str | None = None
        for raw in self._fh:
            if raw.strip():
                hint = _SEP_HINT.fullmatch(raw.strip())
                if hint is None or declared is not None:
                    first_line = raw
                    break
                declared = hint[1]  # Excel's "sep=;" first line names the separator
            skipped += 1
        if not first_line:
            raise TabularError(_("the file has no header line (it is empty or blank)"))
        delimiter = declared or sniff_delimiter(first_line)
        header_line = skipped + 1
        try:
            header = next(csv.reader([first_line], delimiter=delimiter))
        except csv.Error as exc:
            raise TabularError(_("cannot read the header: %(reason)s") % {"reason": exc}, header_line) from exc
        if not any(c.strip() for c in header):
            raise TabularError(_("the header line has no column names"), header_line)
        self._rows = self._csv_rows(delimiter, header_line)
        return TableHeader(header_line, tuple(header), delimiter)

    def _csv_rows(self, delimiter: str, header_line: int) -> Iterator[Row]:
        """The lines after the header: a megabyte of text at a time split on its line ends and separators while
        it has no quote and no unusual line end, the csv module from the first block that does (it reads
        exactly the same cells from plain lines, a few times slower)."""
        fh = self._fh
        last = header_line  # the last line read
        pending = ""  # the start of a line the next block finishes
        limit = csv.field_size_limit()
        while True:
            text = fh.read(_TEXT_CHUNK)
            if text:
                text = pending + text
                end = text.rfind("\n") + 1
                block, pending = text[:end], text[end:]
            else:
                block, pending = pending, ""
                if not block:
                    return
            lines = _plain_lines(block, limit) if block else None
            if lines is None:  # the csv module reads from here, the line in progress finished first
                head = io.StringIO(block + pending + fh.readline(), newline="")
                yield from self._csv_module_rows(chain(head, fh), delimiter, last)
                return
            count = len(lines)
            rows = map(tuple, map(str.split, lines, repeat(delimiter)))
            numbered = zip(range(last + 1, last + 1 + count), rows, strict=True)
            last += count
            if all(map(str.strip, lines, repeat(delimiter))):
                yield from numbered
            else:  # blank lines, or lines of separators only, are skipped
                yield from compress(numbered, map(str.strip, lines, repeat(delimiter)))

    def _csv_module_rows(self, source: Iterable[str], delimiter: str, last: int) -> Iterator[Row]:
        reader = csv.reader(source, delimiter=delimiter)
        start = last
        try:
            for cells in reader:
                line = last + 1
                last = start + reader.line_num
                if cells and any(cells):
                    yield line, tuple(cells)
        except csv.Error as exc:
            raise TabularError(_("cannot read the line: %(reason)s") % {"reason": exc}, last + 1) from exc

    def _open_xlsx(self) -> TableHeader:
        import zipfile

        from openpyxl import load_workbook  # type: ignore[import-untyped]

        try:
            self._workbook = load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise TabularError(_("not a readable XLSX workbook (%(reason)s)") % {"reason": exc}) from exc
        sheets = self._workbook.worksheets
        if not sheets:
            raise TabularError(_("the workbook has no worksheet"))
        rows = enumerate(sheets[0].iter_rows(values_only=True), start=1)
        for line, values in rows:
            cells = tuple(xlsx_text(v) for v in values)
            if any(cells):
                header = _trim_trailing(cells)
                self._rows = self._xlsx_rows(rows, len(header))
                return TableHeader(line, header, None)
        raise TabularError(_("the first worksheet is empty: no header line"))

    @staticmethod
    def _xlsx_rows(rows: Iterator[tuple[int, tuple[Any, ...]]], width: int) -> Iterator[Row]:
        for line, values in rows:
            cells = tuple(xlsx_text(v) for v in values)
            if any(cells):
                yield line, _trim_trailing(cells, keep=width)


def _plain_lines(block: str, limit: int) -> list[str] | None:
    """The lines of ``block`` (whole lines) when the csv module would read each as its separated values: no quote,
    line ends all ``\\n`` or all ``\\r\\n``, no line longer than the csv module's field limit. Else ``None``."""
    if '"' in block:
        return None
    if "\r" not in block:
        lines = block.split("\n")
    elif block.count("\r") == block.count("\r\n") == block.count("\n"):
        lines = block.split("\r\n")
    else:
        return None
    if not lines[-1]:
        lines.pop()  # after the last line end
    if lines and max(map(len, lines)) > limit:
        return None
    return lines


def _trim_trailing(cells: tuple[str, ...], keep: int = 0) -> tuple[str, ...]:
    end = len(cells)
    while end > keep and not cells[end - 1]:
        end -= 1
    return cells[:end]


def xlsx_text(value: object) -> str:
    """A spreadsheet cell as the text a person sees, without binary float noise."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def open_table(path: Path) -> Table:
    """Sniff ``path`` and open it; raises ``TabularError`` for an empty, unreadable or header-less file."""
    return Table(path, sniff_file(path))
