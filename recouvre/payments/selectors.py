"""Online payments, the reads: always scoped to one organization (an account found by its webhook key is the one
exception: the key itself says which organization it is)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.urls import reverse

from recouvre.core.payments import masked
from recouvre.ledger import selectors as ledger
from recouvre.ledger.models import Customer, Invoice
from recouvre.organizations.models import Organization

from .models import Checkout, ProviderAccount


def active_provider() -> str:
    """The provider the server offers (``RECOUVRE_PAYMENT_PROVIDER``), ``""`` when online payment is off."""
    return str(getattr(settings, "RECOUVRE_PAYMENT_PROVIDER", "") or "")


def account(organization: Organization, provider: str) -> ProviderAccount | None:
    return ProviderAccount.objects.filter(organization=organization, provider=provider).first()


def checkout_account(organization: Organization) -> ProviderAccount | None:
    """The account the organization's customers pay through, or None when the server offers no provider or the
    organization has no enabled account at it."""
    provider = active_provider()
    if not provider:
        return None
    return ProviderAccount.objects.filter(organization=organization, provider=provider, enabled=True).first()


def account_by_webhook_key(provider: str, key: str) -> ProviderAccount | None:
    if not key or len(key) > 40:
        return None
    return ProviderAccount.objects.select_related("organization").filter(provider=provider, webhook_key=key).first()


def payable_invoices(organization: Organization, customer: Customer, ids: Iterable[int]) -> list[Invoice]:
    """The customer's invoices among ``ids`` that still have something open, in the order of ``ids``."""
    wanted = list(dict.fromkeys(ids))
    found = {inv.pk: inv for inv in ledger.customer_open_invoices(organization, customer).filter(pk__in=wanted)}
    return [found[pk] for pk in wanted if pk in found]


def checkouts(organization: Organization, customer: Customer | None = None, limit: int = 50) -> list[Checkout]:
    found = Checkout.objects.filter(organization=organization)
    if customer is not None:
        found = found.filter(customer=customer)
    return list(found.select_related("customer")[:limit])


def webhook_path(account: ProviderAccount) -> str:
    return reverse("payments:webhook", args=[account.provider, account.webhook_key])


def webhook_url(account: ProviderAccount) -> str:
    """The address to register at the provider: absolute with ``RECOUVRE_PUBLIC_URL``, else the path alone."""
    base = getattr(settings, "RECOUVRE_PUBLIC_URL", "")
    return f"{base}{webhook_path(account)}"


def account_dict(account: ProviderAccount) -> dict[str, Any]:
    return {
        "organization": account.organization.slug,
        "provider": account.provider,
        "enabled": account.enabled,
        "secret_key": masked(account.secret_key),
        "webhook_secret": masked(account.webhook_secret),
        "webhook_url": webhook_url(account),
        "webhook_url_absolute": bool(getattr(settings, "RECOUVRE_PUBLIC_URL", "")),
        "offered": active_provider() == account.provider and account.enabled,
        "updated_at": account.updated_at.isoformat() if account.updated_at else None,
    }
