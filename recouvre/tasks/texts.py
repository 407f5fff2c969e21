"""The text of a task opened from the outbox (a phone call, an internal step), written when it is shown from the
data as it is then: the customer's name, and each invoice the task is about with its open amount and days overdue
today (an invoice settled since is left out). What was written when the task was opened (``Task.title``,
``Task.details``) is kept as it was; it is what is shown for the other tasks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from recouvre.ledger.models import Invoice

from .models import Task, TaskKind

FROM_OUTBOX = (TaskKind.CALL, TaskKind.INTERNAL)


@dataclass(frozen=True)
class Text:
    title: str
    details: str


def _money(amount: Decimal, currency: str) -> str:
    from recouvre.collections.rendering import format_amount

    return format_amount(amount, currency, "fr" if (get_language() or "").startswith("fr") else "en")


def _step(step_key: str) -> str:
    from recouvre.core.policies import step_label

    return _("escalate to legal action") if step_key == "legal" else str(step_label(step_key))


def current(tasks: Iterable[Task], today: date, day: Callable[[date], str] = date.isoformat) -> dict[int, Text]:
    """The text of each task of ``tasks`` opened from the outbox, from today's data (one query for all); ``day``
    writes a date for the reader."""
    chosen = [t for t in tasks if t.action_id is not None and t.kind in FROM_OUTBOX]
    if not chosen:
        return {}
    through = Task.invoices.through
    about: dict[int, list[int]] = defaultdict(list)
    for task_id, invoice_id in through.objects.filter(task_id__in=[t.pk for t in chosen]).values_list(
        "task_id", "invoice_id"
    ):
        about[task_id].append(invoice_id)
    invoices = {
        i.pk: i
        for i in Invoice.objects.filter(pk__in={i for ids in about.values() for i in ids}).only(
            "pk", "number", "due_on", "open_amount", "currency", "customer_id"
        )
    }
    out: dict[int, Text] = {}
    for t in chosen:
        step = _step(t.step_key) if t.step_key else ""
        if t.kind == TaskKind.CALL:
            title = (
                _("Call %(customer)s (step: %(step)s)") % {"customer": t.customer.name, "step": step}
                if step
                else _("Call %(customer)s") % {"customer": t.customer.name}
            )
        else:
            title = _("%(customer)s: %(step)s") % {"customer": t.customer.name, "step": step} if step else t.title
        lines = []
        overdue: dict[str, Decimal] = defaultdict(Decimal)
        own = sorted(
            (invoices[i] for i in about.get(t.pk, []) if i in invoices and invoices[i].customer_id == t.customer_id),
            key=lambda i: (i.due_on, i.number),
        )
        for inv in own:
            if inv.open_amount <= 0:
                continue
            days = (today - inv.due_on).days
            if days > 0:
                overdue[inv.currency] += inv.open_amount
                lines.append(
                    ngettext(
                        "%(number)s due %(due_on)s: %(amount)s still owed, %(days)s day overdue",
                        "%(number)s due %(due_on)s: %(amount)s still owed, %(days)s days overdue",
                        days,
                    )
                    % {
                        "number": inv.number,
                        "due_on": day(inv.due_on),
                        "amount": _money(inv.open_amount, inv.currency),
                        "days": days,
                    }
                )
            else:
                lines.append(
                    _("%(number)s due %(due_on)s: %(amount)s still owed, not yet due")
                    % {"number": inv.number, "due_on": day(inv.due_on), "amount": _money(inv.open_amount, inv.currency)}
                )
        if not about.get(t.pk):
            details = t.details  # a task about no invoice in particular: as written
        elif not lines:
            details = _("Every invoice this task is about has been settled since it was opened.")
        else:
            head = _("Invoices still owed today:")
            if overdue:
                total = ", ".join(_money(v, cur) for cur, v in sorted(overdue.items()))
                lines.append(_("Total overdue: %(total)s") % {"total": total})
            details = "\n".join([head, *lines])
        out[t.pk] = Text(title[:300], details)
    return out
