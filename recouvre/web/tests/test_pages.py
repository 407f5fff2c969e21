"""Every page renders for a member and shows the figures a credit manager would check (French by default)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from recouvre.organizations.middleware import SESSION_KEY

from .helpers import SECRET, text

pytestmark = pytest.mark.django_db


def page_urls(ledger) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        reverse("home"),
        reverse("customer_list"),
        reverse("customer_detail", args=[ledger.dupont.pk]),
        reverse("invoice_list"),
        reverse("invoice_detail", args=[ledger.invoices["F-004"].pk]),
        reverse("aging"),
        reverse("aging_csv"),
        reverse("aging_xlsx"),
        reverse("import"),
        reverse("bank"),
        reverse("bank_statements"),
    ]


def test_anonymous_users_are_sent_to_the_login_page(client, ledger):
    for url in page_urls(ledger):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('login')}?next={url}", url


def test_every_page_renders_for_a_member(logged_client, ledger):
    for url in page_urls(ledger):
        response = logged_client.get(url)
        assert response.status_code == 200, url


def test_login_form_then_logout(client, user):
    page = client.get(reverse("login"))
    assert "Identifiant" in text(page) and "Mot de passe" in text(page)
    response = client.post(reverse("login"), {"username": "claire", "password": "correct horse battery"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200

    out = client.post(reverse("logout"))
    assert out.status_code == 302 and out["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_is_refused(client, user):
    response = client.post(reverse("login"), {"username": "claire", "password": "not the password"})
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides." in text(response)
    assert "_auth_user_id" not in client.session


def test_a_user_without_organization_gets_a_friendly_page(client, db):
    from recouvre.testing.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    for name in ("home", "customer_list", "aging", "import"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "Vous n’êtes encore membre d’aucune société." in text(response)


def test_dashboard_figures(logged_client, ledger):
    page = text(logged_client.get(reverse("home")))
    assert "Situation au 31/03/2026, en EUR." in page
    assert "Encours total 3 650,00 €" in page
    assert "En retard 2 450,00 €" in page
    assert "Règlements et avoirs non lettrés 100,00 €" in page
    assert "Clients avec des retards 2" in page
    # Aged balance bars, then the most overdue customers, largest first.
    assert "Non échu 1 200,00 € 1 à 30 jours 500,00 € 31 à 60 jours 450,00 € 61 à 90 jours 300,00 €" in page
    assert "Plus de 90 jours 1 200,00 €" in page
    assert re.search(r"Transports Lefèvre 411LEF 1 650,00 € Boulangerie Dupont 411DUP 800,00 €", page)
    assert "Garage Moreau" not in page
    assert SECRET not in page


def test_customer_list_shows_balances_sorted_by_amount_overdue(logged_client, ledger):
    page = text(logged_client.get(reverse("customer_list")))
    assert "3 clients" in page
    # balance (open less unapplied), overdue, then days late of the oldest overdue invoice (test_customer_lists)
    assert "411LEF Transports Lefèvre Standard 1 650,00 € 1 650,00 €" in page
    assert "411DUP Boulangerie Dupont 732 829 320 Stratégique 1 900,00 € 800,00 €" in page
    assert "411MOR Garage Moreau Petit compte 0,00 € 0,00 €" in page
    assert page.index("411LEF") < page.index("411DUP") < page.index("411MOR")


def test_customer_list_search_filters_and_sort(logged_client, ledger):
    def names(**params: str) -> list[str]:
        response = logged_client.get(reverse("customer_list"), params)
        return [c.name for c in response.context["page"].object_list]

    assert names(sort="name") == ["Boulangerie Dupont", "Garage Moreau", "Transports Lefèvre"]
    assert names(q="lefèvre") == ["Transports Lefèvre"]
    assert names(q="411MOR") == ["Garage Moreau"]
    assert names(q="732829") == ["Boulangerie Dupont"]  # SIREN prefix
    assert names(segment="small") == ["Garage Moreau"]
    assert names(overdue="on") == ["Transports Lefèvre", "Boulangerie Dupont"]
    assert names(overdue="on", segment="strategic") == ["Boulangerie Dupont"]
    assert names(q="nobody by that name") == []


def test_customer_list_is_paginated_by_fifty(logged_client, org, frozen_today):
    from recouvre.testing.factories import CustomerFactory

    CustomerFactory.create_batch(51, organization=org)
    first = logged_client.get(reverse("customer_list"))
    assert len(first.context["page"].object_list) == 50
    assert "51 clients" in text(first) and "Page 1 sur 2" in text(first)
    second = logged_client.get(reverse("customer_list"), {"page": "2"})
    assert len(second.context["page"].object_list) == 1


def test_customer_page(logged_client, ledger):
    page = text(logged_client.get(reverse("customer_detail", args=[ledger.dupont.pk])))
    # Identity
    assert "Boulangerie Dupont" in page
    assert "SIREN 732 829 320" in page  # shown in groups of three
    assert "Numéro de TVA FR44732829320" in page
    assert "12 rue des Lilas 34000 Montpellier" in page
    assert "Type Entreprise Siège social non renseigné : l’adresse de facturation est utilisée" in page
    assert "Segment Stratégique Délai de paiement 30 jours Plafond de crédit 5 000,00 €" in page
    assert "Étiquettes bakery" in page
    # Contacts
    assert "Marie Dupont" in page and "compta@dupont.example" in page and "04 67 00 00 01" in page
    # Balance
    assert "Encours 2 000,00 €" in page
    assert "En retard 800,00 €" in page
    assert "Règlements et avoirs non lettrés 100,00 €" in page
    assert "Solde 1 900,00 €" in page
    # Open invoices with days overdue, oldest due date first
    assert "F-003 01/11/2025 15/01/2026 75 300,00 € 300,00 €" in page
    assert "F-002 01/11/2025 15/03/2026 16 500,00 € 500,00 €" in page
    assert "F-001 01/11/2025 31/03/2026 — 1 200,00 € 1 200,00 €" in page
    # Unapplied payment
    assert "20/03/2026 Règlement · Virement — 100,00 € 100,00 €" in page
    # Timeline in French, with who and when
    assert "Client Boulangerie Dupont créé (compte 411DUP)." in page
    # amounts and dates of the timeline written the French way
    assert "Facture F-003 de 300,00 €, échéance le 15/01/2026." in page
    assert "31/03/2026 10:00" in page
    assert "par claire" in page


def test_invoice_list_by_status_and_due_dates(logged_client, ledger):
    def numbers(**params: str) -> list[str]:
        response = logged_client.get(reverse("invoice_list"), params)
        assert response.status_code == 200
        return [i.number for i in response.context["page"].object_list]

    assert numbers() == ["F-004", "F-003", "F-005", "F-002", "F-001"]  # open, by due date
    assert numbers(status="overdue") == ["F-004", "F-003", "F-005", "F-002"]
    assert numbers(status="paid") == ["F-006"]
    assert numbers(status="all") == ["F-004", "F-003", "F-006", "F-005", "F-002", "F-001"]
    assert numbers(status="all", due_from="2026-02-01", due_to="2026-03-15") == ["F-006", "F-005", "F-002"]
    assert numbers(status="all", due_from="01/02/2026", due_to="01/02/2026") == ["F-006"]
    assert numbers(q="dupont") == ["F-003", "F-002", "F-001"]
    assert numbers(q="F-005") == ["F-005"]


def test_invoice_list_shows_days_overdue_and_open_amounts(logged_client, ledger):
    page = text(logged_client.get(reverse("invoice_list"), {"status": "all"}))
    assert "F-004 Transports Lefèvre 01/11/2025 01/12/2025 120 2 000,00 € 1 200,00 €" in page
    assert "F-006 Garage Moreau 01/11/2025 01/02/2026 — 99,99 € Soldée" in page
    assert "6 factures" in page


def test_invoice_list_refuses_a_reversed_date_range(logged_client, ledger):
    response = logged_client.get(reverse("invoice_list"), {"due_from": "2026-03-01", "due_to": "2026-02-01"})
    assert "Le début de la période d’échéance est postérieur à sa fin." in text(response)
    assert [i.number for i in response.context["page"].object_list] == ["F-004", "F-003", "F-005", "F-002", "F-001"]


def test_invoice_page(logged_client, ledger):
    page = text(logged_client.get(reverse("invoice_detail", args=[ledger.invoices["F-004"].pk])))
    assert "Facture F-004" in page and "Transports Lefèvre" in page
    assert "Total TTC 2 000,00 € Réglé 800,00 € Reste dû 1 200,00 € Jours de retard 120" in page
    assert "10/01/2026 Règlement 10/01/2026 800,00 €" in page


def test_organization_switcher_changes_the_organization(client, org, other_org, ledger):
    from recouvre.testing.factories import MembershipFactory

    membership = MembershipFactory(organization=org, role="admin")
    MembershipFactory(organization=other_org, user=membership.user, role="viewer")
    client.force_login(membership.user)
    assert "Boulangerie Dupont" in text(client.get(reverse("customer_list")))  # first by name: ACME

    response = client.post(reverse("switch_organization"), {"organization": other_org.pk})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.session[SESSION_KEY] == other_org.pk
    page = text(client.get(reverse("customer_list")))
    assert SECRET in page and "Boulangerie Dupont" not in page
    # ACME's customer is now out of reach, by id too.
    assert client.get(reverse("customer_detail", args=[ledger.dupont.pk])).status_code == 404
    # Viewer in Rival: no import link, no import page.
    assert reverse("import") not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("import")).status_code == 403


def test_switcher_lists_only_my_organizations(logged_client, org, other_org):
    html = logged_client.get(reverse("home")).content.decode()
    assert f'value="{org.pk}"' in html
    assert other_org.name not in html


def test_a_customer_with_nothing_open(logged_client, ledger):
    page = text(logged_client.get(reverse("customer_detail", args=[ledger.moreau.pk])))
    assert "Solde 0,00 € En retard 0,00 € Encours 0,00 € Règlements et avoirs non lettrés 0,00 €" in page
    assert "Aucun encours à cette date." in page
    assert "Aucune facture non soldée." in page


def test_pages_load_nothing_from_other_sites(logged_client, ledger):
    for url in page_urls(ledger)[:6]:
        html = logged_client.get(url).content.decode()
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets, url
        assert [a for a in assets if a.startswith(("http:", "https:", "//"))] == [], url
    home = logged_client.get(reverse("home")).content.decode()
    assert '<link rel="stylesheet" href="/static/web/app.css">' in home
    assert '<script src="/static/web/app.js" defer></script>' in home


def test_static_files_are_served_by_the_app(logged_client):
    response = logged_client.get("/static/web/app.css")
    assert response.status_code == 200
    assert b".overdue" in b"".join(response.streaming_content)


def test_the_dashboard_says_when_the_rate_tables_miss_the_current_half_year(logged_client, org):  # type: ignore[no-untyped-def]
    import time_machine

    logged_client.cookies["django_language"] = "en"
    with time_machine.travel(date(2026, 3, 31), tick=False):  # 2026 H1: both tables cover it
        assert 'id="rates-banner"' not in logged_client.get(reverse("home")).content.decode()
    with time_machine.travel(date(2026, 11, 23), tick=False):  # 2026 H2: shipped tables stop before it
        page = logged_client.get(reverse("home")).content.decode()
    assert "Late-payment interest cannot be computed for 2026 H2 yet" in page
    assert "documents claim those days by their legal rule and mark the totals to be completed" in page
    # the administrator is told which figure is missing and where it is published
    assert "ECB main refinancing rate in force on" in page and "(2026 H2) is missing" in page
    assert "Legal interest rate (taux de l'intérêt légal) of 2026 H2 is missing" in page
    assert "Journal officiel" in page and "ECB rates not updated from the ECB yet." in page


def test_administrators_see_the_missing_rates_15_days_before_the_half_year(logged_client, org):  # type: ignore[no-untyped-def]
    import time_machine

    from recouvre.legal.models import LegalRate

    logged_client.cookies["django_language"] = "en"
    with time_machine.travel(date(2026, 6, 15), tick=False):  # 16 days before 1 July: nothing yet
        page = logged_client.get(reverse("home")).content.decode()
    assert 'id="rates-notice"' not in page
    with time_machine.travel(date(2026, 6, 16), tick=False):  # 15 days before
        page = logged_client.get(reverse("home")).content.decode()
    assert 'id="rates-banner"' not in page  # 2026 H1 is covered
    assert "Legal interest rate (taux de l'intérêt légal) of 2026 H2 is missing" in page
    # the administrator enters the arrêté's figures on the rate tables page
    with time_machine.travel(date(2026, 6, 20), tick=False):
        form = logged_client.get(reverse("legal_rates")).content.decode()
        assert 'id="legal-rate-form"' in form and 'value="2026"' in form
        response = logged_client.post(
            reverse("legal_rates"),
            {
                "year": "2026",
                "half": "2",
                "professionals": "2,50",
                "individuals": "6.50",
                "reference": "Arrêté du 18 juin 2026, JO du 20 juin 2026 (test figures)",
            },
        )
        assert response.status_code == 302
        row = LegalRate.objects.get(year=2026, half=2)
        assert (row.professionals, row.individuals, row.reference) == (
            Decimal("2.5000"),
            Decimal("6.5000"),
            "Arrêté du 18 juin 2026, JO du 20 juin 2026 (test figures)",
        )
        page = logged_client.get(reverse("home")).content.decode()
    assert "Legal interest rate (taux de l'intérêt légal) of 2026 H2 is missing" not in page


def test_the_rate_tables_page_is_for_administrators(client, org):  # type: ignore[no-untyped-def]
    from recouvre.organizations.models import Role
    from recouvre.testing.factories import MembershipFactory

    viewer = MembershipFactory(organization=org, user__username="vic", role=Role.VIEWER).user
    client.force_login(viewer)
    assert client.get(reverse("legal_rates")).status_code == 403


def test_the_organization_sets_its_contractual_rate_on_the_legal_settings_page(logged_client, org):  # type: ignore[no-untyped-def]
    from recouvre.legal.models import LegalSettings

    logged_client.cookies["django_language"] = "en"
    page = logged_client.get(reverse("legal_settings")).content.decode()
    assert 'id="below-floor-uncertain"' in page and "choose with your counsel" in page
    data = {"prescription_start": "performance", "performance_margin_days": "0", "public_rule": "quadrennial"}
    bad = logged_client.post(reverse("legal_settings"), {**data, "contract_rate": "twelve", "below_floor": "statutory"})
    assert bad.status_code == 200 and "not a contractual rate" in bad.content.decode()
    ok = logged_client.post(reverse("legal_settings"), {**data, "contract_rate": "BCE + 7", "below_floor": "floor"})
    assert ok.status_code == 302
    settings = LegalSettings.objects.get(organization=org)
    assert (settings.contract_rate, settings.below_floor) == ("ecb+7", "floor")
