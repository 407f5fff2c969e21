from __future__ import annotations

import json

import pytest

from recouvre.cli import main
from recouvre.organizations.models import Membership, Organization, User

pytestmark = pytest.mark.django_db


def test_org_create_and_list(capsys):
    assert (
        main(["org", "create", "dupont-fils", "--name", "Dupont & Fils SARL", "--siren", "732 829 320", "--json"]) == 0
    )
    assert json.loads(capsys.readouterr().out) == {
        "slug": "dupont-fils",
        "name": "Dupont & Fils SARL",
        "siren": "732829320",
    }
    assert main(["org", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"id": Organization.objects.get().pk, "slug": "dupont-fils", "name": "Dupont & Fils SARL", "siren": "732829320"}
    ]


def test_org_create_refuses_a_bad_siren_and_a_duplicate(capsys):
    assert main(["org", "create", "x", "--name", "X", "--siren", "732829321"]) == 1
    assert "SIREN" in capsys.readouterr().err
    assert not Organization.objects.exists()
    assert main(["org", "create", "x", "--name", "X"]) == 0
    assert main(["org", "create", "x", "--name", "Y"]) == 1
    assert Organization.objects.get().name == "X"


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["org", "create", "x"])  # --name missing
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2


def test_createuser_with_membership(capsys):
    main(["org", "create", "acme", "--name", "ACME"])
    capsys.readouterr()
    assert main(["createuser", "claire", "--password", "s3cret-pass", "--org", "acme", "--role", "collector"]) == 0
    user = User.objects.get(username="claire")
    assert user.check_password("s3cret-pass")
    assert Membership.objects.get(user=user).role == "collector"
    assert main(["createuser", "claire", "--password", "other-pass"]) == 1


def test_org_is_required_when_several(capsys):
    main(["org", "create", "a", "--name", "A"])
    main(["org", "create", "b", "--name", "B"])
    capsys.readouterr()
    assert main(["report", "aging"]) == 2
    assert "--org" in capsys.readouterr().err
    assert main(["report", "aging", "--org", "b", "--json"]) == 0


@pytest.mark.django_db
def test_createuser_refuses_a_weak_password(capsys):  # type: ignore[no-untyped-def]
    from recouvre.organizations.models import User

    for weak in ("a", "password123", "claire2026"):
        assert main(["createuser", "claire", "--password", weak]) == 1
    err = capsys.readouterr().err
    assert "too short" in err and "too common" in err and "too similar" in err
    assert not User.objects.filter(username="claire").exists()
