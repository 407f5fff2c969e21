"""Reading documents on file, always within one organization."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from recouvre.ledger.models import Customer, Invoice
from recouvre.organizations.models import Organization

from . import storage
from .models import Document, DocumentKind


def documents(organization: Organization | int) -> QuerySet[Document]:
    org_id = organization if isinstance(organization, int) else organization.pk
    return Document.objects.filter(organization_id=org_id).select_related(
        "invoice", "uploaded_by", "withdrawn_by", "customer"
    )


def document(organization: Organization, pk: int) -> Document:
    """The document ``pk`` of ``organization``; ``Document.DoesNotExist`` for another organization's."""
    return documents(organization).get(pk=pk)


def customer_documents(organization: Organization, customer: Customer) -> QuerySet[Document]:
    """Every document of the customer, those of its invoices included, withdrawn ones included (newest first)."""
    return documents(organization).filter(customer=customer)


def invoice_documents(organization: Organization, invoice: Invoice) -> QuerySet[Document]:
    return documents(organization).filter(invoice=invoice)


def current_documents(organization: Organization, customer: Customer) -> QuerySet[Document]:
    """The documents of the customer and its invoices that are not withdrawn: what an evidence file holds."""
    return customer_documents(organization, customer).filter(withdrawn_at__isnull=True)


def invoice_pdfs(organization: Organization | int, invoice_numbers: Iterable[str]) -> dict[str, Document]:
    """For each invoice number of ``organization`` that has one, the invoice PDF on file: the latest not
    withdrawn. One query."""
    numbers = list(dict.fromkeys(invoice_numbers))
    if not numbers:
        return {}
    found: dict[str, Document] = {}
    rows = (
        documents(organization)
        .filter(kind=DocumentKind.INVOICE_PDF, withdrawn_at__isnull=True, invoice__number__in=numbers)
        .order_by("invoice_id", "-uploaded_at", "-id")
    )
    for doc in rows:
        assert doc.invoice is not None
        found.setdefault(doc.invoice.number, doc)
    return found


def read_content(doc: Document) -> bytes:
    """The document's bytes, checked against its SHA-256 (``storage.DocumentMissing`` when they are not there)."""
    return storage.read_bytes(doc.storage_path, doc.sha256)
