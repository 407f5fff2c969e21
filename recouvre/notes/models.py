"""Notes that members write about a customer, or one of its invoices, for each other (with @mentions)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from recouvre.ledger.models import Customer, Invoice
from recouvre.organizations.models import Organization

MAX_LENGTH = 4000  # characters of a note


class Note(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=150, blank=True, default="")
    text = models.TextField(_("note"), max_length=MAX_LENGTH)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    edited_at = models.DateTimeField(_("changed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes = [models.Index(fields=["organization", "customer", "-created_at"], name="note_org_customer")]

    def __str__(self) -> str:
        return self.text[:60]
