"""Stories: the reminders a consumer and a public buyer receive cite their own law, whatever the organization wrote
for its professionals, and the small-accounts policy (fully automatic) sends a consumer nothing the law forbids."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from recouvre.collections.dispatch import dispatch_due
from recouvre.collections.models import Action, MessageTemplate
from recouvre.collections.rendering import BUILT_IN, Line, built_in_wording, render_email
from recouvre.collections.services import ensure_default_policies, run_collections
from recouvre.collections.tests import test_dispatch
from recouvre.collections.tests.test_dispatch import Keep, _customer, _parse, _text
from recouvre.core.lawtexts import Debtor, forbidden_found
from recouvre.ledger.actors import Actor
from recouvre.letters.models import Letter
from recouvre.letters.services import produce_due_letters
from recouvre.letters.tests.conftest import pdf_text
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

ACTOR = Actor.system("test")
PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db
smtp_server = test_dispatch.smtp

PROFESSIONAL_MENTIONS = (
    "SAS au capital de 10 000 EUR - RCS Paris 552 100 554. Pénalités de retard : taux de la BCE majoré de 10 points ; "
    "indemnité forfaitaire pour frais de recouvrement : 40 € (C. com. L441-10)."
)
LINES = [Line("F-1", date(2026, 3, 2), 25, Decimal("1234.56"), "EUR")]


@pytest.fixture
def acme(org):  # type: ignore[no-untyped-def]
    org.iban, org.bic, org.legal_form, org.siren = "FR7630006000011234567890189", "AGRIFRPPXXX", "SAS", "552100554"
    org.address_line1, org.postal_code, org.city = "1 rue de la Paix", "75002", "Paris"
    org.legal_mentions = PROFESSIONAL_MENTIONS
    org.save()
    return org


def _render(org, customer, key, wording):  # type: ignore[no-untyped-def]
    return render_email(
        template=key,
        language=customer.language,
        organization=org,
        customer=customer,
        lines=LINES,
        unapplied={},
        deadline_on=date(2026, 4, 9),
        wording=wording,
    )


def test_a_wording_written_for_professionals_never_reaches_a_consumer_or_a_public_buyer(acme):  # type: ignore[no-untyped-def]
    MessageTemplate.objects.create(
        organization=acme,
        key="firm",
        language="fr",
        subject="Relance ferme",
        body="Article L. 441-10 du Code de commerce : 40 euros de frais de recouvrement par facture.\n"
        "{{ invoice_table }}\n{{ legal_footer }}",
    )
    company = CustomerFactory(organization=acme, ref="411DUP", name="Dupont SARL", kind="business")
    consumer = CustomerFactory(organization=acme, ref="411PETIT", name="Jeanne Petit", kind="consumer")
    hospital = CustomerFactory(organization=acme, ref="411CHS", name="Centre hospitalier", kind="public")

    mail = _render(acme, company, "firm", None)
    assert mail.custom and mail.subject == "Relance ferme"
    assert "40 euros de frais de recouvrement" in mail.text and "(C. com. L441-10)" in mail.text

    mail = _render(acme, consumer, "firm", None)  # the built-in wording instead, with the consumer's law
    assert not mail.custom and mail.subject.startswith("Relance : factures impayées")
    assert forbidden_found(mail.text + mail.html, Debtor("consumer")) == []
    assert "SAS au capital de 10 000 EUR - RCS Paris 552 100 554." in mail.text and "BCE" not in mail.text

    mail = _render(acme, hospital, "firm", None)
    assert not mail.custom
    assert "articles L. 2192-13, R. 2192-31 et D. 2192-35 du Code de la commande publique" in mail.text
    assert forbidden_found(mail.text + mail.html, Debtor("public", True, True)) == []


@pytest.mark.parametrize("kind", ["consumer", "public"])
@pytest.mark.parametrize("key", ["firm", "formal_notice"])
def test_the_built_in_wording_as_a_starting_point_keeps_each_debtor_s_law(acme, kind, key):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=acme, ref="411X", name="Débiteur", kind=kind, language="fr")
    built_in = _render(acme, customer, key, BUILT_IN)
    starter = _render(acme, customer, key, built_in_wording(key, "fr"))
    assert starter.custom
    assert starter.text.rstrip() == built_in.text.rstrip()
    if kind == "public":
        assert "Code de la commande publique" in starter.text
    elif key == "formal_notice":
        assert "articles 1231-6 et 1344-1 du Code civil" in starter.text


def test_the_small_accounts_policy_sends_a_consumer_nothing_the_law_forbids(acme, smtp_server):  # type: ignore[no-untyped-def]
    """The seeded small-accounts ladder, fully automatic: reminder at +7, firm e-mail at +20, formal notice by
    registered letter at +35 without approval. The consumer's firm e-mail cites no penalties, its formal notice makes
    legal interest run, and nothing mentions L441-10, the 40 EUR or collection costs."""
    server = smtp_server(Keep())
    ensure_default_policies(acme)
    customer = _customer(acme)
    customer.kind, customer.segment = "consumer", "small"
    customer.name = "Jeanne Petit"
    customer.address_line1, customer.postal_code, customer.city = "3 rue Basse", "34200", "Sète"
    customer.save()
    InvoiceFactory(
        customer=customer, number="C-1", issued_on=date(2026, 1, 2), due_on=date(2026, 2, 2), total=Decimal("1234.56")
    )
    for day in (date(2026, 2, 9), date(2026, 2, 23), date(2026, 3, 9)):
        run_collections(acme, day, actor=ACTOR)
        dispatch_due(acme, now=datetime(day.year, day.month, day.day, 9, 0, tzinfo=PARIS), actor=ACTOR)
    produce_due_letters(acme, now=datetime(2026, 3, 9, 9, 30, tzinfo=PARIS), actor=ACTOR)

    assert [a.step_key for a in Action.objects.filter(customer=customer).order_by("send_on")] == [
        "reminder",
        "firm",
        "formal_notice",
    ]
    reminder, firm = (_parse(raw) for _rcpt, raw in server.messages)
    assert "Malgré notre précédent rappel" in _text(firm)
    consumer = Debtor("consumer")
    for message in (reminder, firm):
        body = _text(message) + str(message.get_body(("html",)).get_content())
        assert forbidden_found(body, consumer) == [], body
        assert "Pénalités" not in body and "pénalités" not in body
    notice = pdf_text(bytes(Letter.objects.get(customer=customer).pdf))
    assert "MISE EN DEMEURE" in notice
    assert forbidden_found(notice, consumer) == [], notice
    assert "la présente mise en demeure fait courir les intérêts au taux légal" in notice.replace("\n", " ")
    assert "tribunal judiciaire du lieu de votre domicile" in notice.replace("\n", " ")
