"""The story every dossier test starts from.

ACME Distribution SAS (Paris) sells to Dupont SARL (Montpellier), a business, under a contract and its general
terms of sale. Three invoices:

- FA-2026-001 of 05/01/2026, due 04/02/2026, 1 200.00 EUR; its PDF is on file, with a proof of delivery;
- FA-2026-002 of 20/01/2026, due 19/02/2026, 480.00 EUR, no PDF on file; 80.00 EUR paid on 10/03/2026;
- FA-2026-003 of 02/02/2026, due 04/03/2026, 300.00 EUR, paid in full on 01/03/2026 (not claimed).

On Monday 02/03/2026 at 09:00 a reminder e-mail listing FA-2026-001 and FA-2026-002 goes through a real SMTP
server. On Monday 16/03/2026 the formal notice for FA-2026-001 (+40 days) is produced as a registered letter,
posted that day (tracking number 1A12345678901); Dupont signs for it on Thursday 19/03/2026. The dossier is made on
Wednesday 15/04/2026.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pypdf
import pytest
import time_machine

from recouvre.collections.dispatch import dispatch_due
from recouvre.collections.models import Policy, Step
from recouvre.collections.services import run_collections
from recouvre.collections.tests.test_dispatch import Keep, smtp  # noqa: F401  (the real SMTP server fixture)
from recouvre.documents.services import attach_document
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Contact, Customer, Invoice
from recouvre.ledger.services import allocate, create_invoice, record_payment
from recouvre.letters.models import Letter
from recouvre.letters.services import produce_due_letters, record_acknowledgment, record_posting
from recouvre.testing.factories import CustomerFactory

PARIS = ZoneInfo("Europe/Paris")
ACTOR = Actor.system("test")
AS_OF = date(2026, 4, 15)
EMAIL_AT = datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)
NOTICE_AT = datetime(2026, 3, 16, 9, 0, tzinfo=PARIS)
TRACKING = "1A12345678901"


def pdf_of(text: str) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=f"<h1>{text}</h1>").write_pdf())


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@dataclass
class Story:
    customer: Customer
    invoices: dict[str, Invoice]
    received: list[tuple[list[str], bytes]]  # what the SMTP server received
    letter: Letter
    files: dict[str, bytes]  # the documents put on file, by kind


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def letterhead(org):  # type: ignore[no-untyped-def]
    org.legal_form = "SAS"
    org.address_line1, org.postal_code, org.city = "8 rue de la Paix", "75002", "Paris"
    org.siren, org.siret, org.vat_number = "552100554", "55210055400013", "FR40552100554"
    org.iban, org.bic = "FR7630006000011234567890189", "AGRIFRPPXXX"
    org.save()
    policy = Policy.objects.create(organization=org, key="std", name="Standard", segment="standard")
    Step.objects.create(policy=policy, position=1, key="reminder", offset_days=10, channel="email", template="reminder")
    Step.objects.create(
        policy=policy,
        position=2,
        key="formal_notice",
        offset_days=40,
        channel="registered_letter",
        template="formal_notice",
        deadline_days=15,
    )
    return org


def make_customer(org, ref="411DUPONT", name="Dupont SARL"):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(
        organization=org,
        ref=ref,
        name=name,
        language="fr",
        siren="732829320",
        address_line1="12 rue des Lilas",
        postal_code="34000",
        city="Montpellier",
        email="",
    )
    Contact.objects.create(
        organization=org, customer=customer, name="Sophie Martin", role="billing", email="compta@dupont.example"
    )
    return customer


@pytest.fixture
def story(letterhead, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    org = letterhead
    server = smtp(Keep())
    with time_machine.travel(datetime(2026, 2, 1, 10, 0, tzinfo=PARIS), tick=False) as clock:
        customer = make_customer(org)
        invoices = {}
        for number, issued_on, due_on, total in (
            ("FA-2026-001", date(2026, 1, 5), date(2026, 2, 4), Decimal("1200.00")),
            ("FA-2026-002", date(2026, 1, 20), date(2026, 2, 19), Decimal("480.00")),
            ("FA-2026-003", date(2026, 2, 2), date(2026, 3, 4), Decimal("300.00")),
        ):
            invoices[number] = create_invoice(
                org, ACTOR, customer=customer, number=number, issued_on=issued_on, due_on=due_on, total=total
            )
        files = {
            "contract": pdf_of("Contrat cadre ACME Dupont 2025"),
            "terms_of_sale": pdf_of("Conditions generales de vente ACME"),
            "delivery_proof": pdf_of("Bon de livraison BL-881 signe"),
            "invoice_pdf": pdf_of("Facture FA-2026-001 originale"),
        }
        attach_document(
            org,
            ACTOR,
            kind="terms_of_sale",
            file_name="CGV 2025.pdf",
            content=files["terms_of_sale"],
            customer=customer,
        )
        attach_document(
            org, ACTOR, kind="contract", file_name="Contrat cadre.pdf", content=files["contract"], customer=customer
        )
        attach_document(
            org,
            ACTOR,
            kind="delivery_proof",
            file_name="BL-881.pdf",
            content=files["delivery_proof"],
            invoice=invoices["FA-2026-001"],
        )
        attach_document(
            org,
            ACTOR,
            kind="invoice_pdf",
            file_name="FA-2026-001.pdf",
            content=files["invoice_pdf"],
            invoice=invoices["FA-2026-001"],
        )

        clock.move_to(datetime(2026, 3, 1, 10, 0, tzinfo=PARIS))
        paid = record_payment(
            org,
            ACTOR,
            customer=customer,
            received_on=date(2026, 3, 1),
            amount=Decimal("300.00"),
            source_key="p1",
            reference="VIR DUPONT 0301",
        )
        allocate(ACTOR, invoice=invoices["FA-2026-003"], amount=Decimal("300.00"), payment=paid)

        clock.move_to(EMAIL_AT)
        run_collections(org, EMAIL_AT.date(), actor=ACTOR)
        assert dispatch_due(org, now=EMAIL_AT, actor=ACTOR).sent == 1

        clock.move_to(datetime(2026, 3, 10, 10, 0, tzinfo=PARIS))
        part = record_payment(
            org,
            ACTOR,
            customer=customer,
            received_on=date(2026, 3, 10),
            amount=Decimal("80.00"),
            source_key="p2",
            reference="VIR DUPONT 0310",
        )
        allocate(ACTOR, invoice=invoices["FA-2026-002"], amount=Decimal("80.00"), payment=part)

        clock.move_to(NOTICE_AT)
        run_collections(org, NOTICE_AT.date(), actor=ACTOR)
        assert produce_due_letters(org, now=NOTICE_AT, actor=ACTOR) == 1
        letter = Letter.objects.get(customer=customer)
        letter = record_posting(
            letter, posted_on=NOTICE_AT.date(), actor=ACTOR, tracking_number=TRACKING, today=NOTICE_AT.date()
        )
        clock.move_to(datetime(2026, 3, 19, 15, 0, tzinfo=PARIS))
        letter = record_acknowledgment(letter, acknowledged_on=date(2026, 3, 19), actor=ACTOR, today=date(2026, 3, 19))
    for invoice in invoices.values():
        invoice.refresh_from_db()
    return Story(customer, invoices, server.messages, letter, files)
