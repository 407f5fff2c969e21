"""Payment details on letters and statements: the organization's bank details, the customer's RF reference, the
amount demanded and, in euros, the EPC QR code of the transfer; set with ``recouvre org set --iban``. PDFs are real
(WeasyPrint) and read back with pypdf."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from recouvre.cli import main
from recouvre.collections.models import Action
from recouvre.collections.rendering import format_amount
from recouvre.collections.services import run_collections
from recouvre.core.creditor_ref import customer_rf, epc_qr_svg, format_rf, is_valid_rf
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.letters.rendering import letter_context, render_letter_pdf
from recouvre.letters.statement import render_statement, statement_context
from recouvre.organizations.models import Organization
from recouvre.testing.factories import InvoiceFactory

from .conftest import AS_OF, IBAN, five_invoices, make_customer, pdf_text, text_positions

ACTOR = Actor.system("test")
pytestmark = pytest.mark.django_db
IBAN_PRINTED = "FR76 3000 6000 0112 3456 7890 189"


def _text(pdf: bytes) -> str:
    return pdf_text(pdf).replace("\x00", "").replace("\n", " ")


def test_a_reminder_letter_prints_the_bank_details_the_reference_and_the_qr_code_of_the_amount(  # type: ignore[no-untyped-def]
    org, reminder_policy
):
    customer = make_customer(org)
    five_invoices(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    action = Action.objects.get()
    rf = customer_rf(org.pk, customer.pk)
    assert is_valid_rf(rf) and customer.payment_reference == rf

    text = _text(render_letter_pdf(action, today=AS_OF))
    assert "Coordonnées de paiement" in text
    assert "Règlement par virement, en indiquant la référence ci-dessous :" in text
    assert "Titulaire du compte ACME Distribution SAS" in text
    assert f"IBAN {IBAN_PRINTED}" in text and "BIC AGRIFRPPXXX" in text
    assert f"Référence à indiquer {format_rf(rf)}" in text
    assert "Montant dû 4\u202f636,16\u00a0€" in text
    assert "Scannez ce code avec l’application de votre banque" in text

    # the QR code drawn is the EPC one of this transfer: the IBAN, the amount demanded, the reference
    payment = letter_context(action, today=AS_OF)["payment"]
    expected = "\n".join(["BCD", "002", "1", "SCT", "AGRIFRPPXXX", "ACME Distribution SAS", IBAN, "EUR4636.16", "", rf])
    assert payment["qr_payload"] == expected
    assert payment["qr_svg"] == epc_qr_svg(expected, scale=3, border=2)


def test_a_reminder_deducts_the_customers_unapplied_payment_from_the_amount_to_transfer(  # type: ignore[no-untyped-def]
    org, reminder_policy
):
    from recouvre.ledger.services import record_payment

    customer = make_customer(org)
    five_invoices(customer)
    record_payment(org, ACTOR, customer=customer, received_on=AS_OF, amount=Decimal("636.16"), source_key="manual:t1")
    run_collections(org, AS_OF, actor=ACTOR)
    action = Action.objects.get()
    rf = customer_rf(org.pk, customer.pk)

    text = _text(render_letter_pdf(action, today=AS_OF))
    assert "Montant à régler, déduction faite de vos avoirs et règlements non imputés 4\u202f000,00\u00a0€" in text
    assert "Montant dû 4\u202f636,16" not in text
    payment = letter_context(action, today=AS_OF)["payment"]
    assert payment["qr_payload"] == "\n".join(
        ["BCD", "002", "1", "SCT", "AGRIFRPPXXX", "ACME Distribution SAS", IBAN, "EUR4000.00", "", rf]
    )

    from recouvre.collections.rendering import net_of_credits

    assert net_of_credits({"EUR": Decimal("10.00")}, {"EUR": Decimal("12.00")}) == {"EUR": Decimal("0.00")}
    assert net_of_credits({"EUR": Decimal("10.00")}, {"USD": Decimal("5.00")}) == {"EUR": Decimal("10.00")}


def test_the_payment_block_stays_within_the_page(org, reminder_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org, name="Établissements Dupont et Fils, Matériaux de Construction du Languedoc")
    five_invoices(customer)
    org.account_holder = "ACME Distribution SAS – Service Recouvrement Grands Comptes Sud"
    org.save()
    run_collections(org, AS_OF, actor=ACTOR)
    pdf = render_letter_pdf(Action.objects.get(), today=AS_OF)
    pieces = [
        p
        for page in range(len(__import__("pypdf").PdfReader(__import__("io").BytesIO(pdf)).pages))
        for p in text_positions(pdf, page)
    ]
    holder = [(x, y) for x, y, t in pieces if "Service Recouvrement" in t]
    assert holder, "the account holder is printed"
    # A4 is 210 mm wide: every piece of text starts inside the page, the rows of the block at its left
    assert all(0 < x < 200 for x, _y, _t in pieces)
    assert all(x < 80 for x, _y in holder)


def test_an_english_letter_in_dollars_has_the_bank_details_but_no_qr_code(org, reminder_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org, ref="411SMITH", name="Smith Ltd", language="en")
    InvoiceFactory(
        customer=customer,
        number="US-1",
        issued_on=date(2026, 1, 20),
        due_on=date(2026, 2, 19),
        total=Decimal("980.00"),
        currency="USD",
    )
    run_collections(org, AS_OF, actor=ACTOR)
    action = Action.objects.get()
    text = _text(render_letter_pdf(action, today=AS_OF))
    assert "Payment details" in text and "Account holder ACME Distribution SAS" in text
    assert f"IBAN {IBAN_PRINTED}" in text and "BIC AGRIFRPPXXX" in text
    assert f"Reference to quote {format_rf(customer_rf(org.pk, customer.pk))}" in text
    assert "Amount due $980.00" in text
    assert "Scan this code" not in text
    payment = letter_context(action, today=AS_OF)["payment"]
    assert (payment["qr_payload"], str(payment["qr_svg"])) == ("", "")


def test_without_an_iban_a_letter_prints_no_payment_block(org, reminder_policy):  # type: ignore[no-untyped-def]
    org.iban = org.bic = ""
    org.save()
    customer = make_customer(org)
    five_invoices(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    action = Action.objects.get()
    text = _text(render_letter_pdf(action, today=AS_OF))
    assert "Coordonnées de paiement" not in text and "IBAN" not in text and "BIC" not in text
    assert customer.payment_reference_printed not in text
    assert "Règlement par virement, en indiquant la référence 411DUPONT." in text
    assert letter_context(action, today=AS_OF)["payment"] is None
    assert statement_context(org, customer, AS_OF)["payment_block"] is None
    assert "IBAN" not in _text(render_statement(org, customer, AS_OF).pdf)


def test_the_statement_prints_the_balance_to_transfer_with_the_reference(org, letterhead):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    InvoiceFactory(
        customer=customer, number="F-1", issued_on=date(2026, 2, 18), due_on=date(2026, 3, 20), total=Decimal("1200")
    )
    rf = customer_rf(org.pk, customer.pk)
    statement = render_statement(org, customer, AS_OF)
    text = _text(statement.pdf)
    balance = statement.balance
    assert balance > Decimal("1200.00")  # interest and the indemnity to date
    assert "Coordonnées de paiement" in text
    assert f"IBAN {IBAN_PRINTED}" in text and f"Référence à indiquer {format_rf(rf)}" in text
    assert f"Montant dû {format_amount(balance, 'EUR', 'fr')}" in text
    payment = statement_context(org, customer, AS_OF)["payment_block"]
    assert payment["qr_payload"] == "\n".join(
        ["BCD", "002", "1", "SCT", "AGRIFRPPXXX", "ACME Distribution SAS", IBAN, f"EUR{balance:.2f}", "", rf]
    )


# ------------------------------------------------------------------------------------------------ org set --iban


def test_org_set_iban_is_checked_and_stored_compact(org, capsys):  # type: ignore[no-untyped-def]
    code = main(
        ["org", "set", "--org", "acme", "--iban", "fr76 3000 6000 0112 3456 7890 189", "--bic", "agrifrpp", "--json"]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["iban"], out["bic"], out["account_holder"]) == (IBAN, "AGRIFRPP", "ACME Distribution SAS")
    org.refresh_from_db()
    assert (org.iban, org.bic) == (IBAN, "AGRIFRPP")
    assert [e.data["fields"] for e in Event.objects.filter(kind="collections.bank_details_changed")] == ["iban, bic"]

    assert main(["org", "set", "--org", "acme", "--account-holder", "ACME Recouvrement"]) == 0
    assert "acme: payments by transfer to ACME Recouvrement, IBAN FR76 3000 6000 0112 3456 7890 189, BIC AGRIFRPP." in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("option", "value", "field"),
    [
        ("--iban", "FR76 3000 6000 0112 3456 7890 188", "iban"),  # a check digit wrong
        ("--iban", "FR76", "iban"),
        ("--bic", "AGRI", "bic"),
        ("--account-holder", "x" * 71, "account_holder"),
    ],
)
def test_org_set_refuses_bank_details_that_are_not_valid(org, capsys, option, value, field):  # type: ignore[no-untyped-def]
    org.iban, org.bic = IBAN, "AGRIFRPPXXX"
    org.save()
    code = main(["org", "set", "--org", "acme", option, value, "--alsace-moselle", "on", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert (code, out["ok"]) == (1, False)
    assert len(out["errors"]) == 1 and out["errors"][0].startswith(f"{field}: ")
    stored = Organization.objects.get(pk=org.pk)
    assert (stored.iban, stored.bic, stored.account_holder) == (IBAN, "AGRIFRPPXXX", "")
    assert not Event.objects.filter(kind__in=["collections.bank_details_changed", "collections.settings_changed"])


def test_a_bic_without_an_iban_is_refused(org, capsys):  # type: ignore[no-untyped-def]
    assert main(["org", "set", "--org", "acme", "--bic", "AGRIFRPPXXX", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["errors"] == ["bic: A BIC without an IBAN: give the IBAN too."]
    assert Organization.objects.get(pk=org.pk).bic == ""
