"""The global search of the top bar (and ``recouvre search``): by invoice number, SIREN, amount written the French
way, payment reference; never another organization's rows."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from recouvre.ledger.selectors import global_search

from .helpers import SECRET, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies["django_language"] = "en"
    return logged_client


def test_search_by_invoice_number_opens_the_invoice_when_only_one(logged_client, ledger):
    response = logged_client.get(reverse("search"), {"q": "f-003"})
    assert response.status_code == 302
    assert response["Location"] == reverse("invoice_detail", args=[ledger.invoices["F-003"].pk])


def test_search_by_number_prefix_lists_the_invoices_in_order(english, ledger):
    response = english.get(reverse("search"), {"q": "F-00"})
    assert [i.number for i in response.context["results"].invoices] == [
        "F-001",
        "F-002",
        "F-003",
        "F-004",
        "F-005",
        "F-006",
    ]
    page = text(response)
    assert "6 results for “F-00”." in page
    assert "F-003 Boulangerie Dupont 15 Jan 2026 €300.00 €300.00" in page
    assert "F-006 Garage Moreau 1 Feb 2026 €99.99 Paid" in page


def test_search_by_siren_with_spaces_finds_the_customer(logged_client, ledger):
    response = logged_client.get(reverse("search"), {"q": "732 829 320"})
    assert response.status_code == 302
    assert response["Location"] == reverse("customer_detail", args=[ledger.dupont.pk])


def test_search_by_amount_in_french_format(org, ledger):
    results = global_search(org, "1 200,00")
    assert results.amount == Decimal("1200.00")
    assert [i.number for i in results.invoices] == ["F-001"]
    results = global_search(org, "99,99")
    assert [i.number for i in results.invoices] == ["F-006"]
    assert [(p.customer.ref, p.amount) for p in results.payments] == [("411MOR", Decimal("99.99"))]
    # the English way too
    assert [i.number for i in global_search(org, "2000.00").invoices] == ["F-004"]


def test_search_page_groups_by_kind(english, ledger):
    response = english.get(reverse("search"), {"q": "800,00"})
    page = text(response)
    assert "1 result for “800,00”. Invoices and payments of €800.00 included." in page
    assert "Payments Date Customer Reference Amount Unapplied 10 Jan 2026 Transports Lefèvre — €800.00 —" in page
    html = response.content.decode()
    assert reverse("customer_detail", args=[ledger.lefevre.pk]) in html


def test_search_by_name_is_case_insensitive(org, ledger):
    assert [c.ref for c in global_search(org, "dupont").customers] == ["411DUP"]
    assert [c.ref for c in global_search(org, "411").customers] == ["411DUP", "411MOR", "411LEF"]


def test_another_organizations_data_never_appears(org, other_org, logged_client, ledger):
    for q in ("R-001", "Rival", "411SEC", "900,00", SECRET):
        results = global_search(org, q)
        assert results.count == 0, q
        response = logged_client.get(reverse("search"), {"q": q})
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="search-customers"' not in html and 'id="search-invoices"' not in html
        assert reverse("customer_detail", args=[ledger.secret.pk]) not in html
        assert reverse("invoice_detail", args=[ledger.invoices["R-001"].pk]) not in html
    # and the other way round
    assert [i.number for i in global_search(other_org, "F-00").invoices] == []
    assert [i.number for i in global_search(other_org, "R-0").invoices] == ["R-001"]


def test_search_text_is_limited(org, logged_client, ledger):
    results = global_search(org, "x" * 5000)
    assert len(results.text) == 100
    response = logged_client.get(reverse("search"), {"q": "F" * 5000})
    assert response.status_code == 200
    assert 'maxlength="100"' in response.content.decode()


def test_the_top_bar_has_the_search_box_on_every_page(logged_client, ledger):
    for name in ("home", "customer_list", "invoice_list", "aging"):
        html = logged_client.get(reverse(name)).content.decode()
        assert f'action="{reverse("search")}"' in html
        assert 'id="global-search"' in html
        assert 'aria-keyshortcuts="/"' in html


def test_cli_search_json(org, ledger, capsys):
    from recouvre.cli import main

    assert main(["search", "99,99", "--org", "acme", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["amount"] == "99.99"
    assert [i["number"] for i in payload["invoices"]] == ["F-006"]
    assert [(p["customer"], p["amount"]) for p in payload["payments"]] == [("411MOR", "99.99")]
    assert main(["search", "R-001", "--org", "acme"]) == 1
    assert "R-001" in capsys.readouterr().out


def test_a_kind_shown_only_in_part_says_there_are_more(english, ledger, org):
    from datetime import date

    from recouvre.ledger.selectors import SEARCH_LIMIT
    from recouvre.testing.factories import InvoiceFactory

    customer = ledger.invoices["F-003"].customer
    for n in range(SEARCH_LIMIT):
        InvoiceFactory(customer=customer, number=f"G-{n:03d}", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 5))
    page = text(english.get(reverse("search"), {"q": "G-"}))
    assert f"More than {SEARCH_LIMIT} results for “G-”." in page
    assert f"The first {SEARCH_LIMIT}: refine the search to see others." in page
    fewer = text(english.get(reverse("search"), {"q": "G-00"}))
    assert "10 results for “G-00”." in fewer and "More than" not in fewer
