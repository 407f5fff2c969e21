"""Importing invoices whose payment terms exceed the legal cap: the preview and the report name each one; the import
is never refused for it."""

from pathlib import Path

import pytest
from django.urls import reverse

from recouvre.imports.services import run_import
from recouvre.ledger.models import Invoice
from recouvre.penalties.models import PenaltySettings

from .conftest import ACTOR

pytestmark = pytest.mark.django_db

CSV = (
    "invoice_number,customer_id,issue_date,due_date,amount_incl_tax\n"
    "F-2026-001,411DUPONT,2026-01-15,2026-03-16,1200.00\n"  # 60 days: lawful
    "F-2026-002,411DUPONT,2026-01-15,2026-04-15,1200.00\n"  # 90 days
    "F-2026-003,411DUPONT,2026-01-15,2026-03-31,1200.00\n"  # 45 days end of month, method A
)


@pytest.fixture(autouse=True)
def _pages_in_english(client):  # type: ignore[no-untyped-def]
    """These stories read the pages in English (the web app's default is French)."""
    client.cookies["django_language"] = "en"


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "factures.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_the_preview_and_the_report_name_the_invoices_beyond_the_cap(org, customer, tmp_path):
    preview = run_import(org, "invoices", _file(tmp_path), actor=ACTOR, dry_run=True)
    assert [n for n in preview.notes if "legal cap" in n] == [
        "Payment terms beyond the legal cap: invoice F-2026-002 dated 2026-01-15 is due on 2026-04-15 (90 days): "
        "beyond the legal cap of 2026-03-31, 45 days end of month, date + 45 days then end of month "
        "(C. com. L441-10 I)"
    ]
    result = run_import(org, "invoices", _file(tmp_path), actor=ACTOR)
    assert result.created == 3 and Invoice.objects.count() == 3
    assert len([n for n in result.notes if "legal cap" in n]) == 1


def test_with_60_days_net_contracts_the_end_of_month_term_is_flagged_too(org, customer, tmp_path):
    PenaltySettings.objects.create(organization=org, cap_basis="net60")
    preview = run_import(org, "invoices", _file(tmp_path), actor=ACTOR, dry_run=True)
    flagged = [n.split(" dated")[0] for n in preview.notes if "legal cap" in n]
    assert flagged == [
        "Payment terms beyond the legal cap: invoice F-2026-002",
        "Payment terms beyond the legal cap: invoice F-2026-003",
    ]


def test_the_web_preview_shows_the_warning(logged_client, org, customer, tmp_path):
    with _file(tmp_path).open("rb") as upload:
        response = logged_client.post(reverse("import"), {"kind": "invoices", "file": upload})
    assert response.status_code == 200
    assert "invoice F-2026-002 dated 2026-01-15 is due on 2026-04-15 (90 days)" in response.content.decode()
    assert not Invoice.objects.exists()


def test_creating_an_invoice_beyond_the_cap_says_so_on_the_timeline(org, customer):
    from datetime import date
    from decimal import Decimal

    from recouvre.ledger.models import Event
    from recouvre.ledger.services import create_invoice
    from recouvre.ledger.timeline import describe

    create_invoice(
        org,
        ACTOR,
        customer=customer,
        number="F-2026-010",
        issued_on=date(2026, 1, 15),
        due_on=date(2026, 3, 31),
        total=Decimal("100.00"),
    )
    assert not Event.objects.filter(kind="invoice.terms_beyond_cap").exists()
    create_invoice(
        org,
        ACTOR,
        customer=customer,
        number="F-2026-011",
        issued_on=date(2026, 1, 15),
        due_on=date(2026, 4, 15),
        total=Decimal("100.00"),
    )
    [event] = Event.objects.filter(kind="invoice.terms_beyond_cap")
    assert describe(event) == (
        "Invoice F-2026-011 dated 2026-01-15 is due on 2026-04-15 (90 days): beyond the legal cap of 2026-03-31 for "
        "payment terms (C. com. L441-10)."
    )
