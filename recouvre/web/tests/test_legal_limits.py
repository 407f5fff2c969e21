"""Prescription, insolvency and write-off in the web app, and the worklist's Deadlines panel.

On 31 March 2026 (``frozen_today``): Boulangerie Martin owes F-2021 (issued 3 May 2021: time-barred after 3 May 2026)
and F-2026 (issued 2 February 2026). Claire is an administrator of ACME."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from recouvre.collections.models import Hold, HoldKind
from recouvre.ledger.models import Invoice
from recouvre.legal.models import Acknowledgment, InsolvencyProcedure, LegalSettings, WriteOff
from recouvre.reports.selectors import aged_balance
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

from .helpers import text

pytestmark = pytest.mark.django_db

PROCEDURE = {
    "kind": "receivership",
    "judgment_on": "2026-03-02",
    "published_on": "2026-03-12",
    "court": "Tribunal des activités économiques de Lyon",
    "officer_role": "mandataire",
    "officer_name": "Maître Anne Durand",
    "officer_address": "12 quai Saint-Antoine\n69002 Lyon",
}


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return logged_client


@pytest.fixture
def martin(org, frozen_today):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, name="Boulangerie Martin SARL", ref="411MARTIN", siren="552100554")
    InvoiceFactory(customer=customer, number="F-2021", issued_on=date(2021, 5, 3), due_on=date(2021, 6, 2))
    InvoiceFactory(
        customer=customer,
        number="F-2026",
        issued_on=date(2026, 2, 2),
        due_on=date(2026, 3, 4),
        amount_excl_tax=Decimal("1000.00"),
        tax_amount=Decimal("200.00"),
        total=Decimal("1200.00"),
    )
    return customer


def flash(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]]


def test_insolvency_and_prescription_deadlines_on_the_worklist_with_their_dates(english, martin) -> None:  # type: ignore[no-untyped-def]
    response = english.post(reverse("insolvency_record", args=[martin.pk]), PROCEDURE, follow=True)
    assert response.redirect_chain == [(reverse("customer_detail", args=[martin.pk]) + "#legal", 302)]
    assert flash(response) == ["Insolvency proceedings recorded: collection of this customer stopped."]
    assert Hold.objects.filter(customer=martin, kind=HoldKind.INSOLVENCY, released_at__isnull=True).count() == 1

    page = text(english.get(reverse("worklist")))

    panel = page[page.index("Deadlines") :]
    assert "3 deadlines to keep, the earliest first." in panel
    prescription = panel.index("3 May 2026")
    declaration = panel.index("12 May 2026")
    assert prescription < declaration  # by date
    assert "33 Boulangerie Martin SARL 411MARTIN Invoice F-2021 becomes time-barred on May 3, 2026" in panel
    assert "42 Boulangerie Martin SARL 411MARTIN Declare the claim to Maître Anne Durand" in panel
    # Goods sold under a retention-of-title clause: 3 months from the BODACC of 12 March (L624-9).
    assert "12 Jun 2026" in panel or "June 12, 2026" in panel
    assert "73 Boulangerie Martin SARL 411MARTIN Goods sold under a retention-of-title clause" in panel


def test_the_customer_page_tracks_the_declaration_and_gives_its_pdf(english, martin) -> None:  # type: ignore[no-untyped-def]
    english.post(reverse("insolvency_record", args=[martin.pk]), PROCEDURE)
    procedure = InsolvencyProcedure.objects.get()
    page = text(english.get(reverse("customer_detail", args=[martin.pk])))
    assert "Declare the claim by 12 May 2026" in page
    assert "F-2021" in page and "Time-barred after" in page

    pdf = english.get(reverse("insolvency_declaration_pdf", args=[procedure.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    extracted = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Déclaration de créance" in extracted and "Boulangerie Martin SARL" in extracted

    english.post(reverse("insolvency_declare", args=[procedure.pk]), {"declared_on": "2026-03-31", "securities": ""})
    procedure.refresh_from_db()
    assert procedure.declared_on == date(2026, 3, 31)
    page = text(english.get(reverse("customer_detail", args=[martin.pk])))
    assert "Claim declared on 31 Mar 2026" in page
    assert "Declare the claim to" not in text(english.get(reverse("worklist")))


def test_an_acknowledgment_recorded_on_the_invoice_page_moves_the_limitation_date(english, martin) -> None:  # type: ignore[no-untyped-def]
    f2021 = Invoice.objects.get(number="F-2021")
    assert "Time-barred after 3 May 2026." in text(english.get(reverse("invoice_detail", args=[f2021.pk])))
    response = english.post(
        reverse("legal_acknowledge", args=[martin.pk]),
        {"invoice": f2021.pk, "acknowledged_on": "2026-03-20", "evidence": "signed letter"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("invoice_detail", args=[f2021.pk]) + "#legal", 302)]
    assert Acknowledgment.objects.get().invoice == f2021
    page = text(response)
    assert "Time-barred after 20 Mar 2031." in page
    assert "Last interruption: acknowledgment of debt (20 Mar 2026)." in page


def test_a_credit_manager_writes_an_invoice_off_and_sees_the_vat_note(english, member_of, org, martin) -> None:  # type: ignore[no-untyped-def]
    f2026 = Invoice.objects.get(number="F-2026")
    data = {"reason": "debtor_gone", "written_off_on": "2026-03-31", "note": "Struck off the register"}
    assert member_of("collector").post(reverse("invoice_write_off", args=[f2026.pk]), data).status_code == 403
    assert not WriteOff.objects.exists()

    response = english.post(reverse("invoice_write_off", args=[f2026.pk]), data, follow=True)

    assert flash(response) == ["Invoice written off. See below what is needed to recover its VAT."]
    page = text(response)
    assert "Written off: €1,200.00 on 31 Mar 2026 (Debtor gone or unknown)." in page
    assert "Unpaid: €1,000.00 net of tax and €200.00 of VAT." in page
    assert "Rectify the original invoice" in page
    assert [ln.total for ln in aged_balance(org, date(2026, 3, 31)).lines] == [Decimal("1200.00")]  # F-2021 only


def test_a_credit_manager_reverses_a_write_off_and_a_viewer_cannot(english, member_of, org, martin) -> None:  # type: ignore[no-untyped-def]
    from recouvre.ledger.actors import Actor
    from recouvre.legal.writeoffs import write_off

    f2026 = Invoice.objects.get(number="F-2026")
    record = write_off(f2026, actor=Actor.system("test"), reason="debtor_gone", written_off_on=date(2026, 3, 20))
    url = reverse("write_off_reverse", args=[record.pk])
    data = {"reason": "The customer paid after all"}
    manager, viewer = member_of("credit_manager"), member_of("viewer")
    manager.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    invoice_page = reverse("invoice_detail", args=[f2026.pk])
    assert "Reverse this write-off" in text(manager.get(invoice_page))
    assert "Reverse this write-off" not in text(viewer.get(invoice_page))

    assert viewer.post(url, data).status_code == 403
    assert member_of("collector").post(url, data).status_code == 403
    refused = manager.post(url, {"reason": ""}, follow=True)
    assert flash(refused) == ["Why reverse it: This field is required."]
    assert WriteOff.objects.get().reversed_at is None
    assert Invoice.objects.get(number="F-2026").open_amount == Decimal("0.00")

    response = manager.post(url, data, follow=True)

    assert response.redirect_chain == [(invoice_page + "#legal", 302)]
    assert flash(response) == ["Write-off reversed: invoice F-2026 is open again and collection resumes."]
    assert Invoice.objects.get(number="F-2026").open_amount == Decimal("1200.00")
    record.refresh_from_db()
    assert (record.reversal_reason, record.reversed_by_label) == (
        "The customer paid after all",
        record.reversed_by.username,
    )
    page = text(response)
    assert "Written off: €1,200.00 on 20 Mar 2026 (Debtor gone or unknown)." in page
    assert f"Reversed on 31 Mar 2026 by {record.reversed_by.username}: The customer paid after all" in page
    assert "Recovering the VAT" not in page and "Reverse this write-off" not in page
    # Twice: refused, said on the page.
    again = manager.post(url, data, follow=True)
    assert flash(again) == ["This write-off of invoice F-2026 was already reversed on 2026-03-31."]
    assert [ln.total for ln in aged_balance(org, date(2026, 3, 31)).lines] == [Decimal("2400.00")]


def test_prescription_settings(english, org, member_of) -> None:  # type: ignore[no-untyped-def]
    assert member_of("collector").get(reverse("legal_settings")).status_code == 403
    english.post(
        reverse("legal_settings"),
        {"prescription_start": "performance", "performance_margin_days": "15", "public_rule": "five_years"},
    )
    row = LegalSettings.objects.get(organization=org)
    assert (row.performance_margin_days, row.public_rule) == (15, "five_years")


def test_another_organizations_objects_are_404(english, other_org, frozen_today) -> None:  # type: ignore[no-untyped-def]
    from recouvre.ledger.actors import Actor
    from recouvre.legal.insolvency import record_procedure
    from recouvre.legal.writeoffs import write_off

    rival = CustomerFactory(organization=other_org)
    invoice = InvoiceFactory(customer=rival)
    paid_off = InvoiceFactory(customer=rival)
    theirs = write_off(paid_off, actor=Actor.system("test"), reason="uneconomic", written_off_on=date(2026, 3, 20))
    fields = {k: v for k, v in PROCEDURE.items() if k not in ("judgment_on", "published_on")}
    procedure = record_procedure(
        other_org,
        rival,
        actor=Actor.system("test"),
        judgment_on=date(2026, 3, 2),
        published_on=date(2026, 3, 12),
        **fields,
    )
    for name, pk, data in [
        ("insolvency_record", rival.pk, PROCEDURE),
        ("legal_acknowledge", rival.pk, {"acknowledged_on": "2026-03-20"}),
        ("insolvency_declare", procedure.pk, {"declared_on": "2026-03-31"}),
        ("insolvency_close", procedure.pk, {"closed_on": "2026-03-31"}),
        ("invoice_write_off", invoice.pk, {"reason": "uneconomic", "written_off_on": "2026-03-31"}),
        ("write_off_reverse", theirs.pk, {"reason": "Paid after all"}),
    ]:
        assert english.post(reverse(name, args=[pk]), data).status_code == 404, name
    assert english.get(reverse("insolvency_declaration_pdf", args=[procedure.pk])).status_code == 404
    procedure.refresh_from_db()
    assert procedure.declared_on is None and procedure.closed_on is None
    assert InsolvencyProcedure.objects.count() == 1 and WriteOff.objects.get() == theirs
    assert theirs.reversed_at is None and WriteOff.objects.get().reversed_at is None
    assert not Acknowledgment.objects.exists()
