"""The company watch on the customer page: when the BODACC was last checked, the announcement found, the buttons
to confirm or dismiss it (dismissing releases the hold), and the refresh from the company directory; a member who
cannot edit sees no button and is refused; another organization's announcement is 404."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from recouvre.collections.models import Hold, HoldKind
from recouvre.legal.models import InsolvencyProcedure
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory
from recouvre.watch.models import Announcement
from recouvre.watch.services import check_bodacc
from recouvre.web.tests.helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return logged_client


@pytest.fixture
def martin(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411MARTIN", name="Boulangerie Martin", siren="552100554")
    InvoiceFactory(customer=customer, number="F-1", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    return customer


def test_the_customer_page_shows_the_announcement_and_dismissing_releases_the_hold(english, org, martin, sources):  # type: ignore[no-untyped-def]
    page = reverse("customer_detail", args=[martin.pk])
    assert "The BODACC has not been checked successfully yet." in text(english.get(page))

    check_bodacc(org, since=date(2026, 3, 1))

    shown = text(english.get(page))
    assert "BODACC last checked successfully" in shown
    assert "Receivership opened To confirm — Jugement d'ouverture d'une procédure de redressement judiciaire" in shown
    assert "found at the BODACC, to confirm" in shown
    announcement = Announcement.objects.get(customer=martin)
    response = english.post(reverse("watch_dismiss", args=[announcement.pk]), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Announcement dismissed: collection resumes at the next run."
    ]
    assert not Hold.objects.filter(customer=martin, kind=HoldKind.INSOLVENCY, released_at__isnull=True).exists()
    assert InsolvencyProcedure.objects.get(customer=martin).state == "dismissed"
    shown = text(english.get(page))
    assert "Dismissed" in shown and "found at the BODACC, to confirm" not in shown
    assert "No insolvency proceedings recorded." in shown  # a dismissed procedure is no procedure


def test_confirm_and_refresh_from_the_page(english, org, martin, sources):  # type: ignore[no-untyped-def]
    check_bodacc(org, since=date(2026, 3, 1))
    announcement = Announcement.objects.get(customer=martin)
    response = english.post(reverse("watch_confirm", args=[announcement.pk]), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Announcement confirmed: collection stays stopped."]
    assert InsolvencyProcedure.objects.get(customer=martin).state == "confirmed"

    response = english.post(reverse("watch_refresh", args=[martin.pk]), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Company details refreshed from the public directory: company status, legal form, NAF code, registered name, "
        "registered office."
    ]
    shown = text(english.get(reverse("customer_detail", args=[martin.pk])))
    assert "SIREN 552100554 · Active · NAF 10.71C" in shown


def test_a_viewer_cannot_decide_and_another_organization_gets_404(org, other_org, martin, sources):  # type: ignore[no-untyped-def]
    check_bodacc(org, since=date(2026, 3, 1))
    announcement = Announcement.objects.get(customer=martin)
    viewer, rival = Client(), Client()
    viewer.force_login(MembershipFactory(organization=org, role="viewer").user)
    assert viewer.post(reverse("watch_dismiss", args=[announcement.pk])).status_code == 403
    assert "Dismiss: not this customer" not in text(viewer.get(reverse("customer_detail", args=[martin.pk])))
    rival.force_login(MembershipFactory(organization=other_org).user)
    assert rival.post(reverse("watch_dismiss", args=[announcement.pk])).status_code == 404
    assert Announcement.objects.get(pk=announcement.pk).state == "proposed"
