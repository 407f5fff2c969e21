"""Saved filters: the filter and sort of a list (customers, invoices...) kept under a name, per user and
organization."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from recouvre.organizations.models import Organization


class ListName(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    INVOICES = "invoices", _("Invoices")
    AGING = "aging", _("Aged balance")


class SavedFilter(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    list_name = models.CharField(_("list"), max_length=20, choices=ListName.choices)
    name = models.CharField(_("name"), max_length=80)
    # The list's query string (``segment=small&sort=overdue``), without the page number.
    query = models.CharField(_("filter"), max_length=1000, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "list_name", "name"], name="saved_filter_name_unique"
            ),
            models.CheckConstraint(condition=models.Q(list_name__in=ListName.values), name="saved_filter_list_known"),
        ]

    def __str__(self) -> str:
        return self.name
