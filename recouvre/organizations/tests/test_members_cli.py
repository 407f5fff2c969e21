"""``recouvre member ...``, ``recouvre org identity|logo`` and ``recouvre mapping rename|delete``: the same services
as the administration pages, with a real SMTP server on the loopback for the invitations."""

from __future__ import annotations

import email
import email.policy
import io
import json
import re

import pytest

from recouvre.cli import main
from recouvre.collections.tests import test_dispatch
from recouvre.collections.tests.test_dispatch import Keep
from recouvre.imports.models import ImportMapping
from recouvre.organizations.models import Invitation, Membership, Role
from recouvre.organizations.services import accept_invitation
from recouvre.testing.factories import MembershipFactory

pytestmark = pytest.mark.django_db
smtp = test_dispatch.smtp  # a real SMTP server on the loopback: smtp(Keep())


@pytest.fixture(autouse=True)
def cheap_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.RECOUVRE_PUBLIC_URL = "https://recouvre.example"


def test_member_invite_list_and_the_link(org, user, capsys, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    assert main(["member", "invite", "lea@example.com", "--role", "credit_manager", "--org", "acme", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["ok"], out["email"], out["role"], out["sent"]) == (True, "lea@example.com", "credit_manager", True)
    assert len(server.messages) == 1 and server.messages[0][0] == ["lea@example.com"]
    message = email.message_from_bytes(server.messages[0][1], policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    token = re.search(r"https://recouvre\.example/invitation/([^/\s]+)/", body).group(1)  # type: ignore[union-attr]
    assert main(["member", "invite", "lea@example.com", "--role", "viewer", "--org", "acme"]) == 1
    assert "lea@example.com is already invited" in capsys.readouterr().out

    assert main(["member", "list", "--org", "acme", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(m["username"], m["role"]) for m in listed["members"]] == [("claire", "admin")]
    assert [(i["email"], i["role"], i["sent"]) for i in listed["invitations"]] == [
        ("lea@example.com", "credit_manager", True)
    ]
    membership = accept_invitation(token, username="lea", password="un cheval correct 42")
    assert (membership.organization, membership.role) == (org, Role.CREDIT_MANAGER)
    assert main(["member", "list", "--org", "acme", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [m["username"] for m in listed["members"]] == ["claire", "lea"] and listed["invitations"] == []


def test_member_invite_needs_the_public_address(org, settings, capsys):  # type: ignore[no-untyped-def]
    settings.RECOUVRE_PUBLIC_URL = ""
    assert main(["member", "invite", "lea@example.com", "--role", "viewer", "--org", "acme"]) == 2
    assert "RECOUVRE_PUBLIC_URL is not set" in capsys.readouterr().err
    assert not Invitation.objects.exists()


def test_member_role_and_remove_keep_an_administrator(org, user, capsys):  # type: ignore[no-untyped-def]
    MembershipFactory(organization=org, role=Role.VIEWER, user__username="paul")
    assert main(["member", "role", "claire", "viewer", "--org", "acme"]) == 1
    assert "claire is the organization's last administrator" in capsys.readouterr().out
    assert main(["member", "remove", "claire", "--org", "acme", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False
    assert main(["member", "role", "paul", "admin", "--org", "acme", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "username": "paul", "role": "admin"}
    assert main(["member", "remove", "claire", "--org", "acme"]) == 0
    assert capsys.readouterr().out == "claire is no longer a member of acme.\n"
    assert list(Membership.objects.filter(organization=org).values_list("user__username", "role")) == [
        ("paul", "admin")
    ]
    assert main(["member", "remove", "nobody", "--org", "acme"]) == 2


def test_org_identity_and_logo(org, capsys, tmp_path):  # type: ignore[no-untyped-def]
    from PIL import Image

    assert main(["org", "identity", "--org", "acme", "--siren", "552100555"]) == 1
    assert capsys.readouterr().out.startswith("recouvre: refused: siren: ")
    assert main(["org", "identity", "--org", "acme", "--city", "L" * 101]) == 1
    assert capsys.readouterr().out == "recouvre: refused: city: At most 100 characters.\n"
    assert main(["org", "identity", "--org", "acme", "--siren", "552 100 554", "--city", "Lyon", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["siren"], out["city"], out["logo"]) == ("552100554", "Lyon", False)
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    assert main(["org", "logo", str(svg), "--org", "acme"]) == 1
    png = tmp_path / "logo.png"
    buffer = io.BytesIO()
    Image.new("RGB", (100, 50)).save(buffer, format="PNG")
    png.write_bytes(buffer.getvalue())
    assert main(["org", "logo", str(png), "--org", "acme"]) == 0
    org.refresh_from_db()
    assert bytes(org.logo).startswith(b"\x89PNG")
    assert main(["org", "logo", "--org", "acme", "--remove"]) == 0
    org.refresh_from_db()
    assert bytes(org.logo) == b""


def test_mapping_rename_and_delete(org, capsys):  # type: ignore[no-untyped-def]
    ImportMapping.objects.create(organization=org, name="sage", kind="invoices", columns={"total": "Montant"})
    assert main(["mapping", "rename", "sage", "sage-100", "--org", "acme"]) == 0
    assert ImportMapping.objects.get().name == "sage-100"
    assert main(["mapping", "rename", "sage-100", "Not A Slug", "--org", "acme"]) == 1
    assert main(["mapping", "delete", "sage", "--org", "acme"]) == 2
    assert capsys.readouterr().out.startswith("Mapping sage renamed sage-100")
    assert main(["mapping", "delete", "sage-100", "--org", "acme", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["deleted"] is True
    assert not ImportMapping.objects.exists()
