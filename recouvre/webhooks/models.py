"""Webhooks: the addresses an organization's administrators register to be told of events (``WebhookEndpoint``),
and each message sent or to send to one of them (``WebhookDelivery``). See ``docs/webhooks.md``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recouvre.ledger.models import Event
from recouvre.organizations.models import Organization


class WebhookEndpoint(models.Model):
    """An address to which the organization's events of the chosen types are posted, signed with its secret.

    ``last_seq`` is the cursor: the number, in the organization's chain of events, of the last event already turned
    into deliveries for this endpoint; a new endpoint starts at the chain's head (no history is sent)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(_("address"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True, default="")
    event_types = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=80)
    enabled = models.BooleanField(_("enabled"), default=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True, default="")
    last_seq = models.PositiveBigIntegerField(default=0)
    # since when every delivery to it has failed (None: the last one succeeded, or none was tried)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["organization", "id"], name="webhook_endpoint_org")]

    def __str__(self) -> str:
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("to send")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed, will be tried again")
    GIVEN_UP = "given_up", _("given up")


class WebhookDelivery(models.Model):
    """One message to one endpoint: the event it tells of, its body as it is sent (the same body at every try), and
    how the last try went. ``key`` makes it once per endpoint: ``event:<id>`` for a timeline event,
    ``invoice.paid:<invoice id>`` for an invoice paid, ``test:<uuid>`` and ``replay:<uuid>`` for the others."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    type = models.CharField(max_length=40)
    key = models.CharField(max_length=80)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True, default="")
    error = models.CharField(max_length=300, blank=True, default="")
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "key"], name="webhook_delivery_once")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=Q(state__in=["pending", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} -> {self.endpoint_id}"
