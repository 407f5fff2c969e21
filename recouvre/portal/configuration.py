"""An organization's customer portal settings, the writes (``save_settings``): each change an event on the timeline."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from recouvre.ledger.actors import Actor
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .models import PortalSettings

SETTINGS_FIELDS = (
    "enabled",
    "link_days",
    "promise_max_days",
    "plan_max_instalments",
    "plan_max_days",
    "plan_min_instalment",
)


def save_settings(organization: Organization, actor: Actor, **changes: Any) -> tuple[PortalSettings, list[str]]:
    """Save the given portal settings of ``organization`` (validated against the fields' bounds:
    ``ValidationError`` otherwise, nothing written) and the names of the fields that changed; a ``portal.settings``
    event on the timeline names them (its data holds the new values)."""
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"unknown portal settings: {sorted(unknown)}")
    with transaction.atomic():
        current = PortalSettings.objects.select_for_update().filter(organization=organization).first()
        instance = current or PortalSettings(organization=organization)
        changed = [k for k in SETTINGS_FIELDS if k in changes and getattr(instance, k) != changes[k]]
        for key, value in changes.items():
            setattr(instance, key, value)
        instance.full_clean(exclude=["organization"])
        if changed or current is None:
            instance.save()
        if changed:
            record_event(
                organization,
                None,
                "portal.settings",
                actor,
                fields=", ".join(changed),
                values={k: _plain(getattr(instance, k)) for k in changed},
            )
    return instance, changed


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value
