"""The exhibits of a customer's evidence dossier (*pièces*), numbered as on a French *bordereau de pièces*.

``exhibits(organization, customer, as_of=...)`` lists, in this order:

1. the contract(s), then the general terms of sale;
2. the purchase orders, then the delivery proofs, then the other documents on file for the customer or the
   claimed invoices;
3. the claimed invoices (overdue on ``as_of`` and still open), by date: the imported PDF on file, else a copy
   generated from the accounting data and marked as a copy;
4. the reminders sent on or before ``as_of`` that listed a claimed invoice, by date: each e-mail as the stored
   ``.eml`` bytes it was sent as, each letter as its stored PDF (with the posting date and tracking number);
5. the formal notice(s) (*mise en demeure*), with the posting, tracking and acknowledgment data in the title;
6. the statement of the claim (*décompte*) on ``as_of``: principal, interest, indemnity, payments, balance.

Everything is read within ``organization`` and for ``customer`` only. The dossier is for a court or a *commissaire
de justice*: titles and generated PDFs are in French whatever the active language; file names are fixed and
numbered, so the same data gives the same names and the same bytes (generated PDFs are deterministic).

An exhibit's ``content`` is read or drawn the first time it is asked for, and kept: a document that only lists the
exhibits (the injonction request's *bordereau*) draws no invoice copy and no statement.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from recouvre.collections.models import Action, ActionState, Channel
from recouvre.collections.rendering import format_date
from recouvre.documents.models import Document, DocumentKind
from recouvre.documents.selectors import current_documents, read_content
from recouvre.documents.storage import DocumentMissing
from recouvre.ledger.models import Customer, Invoice
from recouvre.letters.models import Letter
from recouvre.organizations.models import Organization

# The order of a bordereau de pièces.
KIND_ORDER = (
    "contract",
    "terms_of_sale",
    "purchase_order",
    "delivery_proof",
    "other",
    "invoice",
    "invoice_copy",
    "reminder_email",
    "reminder_letter",
    "formal_notice",
    "statement",
)

_DOCUMENT_KINDS = {
    DocumentKind.CONTRACT: ("contract", "contrat"),
    DocumentKind.TERMS_OF_SALE: ("terms_of_sale", "cgv"),
    DocumentKind.PURCHASE_ORDER: ("purchase_order", "bon-de-commande"),
    DocumentKind.DELIVERY_PROOF: ("delivery_proof", "preuve-de-livraison"),
    DocumentKind.OTHER: ("other", "piece"),
}
_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
FORMAL_NOTICE_STEP = "formal_notice"


def is_formal_notice(action: Action) -> bool:
    """A formal notice (*mise en demeure*): the step or the template of the action is ``formal_notice``, as the
    default policy names it (``recouvre.letters.deadlines`` reads the same)."""
    return FORMAL_NOTICE_STEP in (action.step_key, action.template)


class DossierRefused(Exception):
    """The dossier cannot be made as it should; the message says why, for a person."""


class DocumentFileMissing(DossierRefused):
    """A document's file is missing or changed on disk; the message is written when it is read, in the language of
    the person reading it (the dossier itself is drawn in French)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return _(
            "the file of the document “%(name)s” is missing from the server or no longer has the content put "
            "on file; withdraw the document or put the file on file again"
        ) % {"name": self.name}


def _read(doc: Document) -> bytes:
    try:
        return read_content(doc)
    except DocumentMissing as exc:
        raise DocumentFileMissing(doc.file_name) from exc


@dataclass(frozen=True)
class Exhibit:
    """One numbered exhibit: ``file_name`` is its name in the dossier ZIP, ``sha256`` the hash of ``content``,
    ``date`` the date of the piece (document upload, invoice issue, sending, posting, statement date).
    ``content`` is read (a document on file, checked against its recorded hash) or drawn (an invoice copy, the
    statement, in French) on first use; ``sha256`` is the recorded hash when there is one, else that of the
    content."""

    number: int
    title: str
    kind: str  # one of KIND_ORDER
    file_name: str
    date: date
    details: dict[str, str] = field(default_factory=dict, compare=False)  # e.g. sent_at, tracking_number
    load: Callable[[], bytes] = field(default=lambda: b"", repr=False, compare=False)
    recorded_sha256: str = field(default="", repr=False, compare=False)

    @functools.cached_property
    def content(self) -> bytes:
        with translation.override("fr"):
            return self.load()

    @functools.cached_property
    def sha256(self) -> str:
        return self.recorded_sha256 or hashlib.sha256(self.content).hexdigest()


@dataclass
class _Piece:
    kind: str
    title: str
    slug: str
    extension: str
    on: date
    load: Callable[[], bytes]
    details: dict[str, str] = field(default_factory=dict)
    sha256: str = ""


def _local_date(instant: datetime) -> date:
    return instant.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def _date_text(day: date) -> str:
    return format_date(day, "fr")


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "x"


