"""Rate rows imported by the user (``recouvre rates import``). They take precedence over the tables shipped with
Recouvre (``recouvre/core/data``): same ECB date, same half-year. They are legal facts, the same for every
organization, so they belong to none.

Database facts: one ECB row per date, one legal-rate row per half-year (1 or 2); rates from 0 to 100 percent.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EcbRate(models.Model):
    """The ECB main refinancing operations rate applying from ``effective_on`` (or confirmed unchanged that day)."""

    effective_on = models.DateField(_("effective from"), unique=True)
    rate = models.DecimalField(_("rate (%)"), max_digits=6, decimal_places=4)
    source = models.CharField(_("imported from"), max_length=255)
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        ordering = ["effective_on"]
        verbose_name = _("ECB main refinancing rate")
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lt=100), name="legal_ecb_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.effective_on} {self.rate} %"


class LegalRate(models.Model):
    """Both *taux de l'intérêt légal* of one half-year: "all other cases" and natural persons."""

    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(_("half-year"))
    professionals = models.DecimalField(_("all other cases (%)"), max_digits=6, decimal_places=4)
    individuals = models.DecimalField(_("natural persons (%)"), max_digits=6, decimal_places=4)
    source = models.CharField(_("imported from"), max_length=255)
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        ordering = ["year", "half"]
        verbose_name = _("legal interest rate")
        constraints = [
            models.UniqueConstraint(fields=["year", "half"], name="legal_rate_one_per_half_year"),
            models.CheckConstraint(condition=Q(half__in=[1, 2]), name="legal_rate_half_1_or_2"),
            models.CheckConstraint(
                condition=Q(professionals__gte=0, professionals__lt=100, individuals__gte=0, individuals__lt=100),
                name="legal_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} H{self.half} {self.professionals} % / {self.individuals} %"
