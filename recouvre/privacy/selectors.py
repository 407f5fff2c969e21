"""Reads of the privacy app: everything held about a customer, or one of its contacts (right of access, GDPR art.
15), always within one organization.

``subject_access(organization, customer, contact_email)`` gives a JSON-ready dictionary: the customer's identity,
its contacts (only the one asked for, when an e-mail is given), invoices, credit notes, payments, holds, the
messages sent (their recipients, subject and text as stored; only those addressed to the contact, when one is
given), the letters (their facts; the PDFs go in the ZIP), the documents on file, the timeline, and what the purge
did.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

from django.utils import timezone

from recouvre.ledger.models import Contact, CreditNote, Customer, Event, Invoice, Payment
from recouvre.ledger.timeline import describe
from recouvre.organizations.models import Organization

from .models import Erasure

FORMAT = "recouvre-subject-access/1"


class ContactNotFound(LookupError):
    """No contact with that e-mail address for this customer."""


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


def _message(action: Any) -> dict[str, Any]:
    """A sent e-mail as stored: its recipients, subject and plain text (decoded from the stored MIME message)."""
    out: dict[str, Any] = {
        "sent_at": _plain(action.sent_at),
        "template": action.template,
        "step": action.step_key,
        "to": [],
        "subject": "",
        "text": "",
        "sha256": action.content_sha256,
    }
    if not action.content:
        return out
    message = email.message_from_string(action.content, policy=email.policy.default)
    out["to"] = [
        addr for _name, addr in email.utils.getaddresses(message.get_all("To", []) + message.get_all("Cc", []))
    ]
    out["subject"] = str(message.get("Subject", ""))
    body = message.get_body(preferencelist=("plain",)) if isinstance(message, EmailMessage) else None
    out["text"] = body.get_content() if body is not None else ""
    return out


def subject_access(organization: Organization, customer: Customer, contact_email: str = "") -> dict[str, Any]:
    from recouvre.bank.models import CustomerIban
    from recouvre.collections.models import Action, ActionState, Channel, Hold
    from recouvre.documents.models import Document
    from recouvre.letters.models import Letter

    if customer.organization_id != organization.pk:
        raise Customer.DoesNotExist
    contacts = Contact.objects.filter(organization=organization, customer=customer)
    if contact_email:
        contacts = contacts.filter(email__iexact=contact_email)
        if not contacts.exists():
            raise ContactNotFound(contact_email)
    scoped = {"organization": organization, "customer": customer}
    emails = Action.objects.filter(**scoped, channel=Channel.EMAIL, state=ActionState.SENT).order_by("sent_at", "pk")
    messages = [_message(a) for a in emails]
    if contact_email:
        messages = [m for m in messages if contact_email.lower() in (to.lower() for to in m["to"])]
    return {
        "format": FORMAT,
        "exported_at": timezone.now().isoformat(),
        "controller": {
            "name": organization.name,
            "siren": organization.siren,
            "address": ", ".join(
                p
                for p in (
                    organization.address_line1,
                    organization.address_line2,
                    organization.postal_code,
                    organization.city,
                )
                if p
            ),
        },
        "customer": _row(
            customer,
            (
                "ref",
                "name",
                "kind",
                "siren",
                "siret",
                "vat_number",
                "address_line1",
                "address_line2",
                "postal_code",
                "city",
                "country",
                "language",
                "registered_office",
                "domicile",
                "legal_form",
                "representative",
                "created_at",
                "updated_at",
            ),
        ),
        "contact": contact_email or None,
        "contacts": [_row(c, ("name", "role", "email", "phone", "is_primary")) for c in contacts],
        "bank_accounts": [
            _row(i, ("iban", "linked_by", "created_at")) for i in CustomerIban.objects.filter(**scoped).order_by("iban")
        ],
        "invoices": [
            _row(i, ("number", "issued_on", "due_on", "currency", "total", "allocated_amount", "open_amount"))
            for i in Invoice.objects.filter(**scoped).order_by("issued_on", "number")
        ],
        "credit_notes": [
            _row(c, ("number", "issued_on", "currency", "total"))
            for c in CreditNote.objects.filter(**scoped).order_by("issued_on", "number")
        ],
        "payments": [
            _row(p, ("received_on", "currency", "amount", "method", "reference", "payer_name", "payer_iban"))
            for p in Payment.objects.filter(**scoped).order_by("received_on", "pk")
        ],
        "holds": [
            {
                **_row(h, ("kind", "reason", "starts_on", "ends_on", "amount", "currency", "promised_on", "outcome")),
                "invoice": h.invoice.number if h.invoice else None,
            }
            for h in Hold.objects.filter(**scoped).select_related("invoice").order_by("starts_on", "pk")
        ],
        "messages": messages,
        "letters": [
            {
                **_row(lt, ("subject", "language", "registered", "produced_at", "posted_on", "acknowledged_on")),
                "tracking_number": lt.tracking_number,
                "pdf_sha256": lt.pdf_sha256,
                "file": f"letters/{lt.pk}.pdf",
            }
            for lt in Letter.objects.filter(**scoped).order_by("produced_at", "pk")
        ],
        "documents": [
            {
                **_row(d, ("kind", "file_name", "content_type", "size", "sha256", "uploaded_at", "withdrawn_at")),
                "invoice": d.invoice.number if d.invoice else None,
            }
            for d in Document.objects.filter(**scoped).select_related("invoice").order_by("uploaded_at", "pk")
        ],
        "timeline": [
            {"at": _plain(e.occurred_at), "kind": e.kind, "text": describe(e)}
            for e in Event.objects.filter(**scoped).order_by("occurred_at", "pk")
        ],
        "erasures": [
            _row(x, ("as_of", "anonymised", "summary", "done_at"))
            for x in Erasure.objects.filter(**scoped).order_by("done_at", "pk")
        ],
    }


def subject_access_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False).encode()


def subject_access_zip(organization: Organization, customer: Customer, data: dict[str, Any]) -> bytes:
    """A ZIP: ``data.json`` and the PDFs of the letters sent to the customer."""
    from recouvre.letters.models import Letter

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", subject_access_json(data))
        for letter in Letter.objects.filter(organization=organization, customer=customer).order_by("pk"):
            pdf = bytes(letter.pdf)
            if pdf:
                archive.writestr(f"letters/{letter.pk}.pdf", pdf)
    return buffer.getvalue()
