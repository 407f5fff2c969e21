"""The cash-in forecast page: the open invoices' amounts week by week, the invoices in order of priority with why,
and, on this small ledger, the notice that there is too little history for a model."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .helpers import SECRET, text

pytestmark = pytest.mark.django_db


def test_forecast_page(logged_client, ledger):
    response = logged_client.get(reverse("forecast"))
    assert response.status_code == 200
    page = text(response)
    html = response.content.decode()
    assert 'id="forecast-note"' in html  # too little history (1 invoice settled): the customer-mean baseline
    assert 'id="forecast-model"' not in html  # no model, no validation figures
    # every open amount (3 650,00) expected in the first week: the baseline's delay after the due date is that of
    # F-006, the only invoice paid, and all but F-001 are already that late; no validation, so no interval
    assert "01/04/2026 – 07/04/2026 3 650,00 €" in page
    assert "24/06/2026 – 30/06/2026 0,00 €" in page
    assert response.context["later"] == 0 and not response.context["interval"]
    # by priority: open amount × probability × (1 + days overdue / 30)
    rows = [(i["record"].key, str(i["priority"])) for i in response.context["items"]]
    assert rows[:3] == [("F-004", "6000.00"), ("F-003", "1050.00"), ("F-005", "1035.00")]
    assert rows[4] == ("F-002", "766.67")
    assert rows[3][0] == "F-001"  # not yet due: 1 200,00 × the organization's late rate
    assert "F-004 411LEF 1 200,00 € 100 % 01/04/2026 6 000,00 €" in page
    assert SECRET not in page and "R-001" not in page


def test_the_dashboard_links_to_the_forecast(logged_client, ledger):
    html = logged_client.get(reverse("home")).content.decode()
    assert f'href="{reverse("forecast")}"' in html
