"""The lifecycle statuses of e-invoices (French e-invoicing reform, AFNOR XP Z12-012 codes), as received from the
platforms: one row per status message, applied once (unique per invoice, code and day), with what Recouvre did.

Status 212 *encaissée* is the seller's own: Recouvre derives it from the payments matched to the invoice
(``selectors.lifecycle``); a 212 received in a file is recorded here and never counted as a payment.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from recouvre.ledger.models import Invoice
from recouvre.organizations.models import Organization


class Effect(models.TextChoices):
    DISPUTE = "dispute", _("Dispute opened")
    PAUSE = "pause", _("Collection paused")
    RESUME = "resume", _("Pause lifted")
    REFUSED = "refused", _("Dispute opened: a credit note or a corrected invoice is asked for")
    ALREADY_PAID = "already_paid", _("Held while the payment is looked for")
    SELLER_STATUS = "seller_status", _("Recorded (the seller's own status; no payment counted)")
    REJECTED = "rejected", _("No dunning and no penalties until it is issued again")
    RECORDED = "recorded", _("Recorded")


class LifecycleStatus(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lifecycle_statuses")
    code = models.PositiveSmallIntegerField(_("status"))
    status_on = models.DateField(_("date"))
    reason = models.TextField(_("reason"), blank=True, default="")
    effect = models.CharField(_("effect"), max_length=20, choices=Effect.choices)
    outcome = models.TextField(_("outcome"), blank=True, default="")
    hold = models.ForeignKey(
        "collections.Hold", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("hold")
    )
    source_file = models.CharField(_("file"), max_length=255, blank=True, default="")
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["status_on", "id"]
        verbose_name = _("e-invoice status")
        verbose_name_plural = _("e-invoice statuses")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "code", "status_on"], name="lifecycle_status_once"),
            models.CheckConstraint(condition=models.Q(code__gte=200, code__lte=299), name="lifecycle_status_code_2xx"),
            models.CheckConstraint(condition=models.Q(effect__in=Effect.values), name="lifecycle_status_effect_known"),
        ]
        indexes = [models.Index(fields=["organization", "status_on"], name="lifecycle_status_org_day")]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.code} {self.status_on}"
