"""Personal data (GDPR, CNIL référentiel "gestion des impayés", LEGAL-FR §7.3): each organization's privacy
information printed on its e-mails and letters, its retention durations, and the record of each purge.

Database facts: the durations stay within sensible bounds and the accounting retention is never below the 10
years of C. com. L123-22; the privacy texts have a size limit.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recouvre.ledger.models import Customer
from recouvre.organizations.models import Organization

NOTICE_MAX = 2000
CONTACT_MAX = 200
YEARS = [MinValueValidator(1), MaxValueValidator(30)]
ACCOUNTING_YEARS = [MinValueValidator(10), MaxValueValidator(30)]


class PrivacySettings(models.Model):
    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="privacy_settings")
    notice_fr = models.TextField(
        _("privacy information (French)"),
        max_length=NOTICE_MAX,
        validators=[MaxLengthValidator(NOTICE_MAX)],
        blank=True,
        default="",
        help_text=_("Empty: the default wording, written from your name and address."),
    )
    notice_en = models.TextField(
        _("privacy information (English)"),
        max_length=NOTICE_MAX,
        validators=[MaxLengthValidator(NOTICE_MAX)],
        blank=True,
        default="",
        help_text=_("Empty: the default wording, written from your name and address."),
    )
    contact = models.CharField(
        _("privacy contact"),
        max_length=CONTACT_MAX,
        blank=True,
        default="",
        help_text=_("Where people exercise their rights: an e-mail or postal address. Empty: your postal address."),
    )
    consumer_years = models.PositiveSmallIntegerField(
        _("archive after a consumer claim is closed (years)"),
        default=2,
        validators=YEARS,
        help_text=_("Prescription of a consumer claim (C. conso L218-2)."),
    )
    business_years = models.PositiveSmallIntegerField(
        _("archive after a business claim is closed (years)"),
        default=5,
        validators=YEARS,
        help_text=_("Prescription between professionals and of civil claims (C. com. L110-4, C. civ. 2224)."),
    )
    judgment_years = models.PositiveSmallIntegerField(
        _("archive after a court order or judgment (years)"),
        default=10,
        validators=YEARS,
        help_text=_("Enforcement period of a judgment (CPCE L111-4)."),
    )
    accounting_years = models.PositiveSmallIntegerField(
        _("accounting documents (years)"),
        default=10,
        validators=ACCOUNTING_YEARS,
        help_text=_("Invoices and their copies are kept this long from their date (C. com. L123-22: 10 years)."),
    )
    purge_by_scheduler = models.BooleanField(
        _("purge every day with the scheduler"),
        default=False,
        help_text=_("Anonymise what has outlived its retention during the daily run."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("privacy settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(consumer_years__gte=1, consumer_years__lte=30)
                & Q(business_years__gte=1, business_years__lte=30)
                & Q(judgment_years__gte=1, judgment_years__lte=30),
                name="privacy_archive_years_1_to_30",
            ),
            models.CheckConstraint(
                condition=Q(accounting_years__gte=10, accounting_years__lte=30), name="privacy_accounting_10_to_30"
            ),
        ]


class Erasure(models.Model):
    """What one purge did to one customer: the audit record (the counts, never the erased data)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="erasures")
    as_of = models.DateField()
    anonymised = models.BooleanField(default=False)
    summary = models.JSONField(default=dict)
    actor_label = models.CharField(max_length=150, blank=True, default="")
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-done_at", "-id"]
        indexes = [models.Index(fields=["organization", "customer"], name="erasure_org_customer")]
