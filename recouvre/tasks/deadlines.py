"""Every dated deadline of an organization, from every producer installed, for the worklist's "Deadlines" panel
and ``recouvre deadlines``.

``PRODUCERS`` is the one list of the modules offering ``deadlines(organization, today) -> list[Deadline]``
(``recouvre.core.deadlines.Deadline``). A producer whose module is not there (an app not installed yet) is
skipped; add a new producer here."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from recouvre.core.deadlines import Deadline
from recouvre.ledger.models import Customer
from recouvre.organizations.models import Organization

PRODUCERS = (
    "recouvre.legal.deadlines",  # prescription, insolvency claim declaration
    "recouvre.proceedings.deadlines",  # court proceedings: service, opposition, enforcement
    "recouvre.letters.deadlines",  # end of a formal notice
    "recouvre.risk.deadlines",  # credit insurance declaration
)

Producer = Callable[[Organization, date], list[Deadline]]


def producers() -> list[Producer]:
    found = []
    for name in PRODUCERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue  # the producer's module or app is not there
            raise
        found.append(module.deadlines)
    return found


@dataclass(frozen=True, slots=True)
class DeadlineRow:
    deadline: Deadline
    days_left: int
    customer_name: str
    customer_ref: str

    @property
    def days_late(self) -> int:
        return max(0, -self.days_left)

    def as_dict(self) -> dict[str, object]:
        d = self.deadline
        return {
            "kind": d.kind,
            "due_on": d.due_on.isoformat(),
            "days_left": self.days_left,
            "alert": d.alert,
            "customer_id": d.customer_id,
            "customer_ref": self.customer_ref,
            "customer_name": self.customer_name,
            "invoice_id": d.invoice_id,
            "label": d.label,
            "url": d.url,
        }


def gather(organization: Organization, today: date, *, within: int | None = None) -> list[DeadlineRow]:
    """The deadlines of every producer, by date (the earliest first, passed ones included), with the days left
    and the customer; only those due within ``within`` days (or already passed) when given."""
    found: list[Deadline] = []
    for produce in producers():
        found.extend(produce(organization, today))
    if within is not None:
        found = [d for d in found if d.days_left(today) <= within]
    found.sort(key=lambda d: (d.due_on, d.customer_id, d.kind, d.invoice_id or 0))
    names = dict(
        (pk, (name, ref))
        for pk, name, ref in Customer.objects.filter(
            organization=organization, pk__in={d.customer_id for d in found}
        ).values_list("pk", "name", "ref")
    )
    return [DeadlineRow(d, d.days_left(today), *names.get(d.customer_id, ("", ""))) for d in found]
