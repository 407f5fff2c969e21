"""What an import reports, independent of the file format.

- ``RowError``: one refused value, by line and field; ``ErrorList`` collects them as a file is read, keeping the
  first ``MAX_REPORTED_ERRORS`` and counting the others, so that a file of a million bad lines neither fills the
  memory nor a page of errors nobody reads.
- ``ImportRefused``: the file is refused (nothing written), with the first errors and how many there are.
- ``ImportFailed``: the import could not be carried out for a reason that is not the file's (the database locked,
  the disk full); nothing from the file was written.
- ``control_character``: the control characters no imported value may hold (see ``docs/imports.md``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .i18n import _

#: Errors kept and shown for a refused file (web page, command output, --json); the others are only counted.
MAX_REPORTED_ERRORS = 200

# Unicode's control characters (category Cc): C0 (U+0000-U+001F: NUL, tab, line feed, carriage return, form
# feed...), DEL (U+007F) and C1 (U+0080-U+009F). No imported value may hold one: a reference, a number, an amount
# or a date never does, and every text field imported is a single line (the address comes as two fields, and
# the forms that edit these fields are one-line inputs, which would silently lose a line break).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_NAMES = {
    "\x00": "NUL",
    "\t": "tab",
    "\n": "line feed",
    "\x0b": "vertical tab",
    "\x0c": "form feed",
    "\r": "carriage return",
    "\x1b": "escape",
    "\x7f": "DEL",
}


def control_character(text: str) -> str | None:
    """The first control character of ``text`` as ``U+000A (line feed)``, or ``None`` when it has none."""
    if text.isprintable():  # the common case, one pass in C; printable text has no control character
        return None
    found = _CONTROL.search(text)
    if found is None:
        return None
    char = found.group()
    code = f"U+{ord(char):04X}"
    name = _CONTROL_NAMES.get(char)
    return f"{code} ({name})" if name else code


def escape_controls(text: str) -> str:
    """``text`` with each control character written as an escape (``\\x1b``, ``\\n``), to be printed on a
    terminal safely (a name read from a file could otherwise move the cursor or change colours)."""
    if text.isprintable():
        return text
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def control_message(text: str, char: str) -> str:
    """Why a value holding the control character ``char`` (as ``control_character`` names it) is refused."""
    return _(
        "%(text)r contains a control character (%(char)s): line breaks, tabs and other control characters are "
        "not accepted in an imported value"
    ) % {"text": text[:40] + ("..." if len(text) > 40 else ""), "char": char}


@dataclass(frozen=True, slots=True)
class RowError:
    """A refused value: the line in the file (1 = first line, the header counts), the field and why."""

    line: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        return _("line %(line)s, %(field)s: %(message)s") % {
            "line": self.line,
            "field": self.field,
            "message": self.message,
        }


class ErrorList(list[RowError]):
    """The errors found in a file, in the order found: the first ``keep`` are kept, every one is counted
    (``total``). Use ``total`` (not ``len``) to tell whether an error was added."""

    def __init__(self, errors: Iterable[RowError] = (), keep: int = MAX_REPORTED_ERRORS) -> None:
        super().__init__()
        self.keep = keep
        self.total = 0
        self.extend(errors)

    def append(self, error: RowError) -> None:
        self.total += 1
        if len(self) < self.keep:
            super().append(error)

    def extend(self, errors: Iterable[RowError]) -> None:
        if isinstance(errors, ErrorList):
            room = self.keep - len(self)
            if room > 0:
                super().extend(errors[:room])
            self.total += errors.total
            return
        for error in errors:
            self.append(error)

    @property
    def more(self) -> int:
        """How many errors were counted but not kept."""
        return self.total - len(self)


def _total(errors: Iterable[RowError]) -> int:
    return errors.total if isinstance(errors, ErrorList) else len(list(errors))


class ImportRefused(Exception):
    """The whole file is refused; nothing was written. ``errors`` are the first ``MAX_REPORTED_ERRORS`` by line,
    ``total`` how many there are in all (``more`` = the ones not listed)."""

    def __init__(self, *error_lists: Iterable[RowError], total: int | None = None):
        """``error_lists``: lists of errors (an ``ErrorList`` brings its count), merged by line; ``total``, when
        known, the count of them all."""
        lists = [list(e) if not isinstance(e, list) else e for e in error_lists]
        merged = sorted((e for errors in lists for e in errors), key=lambda e: e.line)
        self.errors: list[RowError] = merged[:MAX_REPORTED_ERRORS]
        self.total: int = max(total or 0, sum(_total(errors) for errors in lists), len(merged))
        super().__init__("; ".join(str(e) for e in self.errors[:5]))

    @property
    def more(self) -> int:
        return self.total - len(self.errors)


class ImportFailed(Exception):
    """The import could not be carried out for a reason outside the file (the database locked or unreachable, the
    disk full); the transaction was rolled back and nothing from the file was written. The message says why, for
    a person."""


@dataclass(slots=True)
class ImportResult:
    """Counts of rows created, updated and left unchanged, the refusals, and notes for the person importing
    (e.g. "due dates computed from payment terms", "lettered group AB does not balance")."""

    kind: str
    file: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    details: dict[str, dict[str, int]] = field(default_factory=dict)
    error_count: int = 0  # every error, when ``errors`` lists only the first ones

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, entity: str, outcome: str, n: int = 1) -> None:
        """Add ``n`` to ``outcome`` ("created"/"updated"/"unchanged") for ``entity`` ("invoices"...)."""
        bucket = self.details.setdefault(entity, {"created": 0, "updated": 0, "unchanged": 0})
        bucket[outcome] += n
        setattr(self, outcome, getattr(self, outcome) + n)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.as_dict() for e in self.errors],
            "error_count": max(self.error_count, len(self.errors)),
            "notes": list(self.notes),
            "dry_run": self.dry_run,
            "details": self.details,
        }
