"""Putting documents on file and withdrawing them. Each write is one transaction that leaves an event on the
customer's timeline: ``document.attached``, ``document.withdrawn``.

Nothing is ever lost: a document withdrawn stays in the database and on disk, marked with who withdrew it, when
and why; it is no longer attached to e-mails nor offered as the invoice's PDF.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Organization

from . import storage
from .models import ACCEPTED, Document, DocumentKind
from .storage import DocumentRefused

__all__ = ["Attached", "DocumentRefused", "attach_document", "clean_file_name", "withdraw_document"]


@dataclass(frozen=True)
class Attached:
    document: Document
    created: bool  # False: the same content was already on file for this invoice (or customer) and kind


def clean_file_name(name: str) -> str:
    """The name a user gave the file, without any folder, control characters, or more than 255 characters."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = re.sub(r"\s+", " ", unicodedata.normalize("NFC", base))
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if not base:
        return "document"
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = stem[: 254 - len(ext)] + dot + ext if dot and len(ext) <= 10 else base[:255]
    return base


def _owner(
    organization: Organization, customer: Customer | None, invoice: Invoice | None
) -> tuple[Customer, Invoice | None]:
    if invoice is not None:
        if invoice.organization_id != organization.pk:
            raise DocumentRefused(_("this invoice belongs to another organization"))
        if customer is not None and customer.pk != invoice.customer_id:
            raise DocumentRefused(
                _("invoice %(number)s is not an invoice of this customer") % {"number": invoice.number}
            )
        return invoice.customer, invoice
    if customer is None:
        raise DocumentRefused(_("a document belongs to a customer or to an invoice"))
    if customer.organization_id != organization.pk:
        raise DocumentRefused(_("this customer belongs to another organization"))
    return customer, None


def _existing(customer: Customer, invoice: Invoice | None, kind: str, sha256: str) -> Document | None:
    qs = Document.objects.filter(customer=customer, kind=kind, sha256=sha256, withdrawn_at__isnull=True)
    qs = qs.filter(invoice=invoice) if invoice is not None else qs.filter(invoice__isnull=True)
    return qs.first()


def attach_document(
    organization: Organization,
    actor: Actor,
    *,
    kind: str,
    file_name: str,
    content: bytes | BinaryIO | Any,
    customer: Customer | None = None,
    invoice: Invoice | None = None,
    note: str = "",
    now: Any = None,
) -> Attached:
    """Put a file on file for ``invoice`` (its customer is the document's customer) or for ``customer``.

    ``content`` is bytes, a binary file or an uploaded file. Refused (``DocumentRefused``, nothing written) when
    the kind is unknown, the file is empty, larger than ``DOCUMENTS_MAX_UPLOAD_BYTES``, or its first bytes are
    not of a type the kind accepts (``models.ACCEPTED``). The same content already on file (not withdrawn) for the
    same invoice (or customer) and kind is not stored again: that document is returned with ``created=False`` and
    no event.
    """
    if kind not in DocumentKind.values:
        raise DocumentRefused(_("unknown kind of document: %(kind)s") % {"kind": kind})
    customer, invoice = _owner(organization, customer, invoice)
    spooled = storage.spool(
        content,
        organization_id=organization.pk,
        accepted=ACCEPTED[kind],
        limit=settings.DOCUMENTS_MAX_UPLOAD_BYTES,
    )
    existing = _existing(customer, invoice, kind, spooled.sha256)
    if existing is not None:
        storage.discard(spooled)
        return Attached(existing, False)
    relative = storage.keep(spooled)
    try:
        with transaction.atomic():
            document = Document.objects.create(
                organization=organization,
                customer=customer,
                invoice=invoice,
                kind=kind,
                file_name=clean_file_name(file_name),
                content_type=spooled.content_type,
                size=spooled.size,
                sha256=spooled.sha256,
                storage_path=relative,
                note=note.strip(),
                uploaded_at=now or timezone.now(),
                uploaded_by=actor.user,
                uploaded_by_label=actor.label[:150],
            )
            record_event(
                organization,
                customer,
                "document.attached",
                actor,
                document=document.pk,
                file_name=document.file_name,
                document_kind=kind,
                invoice=invoice.number if invoice is not None else "",
                size=document.size,
                sha256=document.sha256,
            )
    except IntegrityError:  # the same file attached at the same moment by someone else
        existing = _existing(customer, invoice, kind, spooled.sha256)
        if existing is None:
            raise
        return Attached(existing, False)
    return Attached(document, True)


def withdraw_document(document: Document, actor: Actor, *, reason: str = "", now: Any = None) -> bool:
    """Mark ``document`` withdrawn by ``actor`` (its file stays on disk, its row in the database). Returns
    ``False``, and records nothing, when it was already withdrawn."""
    with transaction.atomic():
        when = now or timezone.now()
        changed = Document.objects.filter(pk=document.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=when,
            withdrawn_by=actor.user,
            withdrawn_by_label=actor.label[:150],
            withdrawal_reason=reason.strip(),
        )
        if not changed:
            return False
        document.refresh_from_db()
        record_event(
            document.organization,
            document.customer,
            "document.withdrawn",
            actor,
            document=document.pk,
            file_name=document.file_name,
            document_kind=document.kind,
            invoice=document.invoice.number if document.invoice_id else "",
            reason=document.withdrawal_reason,
        )
    return True
