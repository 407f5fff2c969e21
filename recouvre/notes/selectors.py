"""Reads of notes, always within one organization, and their text cut into plain parts and @mentions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from recouvre.core import mentions
from recouvre.organizations.models import Organization, User

from .models import Note


def members_by_name(organization: Organization) -> tuple[Callable[[mentions.Mention], int | None], dict[int, Any]]:
    """A resolver of mentions among ``organization``'s active members (user name, or full name when quoted;
    letter case aside), and the members by id."""
    users = {u.pk: u for u in User.objects.filter(memberships__organization=organization, is_active=True)}
    by_username = {u.get_username().casefold(): u.pk for u in users.values()}
    by_full: dict[str, int | None] = {}
    for u in users.values():
        full = " ".join(u.get_full_name().split()).casefold()
        if full:
            by_full[full] = None if full in by_full else u.pk  # two members of the same name: neither

    def resolve(m: mentions.Mention) -> int | None:
        value = " ".join(m.value.split()).casefold()
        if m.quoted:
            return by_full.get(value) or by_username.get(value)
        return by_username.get(value)

    return resolve, users


@dataclass
class Shown:
    note: Note
    segments: list[mentions.Segment]
    mine: bool


def notes(organization: Organization, *, customer: Any = None, invoice: Any = None) -> QuerySet[Note]:
    qs = Note.objects.filter(organization=organization).select_related("author", "invoice")
    if invoice is not None:
        return qs.filter(invoice=invoice)
    if customer is not None:
        return qs.filter(customer=customer)
    return qs


def shown(organization: Organization, notes: Any, user: Any) -> list[Shown]:
    """Each note with its text cut into plain parts and mentions of members, and whether ``user`` wrote it."""
    resolve, _users = members_by_name(organization)
    uid = getattr(user, "pk", None)
    return [Shown(n, mentions.split(n.text, resolve), n.author_id is not None and n.author_id == uid) for n in notes]
