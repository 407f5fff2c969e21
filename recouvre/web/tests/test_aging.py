"""The aged balance page and its CSV / XLSX downloads, checked to the cent."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from .helpers import text

pytestmark = pytest.mark.django_db


def test_aging_page_per_customer_and_totals(logged_client, ledger):
    response = logged_client.get(reverse("aging"))
    page = text(response)
    assert "Encours par ancienneté du retard au 31/03/2026, en EUR." in page
    assert "2 clients" in page
    assert (
        "411DUP Boulangerie Dupont 1 200,00 € 500,00 € – 300,00 € – 2 000,00 € 100,00 € 1 900,00 € "
        "411LEF Transports Lefèvre – – 450,00 € – 1 200,00 € 1 650,00 € – 1 650,00 € "
        "Total 1 200,00 € 500,00 € 450,00 € 300,00 € 1 200,00 € 3 650,00 € 100,00 € 3 550,00 €"
    ) in page
    html = response.content.decode()
    # Each customer line links to the customer page; the bars are drawn in SVG, without inline style (CSP).
    assert reverse("customer_detail", args=[ledger.dupont.pk]) in html
    assert reverse("customer_detail", args=[ledger.lefevre.pk]) in html
    assert 'class="bar-fill" width="100.0"' in html  # the two largest buckets (1 200,00)
    assert 'class="bar-fill" width="25.0"' in html  # 300,00 of 1 200,00


def test_aging_as_of_another_date(logged_client, ledger):
    response = logged_client.get(reverse("aging"), {"as_of": "2026-02-28"})
    report = response.context["report"]
    assert report.as_of == date(2026, 2, 28)
    # On 28/02 F-001 and F-002 are not due yet; F-005 is 8 days late, F-003 44 days, F-004 89 days.
    assert report.buckets == {
        "not_due": Decimal("1700.00"),
        "1_30": Decimal("450.00"),
        "31_60": Decimal("300.00"),
        "61_90": Decimal("1200.00"),
        "over_90": Decimal("0.00"),
    }
    assert "au 28/02/2026" in text(response)


def test_aging_bad_date_is_reported_and_today_is_used(logged_client, ledger):
    response = logged_client.get(reverse("aging"), {"as_of": "31/02/2026"})
    assert response.status_code == 200
    assert response.context["report"].as_of == date(2026, 3, 31)
    assert "Au : Saisissez une date valide." in text(response)


def test_aging_currency_choice_when_several(logged_client, ledger, org, user):
    from recouvre.ledger import services as L
    from recouvre.ledger.actors import Actor

    L.create_invoice(
        org,
        Actor.of(user),
        customer=ledger.moreau,
        number="U-001",
        issued_on=date(2026, 1, 1),
        due_on=date(2026, 3, 1),
        total=Decimal("75.50"),
        currency="USD",
    )
    page = logged_client.get(reverse("aging"))
    assert '<select name="currency"' in page.content.decode()
    usd = logged_client.get(reverse("aging"), {"as_of": "2026-03-31", "currency": "USD"})
    report = usd.context["report"]
    assert report.currency == "USD"
    assert [(ln.name, ln.total) for ln in report.lines] == [("Garage Moreau", Decimal("75.50"))]
    assert "75,50 $US" in text(usd)
    # A currency not in use is refused on the form and the organization's currency is shown.
    chf = logged_client.get(reverse("aging"), {"currency": "CHF"})
    assert chf.context["report"].currency == "EUR"


def test_aging_is_not_offered_a_currency_choice_with_one_currency(logged_client, ledger):
    assert '<select name="currency"' not in logged_client.get(reverse("aging")).content.decode()


def test_aging_csv_exact(logged_client, ledger):
    response = logged_client.get(reverse("aging_csv"), {"as_of": "2026-03-31"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="balance-agee-acme-eur-2026-03-31.csv"'
    # For French Excel: a byte-order mark (UTF-8 read as such), ";" between fields, decimal commas.
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.decode("utf-8-sig").splitlines() == [
        "Compte;Client;Non échu;1 à 30 jours;31 à 60 jours;61 à 90 jours;Plus de 90 jours;Total;Non lettré;Solde;"
        "Devise",
        "411DUP;Boulangerie Dupont;1200,00;500,00;0,00;300,00;0,00;2000,00;100,00;1900,00;EUR",
        "411LEF;Transports Lefèvre;0,00;0,00;450,00;0,00;1200,00;1650,00;0,00;1650,00;EUR",
        ";Total;1200,00;500,00;450,00;300,00;1200,00;3650,00;100,00;3550,00;EUR",
    ]


def test_aging_csv_in_english(logged_client, ledger):
    logged_client.cookies["django_language"] = "en"
    response = logged_client.get(reverse("aging_csv"))
    assert response["Content-Disposition"] == 'attachment; filename="aged-balance-acme-eur-2026-03-31.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert lines[0] == (
        "Account,Customer,Not due,1-30 days,31-60 days,61-90 days,Over 90 days,Total,Unapplied,Balance,Currency"
    )
    assert lines[1] == "411DUP,Boulangerie Dupont,1200.00,500.00,0.00,300.00,0.00,2000.00,100.00,1900.00,EUR"


def test_aging_xlsx_numbers(logged_client, ledger):
    from openpyxl import load_workbook

    response = logged_client.get(reverse("aging_xlsx"))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="balance-agee-acme-eur-2026-03-31.xlsx"'
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Balance âgée au 2026-03-31"
    assert rows[2][:3] == ("Compte", "Client", "Non échu")

    def amounts(row):  # type: ignore[no-untyped-def]
        return [Decimal(str(v)).quantize(Decimal("0.01")) for v in row[2:-1]]

    assert rows[3][:2] == ("411DUP", "Boulangerie Dupont")
    assert amounts(rows[3]) == [Decimal(x) for x in ("1200", "500", "0", "300", "0", "2000", "100", "1900")]
    assert rows[4][:2] == ("411LEF", "Transports Lefèvre")
    assert amounts(rows[4]) == [Decimal(x) for x in ("0", "0", "450", "0", "1200", "1650", "0", "1650")]
    assert rows[5][1] == "Total"
    assert amounts(rows[5]) == [Decimal(x) for x in ("1200", "500", "450", "300", "1200", "3650", "100", "3550")]
    # Real numbers, not text, so a spreadsheet can add them up.
    assert all(isinstance(v, int | float) for v in rows[5][2:-1])
    assert [row[-1] for row in rows[2:]] == ["Devise", "EUR", "EUR", "EUR"]
    assert len(rows) == 6


def test_customer_page_shows_its_own_aged_balance(logged_client, ledger):
    page = text(logged_client.get(reverse("customer_detail", args=[ledger.lefevre.pk])))
    assert "Balance âgée au 31/03/2026" in page
    assert "Non échu 0,00 € 1 à 30 jours 0,00 € 31 à 60 jours 450,00 € 61 à 90 jours 0,00 €" in page
    assert "Plus de 90 jours 1 200,00 €" in page


def test_aging_export_in_the_chosen_currency(logged_client, ledger, org, user):
    """The CSV and XLSX downloads follow the currency choice: that currency's rows only, each naming it."""
    from openpyxl import load_workbook

    from recouvre.ledger import services as L
    from recouvre.ledger.actors import Actor

    L.create_invoice(
        org,
        Actor.of(user),
        customer=ledger.moreau,
        number="U-001",
        issued_on=date(2026, 1, 1),
        due_on=date(2026, 3, 1),
        total=Decimal("75.50"),
        currency="USD",
    )
    query = {"as_of": "2026-03-31", "currency": "USD"}
    response = logged_client.get(reverse("aging_csv"), query)
    assert response["Content-Disposition"] == 'attachment; filename="balance-agee-acme-usd-2026-03-31.csv"'
    assert response.content.decode("utf-8-sig").splitlines()[1:] == [
        "411MOR;Garage Moreau;0,00;75,50;0,00;0,00;0,00;75,50;0,00;75,50;USD",
        ";Total;0,00;75,50;0,00;0,00;0,00;75,50;0,00;75,50;USD",
    ]
    ws = load_workbook(io.BytesIO(logged_client.get(reverse("aging_xlsx"), query).content)).active
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=4)] == [
        ["411MOR", "Garage Moreau", 0, 75.5, 0, 0, 0, 75.5, 0, 75.5, "USD"],
        [None, "Total", 0, 75.5, 0, 0, 0, 75.5, 0, 75.5, "USD"],
    ]


def test_aging_offers_a_currency_held_only_in_a_credit_note(logged_client, ledger, org):
    from recouvre.ledger.models import CreditNote

    CreditNote.objects.create(
        organization=org,
        customer=ledger.moreau,
        number="AV-CHF",
        issued_on=date(2026, 3, 1),
        total=Decimal("60.00"),
        currency="CHF",
    )
    html = logged_client.get(reverse("aging")).content.decode()
    assert '<option value="CHF">CHF</option>' in html
    chf = logged_client.get(reverse("aging"), {"currency": "CHF"})
    report = chf.context["report"]
    assert report.currency == "CHF"
    assert [(ln.name, ln.total, ln.unapplied, ln.balance) for ln in report.lines] == [
        ("Garage Moreau", Decimal("0.00"), Decimal("60.00"), Decimal("-60.00"))
    ]
