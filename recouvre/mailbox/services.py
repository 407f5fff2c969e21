"""What a message read from the mailbox of replies does (``take(raw)``), each message in one transaction:

- **a bounce** of an e-mail Recouvre sent (found by the ``Message-ID`` it returns): the e-mail becomes a failure
  (``failed``, with the server's diagnostic; the event ``collections.email_bounced``); its steps no longer count as
  carried out, so the next run plans them again; the failed address is flagged on every contact of the customer
  that has it (``Contact.email_bounced_at``): the planner and the sending leave it out, so an e-mail step falls
  back to a letter; the customer's collector gets an ``email_failed`` task;
- **a reply** to an e-mail Recouvre sent (by ``In-Reply-To`` / ``References``), else from an address that is a
  contact of exactly one customer: the event ``collections.reply_received`` on the customer's timeline (naming
  the message it answers) and a task for the collector to read it;
- anything else (an automatic answer, a delay notice, a sender nobody knows) is kept as read and does nothing.

Every message is recorded once (``InboundMessage.fingerprint``), so reading the mailbox again changes nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.collections.models import Action, ActionState, Channel, ItemStep
from recouvre.core import inbound as core
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Contact, Customer, Event
from recouvre.ledger.services import record_event
from recouvre.notifications import services as notifications
from recouvre.tasks.models import TaskKind
from recouvre.tasks.services import create_task, open_email_failed_task

from .models import InboundKind, InboundMessage


@dataclass
class Taken:
    kind: str
    outcome: str  # bounce_recorded, reply_recorded, already_read, not_matched, ignored
    customer_ref: str = ""
    organization: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "outcome": self.outcome,
            "organization": self.organization,
            "customer_ref": self.customer_ref,
            **self.details,
        }


def fingerprint(raw: bytes, message: core.Inbound) -> str:
    return message.message_id[:300] if message.message_id else "sha256:" + hashlib.sha256(raw).hexdigest()


def _sent_email(message_ids: tuple[str, ...]) -> Action | None:
    """The e-mail Recouvre sent with one of these Message-IDs (the latest named first)."""
    for message_id in reversed(message_ids):
        found = (
            Action.objects.select_related("organization", "customer")
            .filter(message_id=message_id, channel=Channel.EMAIL)
            .first()
        )
        if found is not None:
            return found
    return None


def _sent_to(action: Action) -> str:
    """The address the action's e-mail went to, as its ``collections.email_sent`` event recorded it."""
    event = (
        Event.objects.filter(organization_id=action.organization_id, kind="collections.email_sent")
        .filter(data__action_id=action.pk)
        .order_by("-id")
        .first()
    )
    return str(event.data.get("to", "")) if event is not None else ""


def take(raw: bytes, *, actor: Actor) -> Taken:
    """Read one message and do what it says (see the module description)."""
    message = core.read(raw)
    key = fingerprint(raw, message)
    if InboundMessage.objects.filter(fingerprint=key).exists():
        return Taken(message.kind.value, "already_read")
    try:
        with transaction.atomic():
            if message.kind is core.Kind.BOUNCE:
                return _bounce(message, key, actor)
            if message.kind is core.Kind.REPLY:
                return _reply(message, key, actor)
            _keep(message, key, note="; ".join(message.reasons))
            return Taken(message.kind.value, "ignored")
    except IntegrityError:  # read meanwhile by another process
        return Taken(message.kind.value, "already_read")


def _keep(
    message: core.Inbound,
    key: str,
    *,
    action: Action | None = None,
    customer: Customer | None = None,
    matched_by: str = "",
    note: str = "",
) -> InboundMessage:
    return InboundMessage.objects.create(
        fingerprint=key,
        organization_id=(action.organization_id if action else customer.organization_id if customer else None),
        customer=customer or (action.customer if action else None),
        action=action,
        kind=InboundKind(message.kind.value),
        from_address=message.from_address[:320],
        from_name=message.from_name[:200],
        subject=message.subject[:500],
        sent_at=message.sent_at,
        text=message.text,
        matched_by=matched_by,
        note=note[:300],
    )


