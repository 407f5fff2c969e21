"""The demo organization's invoice PDFs: drawn for the overdue invoices of the customers owing the most."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from recouvre.cli import main
from recouvre.demo.services import create_demo
from recouvre.documents import selectors
from recouvre.documents.demo import attach_demo_invoice_pdfs
from recouvre.documents.models import Document
from recouvre.ledger.models import Invoice
from recouvre.organizations.models import Organization

from .conftest import pdf_text

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 16)


def test_the_customers_owing_the_most_get_their_overdue_invoices_as_pdfs():  # type: ignore[no-untyped-def]
    create_demo(slug="demo", customers=30, invoices=300, seed=7, as_of=AS_OF, reset=False)
    org = Organization.objects.get(slug="demo")

    assert attach_demo_invoice_pdfs(org, as_of=AS_OF, count=3) == 3

    docs = list(Document.objects.filter(organization=org).select_related("invoice", "customer"))
    assert len(docs) == 3
    owed: dict[int, Decimal] = {}
    for inv in Invoice.objects.filter(organization=org, open_amount__gt=0, due_on__lt=AS_OF):
        owed[inv.customer_id] = owed.get(inv.customer_id, Decimal(0)) + inv.open_amount
    first, second = sorted(owed, key=lambda c: (-owed[c], c))[:2]
    per_customer = Counter(doc.customer_id for doc in docs)
    assert per_customer == {first: 2, second: 1}
    for doc in docs:
        assert doc.invoice.open_amount > 0 and doc.invoice.due_on < AS_OF
        assert doc.file_name == f"{doc.invoice.number}.pdf"
        text = pdf_text(selectors.read_content(doc))
        assert f"Facture {doc.invoice.number}" in text
        assert doc.customer.name in text
        assert f"{doc.invoice.total} EUR" in text
        assert "indemnité forfaitaire pour frais de recouvrement de 40 euros" in text.replace("\n", " ")


def test_recouvre_demo_draws_the_pdfs_it_is_asked_for(capsys):  # type: ignore[no-untyped-def]
    code = main(["demo", "--customers", "30", "--invoices", "300", "--invoice-pdfs", "2", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["invoice_pdfs"] == 2
    assert Document.objects.filter(kind="invoice_pdf").count() == 2


def test_each_kind_of_debtor_reads_its_own_payment_terms_on_the_demo_invoices():  # type: ignore[no-untyped-def]
    from recouvre.documents.demo import invoice_pdf

    create_demo(slug="demo", customers=30, invoices=300, seed=7, as_of=AS_OF, reset=False)
    org = Organization.objects.get(slug="demo")

    def text_of(**where: object) -> str:
        invoice = Invoice.objects.filter(organization=org, **where).select_related("customer").first()
        assert invoice is not None
        return " ".join(pdf_text(invoice_pdf(invoice)).split())

    business = text_of(customer__kind="business")
    assert "L. 441-10" in business and "40 euros" in business and "BCE majoré de 10 points" in business
    public = text_of(customer__kind="public", customer__legal_form="Établissement public de santé")
    assert "intérêts moratoires" in public and "L. 2192-13" in public and "majoré de 8 points" in public
    assert "441-10" not in public and "10 points" not in public
    consumer = text_of(customer__kind="consumer")
    for forbidden in ("441-10", "40 euros", "40 €", "indemnité", "pénalités", "frais de recouvrement"):
        assert forbidden not in consumer, forbidden
    assert org.name in consumer
