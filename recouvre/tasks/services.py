"""Writes to the worklist. Each function is one transaction and leaves an event on the customer's timeline."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .models import Task, TaskKind, TaskState


def _collector_of(customer: Customer) -> Any:
    from recouvre.collections.models import CustomerCollection

    collection = CustomerCollection.objects.filter(customer=customer).select_related("collector").first()
    return collection.collector if collection is not None else None


def create_task(
    organization: Organization,
    customer: Customer,
    *,
    kind: str,
    title: str,
    actor: Actor,
    due_on: date | None = None,
    invoice: Any = None,
    assignee: Any = None,
    details: str = "",
    action: Any = None,
) -> Task:
    """Open a task about ``customer``. ``assignee`` defaults to the customer's collector. A task opened for an
    outbox ``action`` is opened once: calling this again for the same action returns the task already there."""
    if kind not in TaskKind.values:
        raise ValueError(f"unknown task kind: {kind}")
    if customer.organization_id != organization.id:
        raise ValueError("the customer belongs to another organization")
    if action is not None:
        existing = Task.objects.filter(action=action).first()
        if existing is not None:
            return existing
    if assignee is None:
        assignee = _collector_of(customer)
    task = Task(
        organization=organization,
        customer=customer,
        invoice=invoice,
        action=action,
        kind=kind,
        title=title[:300],
        details=details,
        step_key=getattr(action, "step_key", "") or "",
        due_on=due_on,
        assignee=assignee,
        created_by=actor.user,
        created_by_label=actor.label,
    )
    try:
        with transaction.atomic():
            task.save()
            record_event(
                organization,
                customer,
                "task.opened",
                actor,
                task=task.id,
                task_kind=kind,
                title=task.title,
                due_on=due_on or "",
                assignee=_name(assignee),
            )
    except IntegrityError:
        if action is None:
            raise
        # Another process opened the task of this action between our look and our insert.
        return Task.objects.get(action=action)
    return task


def _name(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


__all__ = ["create_task", "Task", "TaskKind", "TaskState"]
