"""The penalty invoice: numbered per organization, not subject to VAT, its PDF checked on the extracted text."""

from datetime import date
from decimal import Decimal

import pytest

from recouvre.ledger.models import Invoice
from recouvre.penalties.models import PenaltyClaim
from recouvre.penalties.services import PenaltyRefused, claim_penalties, issue_penalty_invoice
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

from .conftest import ACTOR, pdf_text

pytestmark = pytest.mark.django_db


def test_a_penalty_invoice_in_french_with_its_mentions(org, customer, invoice):
    org.siren, org.city, org.iban = "123456789", "Lyon", "FR7630001007941234567890185"
    org.legal_mentions = "SAS au capital de 10 000 €"
    org.save()
    claim_penalties(org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR)

    pen = issue_penalty_invoice(org, customer, actor=ACTOR, issued_on=date(2025, 7, 1))

    assert (pen.number, pen.total, pen.currency) == ("PEN-2025-00001", Decimal("502.59"), "EUR")
    text = pdf_text(bytes(pen.content))
    for mention in (
        "Facture de pénalités n° PEN-2025-00001",
        "ACME Distribution SAS",
        "SIREN 123456789",
        "Dupont Bâtiment SARL",
        "F-2025-031",
        "12 000,00 €",
        "462,59 €",
        "40,00 €",
        "13,15 %",
        "du 16/03/2025 au 30/06/2025",
        "Total à payer 502,59 €",
        "Non soumis à la TVA",
        "L. 441-10",
        "D. 441-5",
        "FR7630001007941234567890185",
        "SAS au capital de 10 000 €",
    ):
        assert mention in text, (mention, text)
    # the claim is now on the penalty invoice; the ledger has no new invoice and the principal is unchanged
    assert PenaltyClaim.objects.get().penalty_invoice == pen
    assert list(Invoice.objects.values_list("number", "open_amount")) == [("F-2025-031", Decimal("12000.00"))]


def test_numbers_follow_each_other_per_organization_and_nothing_is_invoiced_twice(org, other_org, customer, invoice):
    claim_penalties(org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR)
    first = issue_penalty_invoice(org, customer, actor=ACTOR, issued_on=date(2025, 7, 1))
    with pytest.raises(PenaltyRefused, match="no open claimed penalties left"):
        issue_penalty_invoice(org, customer, actor=ACTOR, issued_on=date(2025, 7, 1))
    claim_penalties(org, [invoice], as_of=date(2025, 7, 31), actor=ACTOR)
    second = issue_penalty_invoice(org, customer, actor=ACTOR, issued_on=date(2025, 8, 1))
    assert (first.number, second.number, second.total) == ("PEN-2025-00001", "PEN-2025-00002", Decimal("123.83"))

    rival = CustomerFactory(
        organization=other_org, language="en", address_line1="1 High St", city="London", country="GB"
    )
    theirs = InvoiceFactory(
        customer=rival, issued_on=date(2025, 2, 13), due_on=date(2025, 3, 15), total=Decimal("12000.00")
    )
    claim_penalties(other_org, [theirs], as_of=date(2025, 6, 30), actor=ACTOR)
    english = issue_penalty_invoice(other_org, rival, actor=ACTOR, issued_on=date(2025, 7, 1))
    assert english.number == "PEN-2025-00001"
    text = pdf_text(bytes(english.content))
    for mention in (
        "Penalty invoice No. PEN-2025-00001",
        "Not subject to VAT",
        "13.15 %",
        "€462.59",
        "€40.00",
        "Total to pay €502.59",
    ):
        assert mention in text, (mention, text)
