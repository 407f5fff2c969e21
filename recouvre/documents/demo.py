"""Invoice PDFs for the demo organization: a few overdue invoices get a PDF drawn by WeasyPrint, so the documents
card, the folder import and the PDFs attached to reminders can be seen at work."""

from __future__ import annotations

import logging
from datetime import date

from django.db.models import Sum
from django.template.loader import render_to_string

from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Invoice
from recouvre.organizations.models import Organization

from .models import DocumentKind
from .services import attach_document

DEMO_ACTOR = Actor.system("demo")


def invoice_pdf(invoice: Invoice) -> bytes:
    """A one-page PDF of ``invoice`` on its organization's letterhead (WeasyPrint)."""
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # no "Step 1 - ..." lines on the terminal
    from weasyprint import HTML

    html = render_to_string(
        "documents/demo_invoice.html",
        {"invoice": invoice, "organization": invoice.organization, "customer": invoice.customer},
    )
    return bytes(HTML(string=html).write_pdf())


def attach_demo_invoice_pdfs(organization: Organization, *, as_of: date, count: int = 8, per_customer: int = 2) -> int:
    """Draw and attach the PDFs of up to ``count`` overdue invoices: the oldest ``per_customer`` overdue invoices of
    each customer, the customers owing the most first. Returns how many were attached."""
    if count <= 0:
        return 0
    overdue = Invoice.objects.filter(organization=organization, open_amount__gt=0, due_on__lt=as_of)
    customers = [
        row["customer_id"]
        for row in overdue.values("customer_id")
        .annotate(owed=Sum("open_amount"))
        .order_by("-owed", "customer_id")[:count]
    ]
    chosen: list[Invoice] = []
    for customer_id in customers:
        mine = overdue.filter(customer_id=customer_id).order_by("due_on", "number").select_related("customer")
        chosen += list(mine[: min(per_customer, count - len(chosen))])
        if len(chosen) >= count:
            break
    attached = 0
    for invoice in chosen:
        result = attach_document(
            organization,
            DEMO_ACTOR,
            kind=DocumentKind.INVOICE_PDF,
            file_name=f"{invoice.number}.pdf",
            content=invoice_pdf(invoice),
            invoice=invoice,
        )
        attached += result.created
    return attached
