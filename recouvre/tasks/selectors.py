"""Tenant-scoped reads of the worklist. Every function takes the organization first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, F, IntegerField, Max, Min, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round

from recouvre.collections.models import ItemStep
from recouvre.core.priority import Part, Priority, combine
from recouvre.ledger.models import Invoice
from recouvre.organizations.models import Organization
from recouvre.risk.selectors import StoredPredictions, stored_predictions

from .models import Task, TaskState

DUE_FILTERS = ("today", "overdue", "due")


def tasks(organization: Organization) -> QuerySet[Task]:
    return Task.objects.filter(organization=organization)


def task(organization: Organization, pk: int) -> Task:
    """The task ``pk`` of this organization; ``Task.DoesNotExist`` otherwise (a 404 for views)."""
    return tasks(organization).select_related("customer", "invoice", "assignee").get(pk=pk)


def worklist(
    organization: Organization,
    today: date,
    *,
    kind: str = "",
    assignee: Any = None,
    unassigned: bool = False,
    due: str = "",
) -> QuerySet[Task]:
    """The open tasks in the order ``rank`` keeps for equal priorities: the customer's amount overdue (largest
    first), the days overdue of its oldest overdue invoice (most first), the step its open invoices reached (furthest
    first), then the task's due date. Each task is annotated with ``overdue_cents`` (the customer's open amount
    overdue on ``today``, in cents, all currencies added), ``oldest_due_on``, ``step_level`` and ``step_reached``
    (the key of that step), all from grouped sub-queries: one query per page whatever the number of tasks.

    Filters: ``kind``; ``assignee`` (a user) or ``unassigned``; ``due`` = ``today`` (due today), ``overdue`` (due
    before today) or ``due`` (today or before)."""
    # The customer's invoices by (customer, due date): the tasks are the organization's, so are their customers'
    # invoices. (Naming the organization here would lead SQLite to the organization's open invoices by due date,
    # and a scan of them for every task.)
    overdue = Invoice.objects.filter(customer=OuterRef("customer_id"), open_amount__gt=0, due_on__lt=today).order_by()
    # Whole cents as integers: exact on every database (SQLite would otherwise add binary floats).
    cents = Cast(Round(F("open_amount") * 100, 0), BigIntegerField())
    steps = ItemStep.objects.filter(invoice__customer=OuterRef("customer_id"), invoice__open_amount__gt=0).order_by()
    qs = (
        tasks(organization)
        .filter(state=TaskState.OPEN)
        .select_related("customer", "invoice", "assignee")
        .annotate(
            overdue_cents=Coalesce(
                Subquery(overdue.values("customer").annotate(s=Sum(cents)).values("s"), output_field=BigIntegerField()),
                Value(0),
                output_field=BigIntegerField(),
            ),
            oldest_due_on=Subquery(overdue.values("customer").annotate(m=Min("due_on")).values("m")),
            step_level=Coalesce(
                Subquery(steps.values("invoice__customer").annotate(m=Max("level")).values("m")),
                Value(0),
                output_field=IntegerField(),
            ),
            step_reached=Subquery(steps.order_by("-level", "-planned_on").values("step_key")[:1]),
        )
    )
    if kind:
        qs = qs.filter(kind=kind)
    if unassigned:
        qs = qs.filter(assignee__isnull=True)
    elif assignee is not None:
        qs = qs.filter(assignee=assignee)
    if due == "today":
        qs = qs.filter(due_on=today)
    elif due == "overdue":
        qs = qs.filter(due_on__lt=today)
    elif due == "due":
        qs = qs.filter(due_on__lte=today)
    return qs.order_by(
        F("overdue_cents").desc(),
        F("oldest_due_on").asc(nulls_last=True),
        F("step_level").desc(),
        F("due_on").asc(nulls_last=True),
        "id",
    )


# Where an invoice's probability of late payment comes from (``TaskPriority.bases``).
OVERDUE = "overdue"  # past its due date: late for certain, 1
MODEL = "model"  # the stored prediction of the model
BASELINE = "baseline"  # the stored prediction of the baseline (too little history for a model)
LATE_RATE = "late_rate"  # issued since the stored predictions: the organization's late rate of their day
NO_PREDICTION = "none"  # nothing stored yet: 1, as if late


@dataclass(frozen=True, slots=True)
class TaskPriority:
    priority: Priority
    bases: tuple[str, ...]  # the sources of the probabilities of the task's invoices, each once, in this order


@dataclass(frozen=True, slots=True)
class Ranking:
    """Task ids in priority order, each task's priority, and the stored predictions read."""

    ids: list[int]
    priorities: dict[int, TaskPriority]
    predictions: StoredPredictions


