"""A customer's kind and legal identity, set from the command line and the customer page: public legal person and
administrative contract follow the kind until set, and the address where it is sued is the registered office of a
company or the domicile of an individual, the billing address only when none is recorded."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from recouvre.cli import main
from recouvre.ledger.models import Event
from recouvre.testing.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def cli(capsys, *argv: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().out


def test_public_body_defaults_and_an_sem_under_private_law(org):  # type: ignore[no-untyped-def]
    hospital = CustomerFactory(organization=org, kind="public")
    assert hospital.is_public_person and hospital.has_administrative_contract
    sem = CustomerFactory(organization=org, kind="public", administrative_contract=False, public_person=False)
    assert not sem.is_public_person and not sem.has_administrative_contract
    shop = CustomerFactory(organization=org, kind="business")
    assert not shop.is_public_person and not shop.has_administrative_contract


def test_legal_address_is_the_registered_office_or_the_domicile(org):  # type: ignore[no-untyped-def]
    company = CustomerFactory(
        organization=org, address_line1="Service comptable, BP 12", postal_code="69002", city="Lyon"
    )
    assert company.legal_address == "Service comptable, BP 12\n69002 Lyon"
    assert not company.legal_address_recorded
    company.registered_office = "3 rue de la Paix\n75002 Paris"
    assert company.legal_address == "3 rue de la Paix\n75002 Paris"
    person = CustomerFactory(
        organization=org, kind="consumer", registered_office="ignored", domicile="1 rue A\n13001 Marseille"
    )
    assert person.legal_address == "1 rue A\n13001 Marseille"


def test_customer_set_changes_the_identity_with_one_timeline_event(org, capsys):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411MAIRIE", kind="business")
    code, out = cli(
        capsys, "customer", "set", "411MAIRIE", "--org", org.slug, "--kind", "public",
        "--administrative-contract", "no", "--registered-office", "Place de la Mairie\\n38000 Grenoble",
        "--legal-form", "Commune", "--representative", "M. le Maire", "--json",
    )  # fmt: skip
    assert code == 0
    shown = json.loads(out)
    assert shown["kind"] == "public"
    assert shown["public_person"] is True and shown["public_person_set"] is False
    assert shown["administrative_contract"] is False and shown["administrative_contract_set"] is True
    assert shown["legal_address"] == "Place de la Mairie\n38000 Grenoble"
    customer.refresh_from_db()
    assert customer.legal_form == "Commune" and customer.representative == "M. le Maire"
    events = Event.objects.filter(customer=customer, kind="customer.updated")
    assert events.count() == 1
    assert set(events.get().data["changes"]) == {
        "kind", "administrative_contract", "registered_office", "legal_form", "representative",
    }  # fmt: skip


def test_customer_set_refuses_too_long_a_value_and_writes_nothing(org, capsys):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411LONG")
    code, out = cli(capsys, "customer", "set", "411LONG", "--org", org.slug, "--legal-form", "x" * 81, "--json")
    assert code == 1
    assert "legal_form" in json.loads(out)["errors"][0]
    customer.refresh_from_db()
    assert customer.legal_form == ""
    assert not Event.objects.filter(customer=customer, kind="customer.updated").exists()


def test_customer_set_unknown_customer_is_a_usage_error(org, capsys):  # type: ignore[no-untyped-def]
    assert cli(capsys, "customer", "set", "411NOBODY", "--org", org.slug, "--kind", "consumer")[0] == 2


def test_the_customer_page_edits_the_legal_identity(org, logged_client):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, kind="business")
    url = reverse("customer_legal_identity", args=[customer.pk])
    assert logged_client.get(url).status_code == 200
    response = logged_client.post(
        url,
        {
            "kind": "consumer",
            "public_person": "",
            "administrative_contract": "",
            "legal_form": "",
            "representative": "",
            "registered_office": "",
            "domicile": "12 allée des Tilleuls\r\n33000 Bordeaux",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.kind == "consumer"
    assert customer.legal_address == "12 allée des Tilleuls\n33000 Bordeaux"
    page = logged_client.get(reverse("customer_detail", args=[customer.pk])).content.decode()
    assert "12 allée des Tilleuls" in page


def test_a_customer_s_contractual_penalty_rate(org, capsys):  # type: ignore[no-untyped-def]
    CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")
    code, out = cli(capsys, "customer", "set", "411DUPONT", "--org", org.slug, "--contract-rate", "BCE + 7", "--json")
    assert (code, json.loads(out)["contract_rate"]) == (0, "ecb+7")
    code, out = cli(capsys, "customer", "set", "411DUPONT", "--org", org.slug, "--contract-rate", "3 x", "--json")
    assert (code, json.loads(out)["contract_rate"]) == (0, "3xlegal")
    code, out = cli(capsys, "customer", "set", "411DUPONT", "--org", org.slug, "--contract-rate", "twelve", "--json")
    assert code == 1 and "not a contractual rate" in json.loads(out)["errors"][0]
    code, out = cli(capsys, "customer", "set", "411DUPONT", "--org", org.slug, "--contract-rate", "default", "--json")
    assert (code, json.loads(out)["contract_rate"]) == (0, "")


def test_the_organization_s_contractual_penalty_rate(org, capsys):  # type: ignore[no-untyped-def]
    from recouvre.legal.models import LegalSettings

    code, out = cli(capsys, "org", "contract-rate", "12,5 %", "--org", org.slug, "--json")
    assert (code, json.loads(out)) == (
        0,
        {"ok": True, "org": org.slug, "contract_rate": "12.5", "below_floor": "statutory"},
    )
    code, out = cli(capsys, "org", "contract-rate", "--org", org.slug, "--below-floor", "floor")
    assert code == 0 and "contractual penalty rate 12.5; below 3 x the legal interest rate: the floor" in out
    assert LegalSettings.objects.get(organization=org).below_floor == "floor"
    assert cli(capsys, "org", "contract-rate", "twelve", "--org", org.slug)[0] == 1


def test_the_customer_page_sets_the_contractual_penalty_rate(org, logged_client):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, kind="business")
    url = reverse("customer_legal_identity", args=[customer.pk])
    data = {"kind": "business", "public_person": "", "administrative_contract": ""}
    assert logged_client.post(url, {**data, "contract_rate": "ecb + seven"}).status_code == 200
    assert logged_client.post(url, {**data, "contract_rate": "3 × taux légal"}).status_code == 302
    customer.refresh_from_db()
    assert customer.contract_rate == "3xlegal"


def test_another_organization_s_customer_cannot_be_reached(org, other_org, logged_client):  # type: ignore[no-untyped-def]
    stranger = CustomerFactory(organization=other_org, kind="business")
    url = reverse("customer_legal_identity", args=[stranger.pk])
    assert logged_client.get(url).status_code == 404
    assert logged_client.post(url, {"kind": "consumer"}).status_code == 404
    stranger.refresh_from_db()
    assert stranger.kind == "business"


def test_a_viewer_cannot_change_the_legal_identity(org, client, django_user_model):  # type: ignore[no-untyped-def]
    from recouvre.organizations.models import Membership

    viewer = django_user_model.objects.create_user("viewer", password="pw")
    Membership.objects.create(user=viewer, organization=org, role="viewer")
    client.force_login(viewer)
    customer = CustomerFactory(organization=org, kind="business")
    response = client.post(reverse("customer_legal_identity", args=[customer.pk]), {"kind": "consumer"})
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.kind == "business"
