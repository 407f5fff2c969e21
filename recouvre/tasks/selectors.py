"""Tenant-scoped reads of the worklist. Every function takes the organization first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, F, IntegerField, Max, Min, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round

from recouvre.collections.models import ItemStep
from recouvre.ledger.models import Invoice
from recouvre.organizations.models import Organization

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
    """The open tasks in priority order: the customer's amount overdue (largest first), the days overdue of its
    oldest overdue invoice (most first), the step its open invoices reached (furthest first), then the task's due
    date. Each task is annotated with ``overdue_cents`` (the customer's open amount overdue on ``today``, in cents,
    all currencies added), ``oldest_due_on``, ``step_level`` and ``step_reached`` (the key of that step), all from
    grouped sub-queries: one query per page whatever the number of tasks.

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
