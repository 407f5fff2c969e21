"""A dated deadline to keep: what the worklist's "Deadlines" panel lists, whatever produces it (prescription of a
claim, an insolvency claim declaration, a step of court proceedings, the end of a formal notice...).

Each producer offers a function ``deadlines(organization, today) -> list[Deadline]``; the worklist gathers them
and orders them by date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: str  # e.g. "prescription", "insolvency_declaration", "proceedings", "formal_notice"
    due_on: date  # the last day to act
    customer_id: int
    label: str  # translated sentence saying what must be done by then
    url: str = ""  # where to act (a page of the web app)
    invoice_id: int | None = None
    alert: str = ""  # "6m", "3m", "1m", "overdue"... as the producer defines its alert steps

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days
