"""The approval queue: actions whose steps need a person's approval (``awaiting_approval``) before they go out.

- ``awaiting(organization)``: the queue, oldest send date first.
- ``approve(organization, ids, actor=..., now=...)``: the actions become ``planned`` (the next dispatch sends the
  e-mails, letters are produced), with who decided and when; one timeline event per action. An action whose
  invoices are all on hold is refused (``Decision.refused``, with the reason): there is nothing left to demand.
- ``reject(organization, ids, actor=..., now=..., note=...)``: the actions become ``cancelled`` with the note
  (required), which the timeline shows. Their steps never happened: the invoices reach them again at the next run.
- ``remove_invoice(organization, action_id, invoice_id, actor=..., note=...)``: one invoice taken out of an action
  awaiting approval (the rest stays, to approve or reject); its step is dropped, so the next run plans it again
  (place a hold to stop it). An action left without an invoice to advance is withdrawn.

Each decision is a conditional ``UPDATE ... WHERE state = 'awaiting_approval'``: an action decided by someone else
in the meantime (or not in the queue any more) is left as it is and reported as skipped, never decided twice. A
bulk decision is one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core.businessdays import BusinessCalendar
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Invoice
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from . import steps
from .held import held_invoices
from .models import Action, ActionState


@dataclass
class Decision:
    """What a decision did: the actions decided, those skipped (already decided, or not found) by id, and those
    refused with the reason (an approval of an action whose invoices are all on hold)."""

    decided: list[Action] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def awaiting(organization: Organization) -> QuerySet[Action]:
    return (
        Action.objects.filter(organization=organization, state=ActionState.AWAITING_APPROVAL)
        .select_related("customer")
        .order_by("send_on", "customer__name", "channel", "id")
    )


# A reminder waiting for approval longer than this many business days is flagged as stale on the queue.
STALE_AFTER_BUSINESS_DAYS = 3

SORTS = ("date", "-date", "amount", "-amount")  # by send date or by total, ascending or descending


def sort_key(action: Action, sort: str, currency: str) -> tuple[object, ...]:
    """The order of the queue: ``date`` (send date, then customer) or ``amount`` (the total in ``currency``, then
    in the others), with a ``-`` for descending; ties keep the send date and the id order."""
    if sort.lstrip("-") == "amount":
        amounts = totals(action)
        own = amounts.get(currency, Decimal("0"))
        other = sum((v for k, v in amounts.items() if k != currency), Decimal("0"))
        return (own, other, action.send_on, action.pk)
    return (action.send_on, action.customer.name, action.channel, action.pk)


def ordered(organization: Organization, sort: str = "date") -> list[Action]:
    """The queue in the order ``sort`` (one of ``SORTS``; anything else is ``date``)."""
    if sort not in SORTS:
        sort = "date"
    queue = list(awaiting(organization))
    currency = organization.currency
    queue.sort(key=lambda a: sort_key(a, sort, currency), reverse=sort.startswith("-"))
    return queue


def waiting_days(action: Action, today: date, calendar: BusinessCalendar) -> tuple[int, int]:
    """How long ``action`` has waited for approval on ``today``: calendar days and business days since the day it
    was planned on (``created_at``) or the day it was to go out (``send_on``), whichever came first."""
    since = min(timezone.localtime(action.created_at).date(), action.send_on)
    days = max((today - since).days, 0)
    business = 0
    d = since
    while d < today:
        d = date.fromordinal(d.toordinal() + 1)
        if calendar.is_business_day(d):
            business += 1
    return days, business


def waiting_since(action: Action) -> date:
    """The day ``action`` began to wait: the day it was planned on or the day it was to go out, the earlier."""
    return min(timezone.localtime(action.created_at).date(), action.send_on)


def stale_before(today: date, calendar: BusinessCalendar) -> date:
    """The latest day such that an action waiting since then (or earlier) has waited more than
    ``STALE_AFTER_BUSINESS_DAYS`` business days on ``today``, as ``waiting_days`` counts them: worked out once for
    a whole queue."""
    since, business = today, 0
    for _step in range(3660):  # a calendar with no business day at all would never get there
        if business > STALE_AFTER_BUSINESS_DAYS:
            break
        if calendar.is_business_day(since):
            business += 1
        since = date.fromordinal(since.toordinal() - 1)
    return since


def action(organization: Organization, pk: int) -> Action:
    """One action of ``organization`` (``Action.DoesNotExist`` otherwise, whatever its state)."""
    return Action.objects.select_related("customer", "organization", "decided_by").get(organization=organization, pk=pk)


def totals(action: Action) -> dict[str, Decimal]:
    """The open amount of the invoices the action demands, per currency, as planned (invoices on hold left out)."""
    out: dict[str, Decimal] = {}
    for line in action.lines or []:
        if line.get("hold"):
            continue
        out[line["currency"]] = out.get(line["currency"], Decimal("0.00")) + Decimal(str(line["open_amount"]))
    return out


def all_held(action: Action, on: date) -> bool:
    """True when every invoice the action lists that is still open is on hold on ``on`` (nothing left to demand)."""
    ids = [line["invoice_id"] for line in action.lines or [] if line.get("invoice_id")]
    still_open = list(
        Invoice.objects.filter(organization_id=action.organization_id, pk__in=ids, open_amount__gt=0).values_list(
            "pk", flat=True
        )
    )
    if not still_open:
        return False
    held = held_invoices(action.organization_id, action.customer_id, still_open, on)
    return all(pk in held for pk in still_open)


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
            if state == ActionState.PLANNED:
                pending = Action.objects.filter(
                    organization=organization, pk=pk, state=ActionState.AWAITING_APPROVAL
                ).first()
                if pending is not None and all_held(pending, max(timezone.localdate(now), pending.send_on)):
                    result.refused[pk] = _(
                        "Not approved: every invoice it lists is on hold (dispute, insolvency proceedings, pause...). "
                        "Reject it, or lift the hold first."
                    )
                    continue
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


def remove_invoice(
    organization: Organization, action_id: int, invoice_id: int, *, actor: Actor, note: str, now: datetime | None = None
) -> Action:
    """Take ``invoice_id`` out of the action ``action_id`` awaiting approval (see the module description). Raises
    ``Action.DoesNotExist`` for another organization's action, ``ValidationError`` (for a person) when the note is
    missing, the action is not awaiting approval or does not list the invoice."""
    if not note.strip():
        raise ValidationError(_("Say why the invoice is taken out: the note is required."))
    now = now or timezone.now()
    with transaction.atomic():
        pending = (
            Action.objects.select_for_update().select_related("customer").get(organization=organization, pk=action_id)
        )
        if pending.state != ActionState.AWAITING_APPROVAL:
            raise ValidationError(_("Only a reminder awaiting approval can have an invoice taken out."))
        lines = list(pending.lines or [])
        removed = [line for line in lines if line.get("invoice_id") == invoice_id]
        if not removed:
            raise ValidationError(_("This reminder does not list that invoice."))
        kept = [line for line in lines if line.get("invoice_id") != invoice_id]
        steps.dropped([pending.pk], [invoice_id])
        withdrawn = not any(line.get("step") for line in kept)
        fields: dict[str, object] = {"lines": kept}
        if withdrawn:
            fields.update(
                state=ActionState.CANCELLED, decided_by=actor.user, decided_at=now, decision_note=note.strip()
            )
        Action.objects.filter(pk=pending.pk).update(**fields)
        record_event(
            organization,
            pending.customer,
            "collections.invoice_removed",
            actor,
            action=pending.pk,
            number=removed[0].get("number", ""),
            step=removed[0].get("step") or pending.step_key,
            send_on=pending.send_on,
            note=note.strip(),
            withdrawn=withdrawn,
        )
        pending.refresh_from_db()
    return pending
