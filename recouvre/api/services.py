"""Writes about API keys: create (the key is returned once, only its digest is stored) and revoke, each with an
event on the organization's timeline."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.ledger.actors import Actor
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .models import ApiKey, Scope
from .selectors import digest

KEY_START = "rcv_"


def parse_scopes(scopes: Iterable[str] | str) -> list[str]:
    """The scopes named, in the order of ``Scope``; ``ValidationError`` for an unknown one or none."""
    if isinstance(scopes, str):
        scopes = scopes.split(",")
    wanted = {s.strip().lower() for s in scopes if s.strip()}
    known = set(Scope.values)
    unknown = sorted(wanted - known)
    if unknown:
        raise ValidationError(
            _("Unknown scope %(scopes)s (known: %(known)s).")
            % {"scopes": ", ".join(unknown), "known": ", ".join(Scope.values)}
        )
    if not wanted:
        raise ValidationError(_("Give at least one scope (%(known)s).") % {"known": ", ".join(Scope.values)})
    return [s for s in Scope.values if s in wanted]


@transaction.atomic
def create_api_key(
    organization: Organization, actor: Actor, *, name: str, scopes: Iterable[str] | str
) -> tuple[ApiKey, str]:
    """A new key for ``organization``: the key object and the key itself, which is never stored nor shown again.
    ``ValidationError`` for an empty name or an unknown scope."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Give the key a name (what uses it)."))
    if len(name) > 100:
        raise ValidationError(_("The name is at most 100 characters."))
    scope_list = parse_scopes(scopes)
    prefix = KEY_START + secrets.token_hex(4)
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name,
        prefix=prefix,
        key_hash=digest(key),
        scopes=scope_list,
        created_by=actor.user,
        created_by_label=actor.label[:150],
    )
    record_event(organization, None, "apikey.created", actor, name=name, prefix=prefix, scopes=", ".join(scope_list))
    return api_key, key


@transaction.atomic
def revoke_api_key(api_key: ApiKey, actor: Actor) -> ApiKey:
    """The key stops working at once; revoking a revoked key changes nothing."""
    locked = ApiKey.objects.select_for_update().select_related("organization").get(pk=api_key.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record_event(locked.organization, None, "apikey.revoked", actor, name=locked.name, prefix=locked.prefix)
    return locked


def touch(api_key: ApiKey) -> None:
    """Note that the key was used (at most once a minute, not a write per request)."""
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
