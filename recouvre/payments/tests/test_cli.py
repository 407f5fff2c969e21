"""``recouvre payments configure|show``: an administrator sets the organization's Stripe account; the secrets are
never printed back, the webhook address to register is."""

from __future__ import annotations

import io
import json

import pytest

from recouvre.cli import main
from recouvre.ledger.models import Event
from recouvre.payments.models import ProviderAccount

from .conftest import SECRET_KEY, WEBHOOK_SECRET

pytestmark = pytest.mark.django_db


def test_configure_then_show_with_the_secrets_masked(org, settings, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings.RECOUVRE_PUBLIC_URL = "https://recouvre.example.com"
    settings.RECOUVRE_PAYMENT_PROVIDER = "stripe"
    args = ["payments", "configure", "--org", "acme", "--provider", "stripe", "--secret-key", SECRET_KEY]
    assert main([*args, "--webhook-secret", WEBHOOK_SECRET, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    account = ProviderAccount.objects.get(organization=org)
    assert account.secret_key == SECRET_KEY and account.webhook_secret == WEBHOOK_SECRET
    assert out["ok"] is True and out["offered"] is True
    assert out["webhook_url"] == f"https://recouvre.example.com/payments/stripe/{account.webhook_key}/webhook/"
    assert SECRET_KEY not in json.dumps(out) and WEBHOOK_SECRET not in json.dumps(out)
    assert out["secret_key"] == "sk_test_…cdef"
    assert Event.objects.filter(kind="payments.provider_configured", customer=None).count() == 1

    # A new signing secret read from standard input; the secret key is kept; the address does not change.
    monkeypatch.setattr("sys.stdin", io.StringIO("whsec_rolledSecret0123456789\n"))
    assert main(["payments", "configure", "--org", "acme", "--provider", "stripe", "--webhook-secret", "-"]) == 0
    printed = capsys.readouterr().out
    assert "whsec_rolledSecret0123456789" not in printed and account.webhook_key in printed
    account.refresh_from_db()
    assert account.webhook_secret == "whsec_rolledSecret0123456789" and account.secret_key == SECRET_KEY

    assert main(["payments", "configure", "--org", "acme", "--provider", "stripe", "--off", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["offered"] is False
    assert main(["payments", "show", "--org", "acme", "--json"]) == 0
    [shown] = json.loads(capsys.readouterr().out)["accounts"]
    assert shown["enabled"] is False and shown["provider"] == "stripe"


def test_configure_refuses_bad_credentials_and_writes_nothing(org, capsys) -> None:  # type: ignore[no-untyped-def]
    base = ["payments", "configure", "--org", "acme", "--provider", "stripe", "--json"]
    assert main([*base, "--secret-key", "pk_live_publishableKey123", "--webhook-secret", WEBHOOK_SECRET]) == 1
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert any(e.startswith("secret_key:") for e in errors)
    assert main([*base, "--secret-key", SECRET_KEY]) == 1  # a new account needs its webhook secret too
    assert not ProviderAccount.objects.exists()
    assert not Event.objects.filter(kind="payments.provider_configured").exists()
    assert main(["payments", "configure", "--org", "nope", "--provider", "stripe"]) == 2
    capsys.readouterr()
    assert main(["payments", "show", "--org", "acme", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "accounts": []}
