"""The statement of account (relevé de compte): every open invoice with its payments, balance, days overdue,
interest to date and indemnity, the unapplied payments, the totals, the rate basis and the legal references,
checked on the text of the real PDF; from the command line too."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from recouvre.cli import main
from recouvre.ledger.actors import Actor
from recouvre.ledger.services import allocate, record_payment
from recouvre.letters.statement import render_statement
from recouvre.testing.factories import InvoiceFactory

from .conftest import make_customer, pdf_text

ACTOR = Actor.system("test")
AS_OF = date(2026, 3, 27)
pytestmark = pytest.mark.django_db


def _account(org):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    InvoiceFactory(
        customer=customer, number="F-5", issued_on=date(2025, 12, 21), due_on=date(2026, 1, 20), total=Decimal("999.99")
    )
    InvoiceFactory(
        customer=customer, number="F-3", issued_on=date(2026, 1, 31), due_on=date(2026, 3, 2), total=Decimal("2345.67")
    )
    f1 = InvoiceFactory(
        customer=customer, number="F-1", issued_on=date(2026, 2, 18), due_on=date(2026, 3, 20), total=Decimal("1200.00")
    )
    payment = record_payment(
        org,
        ACTOR,
        customer=customer,
        received_on=date(2026, 3, 24),
        amount=Decimal("250.00"),
        source_key="p1",
        reference="VIR 0324",
    )
    allocate(ACTOR, invoice=f1, amount=Decimal("200.00"), payment=payment)
    return customer


def test_the_statement_lists_each_open_invoice_with_its_penalties_to_the_cent(org, letterhead):  # type: ignore[no-untyped-def]
    customer = _account(org)
    statement = render_statement(org, customer, AS_OF)
    text = pdf_text(statement.pdf).replace("\n", " ")
    eur = lambda s: s.replace(" ", "\u202f") + "\u00a0€"  # noqa: E731 - "2 345,67" as French writes amounts
    assert "RELEVÉ DE COMPTE au 27/03/2026" in text
    assert "Dupont SARL" in text and "Votre compte client : 411DUPONT" in text
    # 12.15 % a year (ECB 2.15 % on 1 January 2026 + 10 points), from the day after the due date, 365 days.
    # The 50.00 of the payment of 24 March not applied goes, for the interest, to the oldest overdue invoice, F-5,
    # from the 25th: F-5: (999.99 x 63 days + 949.99 x 3 days) x 12.15 % / 365 = 21.92 (21.97 without it);
    # F-3: 2345.67 x 12.15 % x 25 / 365 = 19.52;
    # F-1: (1200.00 x 4 days + 1000.00 x 3 days, the payment of 24 March counting from the 25th) x 12.15 % / 365 = 2.60
    assert (
        f"F-5 21/12/2025 20/01/2026 {eur('999,99')} {eur('0,00')} {eur('999,99')} 66 {eur('21,92')} {eur('40,00')}"
        in text
    )
    assert (
        f"F-3 31/01/2026 02/03/2026 {eur('2 345,67')} {eur('0,00')} {eur('2 345,67')} 25 {eur('19,52')} {eur('40,00')}"
        in text
    )
    assert (
        f"F-1 18/02/2026 20/03/2026 {eur('1 200,00')} {eur('200,00')} {eur('1 000,00')} 7 {eur('2,60')} {eur('40,00')}"
        in text
    )
    assert f"Totaux {eur('4 545,66')} {eur('200,00')} {eur('4 345,66')} {eur('44,04')} {eur('120,00')}" in text
    assert f"24/03/2026 VIR 0324 {eur('50,00')}" in text  # the part of the payment not applied
    assert f"Principal restant dû {eur('4 345,66')}" in text
    assert f"Intérêts de retard à ce jour {eur('44,04')}" in text
    assert f"Indemnités forfaitaires pour frais de recouvrement {eur('120,00')}" in text
    assert f"Moins les règlements et avoirs non imputés {eur('-50,00')}" in text
    assert f"Solde du compte, pénalités comprises {eur('4 459,70')}" in text
    assert "déduits, pour le calcul des intérêts, des factures échues les plus anciennes" in text
    assert "1er semestre 2026 : taux annuel 12,15 %" in text
    assert "2d semestre 2025" not in text  # F-5's delay starts on 21 January 2026
    assert "L. 441-10" in text and "D. 441-5" in text
    assert (statement.principal, statement.interest, statement.indemnity, statement.unapplied, statement.balance) == (
        Decimal("4345.66"),
        Decimal("44.04"),
        Decimal("120.00"),
        Decimal("50.00"),
        Decimal("4459.70"),
    )


def test_a_disputed_invoice_is_listed_apart_and_left_out_of_the_amount_claimed(org, letterhead):  # type: ignore[no-untyped-def]
    from recouvre.collections.holds import open_dispute
    from recouvre.ledger.models import Invoice

    customer = _account(org)
    open_dispute(org, Invoice.objects.get(number="F-3"), reason_code="quality", actor=ACTOR, today=date(2026, 3, 10))
    statement = render_statement(org, customer, AS_OF)
    text = pdf_text(statement.pdf).replace("\n", " ")
    eur = lambda s: s.replace(" ", "\u202f") + "\u00a0€"  # noqa: E731
    assert f"Factures suspendues, non réclamées à ce jour F-3 02/03/2026 en litige {eur('2 345,67')}" in text
    assert "F-3 31/01/2026" not in text  # not among the invoices claimed
    # F-5 and F-1 only: 999.99 + 1 000.00 principal, 21.92 + 2.60 interest (the 50.00 not applied still going to
    # F-5, the oldest overdue invoice not disputed), 2 indemnities
    assert f"Totaux {eur('2 199,99')} {eur('200,00')} {eur('1 999,99')} {eur('24,52')} {eur('80,00')}" in text
    assert (statement.principal, statement.interest, statement.indemnity) == (
        Decimal("1999.99"),
        Decimal("24.52"),
        Decimal("80.00"),
    )


def test_a_consumer_statement_has_no_indemnity_and_says_legal_interest_runs_from_the_notice(org, letterhead):  # type: ignore[no-untyped-def]
    customer = make_customer(org, language="en", kind="consumer")
    InvoiceFactory(
        customer=customer, number="C-1", issued_on=date(2026, 1, 31), due_on=date(2026, 3, 2), total=Decimal("300.00")
    )
    text = pdf_text(render_statement(org, customer, AS_OF).pdf).replace("\n", " ")
    assert "STATEMENT OF ACCOUNT as of 27 Mar 2026" in text
    assert "C-1 31 Jan 2026 2 Mar 2026 €300.00 €0.00 €300.00 25 —" in text
    assert "Indemnity" not in text and "indemnities" not in text
    assert "Interest at the legal rate to date €0.00" in text
    assert (
        "Interest at the legal rate runs from the formal notice (French Civil Code, articles 1231-6 and 1344-1); it "
        "is not counted on this statement as of 27 Mar 2026."
    ) in text
    assert "not computed" not in text and "give its date" not in text and "penalties" not in text
    assert "Balance of the account €300.00" in text
    assert "French Civil Code, articles 1231-6 and 1344-1" in text
    assert "L441-10" not in text


def test_recouvre_statement_writes_the_pdf(org, letterhead, tmp_path, capsys):  # type: ignore[no-untyped-def]
    _account(org)
    out = tmp_path / "releve.pdf"
    assert main(["statement", "411DUPONT", "--org", "acme", "--as-of", "2026-03-27", "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {
        "customer": "411DUPONT",
        "as_of": "2026-03-27",
        "file": str(out),
        "principal": "4345.66",
        "interest": "44.04",
        "indemnity": "120.00",
        "penalties_settled": "0.00",
        "penalties_due": "0.00",
        "unapplied": "50.00",
        "balance": "4459.70",
        "portal_link": None,  # the server has no public address: no link to the customer portal
    }
    assert "RELEVÉ DE COMPTE au 27/03/2026" in pdf_text(out.read_bytes())
    assert main(["statement", "411NOBODY", "--org", "acme", "--out", str(tmp_path / "x.pdf")]) == 1
    assert "no customer with the reference '411NOBODY'" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
