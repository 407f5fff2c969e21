"""Documents on the invoice and customer pages: upload, list, download, withdraw; roles and tenant isolation."""

from __future__ import annotations

import hashlib
import urllib.parse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recouvre.documents.models import Document
from recouvre.documents.services import attach_document
from recouvre.documents.tests.conftest import pdf_of, pdf_text
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe

from .helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def client_en(logged_client, settings):  # type: ignore[no-untyped-def]
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return logged_client


def _upload(client, url, name, content, **fields):  # type: ignore[no-untyped-def]
    return client.post(url, {"file": SimpleUploadedFile(name, content), **fields}, follow=True)


def test_an_invoice_pdf_uploaded_on_the_invoice_page_is_listed_and_downloaded_as_it_was(client_en, ledger):  # type: ignore[no-untyped-def]
    invoice = ledger.invoices["F-002"]
    content = pdf_of("Facture F-002")
    page_url = reverse("invoice_detail", args=[invoice.pk])

    page = _upload(
        client_en,
        reverse("invoice_document_upload", args=[invoice.pk]),
        "Facture F-002 (été).pdf",
        content,
        kind="invoice_pdf",
        next=page_url,
        note="signed copy",
    )

    assert page.redirect_chain == [(page_url + "#documents", 302)]
    shown = text(page)
    assert "Facture F-002 (été).pdf added." in shown
    assert "Facture F-002 (été).pdf signed copy Invoice (PDF)" in shown
    doc = Document.objects.get()
    assert (doc.invoice, doc.customer, doc.uploaded_by_name) == (invoice, ledger.dupont, "claire")

    download = client_en.get(reverse("document_download", args=[doc.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (
        "attachment; filename*=utf-8''" + urllib.parse.quote("Facture F-002 (été).pdf")
    )
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(content).hexdigest()
    assert "Facture F-002" in pdf_text(body)
    inline = client_en.get(reverse("document_download", args=[doc.pk]), {"inline": "1"})
    assert inline["Content-Disposition"].startswith("inline; ")

    customer_page = text(client_en.get(reverse("customer_detail", args=[ledger.dupont.pk])))
    assert "Facture F-002 (été).pdf signed copy Invoice (PDF) F-002" in customer_page
    assert "Document added to invoice F-002: Facture F-002 (été).pdf (Invoice (PDF))." in customer_page


def test_a_contract_uploaded_on_the_customer_page_may_name_one_of_its_invoices(client_en, ledger):  # type: ignore[no-untyped-def]
    url = reverse("customer_document_upload", args=[ledger.dupont.pk])
    page = _upload(client_en, url, "contrat.pdf", pdf_of("Contrat cadre"), kind="contract")
    assert "contrat.pdf added." in text(page)
    page = _upload(client_en, url, "bon.pdf", pdf_of("Bon de commande"), kind="purchase_order", invoice="F-003")
    assert "bon.pdf added." in text(page)
    page = _upload(client_en, url, "autre.pdf", pdf_of("Autre"), kind="other", invoice="F-004")  # Lefèvre's
    assert "Document not added: Boulangerie Dupont has no invoice numbered F-004." in text(page)

    docs = {d.file_name: d for d in Document.objects.all()}
    assert set(docs) == {"contrat.pdf", "bon.pdf"}
    assert docs["contrat.pdf"].invoice is None
    assert docs["bon.pdf"].invoice == ledger.invoices["F-003"]


def test_a_file_that_is_not_a_pdf_is_refused_with_the_reason(client_en, ledger):  # type: ignore[no-untyped-def]
    invoice = ledger.invoices["F-002"]
    page = _upload(
        client_en,
        reverse("invoice_document_upload", args=[invoice.pk]),
        "F-002.pdf",
        b"MZ\x90\x00 not a pdf at all",
        kind="invoice_pdf",
    )
    assert "F-002.pdf was not added: not a PDF file (its content says otherwise, whatever its name)." in text(page)
    assert Document.objects.count() == 0


def test_the_same_file_twice_is_kept_once(client_en, ledger):  # type: ignore[no-untyped-def]
    invoice = ledger.invoices["F-002"]
    url = reverse("invoice_document_upload", args=[invoice.pk])
    _upload(client_en, url, "F-002.pdf", pdf_of("Facture F-002"), kind="invoice_pdf")
    page = _upload(client_en, url, "F-002 copie.pdf", pdf_of("Facture F-002"), kind="invoice_pdf")
    assert "F-002 copie.pdf is already on file (added on 2026-03-31 as F-002.pdf): nothing was added." in text(page)
    assert Document.objects.count() == 1


def test_withdrawing_keeps_the_document_visible_and_downloadable(client_en, ledger, user):  # type: ignore[no-untyped-def]
    invoice = ledger.invoices["F-002"]
    doc = attach_document(
        invoice.organization,
        Actor.of(user),
        kind="invoice_pdf",
        file_name="F-002.pdf",
        content=pdf_of("Facture F-002"),
        invoice=invoice,
    ).document

    too_long = client_en.post(reverse("document_withdraw", args=[doc.pk]), {"reason": "x" * 501}, follow=True)
    assert "Document not withdrawn: Reason: Ensure this value has at most 500 characters (it has 501)." in text(
        too_long
    )
    doc.refresh_from_db()
    assert doc.withdrawn_at is None

    page = client_en.post(reverse("document_withdraw", args=[doc.pk]), {"reason": "wrong amount"}, follow=True)

    assert page.redirect_chain == [(reverse("invoice_detail", args=[invoice.pk]) + "#documents", 302)]
    shown = text(page)
    assert "F-002.pdf withdrawn: it stays on file, and is no longer sent." in shown
    assert "F-002.pdf Withdrawn on 31 Mar 2026, 10:00 by claire: wrong amount Invoice (PDF)" in shown
    assert client_en.get(reverse("document_download", args=[doc.pk])).status_code == 200
    again = client_en.post(reverse("document_withdraw", args=[doc.pk]), {"reason": "twice"}, follow=True)
    assert "F-002.pdf was already withdrawn." in text(again)
    events = [describe(e) for e in Event.objects.filter(kind="document.withdrawn")]
    assert events == ["Document withdrawn from invoice F-002: F-002.pdf (Invoice (PDF)). Reason: wrong amount"]


def test_a_viewer_sees_and_downloads_but_cannot_upload_or_withdraw(ledger, member_of, user):  # type: ignore[no-untyped-def]
    invoice = ledger.invoices["F-002"]
    doc = attach_document(
        invoice.organization,
        Actor.of(user),
        kind="invoice_pdf",
        file_name="F-002.pdf",
        content=pdf_of("F"),
        invoice=invoice,
    ).document
    viewer = member_of("viewer")

    page = viewer.get(reverse("invoice_detail", args=[invoice.pk]))
    assert "F-002.pdf" in text(page)
    assert reverse("invoice_document_upload", args=[invoice.pk]) not in page.content.decode()
    assert reverse("document_withdraw", args=[doc.pk]) not in page.content.decode()
    assert viewer.get(reverse("document_download", args=[doc.pk])).status_code == 200
    upload = viewer.post(
        reverse("invoice_document_upload", args=[invoice.pk]),
        {"file": SimpleUploadedFile("x.pdf", pdf_of("X")), "kind": "invoice_pdf"},
    )
    assert upload.status_code == 403
    assert viewer.post(reverse("document_withdraw", args=[doc.pk])).status_code == 403
    assert Document.objects.filter(withdrawn_at__isnull=True).count() == 1

    collector = member_of("collector")
    page = collector.post(
        reverse("invoice_document_upload", args=[invoice.pk]),
        {"file": SimpleUploadedFile("proof.pdf", pdf_of("Livraison")), "kind": "delivery_proof"},
    )
    assert page.status_code == 302
    assert Document.objects.count() == 2


def test_another_organizations_documents_customers_and_invoices_are_404(logged_client, ledger, other_org):  # type: ignore[no-untyped-def]
    rival = attach_document(
        other_org,
        Actor.system("rival"),
        kind="invoice_pdf",
        file_name="R-001.pdf",
        content=pdf_of("Facture R-001"),
        invoice=ledger.invoices["R-001"],
    ).document
    pdf = pdf_of("Facture F-002")

    assert logged_client.get(reverse("document_download", args=[rival.pk])).status_code == 404
    assert logged_client.post(reverse("document_withdraw", args=[rival.pk])).status_code == 404
    upload = {"file": SimpleUploadedFile("x.pdf", pdf), "kind": "invoice_pdf"}
    assert (
        logged_client.post(reverse("invoice_document_upload", args=[ledger.invoices["R-001"].pk]), upload).status_code
        == 404
    )
    upload = {"file": SimpleUploadedFile("x.pdf", pdf), "kind": "contract"}
    assert logged_client.post(reverse("customer_document_upload", args=[ledger.secret.pk]), upload).status_code == 404
    upload = {"file": SimpleUploadedFile("x.pdf", pdf), "kind": "contract", "invoice": "R-001"}
    logged_client.post(reverse("customer_document_upload", args=[ledger.dupont.pk]), upload)
    assert Document.objects.filter(organization=ledger.dupont.organization).count() == 0
    rival.refresh_from_db()
    assert rival.withdrawn_at is None
    assert logged_client.get(reverse("document_download", args=[999999])).status_code == 404


def test_a_link_back_to_another_site_is_not_followed(client_en, ledger):  # type: ignore[no-untyped-def]
    invoice = ledger.invoices["F-002"]
    response = client_en.post(
        reverse("invoice_document_upload", args=[invoice.pk]),
        {"file": SimpleUploadedFile("F-002.pdf", pdf_of("F")), "kind": "invoice_pdf", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("invoice_detail", args=[invoice.pk]) + "#documents"
