"""``{% documents_card subject as card %}``: what the documents card of a customer or invoice page shows."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from recouvre.documents import selectors
from recouvre.documents.forms import DocumentUploadForm
from recouvre.ledger.models import Invoice

register = template.Library()

SHOWN = 200


@register.simple_tag(takes_context=True)
def documents_card(context: Any, subject: Any) -> dict[str, Any]:
    request = context["request"]
    org = request.organization
    membership = getattr(request, "membership", None)
    is_invoice = isinstance(subject, Invoice)
    if is_invoice:
        qs = selectors.invoice_documents(org, subject)
        upload_url = reverse("invoice_document_upload", args=[subject.pk])
        here = reverse("invoice_detail", args=[subject.pk])
    else:
        qs = selectors.customer_documents(org, subject)
        upload_url = reverse("customer_document_upload", args=[subject.pk])
        here = reverse("customer_detail", args=[subject.pk])
    docs = list(qs[: SHOWN + 1])
    return {
        "documents": docs[:SHOWN],
        "truncated": len(docs) > SHOWN,
        "is_invoice": is_invoice,
        "can_edit": membership is not None and membership.can("edit"),
        "upload_url": upload_url,
        "here": here,
        "form": DocumentUploadForm(for_invoice=is_invoice, auto_id="id_doc_%s"),
    }
