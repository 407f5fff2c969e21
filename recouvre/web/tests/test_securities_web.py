"""Securities and amicable steps on the customer page, on 31 March 2026 (``frozen_today``): a security added, edited
and removed, the guarantor to inform and marked informed, a mediation started and ended with prescription
following; another organization's security is a 404 and never listed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from recouvre.ledger.actors import Actor
from recouvre.legal.models import AmicableStep, GuarantorNotice, Security
from recouvre.legal.securities import add_security
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

from .helpers import text

pytestmark = pytest.mark.django_db
ME = Actor.system("test")


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return logged_client


def flash(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]]


def test_a_security_added_edited_and_removed(english, org, frozen_today) -> None:  # type: ignore[no-untyped-def]
    trader = CustomerFactory(organization=org, kind="business", name="Boulangerie Martin SARL")
    InvoiceFactory(customer=trader, number="F-7", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    response = english.post(
        reverse("security_add", args=[trader.pk]),
        {
            "kind": "caution_solidaire",
            "guarantor_name": "Jean Martin",
            "guarantor_kind": "natural_person",
            "guarantor_email": "jean.martin@example.org",
            "limit": "5 000,00",
            "starts_on": "01/01/2026",
            "invoices": "F-7",
        },
        follow=True,
    )
    assert flash(response) == ["Security recorded."]
    row = Security.objects.get()
    assert (row.limit, row.starts_on, [i.number for i in row.invoices.all()]) == (
        Decimal("5000.00"),
        date(2026, 1, 1),
        ["F-7"],
    )
    page = text(english.get(reverse("customer_detail", args=[trader.pk])))
    assert "Personal guarantee (caution solidaire)" in page and "Jean Martin" in page
    # The incident of 4 February 2026 is to be told to the guarantor by 4 March 2026.
    assert "Inform Jean Martin that invoice F-7, due on 4 Feb 2026, is unpaid, by 4 Mar 2026 (C. civ. 2303)." in page
    response = english.post(
        reverse("guarantor_informed", args=[trader.pk, row.pk]),
        {"invoice": "F-7", "informed_on": "2026-03-02"},
        follow=True,
    )
    assert flash(response) == ["Guarantor informed: recorded."]
    assert GuarantorNotice.objects.get().informed_on == date(2026, 3, 2)
    assert "Inform Jean Martin" not in text(english.get(reverse("customer_detail", args=[trader.pk])))

    response = english.post(
        reverse("security_edit", args=[trader.pk, row.pk]),
        {
            "kind": "caution_solidaire",
            "guarantor_name": "Jean Martin",
            "guarantor_kind": "natural_person",
            "limit": "4000",
        },
        follow=True,
    )
    assert flash(response) == ["Security saved."]
    row.refresh_from_db()
    assert row.limit == Decimal("4000.00") and list(row.invoices.all()) == []
    response = english.post(reverse("security_remove", args=[trader.pk, row.pk]), follow=True)
    assert flash(response) == ["Security removed."]
    assert "No security recorded." in text(response)


def test_a_refused_security_stays_on_its_form(english, org, frozen_today) -> None:  # type: ignore[no-untyped-def]
    trader = CustomerFactory(organization=org, kind="business")
    response = english.post(reverse("security_add", args=[trader.pk]), {"kind": "autonomous_guarantee"})
    assert response.status_code == 200
    assert "Give the guarantor&#x27;s name." in response.content.decode() or "Give the guarantor's name." in text(
        response
    )
    assert Security.objects.count() == 0


def test_another_organizations_security_is_404_and_never_listed(  # type: ignore[no-untyped-def]
    english, org, other_org, frozen_today
) -> None:
    mine = CustomerFactory(organization=org, kind="business")
    theirs_customer = CustomerFactory(organization=other_org, kind="business")
    theirs = add_security(
        other_org,
        theirs_customer,
        actor=ME,
        kind="caution_solidaire",
        guarantor_name="Secret Guarantor",
        guarantor_kind="company",
    )
    for name in ("security_edit", "security_remove"):
        assert english.get(reverse(name, args=[mine.pk, theirs.pk])).status_code == 404
        assert english.get(reverse(name, args=[theirs_customer.pk, theirs.pk])).status_code == 404
    assert english.post(reverse("security_remove", args=[mine.pk, theirs.pk])).status_code == 404
    assert english.post(reverse("guarantor_informed", args=[mine.pk, theirs.pk]), {"invoice": "X"}).status_code == 404
    assert "Secret Guarantor" not in text(english.get(reverse("customer_detail", args=[mine.pk])))
    theirs.refresh_from_db()
    assert theirs.removed_at is None


def test_a_mediation_started_and_ended_moves_the_limitation_date(english, org, frozen_today) -> None:  # type: ignore[no-untyped-def]
    trader = CustomerFactory(organization=org, kind="business", name="Vieux Client SAS")
    InvoiceFactory(customer=trader, number="F-OLD", issued_on=date(2021, 5, 10), due_on=date(2021, 6, 9))
    response = english.post(
        reverse("amicable_start", args=[trader.pk]),
        {"kind": "mediateur_entreprises", "started_on": "2026-03-10", "mediator": "Médiateur régional"},
        follow=True,
    )
    assert flash(response) == ["Amicable step recorded: prescription is suspended while it runs."]
    page = text(response)
    assert "suspended while the mediation or conciliation runs" in page
    assert "Mediation or conciliation in progress" in page
    step = AmicableStep.objects.get()
    response = english.post(
        reverse("amicable_end", args=[trader.pk, step.pk]),
        {"ended_on": "2026-03-30", "outcome": "failure"},
        follow=True,
    )
    assert flash(response) == ["End of the amicable step recorded: prescription runs again."]
    # 20 days suspended: 10 May 2026 -> 30 May 2026; the end + 6 months, 30 September 2026, is later.
    page = text(response)
    assert "F-OLD 30 Sept 2026 10 May 2021 — suspended by a mediation or conciliation (C. civ. 2238)" in page


def test_the_guarantor_notice_delay_is_a_setting(english, org, frozen_today) -> None:  # type: ignore[no-untyped-def]
    from recouvre.legal.models import LegalSettings

    base = {"prescription_start": "performance", "performance_margin_days": "0", "public_rule": "quadrennial"}
    response = english.post(reverse("legal_settings"), {**base, "guarantor_notice_months": "2"}, follow=True)
    assert response.status_code == 200
    assert LegalSettings.objects.get(organization=org).guarantor_notice_months == 2
    english.post(reverse("legal_settings"), {**base, "guarantor_notice_months": "13"})
    assert LegalSettings.objects.get(organization=org).guarantor_notice_months == 2
    english.post(reverse("legal_settings"), base)
    assert LegalSettings.objects.get(organization=org).guarantor_notice_months == 1
