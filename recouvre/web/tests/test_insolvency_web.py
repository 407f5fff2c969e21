"""Insolvency in the web app is one action: the holds panel's button and the legal section's form both open the
procedure and stop collection; over-indebtedness of a consumer shows its own deadlines; what becomes known later
(the BODACC publication) is added to the procedure. On 31 March 2026 (``frozen_today``)."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse

from recouvre.collections.models import Hold, HoldKind
from recouvre.legal.models import InsolvencyProcedure
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

from .helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return logged_client


def flash(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]]


def test_the_holds_panel_records_the_procedure_too(english, org, frozen_today) -> None:  # type: ignore[no-untyped-def]
    trader = CustomerFactory(organization=org, kind="business", name="Boulangerie Martin SARL")
    InvoiceFactory(customer=trader, issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))

    response = english.post(
        reverse("hold_insolvency", args=[trader.pk]),
        {"procedure": "liquidation", "opened_on": "2026-03-30"},
        follow=True,
    )

    assert flash(response) == ["Insolvency proceedings recorded: collection stopped."]
    procedure = InsolvencyProcedure.objects.get(customer=trader)
    assert (procedure.kind, procedure.judgment_on, procedure.published_on) == ("liquidation", date(2026, 3, 30), None)
    assert procedure.hold == Hold.objects.get(customer=trader, kind=HoldKind.INSOLVENCY)
    page = text(english.get(reverse("customer_detail", args=[trader.pk])))
    assert "Record the BODACC publication when it is out" in page

    # The publication comes out: the declaration deadline and the retention-of-title deadline follow.
    response = english.post(
        reverse("insolvency_update", args=[procedure.pk]), {"published_on": "2026-04-09"}, follow=True
    )
    assert flash(response) == ["Procedure updated."]
    procedure.refresh_from_db()
    assert procedure.declaration_due_on == date(2026, 6, 9)
    page = text(english.get(reverse("customer_detail", args=[trader.pk])))
    assert "claim them by" in page and "(L624-9)" in page


def test_over_indebtedness_of_a_consumer_from_the_legal_section(english, org, frozen_today) -> None:  # type: ignore[no-untyped-def]
    person = CustomerFactory(organization=org, kind="consumer", name="Jeanne Rémy")
    InvoiceFactory(customer=person, issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))

    response = english.post(
        reverse("insolvency_record", args=[person.pk]),
        {"kind": "over_indebtedness", "judgment_on": "2026-03-02", "debt_statement_received_on": "2026-03-20"},
        follow=True,
    )

    assert flash(response) == ["Insolvency proceedings recorded: collection of this customer stopped."]
    assert Hold.objects.filter(customer=person, kind=HoldKind.INSOLVENCY, released_at__isnull=True).exists()
    page = text(response)
    assert "file admissible since" in page
    assert "Contest the statement of debts by" in page and "R723-3" in page
    assert "Download the claim declaration" not in page