def claimed_invoices(organization: Organization, customer: Customer, as_of: date) -> list[Invoice]:
    """The customer's invoices a dossier on ``as_of`` claims: issued by then, overdue on ``as_of`` and still
    open, by issue date and number."""
    return list(
        Invoice.objects.filter(organization=organization, customer=customer, issued_on__lte=as_of, due_on__lt=as_of)
        .filter(open_amount__gt=0)
        .select_related("customer")
        .order_by("issued_on", "number", "id")
    )


def _document_pieces(
    organization: Organization, customer: Customer, invoice_ids: set[int], as_of: date
) -> list[_Piece]:
    pieces = []
    docs = [
        d
        for d in current_documents(organization, customer).order_by("uploaded_at", "id")
        if d.kind != DocumentKind.INVOICE_PDF
        and (d.invoice_id is None or d.invoice_id in invoice_ids)
        and _local_date(d.uploaded_at) <= as_of
    ]
    for doc in docs:
        kind, slug = _DOCUMENT_KINDS.get(doc.kind, ("other", "piece"))
        label = doc.get_kind_display()
        if doc.invoice is not None:
            title = _("%(kind)s “%(name)s” (invoice %(number)s)") % {
                "kind": label,
                "name": doc.file_name,
                "number": doc.invoice.number,
            }
        else:
            title = _("%(kind)s “%(name)s”") % {"kind": label, "name": doc.file_name}
        pieces.append(
            _Piece(
                kind,
                str(title),
                slug,
                _EXTENSIONS.get(doc.content_type, "bin"),
                _local_date(doc.uploaded_at),
                (lambda d=doc: _read(d)),
                {"original_file_name": doc.file_name},
                sha256=doc.sha256,
            )
        )
    return pieces


def _invoice_pieces(organization: Organization, invoices: list[Invoice]) -> list[_Piece]:
    from . import pdfs

    on_file: dict[int, Document] = {}
    for doc in Document.objects.filter(
        organization=organization,
        kind=DocumentKind.INVOICE_PDF,
        withdrawn_at__isnull=True,
        invoice_id__in=[i.pk for i in invoices],
    ).order_by("invoice_id", "-uploaded_at", "-id"):
        assert doc.invoice_id is not None
        on_file.setdefault(doc.invoice_id, doc)
    missing = [invoice for invoice in invoices if invoice.pk not in on_file]
    copies = functools.cache(  # every copy drawn at once, the first time one of them is read
        lambda: pdfs.invoice_copy_pdfs(organization, missing[0].customer, missing) if missing else {}
    )
    pieces = []
    for invoice in invoices:
        values = {"number": invoice.number, "date": _date_text(invoice.issued_on)}
        doc = on_file.get(invoice.pk)
        if doc is not None:
            pieces.append(
                _Piece(
                    "invoice",
                    _("Invoice %(number)s of %(date)s") % values,
                    f"facture-{_safe(invoice.number)}",
                    "pdf",
                    invoice.issued_on,
                    (lambda d=doc: _read(d)),
                    {"original_file_name": doc.file_name},
                    sha256=doc.sha256,
                )
            )
        else:
            pieces.append(
                _Piece(
                    "invoice_copy",
                    _("Invoice %(number)s of %(date)s (copy generated from the accounts)") % values,
                    f"facture-{_safe(invoice.number)}-copie",
                    "pdf",
                    invoice.issued_on,
                    (lambda i=invoice: copies()[i.pk]),
                )
            )
    return pieces