def _bounce(message: core.Inbound, key: str, actor: Actor) -> Taken:
    action = _sent_email(message.answers)
    if action is None:
        _keep(message, key, note="returns no e-mail Recouvre sent")
        return Taken("bounce", "not_matched")
    action = Action.objects.select_for_update().select_related("organization", "customer").get(pk=action.pk)
    sent_to = _sent_to(action)
    failures = list(message.failures) or ([core.Failure(sent_to.lower())] if sent_to else [])
    addresses = sorted({f.address for f in failures if f.address})
    status = ", ".join(sorted({f.status for f in failures if f.status}))
    diagnostic = next((f.diagnostic for f in failures if f.diagnostic), "")
    reason = _("Returned by the recipient's mail server: %(status)s %(diagnostic)s") % {
        "status": status,
        "diagnostic": diagnostic,
    }
    reason = " ".join(reason.split())[:500]
    org, customer = action.organization, action.customer
    _keep(message, key, action=action, matched_by="message")
    now = timezone.now()
    flagged = 0
    if addresses:
        for contact in Contact.objects.filter(customer=customer).exclude(email=""):
            if contact.email.lower() in addresses and contact.email_bounced_at is None:
                contact.email_bounced_at, contact.email_bounce_reason = now, reason
                contact.save(update_fields=["email_bounced_at", "email_bounce_reason"])
                flagged += 1
    was_sent = action.state == ActionState.SENT
    if action.state in (ActionState.SENT, ActionState.SENDING):
        Action.objects.filter(pk=action.pk).update(
            state=ActionState.FAILED, sent_at=None, last_error=reason, next_attempt_at=None
        )
        # never reached the customer: its steps are no longer carried out, the next run plans them again
        ItemStep.objects.filter(action=action).update(done_on=None)
        action.state, action.last_error = ActionState.FAILED, reason
    record_event(
        org,
        customer,
        "collections.email_bounced",
        actor,
        to=", ".join(addresses) or sent_to,
        subject=message.subject,
        status=status,
        diagnostic=diagnostic,
        action_id=action.pk,
        was_sent=was_sent,
        contacts_flagged=flagged,
    )
    if was_sent:
        open_email_failed_task(action, reason=reason, to=", ".join(addresses) or sent_to, actor=actor)
    return Taken(
        "bounce",
        "bounce_recorded",
        customer.ref,
        org.slug,
        {"action_id": action.pk, "addresses": addresses, "status": status, "contacts_flagged": flagged},
    )


def _reply(message: core.Inbound, key: str, actor: Actor) -> Taken:
    action = _sent_email(message.answers)
    matched_by = "message"
    customer: Customer | None = action.customer if action is not None else None
    if customer is None and message.from_address:
        owners = list(
            Contact.objects.filter(email__iexact=message.from_address)
            .values_list("customer_id", flat=True)
            .distinct()[:2]
        )
        if len(owners) == 1:
            customer = Customer.objects.select_related("organization").get(pk=owners[0])
            matched_by = "address"
    if customer is None:
        _keep(message, key, note="from no known contact, answering no e-mail Recouvre sent")
        return Taken("reply", "not_matched")
    org = customer.organization
    kept = _keep(message, key, action=action, customer=customer, matched_by=matched_by)
    excerpt = " ".join(message.text.split())[:300]
    record_event(
        org,
        customer,
        "collections.reply_received",
        actor,
        sender=message.from_address,
        subject=message.subject,
        excerpt=excerpt,
        action_id=action.pk if action else "",
        message=kept.pk,
    )
    who = message.from_name or message.from_address
    title = _("Reply from %(who)s: %(subject)s") % {"who": who, "subject": message.subject or _("(no subject)")}
    details = "\n".join(
        [
            _("From: %(sender)s") % {"sender": message.from_address},
            _("Subject: %(subject)s") % {"subject": message.subject},
            "",
            message.text[:4000],
        ]
    )
    task = create_task(
        org,
        customer,
        kind=TaskKind.REPLY,
        title=title[:300],
        details=details,
        due_on=timezone.localdate(),
        actor=actor,
    )
    notifications.reply_received(org, customer, task.assignee, subject=message.subject, message_id=kept.pk)
    return Taken(
        "reply", "reply_recorded", customer.ref, org.slug, {"matched_by": matched_by, "subject": message.subject}
    )
