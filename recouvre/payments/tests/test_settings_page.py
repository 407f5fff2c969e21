"""The Online payment settings page: an administrator enters the organization's Stripe secrets (never shown back,
only masked) and reads the webhook address to register; another role may not."""

from __future__ import annotations

import pytest

from recouvre.payments.models import ProviderAccount
from recouvre.testing.factories import MembershipFactory

from .conftest import SECRET_KEY, WEBHOOK_SECRET

pytestmark = pytest.mark.django_db


def test_an_administrator_sets_the_stripe_account_and_reads_the_webhook_address(logged_client, org, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RECOUVRE_PUBLIC_URL = "https://recouvre.example.com"
    refused = logged_client.post("/settings/payments/", {"secret_key": "pk_live_notSecret123", "enabled": "on"})
    assert refused.status_code == 200 and not ProviderAccount.objects.exists()
    answer = logged_client.post(
        "/settings/payments/", {"secret_key": SECRET_KEY, "webhook_secret": WEBHOOK_SECRET, "enabled": "on"}
    )
    assert answer.status_code == 302
    account = ProviderAccount.objects.get(organization=org)
    assert (account.secret_key, account.webhook_secret, account.enabled) == (SECRET_KEY, WEBHOOK_SECRET, True)
    page = logged_client.get("/settings/payments/").content.decode()
    assert SECRET_KEY not in page and WEBHOOK_SECRET not in page
    assert "sk_test_…cdef" in page
    assert f"https://recouvre.example.com/payments/stripe/{account.webhook_key}/webhook/" in page
    # Saved again with the secrets left empty: they are kept.
    logged_client.post("/settings/payments/", {"secret_key": "", "webhook_secret": ""})
    account.refresh_from_db()
    assert account.secret_key == SECRET_KEY and account.enabled is False


def test_only_administrators_reach_it(client, org) -> None:  # type: ignore[no-untyped-def]
    client.force_login(MembershipFactory(organization=org, role="collector").user)
    assert client.get("/settings/payments/").status_code == 403
    assert (
        client.post("/settings/payments/", {"secret_key": SECRET_KEY, "webhook_secret": WEBHOOK_SECRET}).status_code
        == 403
    )
    assert not ProviderAccount.objects.exists()
