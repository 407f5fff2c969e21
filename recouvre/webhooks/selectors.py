"""Webhooks, the reads: always within one organization."""

from __future__ import annotations

from django.db.models import QuerySet

from recouvre.organizations.models import Organization

from .models import WebhookDelivery, WebhookEndpoint


def endpoints(organization: Organization) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organization=organization).order_by("id")


def endpoint(organization: Organization, pk: int) -> WebhookEndpoint:
    """The organization's endpoint ``pk`` (``WebhookEndpoint.DoesNotExist`` when it is not the organization's)."""
    return WebhookEndpoint.objects.get(organization=organization, pk=pk)


def deliveries(organization: Organization, *, endpoint_id: int | None = None, limit: int = 50) -> list[WebhookDelivery]:
    """The latest deliveries of the organization (of one endpoint), newest first."""
    found = WebhookDelivery.objects.filter(organization=organization).select_related("endpoint")
    if endpoint_id is not None:
        found = found.filter(endpoint_id=endpoint_id)
    return list(found.order_by("-id")[:limit])


def delivery(organization: Organization, pk: int) -> WebhookDelivery:
    return WebhookDelivery.objects.select_related("endpoint", "endpoint__organization").get(
        organization=organization, pk=pk
    )


def delivery_dict(d: WebhookDelivery) -> dict[str, object]:
    return {
        "id": d.pk,
        "endpoint": d.endpoint_id,
        "type": d.type,
        "key": d.key,
        "state": d.state,
        "attempts": d.attempts,
        "status_code": d.status_code,
        "error": d.error,
        "response": d.response_excerpt,
        "duration_ms": d.duration_ms,
        "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at else None,
        "last_attempt_at": d.last_attempt_at.isoformat() if d.last_attempt_at else None,
        "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
        "replay_of": d.replay_of_id,
        "event": d.event_id,
    }


def endpoint_dict(e: WebhookEndpoint) -> dict[str, object]:
    return {
        "id": e.pk,
        "url": e.url,
        "description": e.description,
        "event_types": list(e.event_types),
        "enabled": e.enabled,
        "disabled_reason": e.disabled_reason,
        "failing_since": e.failing_since.isoformat() if e.failing_since else None,
    }
