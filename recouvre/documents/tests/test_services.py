"""Stories of putting documents on file and withdrawing them."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from recouvre.documents import selectors
from recouvre.documents.models import Document
from recouvre.documents.services import DocumentRefused, attach_document, clean_file_name, withdraw_document
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, UserFactory

from .conftest import pdf_text, png_bytes

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def claire():  # type: ignore[no-untyped-def]
    return Actor.of(UserFactory(username="claire", first_name="Claire", last_name="Martin"))


@pytest.fixture
def invoice(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")
    return InvoiceFactory(customer=customer, number="FA-2025-001")


def _timeline(customer) -> list[str]:  # type: ignore[no-untyped-def]
    return [describe(e) for e in Event.objects.filter(customer=customer, kind__startswith="document.").order_by("id")]


def test_an_invoice_pdf_is_stored_once_under_its_hash_and_told_on_the_timeline(org, invoice, claire, pdf, media_root):  # type: ignore[no-untyped-def]
    content = pdf("Facture FA-2025-001")
    when = datetime(2026, 3, 2, 10, 30, tzinfo=PARIS)
    attached = attach_document(
        org,
        claire,
        kind="invoice_pdf",
        file_name="C:\\Scans\\FA-2025-001.pdf",
        content=content,
        invoice=invoice,
        note="sent by post on 1 March",
        now=when,
    )

    doc = attached.document
    assert attached.created
    sha = hashlib.sha256(content).hexdigest()
    assert (doc.file_name, doc.content_type, doc.size, doc.sha256) == (
        "FA-2025-001.pdf",
        "application/pdf",
        len(content),
        sha,
    )
    assert (doc.customer, doc.invoice, doc.note, doc.uploaded_at) == (
        invoice.customer,
        invoice,
        "sent by post on 1 March",
        when,
    )
    assert doc.uploaded_by_name == "Claire Martin"
    stored = media_root / f"documents/{org.pk}/{sha[:2]}/{sha}.pdf"
    assert doc.storage_path == f"documents/{org.pk}/{sha[:2]}/{sha}.pdf"
    assert stored.read_bytes() == content
    assert "Facture FA-2025-001" in pdf_text(selectors.read_content(doc))
    assert _timeline(invoice.customer) == ["Document added to invoice FA-2025-001: FA-2025-001.pdf (Invoice (PDF))."]

    again = attach_document(org, claire, kind="invoice_pdf", file_name="copy.pdf", content=content, invoice=invoice)
    assert (again.created, again.document.pk) == (False, doc.pk)
    assert Document.objects.count() == 1
    assert len(_timeline(invoice.customer)) == 1
    assert [p.name for p in stored.parent.iterdir()] == [stored.name]  # no temporary file left behind


def test_the_same_file_for_another_invoice_is_a_second_document_sharing_one_file(org, invoice, claire, pdf, media_root):  # type: ignore[no-untyped-def]
    other = InvoiceFactory(customer=invoice.customer, number="FA-2025-002")
    content = pdf("Conditions générales de vente")
    a = attach_document(org, claire, kind="other", file_name="cgv.pdf", content=content, invoice=invoice).document
    b = attach_document(org, claire, kind="other", file_name="cgv.pdf", content=content, invoice=other).document
    c = attach_document(org, claire, kind="terms_of_sale", file_name="cgv.pdf", content=content, invoice=other).document
    assert len({a.pk, b.pk, c.pk}) == 3
    assert a.storage_path == b.storage_path == c.storage_path
    assert len(list((media_root / "documents" / str(org.pk)).rglob("*.pdf"))) == 1


def test_a_customer_document_names_no_invoice(org, invoice, claire, pdf):  # type: ignore[no-untyped-def]
    doc = attach_document(
        org, claire, kind="contract", file_name="contrat-cadre.pdf", content=pdf("Contrat"), customer=invoice.customer
    ).document
    assert (doc.customer, doc.invoice) == (invoice.customer, None)
    assert _timeline(invoice.customer) == ["Document added: contrat-cadre.pdf (Contract)."]
    assert list(selectors.customer_documents(org, invoice.customer)) == [doc]
    assert list(selectors.invoice_documents(org, invoice)) == []


def test_a_text_file_named_pdf_is_refused_and_nothing_is_kept(org, invoice, claire, media_root):  # type: ignore[no-untyped-def]
    with pytest.raises(DocumentRefused) as refused:
        attach_document(
            org,
            claire,
            kind="invoice_pdf",
            file_name="FA-2025-001.pdf",
            content=b"Invoice FA-2025-001\n",
            invoice=invoice,
        )
    assert str(refused.value) == "not a PDF file (its content says otherwise, whatever its name)"
    assert Document.objects.count() == 0
    assert [p for p in media_root.rglob("*") if p.is_file()] == []


def test_a_photo_is_a_proof_of_delivery_but_not_an_invoice(org, invoice, claire):  # type: ignore[no-untyped-def]
    photo = png_bytes()
    with pytest.raises(DocumentRefused, match=r"^not a PDF file"):
        attach_document(org, claire, kind="invoice_pdf", file_name="FA-2025-001.png", content=photo, invoice=invoice)
    proof = attach_document(
        org, claire, kind="delivery_proof", file_name="bon-livraison.png", content=photo, invoice=invoice
    ).document
    assert proof.content_type == "image/png"
    assert proof.storage_path.endswith(".png")
    with pytest.raises(DocumentRefused) as refused:
        attach_document(org, claire, kind="delivery_proof", file_name="x.txt", content=b"hello", invoice=invoice)
    assert str(refused.value) == "not a PDF, PNG or JPEG file (its content says otherwise, whatever its name)"


def test_files_over_the_limit_and_empty_files_are_refused(org, invoice, claire, pdf, settings):  # type: ignore[no-untyped-def]
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 1024 * 1024
    content = pdf("Facture FA-2025-001")
    content += b"%" * (1024 * 1024 - len(content))  # a PDF comment: exactly 1 MB
    assert attach_document(
        org, claire, kind="invoice_pdf", file_name="1mb.pdf", content=content, invoice=invoice
    ).created
    with pytest.raises(DocumentRefused) as refused:
        attach_document(org, claire, kind="invoice_pdf", file_name="big.pdf", content=content + b"%", invoice=invoice)
    assert str(refused.value) == "the file is larger than the 1 MB allowed"
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    with pytest.raises(DocumentRefused, match="^the file is empty$"):
        attach_document(org, claire, kind="invoice_pdf", file_name="empty.pdf", content=b"", invoice=invoice)
    assert Document.objects.count() == 1


def test_another_customers_or_organizations_invoice_is_refused(org, other_org, invoice, claire, pdf):  # type: ignore[no-untyped-def]
    stranger = CustomerFactory(organization=org, name="Martin SA")
    with pytest.raises(DocumentRefused, match="^invoice FA-2025-001 is not an invoice of this customer$"):
        attach_document(
            org, claire, kind="invoice_pdf", file_name="a.pdf", content=pdf("A"), invoice=invoice, customer=stranger
        )
    rival_invoice = InvoiceFactory(customer=CustomerFactory(organization=other_org), number="R-1")
    with pytest.raises(DocumentRefused, match="another organization"):
        attach_document(org, claire, kind="invoice_pdf", file_name="a.pdf", content=pdf("A"), invoice=rival_invoice)
    assert Document.objects.count() == 0


def test_withdrawing_keeps_the_file_and_says_who_and_why(org, invoice, claire, pdf, media_root):  # type: ignore[no-untyped-def]
    content = pdf("Facture FA-2025-001")
    doc = attach_document(
        org, claire, kind="invoice_pdf", file_name="FA-2025-001.pdf", content=content, invoice=invoice
    ).document
    when = datetime(2026, 3, 5, 16, 0, tzinfo=PARIS)

    assert withdraw_document(doc, claire, reason="wrong VAT rate, credit note issued", now=when)
    assert not withdraw_document(doc, claire, reason="again")

    doc.refresh_from_db()
    assert (doc.withdrawn_at, doc.withdrawn_by_name, doc.withdrawal_reason) == (
        when,
        "Claire Martin",
        "wrong VAT rate, credit note issued",
    )
    assert (media_root / doc.storage_path).read_bytes() == content
    assert selectors.invoice_pdfs(org, ["FA-2025-001"]) == {}
    assert _timeline(invoice.customer) == [
        "Document added to invoice FA-2025-001: FA-2025-001.pdf (Invoice (PDF)).",
        "Document withdrawn from invoice FA-2025-001: FA-2025-001.pdf (Invoice (PDF)). "
        "Reason: wrong VAT rate, credit note issued",
    ]

    back = attach_document(
        org, claire, kind="invoice_pdf", file_name="FA-2025-001.pdf", content=content, invoice=invoice
    )
    assert back.created and back.document.pk != doc.pk
    assert selectors.invoice_pdfs(org, ["FA-2025-001"]) == {"FA-2025-001": back.document}


def test_the_latest_invoice_pdf_not_withdrawn_is_the_one_on_file(org, invoice, claire, pdf):  # type: ignore[no-untyped-def]
    first = attach_document(
        org,
        claire,
        kind="invoice_pdf",
        file_name="v1.pdf",
        content=pdf("Version 1"),
        invoice=invoice,
        now=datetime(2026, 3, 1, 9, 0, tzinfo=PARIS),
    ).document
    second = attach_document(
        org,
        claire,
        kind="invoice_pdf",
        file_name="v2.pdf",
        content=pdf("Version 2"),
        invoice=invoice,
        now=datetime(2026, 3, 2, 9, 0, tzinfo=PARIS),
    ).document
    attach_document(org, claire, kind="contract", file_name="c.pdf", content=pdf("Contrat"), invoice=invoice)
    assert selectors.invoice_pdfs(org, ["FA-2025-001", "FA-404"]) == {"FA-2025-001": second}
    withdraw_document(second, claire)
    assert selectors.invoice_pdfs(org, ["FA-2025-001"]) == {"FA-2025-001": first}


def test_the_database_refuses_the_same_content_twice_for_an_invoice_and_kind(org, invoice, claire, pdf):  # type: ignore[no-untyped-def]
    doc = attach_document(
        org, claire, kind="invoice_pdf", file_name="a.pdf", content=pdf("A"), invoice=invoice
    ).document
    doc.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        doc.save()
    doc.sha256 = "abc"
    with pytest.raises(IntegrityError), transaction.atomic():
        doc.save()


def test_file_names_lose_their_folders_and_control_characters():  # type: ignore[no-untyped-def]
    assert clean_file_name("../../etc/passwd") == "passwd"
    assert clean_file_name("C:\\Users\\claire\\Facture\tFA-1.pdf") == "Facture FA-1.pdf"
    assert clean_file_name("") == "document"
    long = "x" * 300 + ".pdf"
    assert clean_file_name(long) == "x" * 251 + ".pdf"


def test_a_stored_file_and_its_folders_are_readable_by_recouvres_user_only(org, invoice, claire, pdf, media_root):  # type: ignore[no-untyped-def]
    import stat

    doc = attach_document(
        org, claire, kind="invoice_pdf", file_name="FA-2025-001.pdf", content=pdf("Facture"), invoice=invoice
    ).document

    stored = media_root / doc.storage_path
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    folder = stored.parent
    while folder != media_root:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        folder = folder.parent
