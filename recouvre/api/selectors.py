"""Reads about API keys."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import Q, QuerySet

from recouvre.organizations.models import Organization

from .models import ApiKey


def digest(key: str) -> str:
    """What is stored of a key: its SHA-256, in hexadecimal."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_keys(organization: Organization) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(organization=organization).order_by("-created_at", "-id")


def api_key(organization: Organization, ident: str | int) -> ApiKey | None:
    """The organization's key with this id or prefix."""
    text = str(ident).strip()
    cond = Q(prefix=text)
    if text.isdigit():
        cond |= Q(pk=int(text))
    return api_keys(organization).filter(cond).first()


def active_key(key: str) -> ApiKey | None:
    """The unrevoked key whose digest this key has (with its organization), else None."""
    return ApiKey.objects.select_related("organization").filter(key_hash=digest(key), revoked_at__isnull=True).first()


# ---------------------------------------------------------------------------------- what the API lists


def contacts(organization: Organization) -> QuerySet[Any]:
    from recouvre.ledger.models import Contact

    return Contact.objects.filter(organization=organization).select_related("customer")


def allocations(organization: Organization) -> QuerySet[Any]:
    from recouvre.ledger.models import Allocation

    return Allocation.objects.filter(organization=organization).select_related("invoice", "payment", "credit_note")


def events(organization: Organization) -> QuerySet[Any]:
    from recouvre.ledger.models import Event

    return Event.objects.filter(organization=organization).select_related("customer")


def holds(organization: Organization) -> QuerySet[Any]:
    from recouvre.collections.models import Hold

    return (
        Hold.objects.filter(organization=organization)
        .select_related("customer", "invoice")
        .prefetch_related("invoices")
    )
