"""API keys: created with ``recouvre apikey create`` or on the administrators' page, shown once, stored as a
digest, revoked; each on the organization's timeline."""

from __future__ import annotations

import hashlib
import json

import pytest

from recouvre.api.models import ApiKey
from recouvre.cli import main
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.testing.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_prints_the_key_once_and_stores_its_digest(capsys, org):  # type: ignore[no-untyped-def]
    code, out, _ = cli(
        capsys, "apikey", "create", "--org", "acme", "--name", "ERP sync", "--scopes", "write,read", "--json"
    )
    assert code == 0
    data = json.loads(out)
    key = data["key"]
    assert key.startswith(data["prefix"] + "_") and data["prefix"].startswith("rcv_")
    assert data["scopes"] == ["read", "write"]
    assert data["name"] == "ERP sync" and data["organization"] == "acme"
    stored = ApiKey.objects.get()
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps(list(ApiKey.objects.values()), default=str)
    event = Event.objects.get(organization=org, kind="apikey.created")
    assert event.customer is None
    assert describe(event) == f"API key ERP sync ({stored.prefix}) created, scopes: read, write."
    code, out, _ = cli(capsys, "apikey", "list", "--org", "acme", "--json")
    assert code == 0 and key not in out and json.loads(out)[0]["prefix"] == stored.prefix


def test_human_output_and_refusals(capsys, org):  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, "apikey", "create", "--org", "acme", "--name", "Sync")
    assert code == 0
    assert out.splitlines()[1] == ("API key Sync created for acme (scopes: read). It is shown only now: keep it safe.")
    code, out, _ = cli(capsys, "apikey", "create", "--org", "acme", "--name", "X", "--scopes", "read,admin")
    assert code == 1
    assert out.strip() == "recouvre: refused: Unknown scope admin (known: read, write, run)."
    code, _out, err = cli(capsys, "apikey", "create", "--org", "nowhere", "--name", "X")
    assert code == 2 and "nowhere" in err
    code, out, _ = cli(capsys, "apikey", "revoke", "--org", "acme", "rcv_nothing")
    assert code == 1 and out.strip() == "recouvre: refused: no API key rcv_nothing in acme"
    assert ApiKey.objects.count() == 1


def test_revoke_by_prefix(capsys, org):  # type: ignore[no-untyped-def]
    cli(capsys, "apikey", "create", "--org", "acme", "--name", "Sync")
    stored = ApiKey.objects.get()
    code, out, _ = cli(capsys, "apikey", "revoke", "--org", "acme", stored.prefix)
    assert code == 0 and out.strip() == f"API key Sync ({stored.prefix}) revoked."
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    code, _out, _ = cli(capsys, "apikey", "revoke", "--org", "acme", str(stored.pk))
    assert code == 0
    assert Event.objects.filter(kind="apikey.revoked").count() == 1


def test_administrators_create_and_revoke_on_the_web(client, org, other_org):  # type: ignore[no-untyped-def]
    admin = MembershipFactory(organization=org, role="admin").user
    client.force_login(admin)
    response = client.post("/settings/api-keys/", {"name": "Website", "scopes": ["read", "run"]})
    assert response.status_code == 200
    stored = ApiKey.objects.get()
    key = response.context["new_key"]
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert stored.scopes == ["read", "run"] and stored.created_by == admin
    assert key in response.content.decode()
    again = client.get("/settings/api-keys/")
    assert key not in again.content.decode() and stored.prefix in again.content.decode()
    response = client.post(f"/settings/api-keys/{stored.pk}/revoke/")
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    # another organization's key is not found
    theirs = ApiKey.objects.create(organization=other_org, name="theirs", prefix="rcv_x", key_hash="0" * 64)
    assert client.post(f"/settings/api-keys/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_only_administrators_manage_keys(client, org):  # type: ignore[no-untyped-def]
    manager = MembershipFactory(organization=org, role="credit_manager").user
    client.force_login(manager)
    assert client.get("/settings/api-keys/").status_code == 403
    assert client.post("/settings/api-keys/", {"name": "x", "scopes": ["read"]}).status_code == 403
    assert ApiKey.objects.count() == 0
