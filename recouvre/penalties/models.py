"""Late-payment penalties claimed from a customer, kept apart from the principal (``docs/penalties.md``).

A ``PenaltyClaim`` records, for one invoice, the interest to a date and the 40 EUR indemnity the customer was asked
for, with the computation basis (regime, principal, periods and rates, notes) so it can be shown later exactly as
it was claimed. A later claim on the same invoice adds only the interest accrued since the previous one's last day;
the indemnity is claimed once. Claims never change the invoice: its open amount, the aged balance and reminders
stay principal only.

A claim is open until what it claims is paid (``PenaltyPayment``, money from a ledger payment) or waived
(``PenaltyWaiver``, with a reason and an author). A ``PenaltyInvoice`` (*facture de pénalités*) may be issued for
open claims: it is a document of this app, not a ledger invoice (penalties are damages, not a sale: no VAT, no
reminders, no penalties on penalties).

Database facts: amounts in cents and not negative; what is paid plus what is waived never exceeds what is claimed;
one penalty-invoice number per organization.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from recouvre.core.paymentterms import CapBasis, Sector
from recouvre.ledger.models import AMOUNT, Customer, Invoice, Payment
from recouvre.organizations.models import Organization

ZERO = Decimal("0.00")


class AllocationOrder(models.TextChoices):
    PRINCIPAL_FIRST = "principal_first", _("Principal first, then penalties")
    PENALTIES_FIRST = "penalties_first", _("Penalties first, then principal")
    OLDEST_FIRST = "oldest_first", _("Oldest first (principal by due date, penalties by claim date)")


SECTOR_CHOICES = [
    (Sector.GENERAL.value, _("General (60 days, or 45 days end of month)")),
    (Sector.PERISHABLE_FOOD.value, _("Perishable food (30 days after delivery)")),
    (Sector.LIVE_CATTLE.value, _("Live cattle (20 days after delivery)")),
    (Sector.ALCOHOL.value, _("Alcoholic drinks (30 days after the end of the delivery month)")),
    (Sector.TRANSPORT.value, _("Transport, vehicle rental, freight forwarding (30 days)")),
    (Sector.PERIODIC.value, _("Periodic invoices (45 days)")),
    (Sector.EXPORT.value, _("Export outside the EU, VAT-free (90 days)")),
]

CAP_BASIS_CHOICES = [
    (CapBasis.ANY.value, _("Any lawful reading (the latest of the three dates)")),
    (CapBasis.NET_60.value, _("60 days from the invoice date")),
    (CapBasis.EOM_45_A.value, _("45 days end of month: date + 45 days, then end of month")),
    (CapBasis.EOM_45_B.value, _("45 days end of month: end of month, then + 45 days")),
]


class PenaltySettings(models.Model):
    """An organization's choices: how payments are shared between principal and penalties, and which payment
    terms cap its contracts follow."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="penalty_settings")
    allocation_order = models.CharField(
        _("payment allocation order"),
        max_length=20,
        choices=AllocationOrder.choices,
        default=AllocationOrder.PRINCIPAL_FIRST,
    )
    cap_basis = models.CharField(
        _("payment terms cap"), max_length=10, choices=CAP_BASIS_CHOICES, default=CapBasis.ANY.value
    )
    sector = models.CharField(_("sector"), max_length=20, choices=SECTOR_CHOICES, default=Sector.GENERAL.value)
    last_invoice_sequence = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("penalty settings")


class CustomerSector(models.Model):
    """A customer whose sector cap differs from the organization's (e.g. a haulier: 30 days)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="penalty_sector")
    sector = models.CharField(_("sector"), max_length=20, choices=SECTOR_CHOICES)


class PenaltyInvoice(models.Model):
    """A *facture de pénalités*: the claimed penalties of a customer, invoiced, not subject to VAT. The PDF is
    kept as issued (``content``, ``content_sha256``)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="penalty_invoices")
    sequence = models.PositiveIntegerField()
    number = models.CharField(_("number"), max_length=40)
    issued_on = models.DateField(_("issue date"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    total = models.DecimalField(_("total"), **AMOUNT)
    content = models.BinaryField(editable=False)
    content_sha256 = models.CharField(max_length=64, editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-sequence"]
        verbose_name = _("penalty invoice")
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="penalty_invoice_number_unique"),
            models.UniqueConstraint(fields=["organization", "sequence"], name="penalty_invoice_sequence_unique"),
            models.CheckConstraint(condition=Q(total__gt=0), name="penalty_invoice_total_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class PenaltyClaim(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="penalty_claims")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="penalty_claims")
    claimed_on = models.DateField(_("claimed on"))
    interest_from = models.DateField(_("interest from"), null=True, blank=True)  # None: no interest in this claim
    interest_to = models.DateField(_("interest to"))  # the last day counted (the claim's date)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    interest = models.DecimalField(_("interest"), **AMOUNT)
    indemnity = models.DecimalField(_("indemnity"), **AMOUNT)
    extra_costs = models.DecimalField(_("extra costs"), default=ZERO, **AMOUNT)
    amount = models.DecimalField(_("claimed"), **AMOUNT)
    paid_amount = models.DecimalField(_("paid"), default=ZERO, editable=False, **AMOUNT)
    waived_amount = models.DecimalField(_("waived"), default=ZERO, editable=False, **AMOUNT)
    open_amount = models.GeneratedField(
        expression=Round(F("amount") - F("paid_amount") - F("waived_amount"), 2),
        output_field=models.DecimalField(**AMOUNT),
        db_persist=True,
    )
    basis = models.JSONField(default=dict)  # regime, principal, periods (from, to, days, base, rate, interest), notes
    source = models.CharField(_("source"), max_length=60, blank=True, default="")
    penalty_invoice = models.ForeignKey(
        PenaltyInvoice, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claimed_on", "id"]
        verbose_name = _("claimed penalties")
        constraints = [
            models.CheckConstraint(
                condition=Q(interest__gte=0, indemnity__gte=0, extra_costs__gte=0, amount__gt=0),
                name="penalty_claim_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(amount=Round(F("interest") + F("indemnity") + F("extra_costs"), 2)),
                name="penalty_claim_amount_is_the_sum",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0, waived_amount__gte=0)
                & Q(paid_amount__lte=F("amount") - F("waived_amount")),
                name="penalty_claim_settled_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["organization", "customer"], name="penalty_claim_customer")]

    def __str__(self) -> str:
        return f"{self.invoice} {self.amount}"


class PenaltyPayment(models.Model):
    """Money of a ledger payment applied to claimed penalties."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey(PenaltyClaim, on_delete=models.PROTECT, related_name="payments")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="penalty_payments")
    amount = models.DecimalField(_("amount"), **AMOUNT)
    paid_on = models.DateField(_("date"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="penalty_payment_amount_positive")]


class PenaltyWaiver(models.Model):
    """Claimed penalties given up, in whole or in part, with the reason and who decided."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey(PenaltyClaim, on_delete=models.PROTECT, related_name="waivers")
    amount = models.DecimalField(_("amount"), **AMOUNT)
    reason = models.TextField(_("reason"))
    waived_on = models.DateField(_("date"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["waived_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="penalty_waiver_amount_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="penalty_waiver_has_a_reason"),
        ]
