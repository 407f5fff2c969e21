"""The injonction de payer request says only what is true for the debtor in front of it, checked on the PDF's text:
the court of its seat, its exact name, the formal notice only when one was posted, no "non contestée" while a
dispute is open, the time-barred and disputed invoices left out and listed apart, the interest after the request as
a formula with its start date, the CPC 1408 request; and it is refused, with the reasons, against an insolvent
customer or a public buyer under an administrative contract."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from recouvre.cli import main
from recouvre.collections.holds import open_dispute, record_insolvency
from recouvre.core import routes
from recouvre.ledger.models import Invoice
from recouvre.proceedings.recommendation import legal_route
from recouvre.proceedings.requete import InjonctionRefused, injonction_request
from recouvre.testing.factories import InvoiceFactory

from .conftest import ACTOR, AFTER_DEADLINE, TRACKING
from .test_documents import flat_text

pytestmark = pytest.mark.django_db


def _customer(org, **fields):  # type: ignore[no-untyped-def]
    from .conftest import five_invoices, make_customer

    customer = make_customer(org, **fields)
    five_invoices(customer, prefix=fields.get("ref", "")[:1])
    return customer


def test_without_a_posted_notice_the_request_says_nothing_of_a_notice(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = _customer(org)
    flat = flat_text(injonction_request(org, customer, as_of=AFTER_DEADLINE).pdf)
    assert "mise en demeure" not in flat.lower()
    assert "malgré" not in flat
    assert "n'en a pas contesté" not in flat  # never reminded: nothing shows it did not contest


def test_a_posted_notice_is_cited_with_its_date_and_tracking_number(org, noticed):  # type: ignore[no-untyped-def]
    flat = flat_text(injonction_request(org, noticed, as_of=AFTER_DEADLINE).pdf)
    assert (
        "Le débiteur a été mis en demeure de payer par lettre recommandée avec demande d'avis de réception postée le "
        f"27/03/2026 (numéro de suivi {TRACKING}), lui laissant un délai de 15 jours à compter de sa réception pour "
        "payer ; les factures sont restées impayées à l'expiration de ce délai." in flat
    )
    assert "relancé, le débiteur n'en a pas contesté le principe" in flat


def test_a_notice_received_is_cited_with_its_receipt_and_the_day_its_time_ran_out(org, noticed):  # type: ignore[no-untyped-def]
    from recouvre.letters.models import Letter
    from recouvre.letters.services import record_acknowledgment

    record_acknowledgment(Letter.objects.get(), acknowledged_on=date(2026, 3, 31), actor=ACTOR, today=date(2026, 3, 31))
    flat = flat_text(injonction_request(org, noticed, as_of=AFTER_DEADLINE).pdf)
    # received on Tuesday 31 March: 15 days from the next day end on Wednesday 15 April (CPC 640-642)
    assert (
        f"postée le 27/03/2026 (numéro de suivi {TRACKING}), reçue le 31/03/2026, lui laissant un délai de 15 jours à "
        "compter de sa réception pour payer (soit jusqu'au 15/04/2026) ; les factures sont restées impayées" in flat
    )


def test_a_disputed_invoice_is_left_out_listed_apart_and_nothing_says_uncontested(org, noticed):  # type: ignore[no-untyped-def]
    open_dispute(org, Invoice.objects.get(number="F-3"), reason_code="quality", actor=ACTOR, today=date(2026, 4, 1))
    request = injonction_request(org, noticed, as_of=AFTER_DEADLINE)
    flat = flat_text(request.pdf)
    assert request.principal == Decimal("2290.49")  # 4 636.16 - 2 345.67
    assert request.disputed == (("F-3", Decimal("2345.67")),)
    assert "contesté le principe" not in flat and "non contest" not in flat
    assert "Factures contestées par le débiteur, réservées pour une action au fond (total 2 345,67 €)" in flat
    assert "F-3 31/01/2026 02/03/2026 2 345,67 €" in flat
    assert "principal 2 290,49 €" in flat
    # the legal route says why: an assignation au fond, not a référé-provision
    route = legal_route(org, noticed, AFTER_DEADLINE).recommendation
    assert route.route is routes.Route.INJONCTION
    assert any("assignation au fond" in r and "F-3" in r and "référé-provision" in r for r in route.reasons)


def test_a_time_barred_consumer_invoice_is_left_out_and_listed_with_its_last_day(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = _customer(org, ref="C411MARTIN", name="Jeanne Martin", kind="consumer")
    InvoiceFactory(
        customer=customer,
        number="C-OLD",
        issued_on=date(2024, 1, 10),
        due_on=date(2024, 2, 10),
        total=Decimal("321.00"),
    )
    request = injonction_request(org, customer, as_of=AFTER_DEADLINE)
    flat = flat_text(request.pdf)
    assert request.time_barred == (("C-OLD", Decimal("321.00"), date(2026, 1, 10)),)  # 2 years (C. conso L218-2)
    assert request.principal == Decimal("4636.16")
    assert "Factures prescrites, non réclamées (total 321,00 €)" in flat
    assert "C-OLD 10/01/2024 10/02/2024 321,00 € 10/01/2026" in flat
    assert "principal 4 636,16 €" in flat
    # the consumer's interest after the request, without a notice: from the service of the order
    assert (
        "les intérêts au taux de l'intérêt légal sur le principal de 4 636,16 € à compter de la signification de "
        "l'ordonnance jusqu'à complet paiement" in flat
    )
    # one time-barred invoice does not make the customer time-barred
    assert legal_route(org, customer, AFTER_DEADLINE).recommendation.route is not routes.Route.TIME_BARRED


def test_the_court_comes_from_the_registered_office_with_the_legal_form_and_representative(org, noticed):  # type: ignore[no-untyped-def]
    noticed.registered_office = "5 avenue Foch\n69006 Lyon"
    noticed.legal_form = "SARL"
    noticed.representative = "M. Jean Dupont, gérant"
    noticed.save()
    request = injonction_request(org, noticed, as_of=AFTER_DEADLINE)
    flat = flat_text(request.pdf)
    assert request.court == "Tribunal des activités économiques dans le ressort duquel est situé 69006 Lyon"
    assert "Président du Tribunal des activités économiques dans le ressort duquel est situé 69006 Lyon" in flat
    assert "Siège social : 5 avenue Foch 69006 Lyon" in flat
    assert "Forme juridique : SARL" in flat
    assert "Représentée par : M. Jean Dupont, gérant" in flat
    assert "Montpellier" not in flat
    assert request.warnings == ()


def test_without_a_registered_office_only_the_staff_are_told_the_billing_address_is_used(org, noticed):  # type: ignore[no-untyped-def]
    request = injonction_request(org, noticed, as_of=AFTER_DEADLINE)
    flat = flat_text(request.pdf)
    assert request.court == "Tribunal de commerce dans le ressort duquel est situé 34000 Montpellier"
    assert [w for w in request.warnings if "billing address" in w]
    debtor = flat.split("DÉBITEUR)")[1].split("Objet de la demande")[0]
    assert "12 rue des Lilas" in debtor and "factur" not in debtor.lower()
    assert "Siège social" not in flat


def test_the_name_is_printed_exactly_and_the_legal_form_once(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = _customer(org, ref="R411REMY", name="Rémy-Charpentier Bâtisud SAS", legal_form="SAS")
    request = injonction_request(org, customer, as_of=AFTER_DEADLINE)
    flat = flat_text(request.pdf)
    assert "u002D" not in flat and "\\u" not in flat
    assert "Requête en injonction de payer – ACME Distribution SAS c/ Rémy-Charpentier Bâtisud SAS" in flat  # footer
    assert "SAS SAS" not in flat
    assert flat.count("Forme juridique : SAS") == 2  # the creditor's and the debtor's, each once


def test_the_request_asks_for_later_interest_by_formula_and_the_cpc_1408_referral(org, noticed):  # type: ignore[no-untyped-def]
    flat = flat_text(injonction_request(org, noticed, as_of=AFTER_DEADLINE).pdf)
    assert (
        "outre les pénalités de retard sur le principal de 4 636,16 € au taux d'intérêt appliqué par la Banque "
        "centrale européenne à son opération de refinancement la plus récente, majoré de 10 points (article L441-10 "
        "II du Code de commerce), soit 12,15 % l'an à ce jour, à compter du 21/04/2026 jusqu'à complet paiement" in flat
    )
    assert (
        "Pour le cas où le défendeur formerait opposition, le demandeur demande, en application de l'article 1408 du "
        "Code de procédure civile, le renvoi de l'affaire devant la juridiction compétente, soit le Tribunal de "
        "commerce dans le ressort duquel est situé 34000 Montpellier." in flat
    )


def test_no_request_against_a_customer_under_insolvency_proceedings(org, noticed):  # type: ignore[no-untyped-def]
    from recouvre.legal.insolvency import record_procedure

    record_procedure(
        org,
        noticed,
        actor=ACTOR,
        kind="receivership",
        judgment_on=date(2026, 4, 15),
        published_on=date(2026, 4, 17),
        court="Tribunal de commerce de Montpellier",
        officer_role="mandataire",
        officer_name="Me Durand",
        officer_address="1 place de la Comédie, 34000 Montpellier",
    )
    with pytest.raises(InjonctionRefused) as refused:
        injonction_request(org, noticed, as_of=AFTER_DEADLINE)
    assert any("Insolvency or over-indebtedness proceedings are open" in r for r in refused.value.reasons)
    route = legal_route(org, noticed, AFTER_DEADLINE).recommendation
    assert route.route is routes.Route.INSOLVENCY and not route.judicial


def test_an_insolvency_hold_alone_stops_the_formal_notice_recommendation(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = _customer(org)
    record_insolvency(org, customer, actor=ACTOR, opened_on=date(2026, 4, 1))
    route = legal_route(org, customer, AFTER_DEADLINE).recommendation
    assert route.route is routes.Route.INSOLVENCY  # not "send a formal notice"
    with pytest.raises(InjonctionRefused):
        injonction_request(org, customer, as_of=AFTER_DEADLINE)


def test_no_request_against_a_public_buyer_under_an_administrative_contract(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = _customer(org, ref="H411CHU", name="Centre hospitalier de Sète", kind="public")
    with pytest.raises(InjonctionRefused) as refused:
        injonction_request(org, customer, as_of=AFTER_DEADLINE)
    assert any("référé-provision before the tribunal administratif" in r for r in refused.value.reasons)
    customer.administrative_contract = False  # a private-law contract (e.g. an SEM's): the civil route is open
    customer.save()
    assert injonction_request(org, customer, as_of=AFTER_DEADLINE).principal == Decimal("4636.16")


def test_the_exhibits_are_listed_without_being_drawn(org, noticed, monkeypatch):  # type: ignore[no-untyped-def]
    from recouvre.dossier import pdfs

    def drawn(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("an exhibit was drawn to list it")

    monkeypatch.setattr(pdfs, "invoice_copy_pdf", drawn)
    monkeypatch.setattr(pdfs, "statement_pdf", drawn)
    request = injonction_request(org, noticed, as_of=AFTER_DEADLINE)
    assert [e.kind for e in request.exhibits].count("invoice_copy") == 5
    assert "Décompte" in flat_text(request.pdf) or request.exhibits[-1].kind == "statement"


# ------------------------------------------------------------------------------------------------ CLI and web


def test_recouvre_injonction_exits_1_with_the_reasons(capsys, tmp_path, org, noticed):  # type: ignore[no-untyped-def]
    record_insolvency(org, noticed, actor=ACTOR, opened_on=date(2026, 4, 15))
    out = tmp_path / "requete.pdf"
    args = ["injonction", "411DUPONT", "--org", org.slug, "--as-of", "2026-04-20", "--out", str(out)]
    assert main(args) == 1
    text = capsys.readouterr().out
    assert "recouvre: refused: no injonction de payer request for Dupont SARL:" in text
    assert "- Insolvency or over-indebtedness proceedings are open" in text
    assert main([*args, "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False
    assert any("Insolvency or over-indebtedness" in r for r in payload["reasons"])
    assert not out.exists()


def test_the_web_request_refused_shows_the_reasons(logged_client, org, noticed):  # type: ignore[no-untyped-def]
    logged_client.cookies["django_language"] = "en"
    record_insolvency(org, noticed, actor=ACTOR, opened_on=date(2026, 4, 15))
    with time_machine.travel("2026-04-20 12:00:00+02:00", tick=False):
        page = logged_client.get(reverse("customer_detail", args=[noticed.pk])).content.decode()
        assert reverse("injonction_pdf", args=[noticed.pk]) not in page  # no button
        assert "Insolvency proceedings: declare the claim, no collection" in page
        response = logged_client.post(reverse("injonction_pdf", args=[noticed.pk]))
    body = response.content.decode()
    assert response.status_code == 409
    assert "No injonction de payer request can be made against Dupont SARL:" in body
    assert "Insolvency or over-indebtedness proceedings are open" in body


def test_an_order_not_served_in_time_no_longer_interrupts_prescription(org, notice_policy):  # type: ignore[no-untyped-def]
    from recouvre.legal.prescription import invoices_prescription
    from recouvre.proceedings.services import open_proceeding, update_proceeding

    customer = _customer(org, ref="C411MARTIN", name="Jeanne Martin", kind="consumer")
    old = InvoiceFactory(
        customer=customer, number="C-OLD", issued_on=date(2024, 1, 10), due_on=date(2024, 2, 10), total=Decimal("321")
    )
    p = open_proceeding(org, customer, route="injonction", actor=ACTOR, today=date(2025, 3, 1))
    update_proceeding(p, actor=ACTOR, filed_on=date(2025, 3, 1), order_on=date(2025, 3, 20))

    def limit(as_of: date) -> date | None:
        [row] = [r for r in invoices_prescription(org, invoice_ids=[old.pk], as_of=as_of)]
        return row.result.limit_on

    assert limit(date(2025, 9, 1)) is None  # within the 6 months to serve: the court claim interrupts
    # never served by Monday 22 September 2025 (6 months, CPC 1411, 641-642): void, the invoice's own limit is back
    assert limit(date(2025, 9, 22)) is None
    assert limit(date(2025, 9, 23)) == date(2026, 1, 10)


def test_the_legal_route_card_of_a_public_buyer_offers_no_injonction(logged_client, org, notice_policy):  # type: ignore[no-untyped-def]
    customer = _customer(org, ref="H411CHU", name="Centre hospitalier de Sète", kind="public")
    logged_client.cookies["django_language"] = "en"
    with time_machine.travel("2026-04-20 12:00:00+02:00", tick=False):
        page = logged_client.get(reverse("customer_detail", args=[customer.pk])).content.decode()
    assert reverse("injonction_pdf", args=[customer.pk]) not in page  # no button, whatever the stage
    assert "Formal notice (mise en demeure)" in page  # 90 days overdue, no notice yet: send one first
    assert any("tribunal administratif" in r for r in legal_route(org, customer, AFTER_DEADLINE).refusals)
