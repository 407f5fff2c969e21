"""The "Legal route" card of Dupont's page, used as a credit manager would: the recommendation with its reasons,
the request and the hand-off package downloaded, proceedings opened, followed and closed; another organization's
customer or proceedings are 404, and a viewer may only look."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from recouvre.collections.models import Hold
from recouvre.ledger.models import Event
from recouvre.proceedings.models import Proceeding
from recouvre.proceedings.services import open_proceeding
from recouvre.testing.factories import CustomerFactory, MembershipFactory

from .conftest import ACTOR, AFTER_DEADLINE, pdf_text

pytestmark = pytest.mark.django_db

NOON = "2026-04-20 12:00:00+02:00"


@pytest.fixture(autouse=True)
def _pages_in_english(client):  # type: ignore[no-untyped-def]
    """These stories read the pages in English (the web app's default is French)."""
    client.cookies["django_language"] = "en"


@pytest.fixture
def travel():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOON, tick=False):
        yield


def test_the_customer_page_shows_the_recommended_route_and_its_reasons(logged_client, noticed, travel):  # type: ignore[no-untyped-def]
    page = logged_client.get(reverse("customer_detail", args=[noticed.pk])).content.decode()
    assert 'id="legal-route"' in page
    assert "Injonction de payer (order for payment)" in page
    assert "Tribunal de commerce" in page
    assert "The formal notice of 2026-03-27 was left unpaid." in page
    assert "Small-claims procedure through a commissaire de justice" in page  # the alternative under 5 000 EUR
    assert reverse("injonction_pdf", args=[noticed.pk]) in page
    assert reverse("proceeding_open", args=[noticed.pk]) in page


def test_download_the_request_and_the_hand_off_package(logged_client, noticed, travel):  # type: ignore[no-untyped-def]
    response = logged_client.post(reverse("injonction_pdf", args=[noticed.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="requete-injonction-411DUPONT-2026-04-20.pdf"' in response["Content-Disposition"]
    assert "Requête en injonction de payer" in pdf_text(response.content)

    response = logged_client.post(reverse("handoff_zip", args=[noticed.pk]))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        assert "handoff.json" in zf.namelist()
        # for a commissaire de justice: in French, although the person who clicked reads the app in English
        data = json.loads(zf.read("handoff.json"))
        titles = [f["title"] for f in data["files"]]
        statement = next(f["name"] for f in data["files"] if f["kind"] == "statement")
        statement_text = pdf_text(zf.read(statement))
    assert any(t.startswith("Décompte de la créance au 20/04/2026") for t in titles), titles
    assert not any(t.startswith(("Statement", "Invoice", "Formal notice")) for t in titles), titles
    assert "Décompte de la créance au 20/04/2026" in statement_text and "Creditor" not in statement_text
    assert Event.objects.filter(customer=noticed, kind__startswith="proceedings.").count() == 2


def test_open_follow_and_close_proceedings_from_the_page(logged_client, noticed, travel):  # type: ignore[no-untyped-def]
    url = reverse("customer_detail", args=[noticed.pk])
    response = logged_client.post(
        reverse("proceeding_open", args=[noticed.pk]),
        {"route": "injonction", "court": "Tribunal de commerce de Montpellier", "amount_claimed": "4900.00"},
    )
    assert response.status_code == 302 and response["Location"] == url + "#legal-route"
    p = Proceeding.objects.get()
    assert Hold.objects.get(pk=p.hold_id).released_at is None
    assert (
        "Court proceedings are open: collection of this customer is stopped" in logged_client.get(url).content.decode()
    )

    response = logged_client.post(
        reverse("proceeding_update", args=[p.pk]),
        {
            "status": "served",
            "court": "Tribunal de commerce de Montpellier",
            "reference": "2026 R 123",
            "amount_claimed": "4900.00",
            "filed_on": "2026-04-02",
            "order_on": "2026-04-10",
            "service_regime": "auto",
            "served_on": "2026-04-20",
            "notes": "",
        },
    )
    assert response.status_code == 302
    page = logged_client.get(url).content.decode()
    assert '<dd data-deadline="service">12 Oct 2026 ' in page  # 10 October 2026 is a Saturday
    assert '<dd data-deadline="opposition">20 May 2026</dd>' in page
    assert 'name="order_on" value="2026-04-10"' in page  # a date field a browser can read
    p.refresh_from_db()
    assert (p.status, p.opposition_deadline) == ("served", date(2026, 5, 20))

    logged_client.post(reverse("proceeding_enforcement", args=[p.pk]), {"on": "2026-05-26", "step": "Saisie"})
    logged_client.post(reverse("proceeding_close", args=[p.pk]), {"outcome": "Paid"})
    p.refresh_from_db()
    assert (p.status, p.closed_on, p.enforcement[0]["step"]) == ("closed", date(2026, 4, 20), "Saisie")
    assert Hold.objects.get(pk=p.hold_id).released_at is not None


def test_another_organizations_customer_and_proceedings_are_404(logged_client, other_org, travel):  # type: ignore[no-untyped-def]
    foreign = CustomerFactory(organization=other_org)
    p = open_proceeding(other_org, foreign, route="injonction", actor=ACTOR, today=AFTER_DEADLINE)
    for name in ("injonction_pdf", "handoff_zip", "proceeding_open"):
        assert logged_client.post(reverse(name, args=[foreign.pk]), {"route": "injonction"}).status_code == 404
    for name in ("proceeding_update", "proceeding_enforcement", "proceeding_close"):
        assert logged_client.post(reverse(name, args=[p.pk]), {"outcome": "x"}).status_code == 404
    p.refresh_from_db()
    assert p.closed_on is None


def test_a_viewer_sees_the_route_but_cannot_act(client, org, noticed, travel):  # type: ignore[no-untyped-def]
    viewer = MembershipFactory(organization=org, user__username="victor", role="viewer").user
    client.force_login(viewer)
    page = client.get(reverse("customer_detail", args=[noticed.pk])).content.decode()
    assert "Injonction de payer (order for payment)" in page
    assert reverse("injonction_pdf", args=[noticed.pk]) not in page
    assert client.post(reverse("injonction_pdf", args=[noticed.pk])).status_code == 403
    assert client.post(reverse("proceeding_open", args=[noticed.pk]), {"route": "injonction"}).status_code == 403
    assert not Proceeding.objects.exists()


def test_the_service_deadline_is_on_the_worklist(logged_client, org, noticed):  # type: ignore[no-untyped-def]
    from recouvre.proceedings.services import update_proceeding

    p = open_proceeding(org, noticed, route="injonction", actor=ACTOR, today=AFTER_DEADLINE)
    update_proceeding(p, actor=ACTOR, order_on=date(2026, 4, 10))  # serve by Monday 12 October 2026
    with time_machine.travel("2026-10-01 09:00:00+02:00", tick=False):
        page = logged_client.get(reverse("worklist")).content.decode()
    assert "Have the order for payment against Dupont SARL served (it lapses after this day)" in page
    assert f"/customers/{noticed.pk}/#legal-route" in page
