"""Tasks follow the ledger: a phone call or an escalation step whose invoices are all settled or held is closed as
no longer needed, with the reason on the task and on the customer's timeline.

``close_settled_tasks`` is called at the start of every collections run, after payments are imported or applied and
credit notes applied (a dispute resolved by a credit note, a write-off), and after a hold is placed.

Which tasks: the open phone calls (``call``) and the internal tasks opened from a policy's step (the legal
escalation, ``internal`` with an outbox action). The other tasks (an e-mail not delivered, a broken promise, a
missed instalment, finding a phone number, anything added by hand as an internal task) are left to people.

What a task is about: the invoices it remembers (``Task.invoices``: the action's lines, those of a step that joined
it, those of the call it follows) and its ``invoice``. A task about none (a call added for a customer only) is about
the customer's overdue invoices: it closes when none of them is owed without a hold any more and something was
settled or held since it was opened (a payment, a credit note or a write-off applied since, or a hold), so a call
added about a customer that had nothing overdue stays open.

The decision for each task is ``recouvre.core.settled.no_longer_needed``: every invoice due is paid, credited,
written off or held (an invoice not due yet does not count); a partly paid invoice keeps the task open.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from recouvre.collections import steps
from recouvre.collections.held import CustomerHolds, holds_on
from recouvre.core.settled import NoLongerNeeded, TaskItem, no_longer_needed
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Allocation, Customer, Invoice
from recouvre.ledger.services import bulk_record_events
from recouvre.organizations.models import Organization

from .models import Task, TaskKind, TaskState

# The calls, and the internal tasks opened from a policy's step (the legal escalation).
FOLLOW_THE_LEDGER = Q(kind=TaskKind.CALL) | Q(kind=TaskKind.INTERNAL, action__isnull=False)
# The invoices named one by one in a task's timeline event; the others are counted.
LISTED_IN_EVENT = 20
CHUNK = 500

_Invoice = tuple[int, str, date, Decimal]  # id, number, due date, open amount


def close_settled_tasks(
    organization: Organization,
    *,
    actor: Actor,
    today: date | None = None,
    customers: Iterable[Customer] | None = None,
    customer_ids: Iterable[int] | None = None,
) -> int:
    """Close, as no longer needed, the open calls and escalation steps of ``organization`` (of ``customers`` only
    when given, or of the customers ``customer_ids``) whose invoices are all settled or held on ``today`` (default:
    today in the project's time zone).
    Each gets its reason (``closed_reason``, and each invoice's fate in ``outcome_data``) and one event on its
    customer's timeline (``task.no_longer_needed``). One transaction; a few queries whatever the number of tasks.
    Returns how many tasks were closed."""
    today = today or timezone.localdate()
    with transaction.atomic():
        candidates = Task.objects.filter(organization=organization, state=TaskState.OPEN).filter(FOLLOW_THE_LEDGER)
        if customers is not None or customer_ids is not None:
            wanted = [c.pk for c in customers or ()] + list(customer_ids or ())
            candidates = candidates.filter(customer_id__in=wanted)
        tasks = list(
            candidates.values_list(
                "id",
                "customer_id",
                "title",
                "created_at",
                "invoice_id",
                "invoice__number",
                "invoice__due_on",
                "invoice__open_amount",
            )
        )
        if not tasks:
            return 0
        scoped: dict[int, dict[int, _Invoice]] = defaultdict(dict)
        for task_id, invoice_id, number, due_on, open_amount in Task.invoices.through.objects.filter(
            task__in=candidates
        ).values_list("task_id", "invoice_id", "invoice__number", "invoice__due_on", "invoice__open_amount"):
            scoped[task_id][invoice_id] = (invoice_id, number, due_on, open_amount)
        for task_id, _c, _t, _at, invoice_id, number, due_on, open_amount in tasks:
            if invoice_id is not None:
                scoped[task_id][invoice_id] = (invoice_id, number, due_on, open_amount)
        # Tasks about no invoice are about their customer's overdue invoices.
        unscoped = candidates.filter(invoice__isnull=True).exclude(
            Exists(Task.invoices.through.objects.filter(task_id=OuterRef("pk")))
        )
        settled_by = _settled_by(organization, candidates)
        opened = [created_at for task_id, _c, _t, created_at, *_r in tasks if task_id not in scoped]
        overdue, since = _customer_items(organization, unscoped, today, opened, settled_by)
        holds = holds_on(organization.pk, candidates.values("customer_id"), today)

        closing: dict[int, tuple[int, str, NoLongerNeeded]] = {}
        for task_id, customer_id, title, created_at, *_rest in tasks:
            if task_id in scoped:
                invoices: Iterable[_Invoice] = scoped[task_id].values()
            else:
                invoices = [
                    *overdue.get(customer_id, []),
                    *(inv for at, inv in since.get(customer_id, []) if at >= created_at),
                ]
            decision = no_longer_needed(
                sorted(
                    (_item(inv, holds.get(customer_id), settled_by.get(inv[0], set())) for inv in invoices),
                    key=lambda item: (item.due_on, item.number),
                ),
                today,
            )
            if decision is not None:
                closing[task_id] = (customer_id, title, decision)
        if not closing:
            return 0
        return _close(organization, closing, actor)


def _customer_items(
    organization: Organization,
    unscoped: Any,
    today: date,
    opened: list[datetime],
    settled_by: dict[int, set[str]],
) -> tuple[dict[int, list[_Invoice]], dict[int, list[tuple[datetime, _Invoice]]]]:
    """For the customers of the tasks about no invoice (opened at ``opened``): their invoices due and still owed,
    and their invoices due that were settled in part or in whole since the earliest of those tasks was opened (with
    when; what settled them is added to ``settled_by``). Two queries."""
    if not opened:
        return {}, {}
    customers = unscoped.values("customer_id")
    overdue: dict[int, list[_Invoice]] = defaultdict(list)
    for customer_id, *invoice in Invoice.objects.filter(
        organization=organization, customer_id__in=customers, open_amount__gt=0, due_on__lt=today
    ).values_list("customer_id", "id", "number", "due_on", "open_amount"):
        overdue[customer_id].append(tuple(invoice))  # type: ignore[arg-type]
    since: dict[int, list[tuple[datetime, _Invoice]]] = defaultdict(list)
    for customer_id, created_at, payment_id, write_off, *invoice in Allocation.objects.filter(
        organization=organization,
        invoice__customer_id__in=customers,
        invoice__due_on__lt=today,
        created_at__gte=min(opened),
    ).values_list(
        "invoice__customer_id",
        "created_at",
        "payment_id",
        "credit_note__write_off",
        "invoice_id",
        "invoice__number",
        "invoice__due_on",
        "invoice__open_amount",
    ):
        since[customer_id].append((created_at, tuple(invoice)))  # type: ignore[arg-type]
        settled_by[invoice[0]].add(_by(payment_id, write_off))
    return overdue, since


def _settled_by(organization: Organization, candidates: Any) -> dict[int, set[str]]:
    """What settled, in part or in whole, the paid invoices these tasks are about: ``payment``, ``credit_note``,
    ``write_off`` (one query)."""
    about = Q(invoice_id__in=Task.invoices.through.objects.filter(task__in=candidates).values("invoice_id")) | Q(
        invoice_id__in=candidates.filter(invoice__isnull=False).values("invoice_id")
    )
    out: dict[int, set[str]] = defaultdict(set)
    for invoice_id, payment_id, write_off in (
        Allocation.objects.filter(organization=organization, invoice__open_amount__lte=0)
        .filter(about)
        .values_list("invoice_id", "payment_id", "credit_note__write_off")
    ):
        out[invoice_id].add(_by(payment_id, write_off))
    return out


def _by(payment_id: int | None, write_off: int | None) -> str:
    return "payment" if payment_id is not None else "write_off" if write_off is not None else "credit_note"


def _item(invoice: _Invoice, holds: CustomerHolds | None, settled_by: set[str]) -> TaskItem:
    invoice_id, number, due_on, open_amount = invoice
    return TaskItem(
        invoice_id,
        number,
        due_on,
        open_amount,
        hold=holds.kind_of(invoice_id) if holds is not None else None,
        paid="payment" in settled_by,
        credited="credit_note" in settled_by,
        written_off="write_off" in settled_by,
    )


def _close(organization: Organization, closing: dict[int, tuple[int, str, NoLongerNeeded]], actor: Actor) -> int:
    """Close the tasks decided, those still open when locked (a person may have closed one meanwhile), and record
    their events."""
    now = timezone.now()
    closed = 0
    events: list[tuple[int | None, str, dict[str, Any]]] = []
    ids = sorted(closing)
    for start in range(0, len(ids), CHUNK):
        locked = list(
            Task.objects.select_for_update(of=("self",)).filter(pk__in=ids[start : start + CHUNK], state=TaskState.OPEN)
        )
        for task in locked:
            customer_id, title, decision = closing[task.pk]
            task.state = TaskState.NOT_NEEDED
            task.closed_reason = decision.reason.value
            task.outcome_data = {"reason": decision.reason.value, "invoices": [list(i) for i in decision.items]}
            task.done_at = now
            task.done_by = actor.user
            task.done_by_label = actor.label
            events.append(
                (
                    customer_id,
                    "task.no_longer_needed",
                    {
                        "task": task.pk,
                        "title": title,
                        "reason": decision.reason.value,
                        "invoices": [list(i) for i in decision.items[:LISTED_IN_EVENT]],
                        "more": max(0, len(decision.items) - LISTED_IN_EVENT),
                    },
                )
            )
        Task.objects.bulk_update(
            locked, ["state", "closed_reason", "outcome_data", "done_at", "done_by", "done_by_label"]
        )
        # Not done: the steps they were to carry out did not happen (a held invoice reaches them again once its
        # hold ends).
        steps.tasks_not_needed(
            organization.pk,
            [(t.customer_id, steps.TASK_CHANNELS[t.kind]) for t in locked if t.kind in steps.TASK_CHANNELS],
        )
        closed += len(locked)
    bulk_record_events(organization, actor, events)
    return closed
