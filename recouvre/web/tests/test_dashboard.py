"""The dashboard on a ledger built for it, as of 31 March 2026 (month period: 1–31 March): the KPI values and their
change against the end of February, the cash collected per week, the aged balance by segment, the collectors'
results, the links to the invoices and customers behind each figure, and the CSV export of the KPI series.

The ledger: Arnaud (strategic, collector Léa) owes 62 000 invoiced 5 March, due 4 April; Bernard (small, no
collector) owes 10 000 due 15 December 2025 (106 days late) and 20 000 of 31 000 invoiced 10 February, due 12
March, 11 000 paid on Friday 20 March, under dispute since 15 March.

On 31 March: receivables 92 000, not due 62 000, overdue 30 000, over 90 days 10 000, disputed 20 000, March sales
62 000 (31 days): simple DSO 92/62 × 31 = 46.0; best possible 31.0; ADD 15.0; count-back 31 + 30 000 / 31 000 ×
28 = 58.1; CEI (41 000 + 62 000 − 92 000) / (41 000 + 62 000 − 62 000) = 26.8 %; overdue 32.6 %, over 90 days
10.9 %, disputed 21.7 %. On 28 February: receivables 41 000, February sales 31 000: simple DSO 37.0, overdue 24.4 %.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from recouvre.collections.models import CustomerCollection, Hold, HoldKind
from recouvre.ledger.actors import CLI
from recouvre.ledger.services import allocate
from recouvre.tasks.models import Task, TaskState
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, PaymentFactory, UserFactory

from .helpers import text

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def books(org, frozen_today):  # type: ignore[no-untyped-def]
    lea = UserFactory(username="lea", first_name="Léa", last_name="Martin")
    arnaud = CustomerFactory(organization=org, ref="411ARN", name="Arnaud SARL", segment="strategic")
    bernard = CustomerFactory(organization=org, ref="411BER", name="Bernard SA", segment="small")
    CustomerCollection.objects.create(organization=org, customer=arnaud, collector=lea)
    a1 = InvoiceFactory(
        customer=arnaud, number="F-A1", issued_on=date(2026, 3, 5), due_on=date(2026, 4, 4), total=D(62000)
    )
    b1 = InvoiceFactory(
        customer=bernard, number="F-B1", issued_on=date(2025, 11, 15), due_on=date(2025, 12, 15), total=D(10000)
    )
    b2 = InvoiceFactory(
        customer=bernard, number="F-B2", issued_on=date(2026, 2, 10), due_on=date(2026, 3, 12), total=D(31000)
    )
    payment = PaymentFactory(customer=bernard, amount=D(11000), received_on=date(2026, 3, 20))
    allocate(CLI, invoice=b2, payment=payment, amount=D(11000), allocated_on=date(2026, 3, 20))
    Hold.objects.create(
        organization=org,
        customer=bernard,
        invoice=b2,
        kind=HoldKind.DISPUTE,
        reason_code="price",
        starts_on=date(2026, 3, 15),
    )
    Hold.objects.create(
        organization=org,
        customer=arnaud,
        kind=HoldKind.PROMISE,
        starts_on=date(2026, 3, 2),
        ends_on=date(2026, 3, 20),
        amount=D(1000),
        currency="EUR",
        promised_on=date(2026, 3, 20),
        outcome="kept",
        outcome_on=date(2026, 3, 20),
        released_at=datetime(2026, 3, 20, 12, tzinfo=UTC),
    )
    Hold.objects.create(
        organization=org,
        customer=arnaud,
        kind=HoldKind.PROMISE,
        starts_on=date(2026, 1, 2),
        ends_on=date(2026, 1, 20),
        amount=D(1000),
        currency="EUR",
        promised_on=date(2026, 1, 20),
        outcome="broken",
        outcome_on=date(2026, 1, 21),
        released_at=datetime(2026, 1, 21, 12, tzinfo=UTC),  # before the period
    )
    Task.objects.create(
        organization=org,
        customer=arnaud,
        kind="call",
        title="Appeler",
        state=TaskState.DONE,
        done_by=lea,
        done_at=datetime(2026, 3, 30, 9, tzinfo=UTC),
    )
    return {"lea": lea, "arnaud": arnaud, "bernard": bernard, "a1": a1, "b1": b1, "b2": b2}


def kpi(html: str, key: str) -> str:
    found = re.search(rf'data-kpi-value="{key}">([^<]*)<', html)
    assert found, key
    return found.group(1).replace("\xa0", " ").replace("\u202f", " ")


def change(html: str, key: str) -> str:
    found = re.search(rf'data-kpi-change="{key}">([^<]*)<', html)
    assert found, key
    return found.group(1).replace("\xa0", " ").replace("\u202f", " ")


def href(html: str, pattern: str) -> str:
    found = re.search(pattern, html)
    assert found, pattern
    return found.group(1).replace("&amp;", "&")


def numbers(client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    html = client.get(url).content.decode()
    return sorted(set(re.findall(r"F-[AB]\d", html)))


@pytest.fixture(autouse=True)
def no_forecast(org):  # type: ignore[no-untyped-def]
    """No forecast kept from another test of the same organization and day (the cache is in the data folder)."""
    from recouvre.reports.dashboard import forget_forecast

    forget_forecast(org, date(2026, 3, 31), "EUR")


def test_the_kpis_of_the_month_with_their_change(logged_client, books):
    html = logged_client.get(reverse("home")).content.decode()
    assert kpi(html, "dso_countback") == "58,1 jours"
    assert kpi(html, "dso_simple") == "46,0 jours"
    assert kpi(html, "bpdso") == "31,0 jours"
    assert kpi(html, "add") == "15,0 jours"
    assert kpi(html, "cei") == "26,8 %"
    assert kpi(html, "overdue_pct") == "32,6 %"
    assert kpi(html, "overdue_90_pct") == "10,9 %"
    assert kpi(html, "dispute_rate") == "21,7 %"
    # against 28 February: simple DSO 41 000 / 31 000 × 28 = 37.03 days, overdue 10 000 / 41 000 = 24.39 %
    assert change(html, "dso_simple").startswith("+9,0 jours")
    assert change(html, "overdue_pct").startswith("+8,2 pts")  # percentage points
    assert 'class="kpi-change worse" data-kpi-change="dso_simple"' in html
    # each with its 12-month line, its points titled in French, and the table of the series
    assert html.count('class="chart chart-line"') == 8
    assert "<title>mars 2026: 46,0 jours</title>" in html
    page = text(logged_client.get(reverse("home")))
    assert "Situation au 31/03/2026, en EUR." in page
    assert "Encours total 92 000,00 €" in page


def test_cash_per_week_segments_top_overdue_and_collectors(logged_client, books):
    html = logged_client.get(reverse("home")).content.decode()
    page = text(logged_client.get(reverse("home")))
    # 13 weeks from Monday 5 January to the week of 30 March; 11 000 in the week of 16 March
    assert html.count('class="chart-bar"') == 13
    assert "16/03/2026 11 000,00 €" in page
    assert "05/01/2026 0,00 €" in page
    # the aged balance by segment: strategic 62 000 not due; small 20 000 at 1-30 days and 10 000 over 90 days
    table = page[page.index("Segment Non échu") :]
    assert table.startswith(
        "Segment Non échu 1 à 30 jours 31 à 60 jours 61 à 90 jours Plus de 90 jours Total "
        "Stratégique 62 000,00 € 0,00 € 0,00 € 0,00 € 0,00 € 62 000,00 € "
        "Petit compte 0,00 € 20 000,00 € 0,00 € 0,00 € 10 000,00 € 30 000,00 €"
    )
    # the most overdue customer
    assert re.search(r"Bernard SA 411BER 30 000,00 €", page)
    # collectors: Léa collected nothing, one promise kept in March (the broken one was in January), one task done;
    # the customers without a collector brought the 11 000
    assert "Léa Martin 0,00 € 1 0 1" in page
    assert "Sans chargé de recouvrement 11 000,00 € 0 0 0" in page


def test_every_figure_opens_the_invoices_behind_it(logged_client, books):
    html = logged_client.get(reverse("home")).content.decode()
    c = logged_client
    over_90 = href(html, r'<a href="([^"]*)" data-kpi-value="overdue_90_pct"')
    assert over_90 == "/invoices/?status=overdue&due_to=2025-12-30"
    assert numbers(c, over_90) == ["F-B1"]
    disputed = href(html, r'<a href="([^"]*)" data-kpi-value="dispute_rate"')
    assert numbers(c, disputed) == ["F-B2"]
    assert numbers(c, href(html, r'<a href="([^"]*)" data-kpi-value="overdue_pct"')) == ["F-B1", "F-B2"]
    assert numbers(c, href(html, r'<a href="([^"]*)" data-kpi-value="bpdso"')) == ["F-A1"]
    # the week of 16 March: the invoice paid that week
    week = href(html, r'<a href="(/invoices/\?status=all&amp;paid_from=2026-03-16[^"]*)"')
    assert week == "/invoices/?status=all&paid_from=2026-03-16&paid_to=2026-03-22"
    assert numbers(c, week) == ["F-B2"]
    assert numbers(c, "/invoices/?status=all&paid_from=2026-03-23&paid_to=2026-03-29") == []
    # a segment's bucket
    assert numbers(c, "/invoices/?status=open&segment=small&due_to=2025-12-30") == ["F-B1"]
    assert numbers(c, href(html, r'<a href="(/invoices/\?status=open&amp;segment=strategic)"')) == ["F-A1"]
    # a collector's customers and what was collected on them
    lea = books["lea"].pk
    assert f'href="/customers/?collector={lea}"' in html
    listed = text(c.get(f"/customers/?collector={lea}"))
    assert "Arnaud SARL" in listed and "Bernard SA" not in listed
    listed = text(c.get("/customers/?collector=0"))
    assert "Bernard SA" in listed and "Arnaud SARL" not in listed
    collected = href(html, r'<a href="(/invoices/\?status=all&amp;collector=0[^"]*)"')
    assert collected == "/invoices/?status=all&collector=0&paid_from=2026-03-01&paid_to=2026-03-31"
    assert numbers(c, collected) == ["F-B2"]
    assert numbers(c, f"/invoices/?status=all&collector={lea}&paid_from=2026-03-01") == []


def test_the_forecast_shows_only_once_computed_today(logged_client, org, books):
    from recouvre.reports.dashboard import forget_forecast, remember_forecast

    forget_forecast(org, date(2026, 3, 31), "EUR")
    html = logged_client.get(reverse("home")).content.decode()
    assert "chart-forecast" not in html
    remember_forecast(org, date(2026, 3, 31), "EUR", [(date(2026, 4, 1), date(2026, 4, 7), D("5000.00"))])
    html = logged_client.get(reverse("home")).content.decode()
    assert html.count('class="chart-bar chart-forecast"') == 1
    assert "5 000,00" in text(logged_client.get(reverse("home")))


def test_the_kpi_series_export(logged_client, books):
    response = logged_client.get(reverse("kpis_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="kpis-acme-2026-03-31.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 12
    header, *months = rows
    assert [r[1] for r in months][0] == "2025-04" and months[-1][1] == "2026-03"
    last = dict(zip(header, months[-1], strict=True))
    assert last["DSO (méthode comptable, jours)"] == "46,0" and last["Encours clients"] == "92000,00"
    assert last["Début de période"] == "2026-03-01"
    values = list(last.values())
    assert "58,1" in values


def test_the_dashboard_needs_a_member(client, books):
    assert client.get(reverse("kpis_csv")).status_code == 302


def test_the_forecast_page_leaves_its_forecast_to_the_dashboard(logged_client, books):
    assert logged_client.get(reverse("forecast")).status_code == 200
    html = logged_client.get(reverse("home")).content.decode()
    assert html.count('class="chart-bar chart-forecast"') == 13  # the next 13 weeks, after the 13 past ones


def test_in_english_the_figures_are_written_the_english_way(logged_client, books):
    logged_client.cookies["django_language"] = "en"
    html = logged_client.get(reverse("home")).content.decode()
    assert kpi(html, "dso_simple") == "46.0 days"
    assert kpi(html, "cei") == "26.8%"
    assert change(html, "dso_simple") == "+9.0 days vs last month"
    assert "<title>Mar 2026: 46.0 days</title>" in html
    assert "<title>Week of 16 Mar 2026: €11,000.00 collected</title>" in html


def test_an_organization_with_nothing_yet(logged_client, org, frozen_today):
    html = logged_client.get(reverse("home")).content.decode()
    assert kpi(html, "dso_simple") == "-" and kpi(html, "dispute_rate") == "-"
    assert html.count('class="chart chart-line"') == 8 and "<polyline" not in html
    assert html.count('class="chart-bar"') == 13  # 13 weeks of nothing: bars of no height
    assert 'id="aging-by-segment"' not in html and 'id="collectors"' not in html


def test_another_organizations_books_stay_out(logged_client, org, other_org, books):
    rival = CustomerFactory(organization=other_org, ref="411ARN", name="Rival Secret SA", segment="strategic")
    r1 = InvoiceFactory(
        customer=rival, number="R-1", issued_on=date(2025, 11, 15), due_on=date(2025, 12, 15), total=D(500000)
    )
    payment = PaymentFactory(customer=rival, amount=D(7000), received_on=date(2026, 3, 18))
    allocate(CLI, invoice=r1, payment=payment, amount=D(7000), allocated_on=date(2026, 3, 18))
    html = logged_client.get(reverse("home")).content.decode()
    page = text(logged_client.get(reverse("home")))
    # the figures of the organization's own books, as without the rival
    assert kpi(html, "dso_simple") == "46,0 jours" and kpi(html, "overdue_90_pct") == "10,9 %"
    assert "Encours total 92 000,00 €" in page
    assert "16/03/2026 11 000,00 €" in page
    assert "Rival Secret SA" not in page and "R-1" not in html
    rows = list(
        csv.reader(io.StringIO(logged_client.get(reverse("kpis_csv")).content.decode("utf-8-sig")), delimiter=";")
    )
    assert "500000,00" not in rows[-1] and "92000,00" in rows[-1]
    assert "R-1" not in logged_client.get("/invoices/?status=overdue&due_to=2025-12-30").content.decode()
