"""What the company watch keeps: per organization, when the BODACC was last checked (``WatchState``); each BODACC
announcement found about a customer, once (``Announcement``, unique per organization by the BODACC's id), with what
was proposed from it and what a person decided."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from recouvre.ledger.models import Customer
from recouvre.organizations.models import Organization


class WatchState(models.Model):
    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="watch_state")
    last_success_at = models.DateTimeField(_("last successful check"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, default="")
    checked_since = models.DateField(_("announcements checked since"), null=True, blank=True)

    class Meta:
        verbose_name = _("company watch state")


class AnnouncementKind(models.TextChoices):
    OPENING_SAFEGUARD = "opening_safeguard", _("Safeguard opened")
    OPENING_RECEIVERSHIP = "opening_receivership", _("Receivership opened")
    OPENING_LIQUIDATION = "opening_liquidation", _("Liquidation opened")
    CLOSURE = "closure", _("Struck off the register (radiation)")
    OTHER = "other", _("Other announcement")


class AnnouncementState(models.TextChoices):
    PROPOSED = "proposed", _("To confirm")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")
    NOTED = "noted", _("Noted")


class Announcement(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="bodacc_announcements")
    announcement_id = models.CharField(_("BODACC announcement"), max_length=100)
    siren = models.CharField(_("SIREN"), max_length=9)
    kind = models.CharField(_("kind"), max_length=24, choices=AnnouncementKind.choices)
    nature = models.CharField(_("nature"), max_length=300, blank=True, default="")
    judgment_on = models.DateField(_("judgment"), null=True, blank=True)
    published_on = models.DateField(_("BODACC publication"))
    court = models.CharField(_("court"), max_length=200, blank=True, default="")
    state = models.CharField(_("state"), max_length=10, choices=AnnouncementState.choices)
    procedure = models.OneToOneField(
        "legal.InsolvencyProcedure", null=True, blank=True, on_delete=models.PROTECT, related_name="announcement"
    )
    hold = models.ForeignKey("collections.Hold", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_label = models.CharField(max_length=150, blank=True, default="")
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = _("BODACC announcement")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "announcement_id", "customer"], name="watch_announcement_once"
            ),
        ]