def rank(organization: Organization, today: date, qs: QuerySet[Task]) -> Ranking:
    """The tasks of ``qs`` (from ``worklist``) by priority, highest first (``recouvre.core.priority``): their
    open invoices' amount × probability of late payment × age factor on ``today``. A task's invoices are those it
    names (its invoice, its action's lines) that are still open; a task naming none is about all its customer's
    open invoices. Ties keep the order of ``qs``.

    The probabilities are the stored ones (``recouvre.risk.selectors.stored_predictions``), never computed here:
    an invoice past its due date on ``today`` has 1; one issued since the stored predictions, their day's late
    rate; with no prediction stored, 1. A few queries whatever the number of tasks."""
    rows = list(qs.values_list("id", "customer_id", "invoice_id"))
    ids = [r[0] for r in rows]
    named: dict[int, set[int]] = {task_id: {invoice_id} if invoice_id else set() for task_id, _, invoice_id in rows}
    through = Task.invoices.through
    for task_id, invoice_id in through.objects.filter(task__in=qs.values("id")).values_list("task_id", "invoice_id"):
        named[task_id].add(invoice_id)
    open_invoices = list(
        Invoice.objects.filter(
            organization=organization, open_amount__gt=0, customer_id__in=qs.values("customer_id")
        ).values_list("id", "customer_id", "open_amount", "due_on")
    )
    by_customer: dict[int, list[int]] = {}
    info: dict[int, tuple[Decimal, date]] = {}
    for invoice_id, customer_id, amount, due_on in open_invoices:
        by_customer.setdefault(customer_id, []).append(invoice_id)
        info[invoice_id] = (amount, due_on)
    stored = stored_predictions(organization)
    no_run = stored.as_of is None

    def part(invoice_id: int) -> tuple[Part, str]:
        amount, due_on = info[invoice_id]
        days = (today - due_on).days
        if days > 0:
            return Part(amount, Decimal(1), days), OVERDUE
        if invoice_id in stored.p_late:
            return Part(amount, stored.p_late[invoice_id], 0), stored.basis
        if no_run or stored.prior is None:
            return Part(amount, Decimal(1), 0), NO_PREDICTION
        return Part(amount, stored.prior, 0), LATE_RATE

    priorities: dict[int, TaskPriority] = {}
    order = (OVERDUE, MODEL, BASELINE, LATE_RATE, NO_PREDICTION)
    for task_id, customer_id, _ in rows:
        invoices = named[task_id] or set(by_customer.get(customer_id, ()))
        parts = [part(i) for i in sorted(invoices) if i in info]
        bases = {b for _, b in parts}
        priorities[task_id] = TaskPriority(combine([p for p, _ in parts]), tuple(b for b in order if b in bases))
    ids.sort(key=lambda task_id: -priorities[task_id].priority.score)  # stable: ties keep the order of ``qs``
    return Ranking(ids, priorities, stored)


def in_order(qs: QuerySet[Task], ids: list[int]) -> list[Task]:
    """The tasks ``ids`` of ``qs`` (with its annotations), in the order of ``ids``."""
    found = {t.pk: t for t in qs.filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]


def amount_overdue(t: Task) -> Decimal:
    """The customer's amount overdue of a task read from ``worklist``."""
    return (Decimal(getattr(t, "overdue_cents", 0) or 0) / 100).quantize(Decimal("0.01"))


def days_overdue(t: Task, today: date) -> int:
    """Days overdue of the customer's oldest overdue invoice (0 when none is overdue)."""
    oldest = getattr(t, "oldest_due_on", None)
    return (today - oldest).days if oldest is not None else 0


def open_counts(organization: Organization, today: date, user: Any = None) -> dict[str, int]:
    """Open tasks: ``open``, ``due`` (due today or before), ``mine`` and ``mine_due`` (assigned to ``user``)."""
    from django.db.models import Count, Q

    open_ = tasks(organization).filter(state=TaskState.OPEN)
    due = Q(due_on__lte=today)
    mine = Q(assignee=user) if user is not None and getattr(user, "pk", None) else Q(pk__in=[])
    return open_.aggregate(
        open=Count("id"),
        due=Count("id", filter=due),
        mine=Count("id", filter=mine),
        mine_due=Count("id", filter=mine & due),
    )


def customer_next_and_last(organization: Organization, customer: Any) -> tuple[Task | None, Task | None]:
    """The customer's next open task (the soonest due; one without a date last) and the last task done (a call
    made, a reply read): two queries."""
    of_customer = Task.objects.filter(organization=organization, customer=customer)
    upcoming = (
        of_customer.filter(state=TaskState.OPEN)
        .select_related("assignee")
        .order_by(F("due_on").asc(nulls_last=True), "id")
        .first()
    )
    done = of_customer.filter(state=TaskState.DONE, done_at__isnull=False).order_by("-done_at", "-id").first()
    return upcoming, done
