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
