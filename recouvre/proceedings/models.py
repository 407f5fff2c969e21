"""Court proceedings against a customer: the route taken, the court, and the dates that set its deadlines.

The dates derived from them (service deadline of an order for payment, opposition deadline) are computed by
``recouvre.core.routes`` with the CPC 641-642 rules, never stored."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recouvre.core import routes
from recouvre.ledger.models import AMOUNT, Customer
from recouvre.organizations.models import Organization


class ProceedingRoute(models.TextChoices):
    INJONCTION = routes.Route.INJONCTION.value, _("Injonction de payer (order for payment)")
    SMALL_CLAIMS = routes.Route.SMALL_CLAIMS.value, _("Small-claims procedure (commissaire de justice)")
    ASSIGNATION = routes.Route.ASSIGNATION.value, _("Assignation en paiement")
    REFERE_PROVISION = routes.Route.REFERE_PROVISION.value, _("Référé-provision")


class ProceedingStatus(models.TextChoices):
    PREPARING = "preparing", _("Being prepared")
    FILED = "filed", _("Filed")
    ORDER_GRANTED = "order_granted", _("Order granted")
    REJECTED = "rejected", _("Rejected")
    SERVED = "served", _("Served")
    OPPOSED = "opposed", _("Opposed by the debtor")
    ENFORCEMENT = "enforcement", _("Enforcement")
    CLOSED = "closed", _("Closed")


class ServiceRegime(models.TextChoices):
    """Which service deadline applies to the order: LEGAL-FR §12.3 marks the application date of décret 2026-96
    uncertain, so the date from which it applies is a setting (``RECOUVRE_DECREE_2026_96_FROM``) and each
    proceeding may say which regime applies."""

    AUTO = "auto", _("From the order date")
    SIX_MONTHS = "6m", _("6 months (CPC 1411)")
    THREE_MONTHS = "3m", _("3 months (décret 2026-96)")


def decree_2026_96_from() -> date:
    value = getattr(settings, "RECOUVRE_DECREE_2026_96_FROM", "2026-09-01")
    return value if isinstance(value, date) else date.fromisoformat(str(value))


class Proceeding(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="proceedings")
    route = models.CharField(_("route"), max_length=20, choices=ProceedingRoute.choices)
    court = models.CharField(_("court"), max_length=200, blank=True, default="")
    reference = models.CharField(_("court reference"), max_length=100, blank=True, default="")
    amount_claimed = models.DecimalField(_("amount claimed"), null=True, blank=True, **AMOUNT)
    status = models.CharField(
        _("status"), max_length=20, choices=ProceedingStatus.choices, default=ProceedingStatus.PREPARING
    )
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    order_on = models.DateField(_("order date"), null=True, blank=True)
    service_regime = models.CharField(
        _("service deadline"), max_length=4, choices=ServiceRegime.choices, default=ServiceRegime.AUTO
    )
    served_on = models.DateField(_("served on"), null=True, blank=True)
    enforcement = models.JSONField(_("enforcement steps"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True, default="")
    hold = models.ForeignKey(
        "collections.Hold", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(closed_on__isnull=True), name="one_open_proceeding_per_customer"
            ),
            models.CheckConstraint(condition=Q(route__in=ProceedingRoute.values), name="proceeding_route_known"),
            models.CheckConstraint(condition=Q(status__in=ProceedingStatus.values), name="proceeding_status_known"),
        ]
        indexes = [models.Index(fields=["organization", "closed_on"], name="proceeding_org_open")]

    def __str__(self) -> str:
        return f"{self.get_route_display()} — {self.customer}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def short_service(self) -> bool:
        """Whether the order falls under décret 2026-96 (3 months to serve it)."""
        if self.service_regime == ServiceRegime.THREE_MONTHS:
            return True
        if self.service_regime == ServiceRegime.SIX_MONTHS or self.order_on is None:
            return False
        return self.order_on >= decree_2026_96_from()

    @property
    def service_deadline(self) -> date | None:
        if self.route != ProceedingRoute.INJONCTION or self.order_on is None:
            return None
        return routes.service_deadline(self.order_on, short=self.short_service)

    @property
    def opposition_deadline(self) -> date | None:
        if self.route != ProceedingRoute.INJONCTION or self.served_on is None:
            return None
        return routes.opposition_deadline(self.served_on)
