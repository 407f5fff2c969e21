"""Every e-mail and letter ends with the organization's privacy information (GDPR art. 13/14): the default wording
written from its name and address, or its own text once an administrator wrote one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from recouvre.collections.models import Action, MessageTemplate
from recouvre.collections.rendering import TEMPLATE_KEYS, Line, render_email
from recouvre.ledger.actors import Actor
from recouvre.letters.rendering import render_letter_pdf
from recouvre.letters.statement import render_statement
from recouvre.privacy.models import PrivacySettings
from recouvre.privacy.services import save_settings
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

from .conftest import pdf_text

pytestmark = pytest.mark.django_db
ADMIN = Actor.system("test")
AS_OF = date(2026, 12, 7)
LINES = [Line("F-1", date(2026, 10, 1), 67, Decimal("1200.00"), "EUR")]

FR_B2B = (
    "Données personnelles : Atelier Lumière (SAS), 8 rue de la Paix, 75002 Paris traite les données "
    "d'identification, de contact et de facturation vous concernant pour la gestion de ses factures et le "
    "recouvrement des sommes impayées, sur le fondement de l'exécution du contrat et de son intérêt légitime à "
    "obtenir le paiement de ses créances (RGPD, art. 6.1 b et f)."
)


def _email(org, customer, key, language):  # type: ignore[no-untyped-def]
    return render_email(
        template=key,
        language=language,
        organization=org,
        customer=customer,
        lines=LINES,
        unapplied={},
        deadline_on=date(2026, 12, 22),
    )


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("key", TEMPLATE_KEYS)
def test_every_e_mail_step_ends_with_the_privacy_information(creditor, key, language):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=creditor, ref="411DUPONT", name="Dupont SARL", language=language)
    email = _email(creditor, customer, key, language)
    last = email.text.rstrip().split("\n\n")[-1]
    if language == "fr":
        assert last.startswith("--\n" + FR_B2B)
        assert "puis archivées pendant 5 ans (délai de prescription, C. com. L110-4)" in last
        assert "à exercer par courrier à l'adresse 8 rue de la Paix, 75002 Paris" in last
        assert "les factures sont conservées 10 ans (C. com. L123-22)" in last
    else:
        assert last.startswith("--\nPersonal data: Atelier Lumière (SAS), 8 rue de la Paix, 75002 Paris processes")
        assert "then archived for 5 years (limitation period, French Commercial Code L110-4)" in last
        assert "right of access, rectification, erasure, restriction and objection" in last
    # the HTML part: the same text as its last paragraph, before the end of the body
    assert email.html.rstrip().endswith("</p>\n</body>\n</html>")
    assert 'class="privacy"' in email.html.split("</body>")[0].rsplit("<p", 1)[1]
    assert ("Atelier Lumière (SAS), 8 rue de la Paix" in email.html) and ("CNIL" in email.html.split("</body>")[0])


def test_a_consumer_reads_the_two_year_archive(creditor):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=creditor, ref="411MARTIN", name="Paul Martin", kind="consumer")
    text = _email(creditor, customer, "reminder", "fr").text
    assert "puis archivées pendant 2 ans (délai de prescription, C. conso L218-2)" in text
    assert "5 ans" not in text.split("--\n")[-1]


def test_custom_wording_of_a_message_gets_the_privacy_information_too(creditor):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=creditor, ref="411X", name="Dupont SARL", language="fr")
    MessageTemplate.objects.create(
        organization=creditor, key="reminder", language="fr", subject="Rappel", body="Bonjour"
    )
    email = _email(creditor, customer, "reminder", "fr")
    assert email.custom
    assert email.text.startswith("Bonjour\n\n--\n" + FR_B2B)
    assert FR_B2B.replace("'", "&#x27;") in email.html


def test_the_organization_s_own_text_is_printed_escaped(creditor):  # type: ignore[no-untyped-def]
    own = "Vos données <b>restent</b> chez nous & nos conseils.\nDPO : dpo@atelier.example"
    save_settings(creditor, ADMIN, notice_fr=own, contact="dpo@atelier.example")
    customer = CustomerFactory(organization=creditor, ref="411X", name="Dupont SARL", language="fr")
    email = _email(creditor, customer, "firm", "fr")
    assert email.text.rstrip().endswith("--\n" + own)
    assert (
        "Vos données &lt;b&gt;restent&lt;/b&gt; chez nous &amp; nos conseils.<br>DPO : dpo@atelier.example"
        in email.html
    )
    assert "<b>restent</b>" not in email.html
    # English customers still read the default wording, which names the contact now
    english = CustomerFactory(organization=creditor, ref="411Y", name="Smith Ltd", language="en")
    assert "to be exercised with dpo@atelier.example." in _email(creditor, english, "firm", "en").text


def test_the_privacy_text_has_a_size_limit_and_the_accounting_retention_a_floor(creditor):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as too_long:
        save_settings(creditor, ADMIN, notice_en="x" * 2001)
    assert "notice_en" in too_long.value.message_dict
    with pytest.raises(ValidationError) as too_short:
        save_settings(creditor, ADMIN, accounting_years=5)
    assert "accounting_years" in too_short.value.message_dict
    assert not PrivacySettings.objects.exists()


def _letter(org, customer, key, channel="letter"):  # type: ignore[no-untyped-def]
    invoice = InvoiceFactory(
        customer=customer,
        number=f"F-{customer.ref}",
        issued_on=date(2026, 9, 1),
        due_on=date(2026, 10, 1),
        total=Decimal("1200"),
    )
    action = Action.objects.create(
        organization=org,
        customer=customer,
        channel=channel,
        send_on=AS_OF,
        template=key,
        step_key=key,
        lines=[{"invoice_id": invoice.pk}],
        deadline_on=date(2026, 12, 22),
    )
    return pdf_text(render_letter_pdf(action, today=AS_OF))


def _customer(org, ref, language, kind="business"):  # type: ignore[no-untyped-def]
    return CustomerFactory(
        organization=org,
        ref=ref,
        name="Dupont SARL",
        language=language,
        kind=kind,
        address_line1="12 rue des Lilas",
        postal_code="34000",
        city="Montpellier",
    )


@pytest.mark.parametrize("key", ["courtesy", "reminder", "firm", "formal_notice"])
def test_every_letter_kind_ends_with_the_privacy_information_in_small_print(creditor, key):  # type: ignore[no-untyped-def]
    text = _letter(creditor, _customer(creditor, f"411{key}", "fr"), key)
    assert "Données personnelles : Atelier Lumière (SAS), 8 rue de la Paix, 75002 Paris traite les données" in text
    assert "puis archivées pendant 5 ans" in text and "Vous pouvez saisir la CNIL (www.cnil.fr)." in text
    # after the letter's closing words: the last block of its body
    assert text.index("Données personnelles :") > text.index("l'expression de nos salutations distinguées")


def test_english_letters_and_the_formal_notice_of_a_consumer(creditor):  # type: ignore[no-untyped-def]
    text = _letter(creditor, _customer(creditor, "411EN", "en"), "reminder")
    assert "Personal data: Atelier Lumière (SAS), 8 rue de la Paix, 75002 Paris processes" in text
    notice = _letter(creditor, _customer(creditor, "411ENFN", "en"), "formal_notice", "registered_letter")
    assert "then archived for 5 years (limitation period, French Commercial Code L110-4)" in notice
    consumer = _letter(
        creditor, _customer(creditor, "411C", "fr", kind="consumer"), "formal_notice", "registered_letter"
    )
    assert "puis archivées pendant 2 ans (délai de prescription, C. conso L218-2)" in consumer


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_statement_carries_the_privacy_information(creditor, language):  # type: ignore[no-untyped-def]
    customer = _customer(creditor, "411S" + language, language)
    InvoiceFactory(
        customer=customer, number="F-S", issued_on=date(2026, 9, 1), due_on=date(2026, 10, 1), total=Decimal("100")
    )
    text = pdf_text(render_statement(creditor, customer, AS_OF).pdf)
    expected = "Données personnelles : Atelier Lumière" if language == "fr" else "Personal data: Atelier Lumière"
    assert expected in text


def test_the_edited_wording_shows_up_on_letters(creditor):  # type: ignore[no-untyped-def]
    save_settings(creditor, ADMIN, notice_fr="Protection des données : écrivez à dpo@atelier.example.")
    text = _letter(creditor, _customer(creditor, "411E", "fr"), "reminder")
    assert "Protection des données : écrivez à dpo@atelier.example." in text
    assert "Données personnelles :" not in text


def test_the_penalty_invoice_carries_the_privacy_information(creditor):  # type: ignore[no-untyped-def]
    from recouvre.penalties.services import claim_penalties, issue_penalty_invoice

    customer = _customer(creditor, "411PEN", "fr")
    invoice = InvoiceFactory(
        customer=customer,
        number="F-2025-031",
        issued_on=date(2025, 2, 13),
        due_on=date(2025, 3, 15),
        total=Decimal("12000"),
    )
    claim_penalties(creditor, [invoice], as_of=date(2025, 6, 30), actor=ADMIN)
    penalty_invoice = issue_penalty_invoice(creditor, customer, actor=ADMIN, issued_on=date(2025, 7, 1))
    text = pdf_text(bytes(penalty_invoice.content))
    assert "Données personnelles : Atelier Lumière (SAS), 8 rue de la Paix, 75002 Paris traite" in text
