"""The approval queue: actions whose steps need a person's approval (``awaiting_approval``) before they go out.

- ``awaiting(organization)``: the queue, oldest send date first.
- ``approve(organization, ids, actor=..., now=...)``: the actions become ``planned`` (the next dispatch sends the
  e-mails, letters are produced), with who decided and when; one timeline event per action.
- ``reject(organization, ids, actor=..., now=..., note=...)``: the actions become ``cancelled`` with the note
  (required), which the timeline shows.

Each decision is a conditional ``UPDATE ... WHERE state = 'awaiting_approval'``: an action decided by someone else
in the meantime (or not in the queue any more) is left as it is and reported as skipped, never decided twice. A
bulk decision is one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from recouvre.ledger.actors import Actor
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .models import Action, ActionState


@dataclass
class Decision:
    """What a decision did: the actions decided, and those skipped (already decided, or not found) by id."""

    decided: list[Action] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def awaiting(organization: Organization) -> QuerySet[Action]:
    return (
        Action.objects.filter(organization=organization, state=ActionState.AWAITING_APPROVAL)
        .select_related("customer")
        .order_by("send_on", "customer__name", "channel", "id")
    )


def action(organization: Organization, pk: int) -> Action:
    """One action of ``organization`` (``Action.DoesNotExist`` otherwise, whatever its state)."""
    return Action.objects.select_related("customer", "organization", "decided_by").get(organization=organization, pk=pk)


def totals(action: Action) -> dict[str, Decimal]:
    """The open amount of the invoices the action lists, per currency, as planned."""
    out: dict[str, Decimal] = {}
    for line in action.lines or []:
        out[line["currency"]] = out.get(line["currency"], Decimal("0.00")) + Decimal(str(line["open_amount"]))
    return out


def _decide(
    organization: Organization,
    ids: Iterable[int],
    *,
    actor: Actor,
    now: datetime,
    state: str,
    note: str,
    kind: str,
) -> Decision:
    result = Decision()
    with transaction.atomic():
        # In id order: two bulk decisions over the same reminders lock rows in the same order, never a deadlock.
        for pk in sorted({int(i) for i in ids}):
            changed = Action.objects.filter(
                organization=organization, pk=pk, state=ActionState.AWAITING_APPROVAL
            ).update(state=state, decided_by=actor.user, decided_at=now, decision_note=note)
            if not changed:
                result.skipped.append(pk)
                continue
            decided = Action.objects.select_related("customer").get(pk=pk)
            record_event(
                organization,
                decided.customer,
                kind,
                actor,
                action=decided.pk,
                channel=decided.channel,
                step=decided.step_key,
                send_on=decided.send_on,
                note=note,
            )
            result.decided.append(decided)
    return result


def approve(organization: Organization, ids: Iterable[int], *, actor: Actor, now: datetime, note: str = "") -> Decision:
    """Approve the actions ``ids`` of ``organization`` still awaiting approval: they become ``planned``."""
    return _decide(
        organization,
        ids,
        actor=actor,
        now=now,
        state=ActionState.PLANNED,
        note=note.strip(),
        kind="collections.action_approved",
    )


def reject(organization: Organization, ids: Iterable[int], *, actor: Actor, now: datetime, note: str) -> Decision:
    """Reject the actions ``ids`` of ``organization`` still awaiting approval: they become ``cancelled`` and are
    never sent. The note (why) is required."""
    if not note.strip():
        raise ValidationError(_("Say why the reminder is rejected: the note is required."))
    return _decide(
        organization,
        ids,
        actor=actor,
        now=now,
        state=ActionState.CANCELLED,
        note=note.strip(),
        kind="collections.action_rejected",
    )
