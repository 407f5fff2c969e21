"""Online payments through a payment provider (docs/payments.md):

- ``ProviderAccount``: an organization's account at a provider (each client company of an accounting firm has its
  own): the secret API key Recouvre creates checkouts with, the signing secret of the webhook the provider calls,
  and the opaque key in that webhook's address. Set by an administrator (``recouvre payments configure``).
- ``Checkout``: one payment a customer started from the portal: the invoices chosen, in order, the amount and
  currency, the provider's session, and how it ended. The payment is recorded only from the provider's signed
  webhook, never from the customer's return to the portal.
- ``ProviderEvent``: each webhook event received, once per account (its id unique), so a redelivered or replayed
  event records nothing more.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recouvre.ledger.models import AMOUNT, Customer, Payment
from recouvre.organizations.models import Organization


class Provider(models.TextChoices):
    STRIPE = "stripe", "Stripe"


class ProviderAccount(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    secret_key = models.CharField(max_length=200)
    webhook_secret = models.CharField(max_length=200)
    webhook_key = models.CharField(max_length=40, unique=True, editable=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_by_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization_id", "provider"]
        verbose_name = _("payment provider account")
        verbose_name_plural = _("payment provider accounts")
        constraints = [
            models.UniqueConstraint(fields=["organization", "provider"], name="payments_account_once_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} account of organization {self.organization_id}"


class CheckoutState(models.TextChoices):
    NEW = "new", _("being created")
    NOT_STARTED = "not_started", _("provider unreachable")
    OPEN = "open", _("waiting for the customer")
    PROCESSING = "processing", _("payment being processed")
    PAID = "paid", _("paid")
    FAILED = "failed", _("payment failed")
    EXPIRED = "expired", _("expired")
    REFUSED = "refused", _("not recorded: does not match")


class Checkout(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(ProviderAccount, on_delete=models.PROTECT, related_name="checkouts")
    provider = models.CharField(max_length=20, choices=Provider.choices)
    reference = models.CharField(max_length=40, unique=True, editable=False)
    session_id = models.CharField(max_length=255, blank=True, default="")
    amount = models.DecimalField(**AMOUNT)
    currency = models.CharField(max_length=3)
    invoice_ids = models.JSONField(default=list)
    state = models.CharField(max_length=12, choices=CheckoutState.choices, default=CheckoutState.NEW)
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "customer", "-created_at"], name="payments_checkout_customer")]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "session_id"], condition=~Q(session_id=""), name="payments_checkout_session_once"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_checkout_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"checkout {self.reference} ({self.state})"


class ProviderEvent(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    account = models.ForeignKey(ProviderAccount, on_delete=models.CASCADE, related_name="events", db_index=False)
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=80)
    checkout = models.ForeignKey(Checkout, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    outcome = models.CharField(max_length=20)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["account", "event_id"], name="payments_event_once")]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
