"""The customer portal: the links given to customers (``PortalLink``), each organization's rules for what a
customer may do there on their own (``PortalSettings``), and the request counters that rate-limit the portal
(``PortalCounter``, in the database so that every web worker counts the same requests).

A link is signed (``recouvre.portal.links``): its text carries the link's id and a random nonce under the server's
secret key; the row says until when it is valid and whether it was revoked. A customer has at most a few live
links at once: a document reuses the customer's newest link while it still has more than half of its validity
ahead, otherwise a new one is issued; revoking revokes all of them."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recouvre.ledger.models import Customer
from recouvre.organizations.models import Organization


class RevokedBecause(models.TextChoices):
    USER = "user", _("revoked by a user")
    HANDOFF = "handoff", _("claim handed off")
    INJONCTION = "injonction", _("injonction de payer requested")
    CUSTOMER_CLOSED = "closed", _("customer closed")


class PortalLink(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="portal_links", db_index=False)
    nonce = models.CharField(max_length=40, editable=False)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    created_by_label = models.CharField(max_length=150, blank=True, default="")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_because = models.CharField(
        _("revoked because"), max_length=12, choices=RevokedBecause.choices, blank=True, default=""
    )
    revoked_by_label = models.CharField(max_length=150, blank=True, default="")
    last_opened_at = models.DateTimeField(_("last opened"), null=True, blank=True)
    opened_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("portal link")
        verbose_name_plural = _("portal links")
        indexes = [models.Index(fields=["organization", "customer", "-expires_at"], name="portal_link_customer")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="portal_link_expires_after"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_because="")
                | Q(revoked_at__isnull=False) & ~Q(revoked_because=""),
                name="portal_link_revoked_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"portal link {self.pk} of customer {self.customer_id}"


class PortalSettings(models.Model):
    """What a customer may do on the portal without a collector, per organization (defaults when no row)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="portal_settings")
    enabled = models.BooleanField(
        _("links in documents"),
        default=True,
        help_text=_("Put a link to the customer portal in reminders, statements and letters."),
    )
    link_days = models.PositiveSmallIntegerField(
        _("links valid for (days)"), default=60, validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    promise_max_days = models.PositiveSmallIntegerField(
        _("promise: at most this many days ahead"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )
    plan_max_instalments = models.PositiveSmallIntegerField(
        _("payment plan accepted automatically: at most this many instalments"),
        default=3,
        validators=[MaxValueValidator(24)],
        help_text=_("0: every request for a payment plan goes to a collector."),
    )
    plan_max_days = models.PositiveSmallIntegerField(
        _("payment plan accepted automatically: last instalment at most this many days ahead"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(731)],
    )
    plan_min_instalment = models.DecimalField(
        _("payment plan accepted automatically: smallest instalment"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("100.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")
        constraints = [
            models.CheckConstraint(condition=Q(link_days__gte=1, link_days__lte=366), name="portal_link_days_range"),
            models.CheckConstraint(condition=Q(plan_min_instalment__gt=0), name="portal_plan_min_positive"),
        ]


class PortalCounter(models.Model):
    """Requests counted for one key (a link, a client address) in one window of time."""

    key = models.CharField(max_length=120)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="portal_counter_unique")]
        indexes = [models.Index(fields=["window_start"], name="portal_counter_window")]


def link_settings(organization: Organization) -> PortalSettings:
    """The organization's portal settings, or the defaults (unsaved) when it has none."""
    found = PortalSettings.objects.filter(organization=organization).first()
    return found if found is not None else PortalSettings(organization=organization)


class ContactProposal(models.Model):
    """New contact details a customer gave on the portal: never applied by themselves; a collector applies them
    with one click (or sets them aside) from the customer page. ``changes``: field -> [old, new]."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_proposals")
    task = models.OneToOneField("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changes = models.JSONField(default=dict)
    message = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    applied = models.BooleanField(null=True, blank=True)
    decided_by_label = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contact details proposed by the customer")
        verbose_name_plural = _("contact details proposed by customers")
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True, applied__isnull=True)
                | Q(decided_at__isnull=False, applied__isnull=False),
                name="contact_proposal_decided_with_answer",
            )
        ]
