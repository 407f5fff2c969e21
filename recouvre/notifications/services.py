"""Writes of notifications. ``notify`` tells one member of an organization something (never someone who is not a
member of it); the other services are the occasions: a task given to someone, a customer's reply, a new dispute;
``mark_read`` and ``mark_all_read``; ``set_daily_digest``.

The callers (tasks, holds, the mailbox, notes) pass plain facts: this module imports none of them, so that each can
call it. A notification is the reader's own business: it leaves no event on a customer's timeline (the occasion
does).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from recouvre.organizations.models import Membership, Organization

from .models import Notification, NotificationKind, Preference

EXCERPT = 200  # characters of a note or a reply quoted in a notification


def excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


def _name(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def is_member(organization: Organization | int, user: Any) -> bool:
    org_id = getattr(organization, "pk", organization)
    return Membership.objects.filter(organization_id=org_id, user=user, user__is_active=True).exists()


def notify(
    organization: Organization, user: Any, kind: str, *, link: str = "", key: str = "", **data: Any
) -> Notification | None:
    """Tell ``user`` something about ``organization``. Nothing when ``user`` is None or not an active member of it;
    nothing either when a notification with the same ``key`` was already given to them."""
    if user is None or not is_member(organization, user):
        return None
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind: {kind}")
    clean = {k: (str(v) if v is not None and not isinstance(v, (int, bool)) else v) for k, v in data.items()}
    if key and Notification.objects.filter(user=user, organization=organization, key=key).exists():
        return None
    try:
        with transaction.atomic():
            return Notification.objects.create(
                user=user, organization=organization, kind=kind, data=clean, link=link[:300], key=key[:120]
            )
    except IntegrityError:
        if key:
            return None  # given meanwhile by another process
        raise


def customer_link(customer_id: int) -> str:
    return reverse("customer_detail", args=[customer_id])


def task_given(task: Any, actor_user: Any) -> Notification | None:
    """``task`` was given to its assignee by ``actor_user`` (None: by a process): tell the assignee, unless they
    gave it to themselves."""
    assignee = task.assignee
    if assignee is None or (actor_user is not None and getattr(actor_user, "pk", None) == assignee.pk):
        return None
    return notify(
        task.organization,
        assignee,
        NotificationKind.TASK_ASSIGNED,
        link=reverse("worklist") + f"#task-{task.pk}",
        customer=task.customer.name,
        title=task.title,
        by=_name(actor_user),
    )


def reply_received(organization: Organization, customer: Any, collector: Any, *, subject: str, message_id: int) -> Any:
    """A customer's reply arrived: tell the customer's collector."""
    return notify(
        organization,
        collector,
        NotificationKind.REPLY,
        link=customer_link(customer.pk),
        key=f"reply:{message_id}",
        customer=customer.name,
        subject=subject,
    )


def dispute_opened(organization: Organization, hold: Any, invoice: Any, collector: Any, actor_user: Any) -> Any:
    """A dispute was opened on one of ``collector``'s customers (not by themselves): tell them."""
    if collector is None or (actor_user is not None and getattr(actor_user, "pk", None) == collector.pk):
        return None
    return notify(
        organization,
        collector,
        NotificationKind.DISPUTE,
        link=reverse("invoice_detail", args=[invoice.pk]),
        key=f"dispute:{hold.pk}",
        customer=invoice.customer.name,
        invoice=invoice.number,
        amount=hold.amount,
        currency=hold.currency,
        reason_code=hold.reason_code,
    )


def unread_count(organization: Organization, user: Any) -> int:
    return Notification.objects.filter(organization=organization, user=user, read_at__isnull=True).count()


def mark_read(organization: Organization, user: Any, pk: int, *, now: datetime | None = None) -> bool:
    """Mark one of ``user``'s notifications read; False when it is not theirs (or already read)."""
    return bool(
        Notification.objects.filter(organization=organization, user=user, pk=pk, read_at__isnull=True).update(
            read_at=now or timezone.now()
        )
    )


def mark_all_read(organization: Organization, user: Any, *, now: datetime | None = None) -> int:
    return Notification.objects.filter(organization=organization, user=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


def wants_digest(user: Any) -> bool:
    pref = Preference.objects.filter(user=user).first()
    return pref is None or pref.daily_digest


def set_daily_digest(user: Any, on: bool) -> None:
    Preference.objects.update_or_create(user=user, defaults={"daily_digest": on})
