"""Saved column mappings and the history of imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from recouvre.organizations.models import Organization


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    INVOICES = "invoices", _("Invoices")
    PAYMENTS = "payments", _("Payments")
    FEC = "fec", _("FEC (accounting export)")
    STATEMENT = "statement", _("Bank statement")
    EINVOICE = "einvoice", _("E-invoices (Factur-X, CII, UBL)")
    EINVOICE_STATUS = "einvoice_status", _("E-invoice lifecycle statuses")


class ImportMapping(models.Model):
    """A custom mapping saved by an organization: which column holds which field (``{"total": "Montant"}``)
    and options such as month-first dates. Fields it does not name are recognised from their usual headers."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="import_mappings")
    name = models.SlugField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    columns = models.JSONField(_("columns"), default=dict)
    options = models.JSONField(_("options"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="import_mapping_name_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Imported")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")  # the database or the disk failed: rolled back, nothing from the file written


class ImportRun(models.Model):
    """One import of one file, whether it was written or refused (a dry run leaves no record)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="import_runs")
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, default="")
    mapping = models.CharField(_("mapping"), max_length=60, blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(_("by"), max_length=150, blank=True, default="")
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.RUNNING)
    rows = models.PositiveIntegerField(_("lines read"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # the first 200 errors, {line, field, message}; for a failed import, why it failed
    errors = models.JSONField(_("errors"), default=list, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["organization", "-started_at"], name="import_run_recent")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.kind})"
