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
MEGABYTE = 1 << 20
# XLSX workbooks: what is read at most. A worksheet has at most 1 048 576 rows (Excel's limit); a sheet of that
# many invoice lines takes 150 to 400 MB of XML (larger ones are imported as CSV); workbooks are compressed 5 to 20
# times.
MAX_XLSX_ROWS = 1_048_576
MAX_XLSX_BYTES = 256 * MEGABYTE  # the members' sizes once uncompressed, added up
MAX_XLSX_RATIO = 100  # uncompressed size / file size, above RATIO_FLOOR
RATIO_FLOOR = 16 * MEGABYTE
MAX_XLSX_MEMBERS = 1000
_PROLOG_CHUNK = 16 * 1024
_MAX_PROLOG = MEGABYTE
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
        declared: Any = None  # the decoder of the encoding a byte order mark declares: the text must be that
        if not is_xlsx:
            if head.startswith(codecs.BOM_UTF8):
                encoding = "utf-8-sig"
            elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                encoding = "utf-16"
            else:
                utf8 = codecs.getincrementaldecoder("utf-8")()
            if encoding is not None:
                declared = codecs.getincrementaldecoder(encoding)()
        chunk = head
        last = b""
        while chunk:
            last = chunk[-1:]
            digest.update(chunk)
            size += len(chunk)
            if utf8 is not None:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = None
                    encoding = "cp1252"
            elif declared is not None:
                try:
                    declared.decode(chunk)
                except UnicodeDecodeError as exc:
                    raise _not_declared(encoding, newlines + chunk[: exc.start].count(b"\n") + 1) from exc
            newlines += chunk.count(b"\n")
            chunk = fh.read(_CHUNK)
        if utf8 is not None:
            try:
                utf8.decode(b"", final=True)
                encoding = "utf-8"
            except UnicodeDecodeError:
                encoding = "cp1252"
        elif declared is not None:
            try:
                declared.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                raise _not_declared(encoding, newlines + 1) from exc
    if encoding == "cp1252" and not _decodes(path, "cp1252"):
        encoding = "latin-1"  # bytes cp1252 leaves undefined (0x81, 0x8d...): every byte is a Latin-1 character
    if is_xlsx:
        return FileFacts("xlsx", None, digest.hexdigest(), size, None)
    return FileFacts("csv", encoding, digest.hexdigest(), size, newlines + (last not in (b"\n", b"\r")))


def _not_declared(encoding: str | None, line: int) -> TabularError:
    name = "UTF-16" if encoding == "utf-16" else "UTF-8"
    return TabularError(
        _("the file starts with a %(encoding)s byte order mark but holds bytes that are not %(encoding)s text")
        % {"encoding": name},
        line,
    )


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
        try:
            self.header: TableHeader = self._open()
        except BaseException:
            self.close()
            raise

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
        from openpyxl import load_workbook  # type: ignore[import-untyped]

        check_xlsx(self.path, self.facts.size)
        try:
            self._workbook = load_workbook(self.path, read_only=True, data_only=True)
            sheets = self._workbook.worksheets
            if not sheets:
                raise TabularError(_("the workbook has no worksheet"))
            sheet = sheets[0]
            declared = sheet.max_row  # from the sheet's dimension element, when it has one
            if isinstance(declared, int) and declared > MAX_XLSX_ROWS:
                raise TabularError(_too_many_rows(declared))
            # An explicit last row: openpyxl otherwise fills any gap up to the highest row number it meets.
            source = sheet.iter_rows(values_only=True, max_row=MAX_XLSX_ROWS + 1)
        except TabularError:
            raise
        except Exception as exc:  # openpyxl on a damaged workbook raises almost anything: the file is refused
            raise TabularError(_unreadable(exc)) from exc
        rows = _guarded(enumerate(source, start=1))
        for line, values in rows:
            cells = tuple(map(xlsx_text, values))
            if any(cells):
                header = _trim_trailing(cells)
                self._rows = self._xlsx_rows(rows, len(header))
                return TableHeader(line, header, None)
        raise TabularError(_("the first worksheet is empty: no header line"))

    @staticmethod
    def _xlsx_rows(rows: Iterator[tuple[int, tuple[Any, ...]]], width: int) -> Iterator[Row]:
        for line, values in rows:
            extra = values[width:]
            if extra and extra.count(None) != len(extra):  # values right of the header: kept, the reader says so
                cells = _trim_trailing(tuple(map(xlsx_text, values)), keep=width)
            else:  # only the header's columns (a sheet formatted to its last column has thousands of empty cells)
                cells = tuple(map(xlsx_text, values[:width]))
            if any(cells):
                yield line, cells


