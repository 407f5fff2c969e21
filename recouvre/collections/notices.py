"""A formal notice (*mise en demeure*) asked for by a person, outside the daily schedule: "send a formal notice
now" on the customer page.

``request_formal_notice`` creates, in one transaction with a timeline event, the registered-letter action of the
customer's policy's formal notice step (the step keyed ``formal_notice``, else the step using the ``formal_notice``
template; the seeded one when the policy has none: registered letter, 15 days to pay), listing every overdue open
invoice of the customer. It records the step as done for those invoices (``ItemStep``), so the daily run does not
plan it a second time and plans the next step only after the notice's deadline (``core.dunning``, ``waits_until``).
It goes to the approval queue, unless the person asking has the right to approve and says so: it is then
``planned`` and the letter can be produced at once (``letters.services.produce_due_letters``).

Refused with a message for a person (``ValidationError``): nothing overdue, a hold on the customer, a formal notice
already waiting or being posted for the customer, one already planned today.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from recouvre.core import dunning
from recouvre.core.policies import FORMAL_NOTICE_DEADLINE_DAYS
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice
from recouvre.ledger.selectors import schedules
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from . import selectors
from .models import Action, ActionState, Channel, Hold, ItemStep

FORMAL_NOTICE = "formal_notice"
_IN_PROGRESS = (ActionState.PLANNED, ActionState.AWAITING_APPROVAL, ActionState.READY, ActionState.SENDING)


def customer_policy(organization: Organization, customer: Customer) -> dunning.Policy:
    """The policy the run uses for ``customer``: its own, else its segment's."""
    by_id, by_segment = selectors.policies(organization)
    collection = getattr(customer, "collection", None)
    policy_id = collection.policy_id if collection is not None else None
    if policy_id is not None and policy_id in by_id:
        return by_id[policy_id]
    return by_segment.get(customer.segment) or by_segment["standard"]


def notice_step(policy: dunning.Policy) -> tuple[dunning.Step, int | None]:
    """The policy's formal notice step and its level (position + 1); the seeded step (no level) when it has none."""
    for i, step in enumerate(policy.steps):
        if step.key == FORMAL_NOTICE or step.template == FORMAL_NOTICE:
            return step, i + 1
    return (
        dunning.Step(
            FORMAL_NOTICE,
            35,
            dunning.Channel.REGISTERED_LETTER,
            FORMAL_NOTICE,
            needs_approval=True,
            deadline_days=FORMAL_NOTICE_DEADLINE_DAYS,
        ),
        None,
    )


def pending_notice(organization: Organization, customer: Customer) -> Action | None:
    """The customer's formal notice not yet posted (waiting for approval, planned, or ready to post), if any."""
    return (
        Action.objects.filter(
            organization=organization, customer=customer, template=FORMAL_NOTICE, state__in=_IN_PROGRESS
        )
        .order_by("-send_on", "-id")
        .first()
    )


def request_formal_notice(
    organization: Organization, customer: Customer, *, actor: Actor, today: date, approved: bool = False
) -> Action:
    """Create the formal notice of ``customer`` for ``today`` (see the module description). ``approved``: the
    person asking may approve and does (the caller checks the right); else the notice waits for approval."""
    if customer.organization_id != organization.pk:
        raise ValidationError(_("this customer belongs to another organization"))
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()  # one request at a time per customer
        if pending_notice(organization, customer) is not None:
            raise ValidationError(_("a formal notice to this customer is already waiting to be approved or posted"))
        holds = list(
            Hold.objects.filter(
                organization=organization, customer=customer, released_at__isnull=True, starts_on__lte=today
            )
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
            .prefetch_related("invoices")
        )
        held_invoices: set[int] = set()
        for h in holds:
            covered = {inv.pk for inv in h.invoices.all()} | ({h.invoice_id} if h.invoice_id else set())
            if not covered:
                raise ValidationError(_("this customer is on hold: lift the hold before sending a formal notice"))
            held_invoices |= covered
        invoices = [
            inv
            for inv in Invoice.objects.filter(
                organization=organization, customer=customer, open_amount__gt=0, due_on__lt=today
            ).order_by("due_on", "number", "id")
            if inv.pk not in held_invoices
        ]
        if not invoices:
            raise ValidationError(_("this customer has no overdue invoice to claim"))
        calendar = selectors.calendar_for(organization)
        send_on = calendar.next_business_day(today)
        if Action.objects.filter(
            organization=organization, customer=customer, send_on=send_on, channel=Channel.REGISTERED_LETTER
        ).exists():
            raise ValidationError(_("a registered letter to this customer is already planned for that day"))
        policy = customer_policy(organization, customer)
        step, level = notice_step(policy)
        days = step.deadline_days or FORMAL_NOTICE_DEADLINE_DAYS
        # an invoice payable in several instalments: each overdue instalment still open is claimed on its own line
        dues = schedules(organization, [inv.pk for inv in invoices])
        items: list[tuple[Invoice, int, int, date, Decimal]] = []
        for inv in invoices:
            if inv.pk not in dues:
                items.append((inv, 0, 0, inv.due_on, inv.open_amount))
                continue
            for due in dues[inv.pk]:
                left = due.open_of(inv.allocated_amount)
                if left > 0 and due.due_on < today:
                    items.append((inv, due.position, due.of, due.due_on, left))
        if not items:
            raise ValidationError(_("this customer has no overdue invoice to claim"))
        lines = []
        for inv, position, count, due_on, open_amount in items:
            line = {
                "invoice_id": inv.pk,
                "number": inv.number,
                "due_on": due_on.isoformat(),
                "open_amount": str(open_amount),
                "currency": inv.currency,
                "days_overdue": (today - due_on).days,
                "stage": step.key,
                "step": step.key,
                "reason": None,
                "hold": None,
            }
            if position:
                line.update(instalment=position, instalments=count)
            lines.append(line)
        action = Action.objects.create(
            organization=organization,
            customer=customer,
            channel=Channel.REGISTERED_LETTER,
            send_on=send_on,
            state=ActionState.PLANNED if approved else ActionState.AWAITING_APPROVAL,
            policy_key=policy.key,
            step_key=step.key,
            template=FORMAL_NOTICE,
            deadline_on=calendar.deadline(send_on, days),
            lines=json.loads(json.dumps(lines)),
            unapplied=_unapplied(organization, customer),
            needs_approval=not approved,
        )
        if level is not None:
            done = set(
                ItemStep.objects.filter(invoice__in=invoices, step_key=step.key).values_list("invoice_id", "instalment")
            )
            ItemStep.objects.bulk_create(
                ItemStep(
                    organization=organization,
                    invoice=inv,
                    instalment=position,
                    step_key=step.key,
                    level=level,
                    action=action,
                    planned_on=today,
                )
                for inv, position, _count, _due, _open in items
                if (inv.pk, position) not in done
            )
        record_event(
            organization,
            customer,
            "collections.formal_notice_requested",
            actor,
            action_id=action.pk,
            invoices=len(invoices),
            approved=approved,
            send_on=send_on,
        )
    return action


def _unapplied(organization: Organization, customer: Customer) -> dict[str, str]:
    from recouvre.ledger import selectors as ledger_selectors

    out: dict[str, Any] = {}
    for row in list(ledger_selectors.customer_unapplied_payments(organization, customer)) + list(
        ledger_selectors.customer_unapplied_credit_notes(organization, customer)
    ):
        out[row.currency] = out.get(row.currency, 0) + row.unallocated_amount
    return {cur: str(amount) for cur, amount in out.items()}
