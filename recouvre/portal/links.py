"""Portal links, the writes: issue a customer's link (or reuse the newest one, ``recouvre.core.portal.reusable``),
resolve the text of a link from a request, revoke a customer's links.

A link's text is ``<id>.<nonce>.<signature>`` (about 45 characters): the signature (a 128-bit HMAC-SHA256 under the
server's secret key, with a salt of its own) proves Recouvre made it, the 96-bit random nonce that it is this row's
and not an older one's; the row says until when it is valid and whether it was revoked. The absolute address is
``RECOUVRE_PUBLIC_URL`` followed by the portal's path; without ``RECOUVRE_PUBLIC_URL`` documents carry no link
(``document_link`` gives ``""``)."""

from __future__ import annotations

import base64
import hmac
import secrets
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from recouvre.core import portal as core
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from .models import PortalLink, RevokedBecause, link_settings

_SALT = "recouvre.portal.link"


class LinkRefused(Exception):
    """The text is not a valid link, or the link expired or was revoked (the portal says the same for all)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid", "expired", "revoked" (for the log, never shown)


def _signature(value: str) -> str:
    """An HMAC-SHA256 of ``value`` under the server's secret key (a salt of its own), its first 128 bits in URL-safe
    base64: 22 characters, so that a printed link stays short enough to type."""
    digest = salted_hmac(_SALT, value, algorithm="sha256").digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_of(link: PortalLink) -> str:
    value = f"{link.pk}.{link.nonce}"
    return f"{value}.{_signature(value)}"


def _state(link: PortalLink) -> core.LinkState:
    return core.LinkState(link.created_at, link.expires_at, link.revoked_at is not None)


def issue_link(customer: Customer, *, actor: Actor, now: datetime | None = None) -> PortalLink:
    """A new link for ``customer``, valid for the organization's ``link_days``."""
    now = now or timezone.now()
    days = link_settings(customer.organization).link_days
    link = PortalLink.objects.create(
        organization_id=customer.organization_id,
        customer=customer,
        nonce=secrets.token_urlsafe(12),
        created_at=now,
        expires_at=core.expires_at(now, days),
        created_by_label=actor.name[:150],
    )
    record_event(
        customer.organization,
        customer,
        "portal.link_issued",
        actor,
        link=link.pk,
        expires_on=timezone.localdate(link.expires_at),
    )
    return link


def link_for_document(customer: Customer, *, actor: Actor, now: datetime | None = None) -> PortalLink:
    """The link a new document to ``customer`` carries: its newest live link while reusable, else a new one."""
    now = now or timezone.now()
    newest = (
        PortalLink.objects.filter(
            organization_id=customer.organization_id, customer=customer, revoked_at__isnull=True, expires_at__gt=now
        )
        .order_by("-expires_at", "-id")
        .first()
    )
    if newest is not None and core.reusable(_state(newest), now):
        return newest
    return issue_link(customer, actor=actor, now=now)


def public_url(link: PortalLink) -> str:
    """The link's absolute address, or ``""`` when ``RECOUVRE_PUBLIC_URL`` is not set."""
    base = getattr(settings, "RECOUVRE_PUBLIC_URL", "")
    return f"{base}{path_of(link)}" if base else ""


def path_of(link: PortalLink) -> str:
    return reverse("portal:home", args=[token_of(link)])


def carries_links(organization: Organization) -> bool:
    """Whether the documents of ``organization`` carry a link to the portal: its portal is on and the server has
    a public address (what a preview needs to know to show where the link will be)."""
    return bool(getattr(settings, "RECOUVRE_PUBLIC_URL", "")) and link_settings(organization).enabled


def document_link(customer: Customer, *, actor: Actor, now: datetime | None = None) -> str:
    """The absolute address a reminder, statement or letter to ``customer`` prints, or ``""`` when the portal is
    off for its organization or the server has no public address."""
    if not carries_links(customer.organization):
        return ""
    return public_url(link_for_document(customer, actor=actor, now=now))


def resolve(token: str, *, now: datetime | None = None) -> PortalLink:
    """The live link ``token`` is the text of, or ``LinkRefused``."""
    now = now or timezone.now()
    if len(token) > 200:
        raise LinkRefused("invalid")
    value, _dot, signature = token.rpartition(".")
    if not value or not hmac.compare_digest(signature.encode(), _signature(value).encode()):
        raise LinkRefused("invalid")
    pk, _dot, nonce = value.partition(".")
    if not pk.isdigit() or len(pk) > 18:
        raise LinkRefused("invalid")
    link = PortalLink.objects.select_related("customer", "organization").filter(pk=int(pk)).first()
    if link is None or not hmac.compare_digest(link.nonce, nonce):
        raise LinkRefused("invalid")
    if link.revoked_at is not None:
        raise LinkRefused("revoked")
    if not core.is_live(_state(link), now):
        raise LinkRefused("expired")
    return link


def note_opened(link: PortalLink, *, now: datetime | None = None) -> None:
    """Count an opening of the link's page; the first opening of a link leaves an event on the timeline."""
    now = now or timezone.now()
    first = link.opened_count == 0
    PortalLink.objects.filter(pk=link.pk).update(last_opened_at=now, opened_count=F("opened_count") + 1)
    if first:
        record_event(link.organization, link.customer, "portal.link_opened", Actor.system("portal"), link=link.pk)


@transaction.atomic
def revoke_links(
    customer: Customer, *, actor: Actor, because: str = RevokedBecause.USER, now: datetime | None = None
) -> int:
    """Revoke every live link of ``customer``; how many were revoked (an event when there was one at least)."""
    now = now or timezone.now()
    live = PortalLink.objects.filter(
        organization_id=customer.organization_id, customer=customer, revoked_at__isnull=True, expires_at__gt=now
    )
    count = live.update(revoked_at=now, revoked_because=because, revoked_by_label=actor.name[:150])
    if count:
        record_event(customer.organization, customer, "portal.links_revoked", actor, count=count, because=because)
    return count
