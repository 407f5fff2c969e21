"""What an import reports, independent of the file format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .i18n import _


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


class ImportRefused(Exception):
    """The whole file is refused; nothing was written. ``errors`` names every bad line."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


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
            "notes": list(self.notes),
            "dry_run": self.dry_run,
            "details": self.details,
        }
