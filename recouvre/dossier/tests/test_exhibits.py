"""The exhibits of Dupont's dossier, in the order of a bordereau de pièces."""

from __future__ import annotations

import hashlib

import pytest

from recouvre.dossier.exhibits import exhibits

from .conftest import AS_OF, TRACKING, make_customer, pdf_text

pytestmark = pytest.mark.django_db


def test_the_exhibits_come_in_the_order_of_a_bordereau(org, story):  # type: ignore[no-untyped-def]
    found = exhibits(org, story.customer, as_of=AS_OF)

    assert [(e.number, e.file_name, e.date.isoformat()) for e in found] == [
        (1, "01-contrat.pdf", "2026-02-01"),
        (2, "02-cgv.pdf", "2026-02-01"),
        (3, "03-preuve-de-livraison.pdf", "2026-02-01"),
        (4, "04-facture-FA-2026-001.pdf", "2026-01-05"),
        (5, "05-facture-FA-2026-002-copie.pdf", "2026-01-20"),
        (6, "06-relance-2026-03-02.eml", "2026-03-02"),
        (7, "07-mise-en-demeure-2026-03-16.pdf", "2026-03-16"),
        (8, "08-decompte.pdf", "2026-04-15"),
    ]
    assert [e.title for e in found] == [  # for a court: in French, whatever the interface language
        "Contrat « Contrat cadre.pdf »",
        "Conditions générales de vente « CGV 2025.pdf »",
        "Preuve de livraison « BL-881.pdf » (facture FA-2026-001)",
        "Facture FA-2026-001 du 05/01/2026",
        "Facture FA-2026-002 du 20/01/2026 (copie générée à partir de la comptabilité)",
        "E-mail de relance envoyé le 02/03/2026",
        f"Mise en demeure par lettre recommandée postée le 16/03/2026 (numéro de suivi {TRACKING}), "
        "réceptionnée le 19/03/2026",
        "Décompte de la créance au 15/04/2026",
    ]
    assert [e.kind for e in found] == [
        "contract",
        "terms_of_sale",
        "delivery_proof",
        "invoice",
        "invoice_copy",
        "reminder_email",
        "formal_notice",
        "statement",
    ]
    for e in found:
        assert e.sha256 == hashlib.sha256(e.content).hexdigest()
    assert found[0].content == story.files["contract"]
    assert found[3].content == story.files["invoice_pdf"]
    assert found[5].content == story.received[0][1]  # the e-mail exactly as the SMTP server received it
    assert found[6].content == bytes(story.letter.pdf)
    assert found[6].details == {
        "posted_on": "2026-03-16",
        "tracking_number": TRACKING,
        "acknowledged_on": "2026-03-19",
        "recorded_sha256": story.letter.pdf_sha256,
    }


def test_the_titles_are_french_whatever_the_interface_language(org, story):  # type: ignore[no-untyped-def]
    from django.utils import translation

    for language in ("en", "fr"):
        with translation.override(language):
            found = exhibits(org, story.customer, as_of=AS_OF)
        assert found[3].title == "Facture FA-2026-001 du 05/01/2026"
        with translation.override(language):
            assert "Décompte de la créance au 15/04/2026" in pdf_text(found[-1].content)


def test_the_generated_pdfs_say_what_they_are(org, story):  # type: ignore[no-untyped-def]
    found = {e.kind: e for e in exhibits(org, story.customer, as_of=AS_OF)}

    copy = " ".join(pdf_text(found["invoice_copy"].content).split())  # no-break spaces as spaces
    assert "COPIE – générée à partir des écritures comptables ; ce n’est pas la facture originale." in copy
    for mention in (
        "ACME Distribution SAS",
        "SIREN 552100554",
        "Dupont SARL",
        "SIREN 732829320",
        "FA-2026-002",
        "20/01/2026",
        "19/02/2026",
        "480,00 €",
    ):
        assert mention in copy

    statement = " ".join(pdf_text(found["statement"].content).split())
    for mention in (
        "Décompte de la créance au 15/04/2026",
        "ACME Distribution SAS",
        "Dupont SARL",
        "FA-2026-001",
        "FA-2026-002",
        "400,00 €",
        "80,00 €",
        "l’article L441-10 du Code de commerce",
        "VIR DUPONT 0310",
    ):
        assert mention in statement, mention
    assert "FA-2026-003" not in statement


def test_a_dossier_made_before_the_formal_notice_stops_at_the_reminder(org, story):  # type: ignore[no-untyped-def]
    from datetime import date

    found = exhibits(org, story.customer, as_of=date(2026, 3, 5))
    assert [e.kind for e in found][-2:] == ["reminder_email", "statement"]


def test_nothing_of_another_customer(org, story):  # type: ignore[no-untyped-def]
    other = make_customer(org, ref="411MARTIN", name="Martin SA")
    found = exhibits(org, other, as_of=AS_OF)
    assert [e.kind for e in found] == ["statement"]


def test_another_organizations_customer_is_refused(other_org, story):  # type: ignore[no-untyped-def]
    from recouvre.ledger.models import Customer

    with pytest.raises(Customer.DoesNotExist):
        exhibits(other_org, story.customer, as_of=AS_OF)


def test_a_withdrawn_document_and_a_paid_invoice_are_left_out(org, story):  # type: ignore[no-untyped-def]
    from recouvre.documents.models import Document
    from recouvre.documents.services import withdraw_document

    from .conftest import ACTOR

    withdraw_document(Document.objects.get(kind="terms_of_sale"), ACTOR, reason="replaced by the 2026 terms")
    found = exhibits(org, story.customer, as_of=AS_OF)
    assert [e.file_name for e in found][:3] == [
        "01-contrat.pdf",
        "02-preuve-de-livraison.pdf",
        "03-facture-FA-2026-001.pdf",
    ]
    assert not any("FA-2026-003" in e.title for e in found)  # paid on 01/03/2026
