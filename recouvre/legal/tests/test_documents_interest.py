"""Every document that shows interest, for an invoice late since May 2026, on 7 December 2026 — when the rate tables
stop at 2026 H1 (the ECB rate in force on 1 July 2026 and the legal interest rate of 2026 H2 are not in them).

Each document claims what is known — the 2026 H1 interest, 12 000 × 12.15 % × 46 / 365 = 183.75, and the 40 EUR
indemnity — and the rest by its legal rule, "taux de refinancement de la BCE en vigueur le 1er juillet 2026 majoré
de 10 points, à compter du 1er juillet 2026", with the totals to be completed; and none of them shows a command,
a setting or an internal code (read on the PDF text, as the debtor or the court reads it)."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from recouvre.collections.models import Policy, Step
from recouvre.collections.penalties import invoice_penalties
from recouvre.collections.rendering import BUILT_IN, Line, render_email
from recouvre.collections.services import run_collections
from recouvre.dossier.pdfs import statement_pdf
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Contact, Invoice
from recouvre.legal import insolvency
from recouvre.legal.declaration import render_declaration_pdf
from recouvre.letters.models import Letter
from recouvre.letters.services import produce_due_letters
from recouvre.letters.statement import render_statement
from recouvre.penalties.models import PenaltyClaim
from recouvre.penalties.services import claim_penalties, issue_penalty_invoice
from recouvre.proceedings.requete import injonction_request
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")
PARIS = ZoneInfo("Europe/Paris")
AS_OF = date(2026, 12, 7)
S1_INTEREST = "183,75 €"  # 12 000 × 12.15 % × 46 / 365 = 183.7479...
S2_RULE_FR = (
    "taux de refinancement de la BCE en vigueur le 1er juillet 2026 majoré de 10 points, à compter du 1er juillet 2026"
)
S2_RULE_EN = "ECB main refinancing rate in force on 1 July 2026 plus 10 points, from 1 July 2026"
FORBIDDEN = ("recouvre ", "recouvre`", "rates import", "rates update", "`", "missing_rate", "MissingRate", "_")


def flat(text: str) -> str:
    return " ".join(text.split())


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def assert_reads_true(text: str, rule: str = S2_RULE_FR) -> None:
    assert flat(S1_INTEREST) in text
    assert flat(rule) in text
    assert "40,00" in text or "40.00" in text
    lowered = text.lower()
    for forbidden in FORBIDDEN:
        assert forbidden.lower() not in lowered.replace("recouvrement", ""), forbidden


@pytest.fixture
def creditor(org):  # type: ignore[no-untyped-def]
    org.legal_form = "SAS"
    org.address_line1, org.postal_code, org.city = "8 rue de la Paix", "75002", "Paris"
    org.siren, org.siret, org.vat_number = "552100554", "55210055400013", "FR40552100554"
    org.iban, org.bic = "FR7630006000011234567890189", "AGRIFRPPXXX"
    org.save()
    return org


def _customer(org, ref: str, name: str, language: str = "fr"):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(
        organization=org,
        ref=ref,
        name=name,
        language=language,
        kind="business",
        address_line1="12 rue des Lilas",
        postal_code="34000",
        city="Montpellier",
        siren="732829320",
    )
    Contact.objects.create(organization=org, customer=customer, name="Sophie Martin", role="billing")
    InvoiceFactory(
        customer=customer,
        number=f"{ref}-1",
        issued_on=date(2026, 4, 15),
        due_on=date(2026, 5, 15),
        total=Decimal("12000.00"),
    )
    return customer


def test_the_statement_of_account(creditor):  # type: ignore[no-untyped-def]
    customer = _customer(creditor, "411DUPONT", "Dupont SARL")
    text = pdf_text(render_statement(creditor, customer, AS_OF).pdf)
    assert_reads_true(text)
    assert "à parfaire" in text
    # English statement for an English-speaking customer
    english = _customer(creditor, "411SMITH", "Smith Ltd", language="en")
    text = pdf_text(render_statement(creditor, english, AS_OF).pdf)
    assert_reads_true(text.replace("€183.75", "183,75 €"), S2_RULE_EN)
    assert "to be completed" in text


def test_the_firm_reminder(creditor):  # type: ignore[no-untyped-def]
    customer = _customer(creditor, "411DUPONT", "Dupont SARL")
    invoice = Invoice.objects.get(customer=customer)
    penalty = invoice_penalties(creditor, [invoice.pk], AS_OF)[invoice.pk]
    assert (penalty.interest, penalty.indemnity, penalty.complete) == (Decimal("183.75"), Decimal("40.00"), False)
    line = Line(invoice.number, invoice.due_on, (AS_OF - invoice.due_on).days, invoice.total, "EUR", penalty)
    email = render_email(
        template="firm",
        language="fr",
        organization=creditor,
        customer=customer,
        lines=[line],
        unapplied={},
        deadline_on=None,
        wording=BUILT_IN,
    )
    text = flat(email.text)
    assert_reads_true(text)
    assert "intérêts de retard 183,75 € au taux annuel de 12,15 % du 16/05/2026 au 30/06/2026" in text
    assert "(à parfaire)" in text


def test_the_formal_notice_and_the_penalty_invoice(creditor):  # type: ignore[no-untyped-def]
    customer = _customer(creditor, "411DUPONT", "Dupont SARL")
    policy = Policy.objects.create(organization=creditor, key="letters", name="Letters", segment="standard")
    Step.objects.create(
        policy=policy,
        position=1,
        key="formal_notice",
        offset_days=5,
        channel="registered_letter",
        template="formal_notice",
        deadline_days=15,
    )
    run_collections(creditor, AS_OF, actor=ACTOR)
    assert produce_due_letters(creditor, now=datetime(2026, 12, 7, 9, tzinfo=PARIS), actor=ACTOR) == 1
    text = pdf_text(bytes(Letter.objects.get().pdf))
    assert_reads_true(text)
    assert "(à parfaire)" in text

    # the penalty invoice claims what is known and states the rule of the rest
    # (producing the formal notice claimed the penalties, as the organization's penalty settings say)
    claim_penalties(creditor, Invoice.objects.filter(customer=customer), as_of=AS_OF, actor=ACTOR)
    claim = PenaltyClaim.objects.get(customer=customer)
    assert (claim.interest, claim.indemnity, claim.interest_to) == (
        Decimal("183.75"),
        Decimal("40.00"),
        date(2026, 6, 30),
    )
    invoice = issue_penalty_invoice(creditor, customer, actor=ACTOR, issued_on=AS_OF)
    text = pdf_text(bytes(invoice.content))
    assert_reads_true(text)


def test_the_injonction_request_and_the_dossier_statement(creditor):  # type: ignore[no-untyped-def]
    customer = _customer(creditor, "411DUPONT", "Dupont SARL")
    text = pdf_text(injonction_request(creditor, customer, as_of=AS_OF).pdf)
    assert_reads_true(text)
    assert "(à parfaire)" in text
    from django.utils import translation

    with translation.override("fr"):
        text = pdf_text(statement_pdf(creditor, customer, list(Invoice.objects.filter(customer=customer)), AS_OF))
    assert_reads_true(text)


def test_the_claim_declaration(creditor):  # type: ignore[no-untyped-def]
    customer = _customer(creditor, "411DUPONT", "Dupont SARL")
    procedure = insolvency.record_procedure(
        creditor,
        customer,
        actor=ACTOR,
        kind="receivership",
        judgment_on=date(2026, 10, 15),
        published_on=date(2026, 10, 25),
        court="Tribunal des activités économiques de Montpellier",
        officer_role="mandataire",
        officer_name="Maître Durand",
        officer_address="1 place de la Comédie\n34000 Montpellier",
    )
    text = pdf_text(render_declaration_pdf(procedure, today=AS_OF))
    assert_reads_true(text)
    assert "à parfaire" in text
