"""The law of each debtor, chosen in one place: which articles, which clauses, which legal mentions."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from recouvre.core.lawtexts import Debtor, for_customer, forbidden_found, law_texts, mentions_for

BUSINESS = Debtor("business")
CONSUMER = Debtor("consumer")
HOSPITAL = Debtor("public", public_person=True, administrative_contract=True)
PUBLIC_PRIVATE_LAW = Debtor("public", public_person=True, administrative_contract=False)
SEM = Debtor("business", public_person=False, administrative_contract=False)

MENTIONS = (
    "Acme SAS au capital de 50 000 € - RCS Lyon B 123 456 789 - BIC AGRIFRPPXXX. Pénalités de retard : taux de la "
    "BCE majoré de 10 points ; indemnité forfaitaire pour frais de recouvrement : 40 € (C. com. L441-10). Pas "
    "d'escompte pour paiement anticipé."
)


def test_a_customer_s_attributes_follow_its_kind_unless_recorded():
    assert Debtor.of(SimpleNamespace(kind="public")) == HOSPITAL
    assert Debtor.of(SimpleNamespace(kind="public", is_public_person=True, has_administrative_contract=False)) == (
        PUBLIC_PRIVATE_LAW
    )
    assert Debtor.of(SimpleNamespace(kind="consumer", is_public_person=False, has_administrative_contract=False)) == (
        CONSUMER
    )
    assert Debtor.of(SimpleNamespace(kind="")) == BUSINESS
    assert for_customer(SimpleNamespace(kind="consumer"), "de").language == "en"


def test_a_business_is_reminded_of_l441_10_and_d441_5():
    texts = law_texts(BUSINESS, "fr")
    assert (texts.penalties, texts.indemnity, texts.penalty_invoice) == (True, True, True)
    assert "articles L. 441-10 et D. 441-5 du Code de commerce" in texts.firm_notice
    assert "40 euros par facture" in texts.firm_notice
    assert texts.indemnity_label.format(count=3) == (
        "Indemnités forfaitaires pour frais de recouvrement (40 € × 3, article D. 441-5 du Code de commerce)"
    )
    assert "injonction de payer" in texts.consequences and "l'exécution forcée" in texts.consequences
    assert texts.references.endswith(
        "articles L. 441-10 et D. 441-5 du Code de commerce (pénalités de retard et indemnité forfaitaire)"
    )


def test_a_consumer_gets_legal_interest_from_the_notice_and_nothing_of_the_professionals():
    for language in ("fr", "en"):
        texts = law_texts(CONSUMER, language)
        assert (texts.penalties, texts.indemnity, texts.penalty_invoice) == (False, False, False)
        assert texts.firm_notice == texts.penalties_title == texts.indemnity_label == texts.penalty_invoice_basis == ""
        assert "1231-6" in texts.formal_notice_clause and "1344-1" in texts.notice_basis
        everything = " ".join(v for v in vars(texts).values() if isinstance(v, str))
        assert forbidden_found(everything, CONSUMER) == []
        assert "frais" not in everything and "costs" not in everything
    assert "tribunal judiciaire du lieu de votre domicile" in law_texts(CONSUMER, "fr").consequences


def test_a_public_buyer_gets_the_public_procurement_code_and_no_enforcement():
    texts = law_texts(HOSPITAL, "fr")
    assert "L. 2192-13, R. 2192-31 et D. 2192-35 du Code de la commande publique" in texts.firm_notice
    assert "majoré de 8 points" in texts.firm_notice
    assert texts.consequences == (
        "À défaut de règlement intégral dans ce délai, nous saisirons sans autre avis le tribunal administratif "
        "compétent d'une demande de provision en référé (article R. 541-1 du Code de justice administrative). Les "
        "intérêts moratoires continueront de courir jusqu'au complet paiement. Le paiement des sommes allouées par "
        "la décision obtenue sera demandé à votre ordonnateur et à votre comptable public (loi n° 80-539 du "
        "16 juillet 1980) ; les frais de procédure pourront être mis à votre charge."
    )
    assert texts.references.endswith("article R. 541-1 du Code de justice administrative (référé-provision)")
    for debtor in (HOSPITAL, PUBLIC_PRIVATE_LAW):
        for language in ("fr", "en"):
            everything = " ".join(v for v in vars(law_texts(debtor, language)).values() if isinstance(v, str))
            assert forbidden_found(everything, debtor) == [], (debtor, language)
    civil = law_texts(PUBLIC_PRIVATE_LAW, "en").consequences
    assert "order for payment" in civil and "competent civil court" in civil and "public accountant" in civil


def test_a_private_law_buyer_of_the_public_sector_is_a_business():
    assert law_texts(SEM, "fr") == law_texts(BUSINESS, "fr")


@pytest.mark.parametrize(
    ("debtor", "expected"),
    [
        (BUSINESS, MENTIONS),
        (
            CONSUMER,
            "Acme SAS au capital de 50 000 € - RCS Lyon B 123 456 789 - BIC AGRIFRPPXXX. Pas d'escompte pour "
            "paiement anticipé.",
        ),
        (
            HOSPITAL,
            "Acme SAS au capital de 50 000 € - RCS Lyon B 123 456 789 - BIC AGRIFRPPXXX. Pas d'escompte pour "
            "paiement anticipé.",
        ),
    ],
)
def test_the_legal_mentions_leave_out_the_professionals_payment_mentions_for_others(debtor, expected):
    assert mentions_for(MENTIONS, debtor) == expected


def test_the_mentions_keep_their_lines_and_drop_a_line_of_payment_mentions():
    text = (
        "SAS au capital de 10 000 EUR\nLate payment penalties: ECB rate + 10 points; €40 recovery indemnity.\nRCS Paris"
    )
    assert mentions_for(text, CONSUMER) == "SAS au capital de 10 000 EUR\nRCS Paris"
    assert mentions_for("Indemnité forfaitaire : 40 euros (art. D. 441-5 C. com.). RCS Paris.", HOSPITAL) == (
        "RCS Paris."
    )


def test_forbidden_mentions_by_debtor():
    text = "Article L. 441-10 : 40 € d'indemnité, frais de dossier ; exécution forcée ; injonction de payer."
    assert forbidden_found(text, BUSINESS) == []
    assert forbidden_found(text, CONSUMER) == ["L. 441-10", "40 €", "frais de dossier"]
    assert forbidden_found(text, HOSPITAL) == ["L. 441-10", "exécution forcée", "injonction de payer"]
    assert forbidden_found(text, PUBLIC_PRIVATE_LAW) == ["L. 441-10", "exécution forcée"]
    # amounts that merely end in 40 are not the indemnity
    assert forbidden_found("Total : 1 240,00 € ; 140 EUR ; €40.50", CONSUMER) == []
    assert forbidden_found("a fixed recovery indemnity of €40, per invoice", CONSUMER) == ["recovery indemnity", "€40"]
