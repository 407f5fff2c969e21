"""The Privacy settings page (administrators) and ``recouvre privacy show|set``."""

from __future__ import annotations

import json

import pytest

from recouvre.cli import main
from recouvre.ledger.models import Event
from recouvre.organizations.models import Membership
from recouvre.privacy.models import PrivacySettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies["django_language"] = "en"
    return logged_client


def test_the_page_shows_the_defaults_and_the_uncertain_points_and_saves(org, english):  # type: ignore[no-untyped-def]
    page = english.get("/settings/privacy/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Personal data: ACME Distribution SAS processes" in html
    assert "Uncertain points, to validate with your counsel" in html
    assert "for 2 years (limitation period, French Consumer Code L218-2)" in html
    response = english.post(
        "/settings/privacy/",
        {
            "notice_fr": "Vos données : écrivez à <dpo@acme.example>.",
            "notice_en": "",
            "contact": "dpo@acme.example",
            "consumer_years": "3",
            "business_years": "5",
            "judgment_years": "10",
            "accounting_years": "10",
        },
    )
    assert response.status_code == 302
    saved = PrivacySettings.objects.get(organization=org)
    assert (saved.notice_fr, saved.consumer_years, saved.purge_by_scheduler) == (
        "Vos données : écrivez à <dpo@acme.example>.",
        3,
        False,
    )
    assert Event.objects.get(kind="privacy.settings").data["fields"] == "consumer_years, contact, notice_fr"


def test_the_page_refuses_an_accounting_retention_below_ten_years_and_a_text_too_long(org, english):  # type: ignore[no-untyped-def]
    response = english.post(
        "/settings/privacy/",
        {
            "notice_fr": "x" * 2001,
            "consumer_years": "2",
            "business_years": "5",
            "judgment_years": "10",
            "accounting_years": "6",
        },
    )
    assert response.status_code == 200
    assert not PrivacySettings.objects.exists()
    html = response.content.decode()
    assert "Ensure this value has at most 2000 characters" in html
    assert "Ensure this value is greater than or equal to 10" in html or "privacy_accounting_10_to_30" in html


def test_only_administrators_reach_the_page(org, english, user):  # type: ignore[no-untyped-def]
    Membership.objects.filter(user=user, organization=org).update(role="credit_manager")
    assert english.get("/settings/privacy/").status_code == 403


def test_the_cli_shows_and_sets_the_privacy_information(org, capsys):  # type: ignore[no-untyped-def]
    assert main(["privacy", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["consumer_years"] == 2 and shown["accounting_years"] == 10 and shown["purge_by_scheduler"] is False
    assert shown["printed"]["fr"]["consumer"].startswith("Données personnelles : ACME Distribution SAS traite")
    assert main(["privacy", "set", "--notice-en", "Your data stays with us.", "--scheduler", "on", "--json"]) == 0
    saved = json.loads(capsys.readouterr().out)
    assert saved["printed"]["en"]["business"] == "Your data stays with us." and saved["purge_by_scheduler"] is True
    assert main(["privacy", "set", "--accounting-years", "3"]) == 1
    assert "accounting_years" in capsys.readouterr().out
    assert main(["privacy", "set"]) == 2
