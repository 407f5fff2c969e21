"""The customer page: the header says where the customer stands, the action bar puts the recommended step first,
and the timeline is ordered by the date things happened, filterable by kind and paginated."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from recouvre.collections.models import Action
from recouvre.ledger import services as L
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Invoice

from .helpers import text

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def english(client):  # type: ignore[no-untyped-def]
    client.cookies["django_language"] = "en"
    return client


def page_of(client, customer, **params):  # type: ignore[no-untyped-def]
    response = client.get(reverse("customer_detail", args=[customer.pk]), params)
    assert response.status_code == 200
    return response


def test_the_header_says_where_the_customer_stands(logged_client, ledger, org):  # type: ignore[no-untyped-def]
    Action.objects.create(
        organization=org,
        customer=ledger.dupont,
        channel="email",
        send_on=date(2026, 4, 3),
        template="reminder",
        step_key="reminder",
    )
    response = page_of(english(logged_client), ledger.dupont)
    html = response.content.decode()
    page = text(response)
    # 2 000.00 open, F-003 (300.00, due 15 Jan) and F-002 (500.00, due 15 Mar) overdue, 100.00 paid and not applied
    assert "Balance €1,900.00 Overdue €800.00 Outstanding €2,000.00 Unapplied payments and credits €100.00" in page
    # the oldest overdue invoice, F-003, was due on 15 January: 75 days on 31 March
    assert 'id="standing-oldest" data-days="75"' in html
    assert "Oldest delay 75 days due 15 Jan 2026" in page
    assert "Next planned action 3 Apr 2026 · reminder (E-mail)" in page
    assert "Collector Nobody" in page
    assert "Promises and holds none" in page
    # the credit limit of 5 000.00 against what is owed
    assert "Credit limit €1,900.00 / €5,000.00 (38 %)" in page


def test_the_recommended_step_comes_first_in_the_action_bar(logged_client, ledger):  # type: ignore[no-untyped-def]
    # Lefèvre owes 1 200.00 overdue by 120 days and was never sent a formal notice
    response = page_of(english(logged_client), ledger.lefevre)
    bar = response.content.decode().split('id="action-bar"', 1)[1].split("</nav>", 1)[0]
    assert 'data-action="formal_notice"' in bar
    first = bar.split('<a class="button', 2)[1]
    assert first.startswith(' primary" data-action="formal_notice"')
    assert "Recommended: Long overdue and no formal notice sent yet: send one." in text(response)
    # Dupont has a payment left unapplied: applying it comes first
    dupont = page_of(logged_client, ledger.dupont).content.decode()
    assert 'id="next-step" data-action="apply"' in dupont


def test_the_action_bar_respects_roles(ledger, member_of):  # type: ignore[no-untyped-def]
    client = member_of("viewer")
    bar = page_of(english(client), ledger.lefevre).content.decode().split('id="action-bar"', 1)[1].split("</nav>")[0]
    assert 'data-action="promise"' not in bar and 'data-action="payment"' not in bar
    assert 'data-action="statement"' in bar


def _reminders_then_an_import(org, user):  # type: ignore[no-untyped-def]
    """A customer reminded through March, whose two old invoices of October are imported on 31 March."""
    actor = Actor.of(user)
    with time_machine.travel(datetime(2026, 2, 27, 9, 0, tzinfo=PARIS), tick=False):
        customer = L.create_customer(org, actor, ref="411ROU", name="Roux SARL")
    for day in (2, 9, 16, 23, 30):
        with time_machine.travel(datetime(2026, 3, day, 9, 0, tzinfo=PARIS), tick=False):
            L.record_event(
                org, customer, "collections.email_sent", actor, to="compta@roux.example", subject=f"Relance n°{day:02d}"
            )
    with time_machine.travel(datetime(2026, 3, 31, 11, 0, tzinfo=PARIS), tick=False):
        for number, issued in (("IMP-1", date(2025, 10, 1)), ("IMP-2", date(2025, 10, 15))):
            Invoice.objects.create(
                organization=org,
                customer=customer,
                number=number,
                issued_on=issued,
                due_on=date(2025, 11, 30),
                total=Decimal("1234.56"),
                currency="EUR",
                source="csv",
            )
        L.record_event(
            org, customer, "import.summary", actor, file="old.csv", import_kind="invoices", created=2, updated=0
        )
    return customer


def test_the_timeline_is_ordered_by_the_date_things_happened(logged_client, org, user, frozen_today):  # type: ignore[no-untyped-def]
    customer = _reminders_then_an_import(org, user)
    response = page_of(english(logged_client), customer)
    page = text(response)
    # newest first: the import itself (31 March), then the reminders of March, and the invoices at their own dates
    # (October 2025) at the bottom, not above a month of reminders
    order = [
        page.index("Import of old.csv"),
        page.index("Relance n°30"),
        page.index("Relance n°02"),
        page.index("Customer Roux SARL created"),
        page.index("Invoice IMP-2 issued for €1,234.56, due 30 Nov 2025 (CSV import)."),
        page.index("Invoice IMP-1 issued for €1,234.56, due 30 Nov 2025 (CSV import)."),
    ]
    assert order == sorted(order)
    assert "15 Oct 2025" in page and "1 Oct 2025" in page


def test_the_timeline_filtered_by_kind(logged_client, org, user, frozen_today):  # type: ignore[no-untyped-def]
    customer = _reminders_then_an_import(org, user)
    response = page_of(english(logged_client), customer, kind="invoices")
    page = text(response)
    timeline = page.split("Timeline", 1)[1]
    assert "Invoice IMP-1 issued" in timeline and "Invoice IMP-2 issued" in timeline
    assert "Relance" not in timeline and "Import of old.csv" not in timeline
    # the filters are in words, with their counts
    assert "Everything (9)" in page
    assert "Invoices and credit notes (2)" in page and "Reminders and letters (5)" in page
    assert "Customer record and other (2)" in page
    assert response.context["timeline"]["kind"] == "invoices"
    # an unknown kind shows everything
    assert len(page_of(logged_client, customer, kind="nope").context["timeline"]["entries"]) == 9


def test_show_more_gives_the_next_entries(logged_client, ledger, org, user):  # type: ignore[no-untyped-def]
    actor = Actor.of(user)
    before = page_of(logged_client, ledger.moreau).context["timeline"]["total"]
    for i in range(60):
        L.record_event(org, ledger.moreau, "collections.email_sent", actor, to="x@moreau.example", subject=f"M{i}")
    first = page_of(english(logged_client), ledger.moreau)
    timeline = first.context["timeline"]
    total = timeline["total"]
    assert total == 60 + before
    assert len(timeline["entries"]) == 50
    more = f"{reverse('customer_detail', args=[ledger.moreau.pk])}?shown=2#timeline"
    assert timeline["more"] == more
    assert 'id="timeline-more"' in first.content.decode()
    assert f"50 of {total} shown" in text(first)
    second = logged_client.get(more.split("#")[0])
    assert len(second.context["timeline"]["entries"]) == total
    assert second.context["timeline"]["more"] is None
    assert 'id="timeline-more"' not in second.content.decode()
    # the oldest entry closes the list: invoice F-006, issued on 1 November 2025 (before the customer was entered)
    assert second.context["timeline"]["entries"][-1]["text"] == "Invoice F-006 for €99.99, due 1 Feb 2026."


def test_the_timeline_in_french_writes_amounts_and_dates_the_french_way(logged_client, ledger, org, user):  # type: ignore[no-untyped-def]
    actor = Actor.of(user)
    L.record_payment(
        org,
        actor,
        customer=ledger.moreau,
        received_on=date(2026, 3, 20),
        amount=Decimal("1234.56"),
        source_key="pf",
    )
    page = text(page_of(logged_client, ledger.moreau))
    timeline = page.split("Timeline" if "Timeline" in page else "Historique", 1)[1]
    assert "20/03/2026" in timeline
    assert "1 234,56 €" in timeline
    assert "1234.56" not in timeline and "2026-03-20" not in timeline
