"""The organization's customer portal settings, from ``recouvre portal settings`` and from the Customer portal
settings page (administrators): each change an event on the timeline, a value out of bounds refused with nothing
written."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import override_settings

from recouvre.cli import main
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.organizations.models import Membership
from recouvre.portal.models import PortalSettings, link_settings
from recouvre.testing.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_command_shows_the_defaults_then_changes_what_it_is_given(org, capsys):  # type: ignore[no-untyped-def]
    assert main(["portal", "settings", "--org", "acme", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == {
        "organization": "acme",
        "enabled": True,
        "link_days": 60,
        "promise_max_days": 30,
        "plan_max_instalments": 3,
        "plan_max_days": 90,
        "plan_min_instalment": "100.00",
        "public_url": None,
        "changed": [],
    }
    assert not PortalSettings.objects.exists()  # looking writes nothing

    args = ["portal", "settings", "--org", "acme", "--enabled", "off", "--link-days", "30"]
    assert main([*args, "--plan-min-instalment", "250,50", "--plan-max-instalments", "3", "--json"]) == 0
    changed = json.loads(capsys.readouterr().out)
    assert (changed["enabled"], changed["link_days"], changed["plan_min_instalment"]) == (False, 30, "250.50")
    assert changed["changed"] == ["enabled", "link_days", "plan_min_instalment"]  # 3 instalments: unchanged
    saved = link_settings(org)
    assert (saved.enabled, saved.link_days, saved.plan_min_instalment) == (False, 30, Decimal("250.50"))
    [event] = Event.objects.filter(kind="portal.settings")
    assert event.customer is None
    assert event.data["values"] == {"enabled": False, "link_days": 30, "plan_min_instalment": "250.50"}
    assert describe(event) == (
        "Customer portal settings changed: links in documents, links valid for (days), "
        "payment plan accepted automatically: smallest instalment."
    )

    assert main(["portal", "settings", "--org", "acme", "--link-days", "30"]) == 0
    assert "Nothing changed." in capsys.readouterr().out
    assert Event.objects.filter(kind="portal.settings").count() == 1


@pytest.mark.parametrize(
    ("option", "value"),
    [("--link-days", "0"), ("--link-days", "367"), ("--plan-max-instalments", "25"), ("--plan-min-instalment", "0")],
)
def test_a_value_out_of_bounds_is_refused_and_nothing_is_written(org, capsys, option, value):  # type: ignore[no-untyped-def]
    assert main(["portal", "settings", "--org", "acme", "--enabled", "off", option, value, "--json"]) == 1
    refused = json.loads(capsys.readouterr().out)
    assert refused["ok"] is False and refused["errors"]
    assert not PortalSettings.objects.exists()
    assert not Event.objects.filter(kind="portal.settings").exists()


def test_usage_errors_exit_2(org):  # type: ignore[no-untyped-def]
    for bad in (["--enabled", "maybe"], ["--link-days", "ten"], ["--plan-min-instalment", "abc"]):
        with pytest.raises(SystemExit) as stopped:
            main(["portal", "settings", "--org", "acme", *bad])
        assert stopped.value.code == 2


def test_the_settings_page_saves_and_says_so_on_the_timeline(org, logged_client, user):  # type: ignore[no-untyped-def]
    page = logged_client.get("/settings/portal/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="portal-settings-form"' in body and 'id="portal-public-url-missing"' in body
    form = {
        "enabled": "",  # unticked: off
        "link_days": "45",
        "promise_max_days": "30",
        "plan_max_instalments": "0",
        "plan_max_days": "90",
        "plan_min_instalment": "100.00",
    }
    response = logged_client.post("/settings/portal/", form)
    assert response.status_code == 302
    saved = link_settings(org)
    assert (saved.enabled, saved.link_days, saved.plan_max_instalments) == (False, 45, 0)
    [event] = Event.objects.filter(kind="portal.settings")
    assert event.actor == user
    assert event.data["fields"] == "enabled, link_days, plan_max_instalments"

    refused = logged_client.post("/settings/portal/", {**form, "link_days": "400"})
    assert refused.status_code == 200 and 'class="form-errors"' in refused.content.decode()
    assert link_settings(org).link_days == 45

    with override_settings(RECOUVRE_PUBLIC_URL="https://pay.acme.example"):
        assert (
            "Les liens commencent par https://pay.acme.example."
            in logged_client.get("/settings/portal/").content.decode()
        )

    Membership.objects.filter(user=user, organization=org).update(role="collector")
    assert logged_client.get("/settings/portal/").status_code == 403
    assert logged_client.post("/settings/portal/", {**form, "link_days": "10"}).status_code == 403
    assert link_settings(org).link_days == 45


@override_settings(RECOUVRE_PUBLIC_URL="https://pay.acme.example")
def test_the_customer_card_offers_the_statement_to_send_only_when_documents_carry_links(org, logged_client):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL", language="fr")
    page = logged_client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="statement-to-send"' in page and 'id="portal-no-links"' not in page
    PortalSettings.objects.create(organization=org, enabled=False)
    page = logged_client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="statement-to-send"' not in page and 'id="portal-no-links"' in page


@override_settings(RECOUVRE_PUBLIC_URL="https://pay.acme.example")
def test_the_statement_to_send_from_the_customer_page_carries_the_link(org, logged_client):  # type: ignore[no-untyped-def]
    import io

    import pypdf

    from recouvre.ledger.actors import CLI
    from recouvre.portal import links

    customer = CustomerFactory(
        organization=org,
        ref="411DUPONT",
        name="Dupont SARL",
        language="fr",
        address_line1="12 rue des Lilas",
        postal_code="34000",
        city="Montpellier",
    )

    def flat(response) -> str:  # type: ignore[no-untyped-def]
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        pages = pypdf.PdfReader(io.BytesIO(response.content)).pages
        return "".join("".join(page.extract_text() for page in pages).split())

    kept = flat(logged_client.get(f"/customers/{customer.pk}/statement.pdf"))
    assert "/p/" not in kept and "espaceclient" not in kept
    assert not customer.portal_links.exists()  # downloading the copy to keep creates no link
    assert logged_client.get(f"/customers/{customer.pk}/statement-to-send.pdf").status_code == 405
    sent = flat(logged_client.post(f"/customers/{customer.pk}/statement-to-send.pdf"))
    url = links.document_link(customer, actor=CLI)
    assert customer.portal_links.count() == 1
    assert sent.count(url) == 1 and "espaceclient" in sent
