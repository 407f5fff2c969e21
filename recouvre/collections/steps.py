"""Which steps of an invoice happened: a step counts once it is carried out, never when it is only planned.

An ``ItemStep`` row is written when a run plans a step (so no run plans it twice) and is marked ``done_on`` here
when its action is carried out:

- ``carried_out(action_ids, on)``: an e-mail accepted by the mail server, a letter whose posting is recorded;
- ``tasks_completed(customer_id, channel, on)``: the call or internal task the steps became is completed;
- ``tasks_dropped`` / ``tasks_not_needed``: it was cancelled, or closed as no longer needed (its invoices settled
  or held): its steps are deleted, so once a hold ends its invoices reach them again;
- ``dropped(action_ids)``: the action was cancelled, rejected, withdrawn, superseded or failed, or a collector
  took an invoice out of it: its steps are deleted, so their invoices reach them again at the next run.
  ``drop_void(organization)`` does the same, set-based, for every step whose action ended that way (each run
  starts with it, so a step is never left holding its invoice whatever path ended the action).

Levels, the formal notice's deadline, the legal task and the legal route read only the steps carried out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from recouvre.organizations.models import Organization

from .models import Action, ActionState, Channel, ItemStep

_ENDED = (ActionState.CANCELLED, ActionState.FAILED)


def carried_out(action_ids: Iterable[int], on: date) -> int:
    """The steps of ``action_ids`` not yet marked are carried out on ``on``; returns how many were marked."""
    ids = list(action_ids)
    if not ids:
        return 0
    return ItemStep.objects.filter(action_id__in=ids, done_on__isnull=True).update(done_on=on)


def tasks_completed(organization_id: int, customer_id: int, channel: str, on: date) -> int:
    """A task of ``channel`` (a call, an internal task) of the customer is completed: the steps that opened it, or
    joined it while it was open, are carried out on ``on``."""
    return ItemStep.objects.filter(
        organization_id=organization_id,
        action__customer_id=customer_id,
        action__channel=channel,
        action__state=ActionState.SENT,
        action__send_on__lte=on,
        done_on__isnull=True,
    ).update(done_on=on)


def tasks_dropped(organization_id: int, customer_id: int, channel: str) -> int:
    """A task of ``channel`` of the customer was closed without being done: its steps never happened."""
    deleted, _ = ItemStep.objects.filter(
        organization_id=organization_id,
        action__customer_id=customer_id,
        action__channel=channel,
        action__state=ActionState.SENT,
        done_on__isnull=True,
    ).delete()
    return deleted


def tasks_not_needed(organization_id: int, closed: Iterable[tuple[int, str]]) -> int:
    """Tasks closed as no longer needed (``recouvre.tasks.settled``), ``(customer id, channel)`` each: as
    ``tasks_dropped`` for each, one statement per channel."""
    by_channel: dict[str, set[int]] = {}
    for customer_id, channel in closed:
        by_channel.setdefault(channel, set()).add(customer_id)
    deleted = 0
    for channel, customer_ids in sorted(by_channel.items()):
        deleted += ItemStep.objects.filter(
            organization_id=organization_id,
            action__customer_id__in=sorted(customer_ids),
            action__channel=channel,
            action__state=ActionState.SENT,
            done_on__isnull=True,
        ).delete()[0]
    return deleted


def dropped(action_ids: Iterable[int], invoice_ids: Iterable[int] | None = None) -> int:
    """The steps of ``action_ids`` (only those of ``invoice_ids`` when given) never happened and never will:
    deleted, unless carried out already."""
    ids = list(action_ids)
    if not ids:
        return 0
    rows = ItemStep.objects.filter(action_id__in=ids, done_on__isnull=True)
    if invoice_ids is not None:
        rows = rows.filter(invoice_id__in=list(invoice_ids))
    deleted, _ = rows.delete()
    return deleted


def drop_void(organization: Organization) -> int:
    """Every step of ``organization`` whose action was cancelled or failed and that was not carried out: deleted
    in one statement, reached from those actions (few, found by the index on state), not from every step of the
    organization (a step is its action's organization's)."""
    ended = Action.objects.filter(organization=organization, state__in=_ENDED).values("id")
    deleted, _ = ItemStep.objects.filter(action_id__in=ended, done_on__isnull=True).delete()
    return deleted


TASK_CHANNELS = {"call": Channel.CALL_TASK, "internal": Channel.INTERNAL_TASK}
_REACHING = (Channel.EMAIL, Channel.LETTER, Channel.REGISTERED_LETTER, Channel.CALL_TASK)


def previous_contacts(action: Action) -> int:
    """How many earlier contacts with the customer about the invoices ``action`` advances were carried out (an
    e-mail sent, a letter posted, a call done — recorded ones included): what lets a message say "despite our
    previous reminder". 0 for a customer's first message about them."""
    invoice_ids = [
        line["invoice_id"] for line in action.lines or [] if line.get("invoice_id") and line.get("step")
    ] or [line["invoice_id"] for line in action.lines or [] if line.get("invoice_id")]
    if not invoice_ids:
        return 0
    return (
        ItemStep.objects.filter(
            organization_id=action.organization_id,
            invoice_id__in=invoice_ids,
            done_on__isnull=False,
            action__channel__in=_REACHING,
        )
        .exclude(action_id=action.pk)
        .values("action_id")
        .distinct()
        .count()
    )