def _reminder_pieces(
    organization: Organization, customer: Customer, invoice_ids: set[int], as_of: date
) -> list[_Piece]:
    actions = (
        Action.objects.filter(
            organization=organization,
            customer=customer,
            state=ActionState.SENT,
            channel__in=[Channel.EMAIL, Channel.LETTER, Channel.REGISTERED_LETTER],
        )
        .exclude(content="", channel=Channel.EMAIL)
        .order_by("sent_at", "id")
    )
    letters = {
        letter.action_id: letter for letter in Letter.objects.filter(organization=organization, customer=customer)
    }
    reminders: list[_Piece] = []
    notices: list[_Piece] = []
    for action in actions:
        if not any(line.get("invoice_id") in invoice_ids for line in action.lines or []):
            continue
        assert action.sent_at is not None
        if action.channel == Channel.EMAIL:
            sent_on = _local_date(action.sent_at)
            if sent_on > as_of:
                continue
            raw = action.content.encode("utf-8")
            details = {
                "sent_at": action.sent_at.astimezone(ZoneInfo(settings.TIME_ZONE)).isoformat(timespec="seconds"),
                "recorded_sha256": action.content_sha256,
                "message_id": action.message_id,
            }
            notice = is_formal_notice(action)
            title = (
                _("Formal notice sent by e-mail on %(date)s") if notice else _("Reminder e-mail sent on %(date)s")
            ) % {"date": _date_text(sent_on)}
            piece = _Piece(
                "formal_notice" if notice else "reminder_email",
                str(title),
                f"{'mise-en-demeure' if notice else 'relance'}-{sent_on.isoformat()}",
                "eml",
                sent_on,
                (lambda r=raw: r),
                details,
                sha256=hashlib.sha256(raw).hexdigest(),
            )
        else:
            letter = letters.get(action.pk)
            if letter is None or letter.posted_on is None or letter.posted_on > as_of:
                continue
            notice = is_formal_notice(action)
            values = {
                "date": _date_text(letter.posted_on),
                "tracking": letter.tracking_number,
            }
            if notice:
                if letter.acknowledged_on is not None and letter.acknowledged_on <= as_of:
                    title = _(
                        "Formal notice by registered letter posted on %(date)s (tracking number %(tracking)s), "
                        "acknowledged on %(ack)s"
                    ) % {**values, "ack": _date_text(letter.acknowledged_on)}
                elif letter.tracking_number:
                    title = (
                        _("Formal notice by registered letter posted on %(date)s (tracking number %(tracking)s)")
                        % values
                    )
                else:
                    title = _("Formal notice by letter posted on %(date)s") % values
            elif letter.tracking_number:
                title = _("Registered reminder letter posted on %(date)s (tracking number %(tracking)s)") % values
            else:
                title = _("Reminder letter posted on %(date)s") % values
            details = {"posted_on": letter.posted_on.isoformat(), "tracking_number": letter.tracking_number}
            if letter.acknowledged_on is not None and letter.acknowledged_on <= as_of:
                details["acknowledged_on"] = letter.acknowledged_on.isoformat()
            details["recorded_sha256"] = letter.pdf_sha256
            piece = _Piece(
                "formal_notice" if notice else "reminder_letter",
                str(title),
                f"{'mise-en-demeure' if notice else 'courrier'}-{letter.posted_on.isoformat()}",
                "pdf",
                letter.posted_on,
                (lambda lt=letter: bytes(lt.pdf)),
                details,
            )
        (notices if piece.kind == "formal_notice" else reminders).append(piece)
    reminders.sort(key=lambda p: p.on)
    notices.sort(key=lambda p: p.on)
    return reminders + notices


def _pieces(
    organization: Organization, customer: Customer, as_of: date, invoices: list[Invoice] | None
) -> list[_Piece]:
    from . import pdfs

    if customer.organization_id != organization.pk:
        raise Customer.DoesNotExist
    if invoices is None:
        invoices = claimed_invoices(organization, customer, as_of)
    invoice_ids = {i.pk for i in invoices}
    documents = _document_pieces(organization, customer, invoice_ids, as_of)
    documents.sort(key=lambda p: KIND_ORDER.index(p.kind))  # stable: upload order within a kind
    pieces = (
        documents
        + _invoice_pieces(organization, invoices)
        + _reminder_pieces(organization, customer, invoice_ids, as_of)
    )
    claimed = invoices
    pieces.append(
        _Piece(
            "statement",
            _("Statement of the claim on %(date)s") % {"date": _date_text(as_of)},
            "decompte",
            "pdf",
            as_of,
            lambda: pdfs.statement_pdf(organization, customer, claimed, as_of),
        )
    )
    return pieces


def _file_names(pieces: list[_Piece]) -> list[str]:
    width = max(2, len(str(len(pieces))))
    names = [f"{number:0{width}d}-{piece.slug}.{piece.extension}" for number, piece in enumerate(pieces, start=1)]
    assert len(set(names)) == len(names)
    return names


@dataclass(frozen=True)
class ListedExhibit:
    """One numbered exhibit as a *bordereau* lists it, without its content."""

    number: int
    title: str
    kind: str
    file_name: str
    date: date


def exhibit_list(
    organization: Organization, customer: Customer, *, as_of: date, invoices: list[Invoice] | None = None
) -> list[ListedExhibit]:
    """The numbered exhibits of ``customer``'s dossier on ``as_of`` (about ``invoices``, default the claimed ones)
    as ``exhibits`` numbers them, without reading or drawing any of them: for a *bordereau de pièces*. Titles are
    in French, whatever the reader's interface (a court reads them)."""
    with translation.override("fr"):
        pieces = _pieces(organization, customer, as_of, invoices)
        return [
            ListedExhibit(number, str(piece.title), piece.kind, name, piece.on)
            for number, (piece, name) in enumerate(zip(pieces, _file_names(pieces), strict=True), start=1)
        ]


def exhibits(organization: Organization, customer: Customer, *, as_of: date) -> list[Exhibit]:
    """The numbered exhibits of ``customer``'s dossier on ``as_of`` (see the module docstring for the order), in
    French whatever the reader's interface; each is drawn or read only when its content is first used. Raises
    ``Customer.DoesNotExist`` when the customer is not ``organization``'s, ``DossierRefused`` when a document's file
    is missing or changed on disk."""
    with translation.override("fr"):
        pieces = _pieces(organization, customer, as_of, None)
        return [
            Exhibit(number, str(piece.title), piece.kind, name, piece.on, dict(piece.details), piece.load, piece.sha256)
            for number, (piece, name) in enumerate(zip(pieces, _file_names(pieces), strict=True), start=1)
        ]
