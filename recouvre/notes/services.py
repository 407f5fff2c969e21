"""Writes of notes. Each function is one transaction and leaves an event on the customer's timeline.

- ``add_note``: a member writes a note about a customer (or one of its invoices); the members it @mentions are
  notified (``recouvre.notifications``).
- ``edit_note``, ``delete_note``: only by the note's author.

A mention names a member of the note's organization, by user name (``@claire``) or full name (``@"Claire
Martin"``); any other name stays plain text, and nobody outside the organization is ever told.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core import mentions
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice
from recouvre.ledger.services import record_event
from recouvre.notifications import services as notifications
from recouvre.notifications.models import NotificationKind
from recouvre.organizations.models import Organization

from .models import MAX_LENGTH, Note
from .selectors import members_by_name

EXCERPT = 200  # characters of the note the timeline shows


def _clean(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError(_("Write something: the note is empty."))
    if len(text) > MAX_LENGTH:
        raise ValidationError(
            _("A note holds at most %(max)s characters; this one has %(count)s.")
            % {"max": MAX_LENGTH, "count": len(text)}
        )
    return text


def mentioned_users(organization: Organization, text: str) -> list[Any]:
    """The members of ``organization`` that ``text`` mentions, each once, in order."""
    resolve, users = members_by_name(organization)
    seen: dict[int, Any] = {}
    for m in mentions.find(text):
        uid = resolve(m)
        if uid is not None and uid not in seen:
            seen[uid] = users[uid]
    return list(seen.values())


def _link(note: Note) -> str:
    if note.invoice_id is not None:
        return reverse("invoice_detail", args=[note.invoice_id]) + "#notes"
    return reverse("customer_detail", args=[note.customer_id]) + "#notes"


def _tell(note: Note, users: list[Any], actor: Actor) -> int:
    told = 0
    for user in users:
        if actor.user is not None and user.pk == actor.user.pk:
            continue
        given = notifications.notify(
            note.organization,
            user,
            NotificationKind.MENTION,
            link=_link(note),
            key=f"note:{note.pk}:{user.pk}",
            author=actor.name,
            customer=note.customer.name,
            invoice=note.invoice.number if note.invoice is not None else "",
            excerpt=notifications.excerpt(note.text),
        )
        told += given is not None
    return told


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


@transaction.atomic
def add_note(
    organization: Organization, customer: Customer, text: str, *, actor: Actor, invoice: Invoice | None = None
) -> Note:
    if customer.organization_id != organization.pk:
        raise ValidationError(_("This customer belongs to another organization."))
    if invoice is not None and invoice.customer_id != customer.pk:
        raise ValidationError(_("This invoice is not one of this customer's."))
    text = _clean(text)
    note = Note.objects.create(
        organization=organization,
        customer=customer,
        invoice=invoice,
        author=actor.user,
        author_label=actor.label[:150],
        text=text,
    )
    users = mentioned_users(organization, text)
    record_event(
        organization,
        customer,
        "note.added",
        actor,
        note=note.pk,
        invoice=invoice.number if invoice is not None else "",
        excerpt=_excerpt(text),
        mentions=", ".join(notifications._name(u) for u in users),
    )
    _tell(note, users, actor)
    return note


def _own(note: Note, actor: Actor) -> None:
    if actor.user is None or note.author_id != actor.user.pk:
        raise PermissionDenied(_("Only the author of a note can change or delete it."))


@transaction.atomic
def edit_note(note: Note, text: str, *, actor: Actor) -> Note:
    """The author changes the note's text; the members it newly mentions are told (once per note each)."""
    note = (
        Note.objects.select_for_update(of=("self",))
        .select_related("organization", "customer", "invoice")
        .get(pk=note.pk)
    )
    _own(note, actor)
    text = _clean(text)
    if text == note.text:
        return note
    note.text = text
    note.edited_at = timezone.now()
    note.save(update_fields=["text", "edited_at"])
    users = mentioned_users(note.organization, text)
    record_event(
        note.organization,
        note.customer,
        "note.edited",
        actor,
        note=note.pk,
        invoice=note.invoice.number if note.invoice is not None else "",
        excerpt=_excerpt(text),
    )
    _tell(note, users, actor)
    return note


@transaction.atomic
def delete_note(note: Note, *, actor: Actor) -> None:
    note = (
        Note.objects.select_for_update(of=("self",))
        .select_related("organization", "customer", "invoice")
        .get(pk=note.pk)
    )
    _own(note, actor)
    record_event(
        note.organization,
        note.customer,
        "note.deleted",
        actor,
        note=note.pk,
        invoice=note.invoice.number if note.invoice is not None else "",
        excerpt=_excerpt(note.text),
    )
    note.delete()
