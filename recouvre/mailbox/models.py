"""What was read from the mailbox of replies (``RECOUVRE_IMAP_URL``): one row per message, whatever it was, so a
message is never read twice (``fingerprint``: its Message-ID, else the SHA-256 of its bytes)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from recouvre.ledger.models import Customer
from recouvre.organizations.models import Organization


class InboundKind(models.TextChoices):
    REPLY = "reply", _("Reply")
    BOUNCE = "bounce", _("Delivery failure")
    OTHER = "other", _("Other")


class InboundMessage(models.Model):
    fingerprint = models.CharField(max_length=300, unique=True)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.ForeignKey(
        "collections.Action", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_messages"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=InboundKind.choices)
    from_address = models.CharField(_("from"), max_length=320, blank=True, default="")
    from_name = models.CharField(max_length=200, blank=True, default="")
    subject = models.CharField(_("subject"), max_length=500, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    text = models.TextField(blank=True, default="")
    matched_by = models.CharField(max_length=20, blank=True, default="")  # message, address, or "" (not matched)
    note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("message received")
        verbose_name_plural = _("messages received")
        indexes = [models.Index(fields=["organization", "customer"], name="inbound_org_customer")]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_address} {self.subject}"
