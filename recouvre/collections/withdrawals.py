"""Opening a hold stops what is already queued for its invoices (``withdraw_held``), in the transaction that opens
it:

- a planned or awaiting-approval action (e-mail, letter, registered letter, call or task), or a letter produced
  and not yet posted, whose invoices still open are **all** held is **cancelled** (withdrawn): it is never sent,
  approved or produced;
- one that lists other invoices too goes on without the held ones: they are marked held in its lines (the
  approval view and every rendering list them apart and leave them out of the amount demanded and of the
  penalties) — a letter already produced is drawn again before it is posted.

Either way the step the action was to carry out for a held invoice is forgotten (its ``ItemStep`` row is
deleted), so the invoice reaches that step again once the hold ends. One timeline event says what was done."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core.dunning import PENALTIES
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .held import held_invoices
from .models import Action, ActionState, Channel, HoldKind, ItemStep

QUEUED = (ActionState.PLANNED, ActionState.AWAITING_APPROVAL)
_LETTERS = (Channel.LETTER, Channel.REGISTERED_LETTER)


@transaction.atomic
def withdraw_held(organization: Organization, customer: Customer, *, actor: Actor, on: date, hold_kind: str) -> None:
    """Withdraw or narrow the customer's queued actions after a hold of ``hold_kind`` was opened (see the module
    description); ``on`` is the day it was opened."""
    queued = _queued(organization, customer)
    if not queued:
        return
    ids = {line["invoice_id"] for action in queued for line in action.lines or [] if line.get("invoice_id")}
    still_open = set(
        Invoice.objects.filter(organization=organization, pk__in=ids, open_amount__gt=0).values_list("pk", flat=True)
    )
    withdrawn: list[Action] = []
    narrowed: list[tuple[Action, list[str]]] = []
    for action in queued:
        day = max(on, action.send_on)
        # the penalties step lists invoices already paid: their claimed penalties are what it asks for
        asks_penalties = action.template == PENALTIES
        listed = [line for line in action.lines or [] if asks_penalties or line.get("invoice_id") in still_open]
        held = held_invoices(organization.pk, customer.pk, [line["invoice_id"] for line in listed], day)
        if not held:
            continue
        ItemStep.objects.filter(action=action, invoice_id__in=list(held)).delete()
        if all(line["invoice_id"] in held for line in listed):
            withdrawn.append(action)
            continue
        changed = []
        for line in action.lines:
            kind = held.get(line.get("invoice_id"))
            if kind is not None and line.get("hold") != kind:
                line["hold"] = kind
                changed.append(str(line.get("number", "")))
        if changed:
            Action.objects.filter(pk=action.pk).update(lines=action.lines)
            narrowed.append((action, changed))
            if action.state == ActionState.READY:
                _draw_again(action, actor)
    if withdrawn:
        note = _("Withdrawn: every invoice it lists is on hold.")
        Action.objects.filter(pk__in=[a.pk for a in withdrawn]).update(
            state=ActionState.CANCELLED, decision_note=note, decided_at=timezone.now(), next_attempt_at=None
        )
    if withdrawn or narrowed:
        record_event(
            organization,
            customer,
            "collections.actions_withdrawn",
            actor,
            hold_kind=hold_kind,
            hold_label=str(HoldKind(hold_kind).label) if hold_kind in HoldKind.values else hold_kind,
            withdrawn=len(withdrawn),
            withdrawn_actions=", ".join(f"{a.pk}:{a.step_key}" for a in withdrawn),
            narrowed=len(narrowed),
            invoices=", ".join(sorted({n for _a, numbers in narrowed for n in numbers})),
        )


def _queued(organization: Organization, customer: Customer) -> list[Action]:
    """The customer's actions not carried out yet: planned, awaiting approval, or a letter produced and not
    posted; locked."""
    return list(
        Action.objects.select_for_update(of=("self",))
        .filter(organization=organization, customer=customer)
        .filter(Q(state__in=QUEUED) | Q(state=ActionState.READY, channel__in=_LETTERS, letter__posted_on__isnull=True))
        .order_by("id")
    )


def _draw_again(action: Action, actor: Actor) -> None:
    """A letter produced but not posted lists an invoice now held: it is drawn again without it."""
    from recouvre.letters.services import redraw_unposted

    redraw_unposted(action, actor=actor)