def _too_many_rows(count: int) -> str:
    return _("the worksheet has %(count)s rows, more than the %(limit)s a worksheet can have") % {
        "count": count,
        "limit": MAX_XLSX_ROWS,
    }


def _unreadable(exc: BaseException) -> str:
    reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return _("not a readable XLSX workbook (%(reason)s)") % {"reason": reason}


def _guarded(rows: Iterator[tuple[int, tuple[Any, ...]]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The worksheet's rows, refused past ``MAX_XLSX_ROWS``; whatever openpyxl raises on a damaged sheet becomes
    a ``TabularError`` naming the last row read."""
    line = 0
    try:
        for line, values in rows:
            if line > MAX_XLSX_ROWS:
                raise TabularError(_too_many_rows(line), line)
            yield line, values
    except TabularError:
        raise
    except Exception as exc:
        raise TabularError(_unreadable(exc), line + 1) from exc


def check_xlsx(path: Path, size: int) -> None:
    """Refuse, before openpyxl reads it, a workbook that would cost far more than its size: too many members,
    members that expand beyond ``MAX_XLSX_BYTES`` in all or ``MAX_XLSX_RATIO`` times the file, encrypted
    members or unknown compression methods, and any XML part with a document type declaration (``<!DOCTYPE``,
    entities: nothing a spreadsheet needs, and the way to make a small file expand or read other files)."""
    import zipfile

    from .archives import ArchiveError, check_directory, member_problem

    try:
        with path.open("rb") as fh:
            check_directory(fh, max_members=MAX_XLSX_MEMBERS)
            with zipfile.ZipFile(fh) as archive:
                infos = archive.infolist()
                expanded = sum(info.file_size for info in infos)
                if expanded > MAX_XLSX_BYTES:
                    raise TabularError(
                        _(
                            "the workbook expands to %(size)s MB, more than the %(limit)s MB accepted: save the "
                            "sheet as CSV to import it"
                        )
                        % {"size": expanded // MEGABYTE, "limit": MAX_XLSX_BYTES // MEGABYTE}
                    )
                if expanded > RATIO_FLOOR and expanded > MAX_XLSX_RATIO * max(size, 1):
                    raise TabularError(
                        _(
                            "the workbook expands to %(size)s MB from a file of %(file)s KB: a workbook is never "
                            "compressed that much, the file is refused"
                        )
                        % {"size": expanded // MEGABYTE, "file": size // 1024}
                    )
                for info in infos:
                    problem = member_problem(info) or _prolog_problem(archive, info)
                    if problem is not None:
                        raise TabularError(
                            _("not a readable XLSX workbook (%(member)s: %(problem)s)")
                            % {"member": info.filename[:100], "problem": problem}
                        )
    except TabularError:
        raise
    except ArchiveError as exc:
        raise TabularError(_("not a readable XLSX workbook (%(reason)s)") % {"reason": exc}) from exc
    except Exception as exc:  # zipfile on a damaged archive: BadZipFile, EOFError, zlib.error, OverflowError...
        raise TabularError(_unreadable(exc)) from exc


class _Found(Exception):
    pass


def _prolog_problem(archive: Any, info: Any) -> str | None:
    """Why the member, an XML document, is refused: a document type declaration, or no element in its first
    megabyte. Only its prolog is read (up to the first element); a member that is not XML is left to openpyxl,
    which reads only a workbook's XML parts."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    state = {"dtd": False}

    def doctype(*_args: Any) -> None:
        state["dtd"] = True
        raise _Found

    def element(*_args: Any) -> None:
        raise _Found

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = element
    read = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(_PROLOG_CHUNK):
                parser.Parse(chunk, False)
                read += len(chunk)
                if read >= _MAX_PROLOG:
                    return _("no XML element in its first megabyte")
            parser.Parse(b"", True)
    except _Found:
        if state["dtd"]:
            return _("holds a document type declaration (<!DOCTYPE>), which a workbook never needs")
    except expat.ExpatError:
        pass
    return None


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
