"""Claimed penalties in the web app, as a credit manager uses them: claim, waive, invoice, apply a payment, and the
payment-terms and mandatory-mention warnings. Another organization's objects are 404; a viewer cannot act."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from recouvre.ledger.models import Invoice
from recouvre.penalties.models import AllocationOrder, PenaltyClaim, PenaltyInvoice, PenaltySettings
from recouvre.penalties.services import claim_penalties
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

from .conftest import ACTOR, payment, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages_in_english(client):  # type: ignore[no-untyped-def]
    """These stories read the pages in English (the web app's default is French)."""
    client.cookies["django_language"] = "en"


def page(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode().replace("\u202f", " ").replace("\u00a0", " ")


@pytest.fixture(autouse=True)
def on_30_june_2025():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2025, 6, 30, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        yield


def test_claim_from_the_customer_page_then_see_the_figures(logged_client, org, customer, invoice):
    response = logged_client.post(reverse("penalty_claim", args=[customer.pk]), follow=True)
    assert response.status_code == 200
    claim = PenaltyClaim.objects.get()
    assert (claim.amount, claim.source) == (Decimal("502.59"), "web")
    html = page(response)
    assert "Penalties claimed on 1 invoice(s): 502.59, kept apart from the principal." in html
    assert 'data-penalties="claimed">€502.59<' in html
    assert 'data-penalties="open">€502.59<' in html
    assert "2025-03-16 to 2025-06-30: 107 days × 12000.00 × 13.15 % = 462.59" in html
    # the balance stays principal only
    assert 'data-figure="open">€12,000.00<' in html


def test_waive_part_with_a_reason_then_see_it(logged_client, org, customer, invoice):
    [claim] = claim_penalties(org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR)
    response = logged_client.post(
        reverse("penalty_waive", args=[claim.pk]), {"amount": "40.00", "reason": "Gesture"}, follow=True
    )
    html = page(response)
    assert 'data-penalties="waived">€40.00<' in html
    assert 'data-penalties="open">€462.59<' in html
    assert "Gesture (claire)" in html
    # without a reason nothing is waived
    logged_client.post(reverse("penalty_waive", args=[claim.pk]), {"reason": ""})
    claim.refresh_from_db()
    assert claim.waived_amount == Decimal("40.00")


def test_issue_and_download_the_penalty_invoice(logged_client, org, customer, invoice):
    claim_penalties(org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR)
    logged_client.post(reverse("penalty_invoice_issue", args=[customer.pk]))
    pen = PenaltyInvoice.objects.get()
    response = logged_client.get(reverse("penalty_invoice_pdf", args=[pen.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="PEN-2025-00001.pdf"'
    text = pdf_text(response.content)
    assert "Facture de pénalités n° PEN-2025-00001" in text and "Non soumis à la TVA" in text


def test_apply_a_payment_in_the_organizations_order(logged_client, org, customer, invoice):
    claim_penalties(org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR)
    PenaltySettings.objects.create(organization=org, allocation_order=AllocationOrder.PENALTIES_FIRST)
    pay = payment(customer, "1000.00", date(2025, 6, 30))
    response = logged_client.post(reverse("penalty_apply_payment", args=[pay.pk]), follow=True)
    html = page(response)
    assert "Payment applied: penalties of F-2025-031 502.59, F-2025-031 497.41." in html, html[
        html.find('class="messages') :
    ][:300]
    assert Invoice.objects.get(pk=invoice.pk).open_amount == Decimal("11502.59")


def test_a_viewer_cannot_act(client, org, customer, invoice):
    viewer = MembershipFactory(organization=org, role="viewer", user__username="victor").user
    client.force_login(viewer)
    [claim] = claim_penalties(org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR)
    assert client.post(reverse("penalty_claim", args=[customer.pk])).status_code == 403
    assert client.post(reverse("penalty_waive", args=[claim.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("penalty_settings"), {"allocation_order": "oldest_first"}).status_code == 403
    assert PenaltyClaim.objects.count() == 1 and claim.waivers.count() == 0


def test_another_organizations_objects_are_404(logged_client, org, other_org):
    theirs = CustomerFactory(organization=other_org)
    their_invoice = InvoiceFactory(customer=theirs, issued_on=date(2025, 2, 13), due_on=date(2025, 3, 15))
    [claim] = claim_penalties(other_org, [their_invoice], as_of=date(2025, 6, 30), actor=ACTOR)
    from recouvre.penalties.services import issue_penalty_invoice

    pen = issue_penalty_invoice(other_org, theirs, actor=ACTOR, issued_on=date(2025, 6, 30))
    their_payment = payment(theirs, "10.00", date(2025, 6, 30))
    assert logged_client.post(reverse("penalty_claim", args=[theirs.pk])).status_code == 404
    assert logged_client.post(reverse("penalty_invoice_issue", args=[theirs.pk])).status_code == 404
    assert logged_client.post(reverse("penalty_customer_sector", args=[theirs.pk]), {"sector": ""}).status_code == 404
    assert logged_client.post(reverse("penalty_waive", args=[claim.pk]), {"reason": "x"}).status_code == 404
    assert logged_client.get(reverse("penalty_invoice_pdf", args=[pen.pk])).status_code == 404
    assert logged_client.post(reverse("penalty_apply_payment", args=[their_payment.pk])).status_code == 404
    assert PenaltyClaim.objects.count() == 1


def test_the_invoice_page_warns_of_terms_beyond_the_cap(logged_client, org, customer):
    late = InvoiceFactory(customer=customer, number="F-2025-100", issued_on=date(2025, 5, 2), due_on=date(2025, 8, 30))
    html = page(logged_client.get(reverse("invoice_detail", args=[late.pk])))
    assert (
        "invoice F-2025-100 dated 2025-05-02 is due on 2025-08-30 (120 days): beyond the legal cap of 2025-07-15, "
        "45 days end of month, end of month then + 45 days (C. com. L441-10 I)"
    ) in html
    fine = InvoiceFactory(customer=customer, number="F-2025-101", issued_on=date(2025, 5, 2), due_on=date(2025, 7, 1))
    assert 'id="terms-warning"' not in logged_client.get(reverse("invoice_detail", args=[fine.pk])).content.decode()
    # a haulier: 30 days from the invoice date
    logged_client.post(reverse("penalty_customer_sector", args=[customer.pk]), {"sector": "transport"})
    html = logged_client.get(reverse("invoice_detail", args=[fine.pk])).content.decode()
    assert "beyond the legal cap of 2025-06-01, 30 days from the invoice date, transport" in html


def test_settings_page_and_dashboard_banner_name_the_missing_mentions(logged_client, org):
    org.legal_mentions = "SAS au capital de 10 000 €. Escompte : néant."
    org.save()
    html = logged_client.get(reverse("home")).content.decode()
    assert "Your letters lack mandatory payment mentions" in html
    assert "the late-payment penalty rate, the 40 EUR fixed recovery indemnity." in html
    response = logged_client.post(
        reverse("penalty_settings"), {"allocation_order": "oldest_first", "cap_basis": "net60", "sector": "general"}
    )
    assert response.status_code == 302
    settings = PenaltySettings.objects.get(organization=org)
    assert (settings.allocation_order, settings.cap_basis) == ("oldest_first", "net60")
    org.legal_mentions += (
        " Pénalités de retard : taux BCE + 10 points. Indemnité forfaitaire pour frais de recouvrement : 40 €."
    )
    org.save()
    assert 'id="mentions-banner"' not in logged_client.get(reverse("home")).content.decode()
    assert 'id="mentions-ok"' in logged_client.get(reverse("penalty_settings")).content.decode()


def test_what_is_left_of_a_payment_is_offered_again(logged_client, org, customer, invoice):
    claim_penalties(org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR)
    pay = payment(customer, "12600.00", date(2025, 6, 30))
    html = page(logged_client.get(reverse("customer_detail", args=[customer.pk])))
    assert "Apply the payment of 30 Jun 2025 (€12,600.00 unapplied)" in html
    html = page(logged_client.post(reverse("penalty_apply_payment", args=[pay.pk]), follow=True))
    assert "Payment applied: F-2025-031 12000.00, penalties of F-2025-031 502.59." in html
    assert "Apply the payment of 30 Jun 2025 (€97.41 unapplied)" in html
    assert 'data-penalties="paid">€502.59<' in html
