"""Tenant isolation: a member of ACME never sees or reaches Rival's data, by URL, form, query or export."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse

from recouvre.ledger import selectors
from recouvre.organizations.middleware import SESSION_KEY

from .helpers import AS_OF, SECRET, text

pytestmark = pytest.mark.django_db


def test_ids_of_another_organization_give_404(logged_client, ledger):
    rival_invoice = ledger.invoices["R-001"]
    assert logged_client.get(reverse("customer_detail", args=[ledger.secret.pk])).status_code == 404
    assert logged_client.get(reverse("invoice_detail", args=[rival_invoice.pk])).status_code == 404
    # The same answer as for ids that do not exist at all: nothing tells that the object exists elsewhere.
    assert logged_client.get(reverse("customer_detail", args=[999999])).status_code == 404
    assert logged_client.get(reverse("invoice_detail", args=[999999])).status_code == 404
    # Our own objects are reachable.
    assert logged_client.get(reverse("customer_detail", args=[ledger.dupont.pk])).status_code == 200


def test_404_page_does_not_leak_the_other_customer(logged_client, ledger):
    response = logged_client.get(reverse("customer_detail", args=[ledger.secret.pk]))
    assert SECRET not in response.content.decode()
    assert "Cette page n’existe pas, ou elle appartient à une autre société." in text(response)


def test_lists_searches_and_reports_never_show_another_organization(logged_client, ledger):
    pages = [
        (reverse("home"), {}),
        (reverse("customer_list"), {}),
        (reverse("customer_list"), {"q": "Rival"}),
        (reverse("customer_list"), {"q": "411SEC"}),
        (reverse("customer_list"), {"overdue": "on", "segment": "strategic"}),
        (reverse("invoice_list"), {"status": "all"}),
        (reverse("invoice_list"), {"status": "all", "q": "R-001"}),
        (reverse("invoice_list"), {"status": "all", "q": "Rival"}),
        (reverse("aging"), {}),
        (reverse("aging_csv"), {}),
    ]
    for url, params in pages:
        response = logged_client.get(url, params)
        assert response.status_code == 200, (url, params)
        body = response.content.decode()
        # What the user typed is echoed in the search box; anything else of Rival's must be absent.
        for secret in (SECRET, "411SEC", "R-001"):
            if secret not in params.values():
                assert secret not in body, (url, params, secret)
    assert logged_client.get(reverse("customer_list"), {"q": "Rival"}).context["page"].paginator.count == 0


def test_xlsx_export_has_only_our_customers(logged_client, ledger):
    from openpyxl import load_workbook

    response = logged_client.get(reverse("aging_xlsx"))
    ws = load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in ws.iter_rows(min_row=4, values_only=True)]
    assert names == ["Boulangerie Dupont", "Transports Lefèvre", "Total"]


def test_dashboard_totals_ignore_another_organization(logged_client, ledger):
    response = logged_client.get(reverse("home"))
    assert response.context["totals"]["overdue_total"] == ledger.invoices["F-002"].total + 1950  # 2 450,00
    assert [c.name for c, _amount in response.context["top_overdue"]] == ["Transports Lefèvre", "Boulangerie Dupont"]


def test_switching_to_an_organization_one_is_not_a_member_of_is_refused(logged_client, org, other_org, ledger):
    response = logged_client.post(reverse("switch_organization"), {"organization": other_org.pk})
    assert response.status_code == 404
    assert SESSION_KEY not in logged_client.session
    for bad in ("", "abc", "999999"):
        assert logged_client.post(reverse("switch_organization"), {"organization": bad}).status_code == 404
    # Still in ACME.
    assert "Boulangerie Dupont" in text(logged_client.get(reverse("customer_list")))


def test_switcher_only_accepts_post(logged_client, org):
    assert logged_client.get(reverse("switch_organization"), {"organization": org.pk}).status_code == 405


def test_a_forged_session_organization_is_ignored(logged_client, other_org, ledger):
    session = logged_client.session
    session[SESSION_KEY] = other_org.pk
    session.save()
    page = text(logged_client.get(reverse("customer_list")))
    assert SECRET not in page and "Boulangerie Dupont" in page


def test_selectors_are_scoped_to_the_organization(org, other_org, ledger):
    assert [c.name for c in selectors.customer_list(org, AS_OF, search="Rival")] == []
    assert [c.name for c in selectors.customer_list(other_org, AS_OF)] == [SECRET]
    assert "R-001" not in [i.number for i in selectors.invoice_list(org, AS_OF, status="all")]
    assert [i.number for i in selectors.invoice_list(other_org, AS_OF, status="all")] == ["R-001"]
    assert list(selectors.customer_open_invoices(org, ledger.secret)) == []
    assert list(selectors.invoice_allocations(org, ledger.invoices["R-001"])) == []
    assert selectors.receivable_totals(other_org, AS_OF, "EUR")["open_total"] == 900
    assert selectors.receivable_totals(org, AS_OF, "EUR")["open_total"] == 3650
    assert selectors.most_overdue_customers(other_org, AS_OF, "EUR") == (1, [(ledger.secret, Decimal("900.00"))])
    count, top = selectors.most_overdue_customers(org, AS_OF, "EUR")
    assert count == 2 and SECRET not in [c.name for c, _ in top]
