"""Golden tests: every document addressed to a debtor cites the law of its kind, and only that law.

Four debtors of the same creditor, each owing the same two invoices on Friday 27 March 2026 (35 and 25 days
late): a company, a consumer, a public hospital (a public legal person under an administrative contract) and a public
body under a private-law contract. For each, in French and in English, every e-mail step (courtesy, reminder, firm,
formal notice), every letter (reminder, firm, formal notice), the statement of account and the penalty invoice are
rendered, and their text (the PDFs' extracted text) is searched for what the debtor's law forbids and for what it
requires. The creditor's legal mentions carry the usual invoice mentions of professionals ("Pénalités de retard ...
40 € (C. com. L441-10)"): only a company gets them at the foot of its letters.

The text is compared with all white space removed, so a mention cut at the end of a line is still found.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from recouvre.collections.models import Action
from recouvre.collections.penalties import Penalty, invoice_penalties
from recouvre.collections.rendering import BUILT_IN, Line, render_email
from recouvre.ledger.actors import Actor
from recouvre.letters.rendering import render_letter
from recouvre.letters.statement import render_statement
from recouvre.penalties.pdf import render_penalty_invoice
from recouvre.penalties.services import PenaltyRefused, claim_penalties, issue_penalty_invoice
from recouvre.testing.factories import InvoiceFactory

from .conftest import AS_OF, make_customer, pdf_text

ACTOR = Actor.system("test")
pytestmark = pytest.mark.django_db

MENTIONS = (
    "ACME Distribution SAS au capital de 50 000 € - RCS Paris B 552 100 554. Pénalités de retard : taux de la BCE "
    "majoré de 10 points ; indemnité forfaitaire pour frais de recouvrement : 40 € (C. com. L441-10). Pas "
    "d'escompte pour paiement anticipé."
)
INVOICES = (("A-1", date(2026, 2, 20), Decimal("1234.56")), ("A-2", date(2026, 3, 2), Decimal("987.65")))

PROFILES = {
    "business": {"kind": "business", "name": "Dupont SARL"},
    "consumer": {"kind": "consumer", "name": "Jeanne Petit"},
    "public_administrative": {"kind": "public", "name": "Centre hospitalier de Sète"},
    "public_private_law": {"kind": "public", "name": "Office public de Sète", "administrative_contract": False},
}
CONSUMER_FORBIDDEN = (
    "L441-10",
    "L. 441-10",
    "D441-5",
    "D. 441-5",
    "40 €",
    "€40",
    "40 EUR",
    "40 euros",
    "40,00",
    "40.00",
    "frais de recouvrement",
    "frais de dossier",
    "indemnité forfaitaire",
    "indemnit",
    "recovery costs",
    "pénalités de retard",
    "late-payment penalties",
)
PUBLIC_FORBIDDEN = ("L441-10", "L. 441-10", "D441-5", "D. 441-5", "exécution forcée", "enforce")
ADMINISTRATIVE_FORBIDDEN = ("injonction de payer", "order for payment")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def forbidden(profile: str) -> tuple[str, ...]:
    if profile == "consumer":
        return CONSUMER_FORBIDDEN
    if profile == "public_administrative":
        return PUBLIC_FORBIDDEN + ADMINISTRATIVE_FORBIDDEN
    if profile == "public_private_law":
        return PUBLIC_FORBIDDEN
    return ()


def assert_lawful(text: str, profile: str, what: str) -> None:
    plain = squash(text)
    found = [m for m in forbidden(profile) if squash(m) in plain]
    assert not found, f"{what} for {profile} mentions {found}:\n{text}"


def assert_cites(text: str, needles: tuple[str, ...], what: str) -> None:
    plain = squash(text)
    missing = [n for n in needles if squash(n) not in plain]
    assert not missing, f"{what} lacks {missing}:\n{text}"


@pytest.fixture
def creditor(org):  # type: ignore[no-untyped-def]
    org.legal_form = "SAS"
    org.address_line1, org.postal_code, org.city = "8 rue de la Paix", "75002", "Paris"
    org.siren, org.vat_number = "552100554", "FR40552100554"
    org.iban, org.bic = "FR7630006000011234567890189", "AGRIFRPPXXX"
    org.legal_mentions = MENTIONS
    org.save()
    return org


def debtor(org, profile: str, language: str):  # type: ignore[no-untyped-def]
    fields = dict(PROFILES[profile])
    customer = make_customer(org, ref=f"411{profile.upper()[:10]}{language}", language=language, **fields)
    invoices = [
        InvoiceFactory(
            customer=customer,
            number=f"{number}-{language}",
            issued_on=due_on - timedelta(days=30),
            due_on=due_on,
            total=total,
        )
        for number, due_on, total in INVOICES
    ]
    return customer, invoices


def lines_of(org, customer, invoices) -> list[Line]:  # type: ignore[no-untyped-def]
    """The e-mail lines with their penalties as the firm step shows them. For the consumer the engine computes
    none (no formal notice yet): a penalty with the 40 EUR is put on its lines anyway, to prove the reminder would
    not show it."""
    found = invoice_penalties(org, [inv.pk for inv in invoices], AS_OF)
    out = []
    for inv in invoices:
        penalty = found.get(inv.pk)
        if customer.kind == "consumer":
            penalty = Penalty(Decimal("5.00"), Decimal("40.00"), "12.15", inv.due_on + timedelta(days=1), AS_OF)
        out.append(Line(inv.number, inv.due_on, (AS_OF - inv.due_on).days, inv.open_amount, "EUR", penalty))
    return out


# What each debtor's firm reminder and formal notice must cite, by language.
FIRM = {
    ("business", "fr"): ("articles L. 441-10 et D. 441-5 du Code de commerce", "40 euros"),
    ("business", "en"): ("articles L. 441-10 and D. 441-5 of the French Commercial Code", "40 euros"),
    ("public", "fr"): ("articles L. 2192-13, R. 2192-31 et D. 2192-35 du Code de la commande publique", "8 points"),
    ("public", "en"): ("articles L2192-13, R2192-31 and D2192-35 of the French Public Procurement Code", "8 points"),
}
NOTICE = {
    ("business", "fr"): (
        "article L. 441-10 du Code de commerce",
        "article D. 441-5 du Code de commerce",
        "injonction de payer",
        "l'exécution forcée de la décision obtenue",
    ),
    ("business", "en"): (
        "article L441-10",
        "article D441-5",
        "order for payment",
        "have the decision obtained enforced",
    ),
    ("consumer", "fr"): (
        "articles 1231-6 et 1344-1 du Code civil",
        "intérêts au taux légal",
        "tribunal judiciaire du lieu de votre domicile",
    ),
    ("consumer", "en"): (
        "articles 1231-6 and 1344-1 of the French Civil Code",
        "interest at the legal rate",
        "civil court (tribunal judiciaire) of the place where you live",
    ),
    ("public_administrative", "fr"): (
        "articles L. 2192-13 et R. 2192-31 du Code de la commande publique",
        "article D. 2192-35",
        "tribunal administratif",
        "article R. 541-1 du Code de justice administrative",
        "comptable public",
    ),
    ("public_administrative", "en"): (
        "articles L2192-13 and R2192-31 of the French Public Procurement Code",
        "article D2192-35",
        "administrative court (tribunal administratif)",
        "article R541-1",
        "public accountant",
    ),
    ("public_private_law", "fr"): (
        "articles L. 2192-13 et R. 2192-31 du Code de la commande publique",
        "juridiction judiciaire compétente",
        "injonction de payer",
        "comptable public",
    ),
    ("public_private_law", "en"): (
        "articles L2192-13 and R2192-31 of the French Public Procurement Code",
        "competent civil court",
        "order for payment",
        "public accountant",
    ),
}
STATEMENT = {
    ("business", "fr"): ("Articles L. 441-10", "D. 441-5", "Indemnités forfaitaires pour frais de recouvrement"),
    ("business", "en"): ("articles L441-10", "D441-5", "Fixed recovery indemnities"),
    ("consumer", "fr"): ("Articles 1231-6 et 1344-1 du Code civil",),
    ("consumer", "en"): ("French Civil Code, articles 1231-6 and 1344-1",),
    ("public", "fr"): ("Articles L. 2192-13, R. 2192-31", "D. 2192-35", "du Code de la commande publique"),
    ("public", "en"): ("French Public Procurement Code, articles L2192-13, R2192-31", "D2192-35"),
}


def _regime(profile: str) -> str:
    return "public" if profile.startswith("public") else profile


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_document_cites_the_debtor_s_law_and_nothing_it_forbids(creditor, profile, language):  # type: ignore[no-untyped-def]
    customer, invoices = debtor(creditor, profile, language)
    regime = _regime(profile)
    lines = lines_of(creditor, customer, invoices)

    # The e-mail of every step, plain text and HTML.
    for key in ("courtesy", "reminder", "firm", "formal_notice"):
        mail = render_email(
            template=key,
            language=language,
            organization=creditor,
            customer=customer,
            lines=lines if key in ("firm", "formal_notice") else [],
            unapplied={},
            deadline_on=date(2026, 4, 13),
            wording=BUILT_IN,
        )
        assert mail.language == language
        for part in (mail.subject, mail.text, mail.html):
            assert_lawful(part, profile, f"the {key} e-mail")
        if key == "firm" and regime != "consumer":
            assert_cites(mail.text, FIRM[(regime, language)], f"the firm e-mail of {profile}")
        if key == "formal_notice" and regime == "consumer":
            assert_cites(mail.text, ("1231-6", "1344-1"), "the consumer's formal notice e-mail")
        if regime == "business":  # the professional's mentions at the foot, as written
            assert "C. com. L441-10" in mail.text
        else:
            assert "Pas d'escompte pour paiement anticipé." in mail.text and "BCE" not in mail.text

    # Every letter: the reminders on the organization's paper and the formal notice.
    for key in ("reminder", "firm", "formal_notice"):
        action = Action(
            organization=creditor,
            customer=customer,
            channel="registered_letter" if key == "formal_notice" else "letter",
            send_on=AS_OF,
            template=key,
            step_key=key,
            lines=[{"invoice_id": inv.pk} for inv in invoices],
        )
        text = pdf_text(render_letter(action, today=AS_OF).pdf)
        assert_lawful(text, profile, f"the {key} letter")
        assert "A-1" in text and "A-2" in text
        if key == "firm" and regime != "consumer":
            assert_cites(text, FIRM[(regime, language)], f"the firm letter of {profile}")
        if key == "formal_notice":
            assert_cites(text, NOTICE[(profile if regime == "public" else regime, language)], "the formal notice")

    # The statement of account.
    text = pdf_text(render_statement(creditor, customer, AS_OF).pdf)
    assert_lawful(text, profile, "the statement")
    assert_cites(text, STATEMENT[(regime, language)], f"the statement of {profile}")

    # The penalty invoice: never for a consumer.
    claims = claim_penalties(creditor, invoices, as_of=AS_OF, actor=ACTOR, source="test")
    if regime == "consumer":
        assert claims == []
        with pytest.raises(PenaltyRefused, match="a consumer owes neither"):
            issue_penalty_invoice(creditor, customer, actor=ACTOR, issued_on=AS_OF)
        with pytest.raises(ValueError):
            render_penalty_invoice(creditor, customer, number="PEN-1", issued_on=AS_OF, claims=[], total=Decimal(0))
        return
    total = sum((c.open_amount for c in claims), Decimal("0.00"))
    text = pdf_text(
        render_penalty_invoice(creditor, customer, number="PEN-2026-00001", issued_on=AS_OF, claims=claims, total=total)
    )
    assert_lawful(text, profile, "the penalty invoice")
    if regime == "public":
        assert_cites(text, ("2192-13", "2192-31", "2192-35"), "the public buyer's penalty invoice")
    else:
        assert_cites(text, ("441-10", "441-5"), "the penalty invoice")
