"""Penalties to the end: the penalties claimed and still owed once the principal is paid are on the statement of
account with their amounts and in its total, and asked for by a step of their own (a business only: never a
consumer, never penalties waived), e-mailed to a real SMTP server or posted as a letter; and interest runs on the
amount actually overdue once the customer's unapplied credits are counted, the same figure everywhere."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from recouvre.collections.dispatch import dispatch_due
from recouvre.collections.models import Action, ActionState, CollectionSettings, ItemStep
from recouvre.collections.penalties import invoice_penalties
from recouvre.collections.services import run_collections
from recouvre.collections.tests import test_dispatch
from recouvre.collections.tests.test_dispatch import Keep, _parse, _text
from recouvre.core.ratetables import HalfYear
from recouvre.ledger.models import Event, Invoice
from recouvre.ledger.services import allocate, create_credit_note
from recouvre.ledger.timeline import describe
from recouvre.legal.selectors import invoices_interest, rate_tables
from recouvre.letters.models import Letter
from recouvre.letters.statement import render_statement
from recouvre.penalties.services import apply_payment, claim_penalties, waive_penalties
from recouvre.testing.factories import CustomerFactory, InvoiceFactory
from recouvre.testing.outbox import carry_out

from .conftest import ACTOR, payment, pdf_text

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db
smtp_server = test_dispatch.smtp  # a real SMTP server on the loopback: smtp_server(Keep())
PAID_ON = date(2025, 7, 10)  # the principal of F-2025-031 is paid (late) that day
ASKED_ON = date(2025, 7, 21)  # a Monday: 10 days after the principal was paid have passed


def eur(text: str) -> str:
    """``"12 000,00"`` as French writes an amount in euros (narrow no-break space, no-break space before €), as the
    PDFs' text reads once ``pdf_text`` has turned them into spaces."""
    return f"{text} €"


@pytest.fixture
def letterhead(org):  # type: ignore[no-untyped-def]
    org.legal_form = "SAS"
    org.address_line1, org.postal_code, org.city = "8 rue de la Paix", "75002", "Paris"
    org.siren, org.iban, org.bic = "552100554", "FR7630006000011234567890189", "AGRIFRPPXXX"
    org.save()
    return org


def _paid_late(org, customer, invoice):  # type: ignore[no-untyped-def]
    """LEGAL-FR §1.6: 12 000.00 due on 15 March 2025, penalties claimed on 30 June 2025 (462.59 interest, 40.00
    indemnity), then the principal paid in full on 10 July 2025 (principal first)."""
    [claim] = claim_penalties(org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR)
    split = apply_payment(org, payment(customer, "12000.00", PAID_ON), actor=ACTOR)
    assert split.principal == [("F-2025-031", Decimal("12000.00"))] and split.penalties == []
    assert Invoice.objects.get(pk=invoice.pk).open_amount == Decimal("0.00")
    return claim


# ------------------------------------------------------------------------------------------------ statement


def test_the_statement_shows_the_penalties_still_owed_once_the_principal_is_paid(org, letterhead, customer, invoice):  # type: ignore[no-untyped-def]
    _paid_late(org, customer, invoice)

    statement = render_statement(org, customer, ASKED_ON)

    text = pdf_text(statement.pdf).replace("\n", " ")
    assert "Aucune facture ouverte à cette date." in text  # the principal is paid
    assert "Pénalités de retard restant dues sur factures réglées" in text
    assert f"F-2025-031 15/03/2025 10/07/2025 {eur('462,59')} {eur('40,00')} {eur('0,00')} {eur('502,59')}" in text
    assert f"Solde du compte, pénalités comprises {eur('502,59')}" in text
    assert f"Solde du compte, pénalités comprises {eur('0,00')}" not in text
    assert (statement.principal, statement.penalties, statement.unapplied, statement.balance) == (
        Decimal("0.00"),
        Decimal("502.59"),
        Decimal("0.00"),
        Decimal("502.59"),
    )


def test_money_that_paid_penalties_is_neither_unapplied_nor_owed_on_the_statement(org, letterhead, customer, invoice):  # type: ignore[no-untyped-def]
    _paid_late(org, customer, invoice)
    # 100.00 more, applied to the penalties: the ledger still sees the payment as not allocated to an invoice
    split = apply_payment(org, payment(customer, "100.00", date(2025, 7, 15)), actor=ACTOR)
    assert split.penalties == [("F-2025-031", Decimal("100.00"))]

    statement = render_statement(org, customer, ASKED_ON)

    text = pdf_text(statement.pdf).replace("\n", " ")
    assert f"F-2025-031 15/03/2025 10/07/2025 {eur('462,59')} {eur('40,00')} {eur('100,00')} {eur('402,59')}" in text
    assert "Règlements et avoirs non imputés" not in text
    assert f"Solde du compte, pénalités comprises {eur('402,59')}" in text
    assert (statement.penalties, statement.unapplied, statement.balance) == (
        Decimal("402.59"),
        Decimal("0.00"),
        Decimal("402.59"),
    )


def test_penalties_paid_or_waived_on_an_open_invoice_come_off_its_penalties_to_date(org, letterhead, customer, invoice):  # type: ignore[no-untyped-def]
    [claim] = claim_penalties(org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR)
    waive_penalties(claim, reason="Geste commercial", actor=ACTOR, on=date(2025, 6, 30), amount=Decimal("40.00"))

    statement = render_statement(org, customer, date(2025, 6, 30))

    text = pdf_text(statement.pdf).replace("\n", " ")
    # the invoice is open: its penalties to date (462.59 and 40.00), less the 40.00 waived
    assert f"Moins les pénalités déjà réglées ou remises {eur('-40,00')}" in text
    assert f"Solde du compte, pénalités comprises {eur('12 462,59')}" in text
    assert (statement.interest, statement.indemnity, statement.settled, statement.balance) == (
        Decimal("462.59"),
        Decimal("40.00"),
        Decimal("40.00"),
        Decimal("12462.59"),
    )


# ------------------------------------------------------------------------------------------------ the step


def test_a_business_is_asked_for_its_penalties_by_a_message_of_their_own(
    org, letterhead, customer, invoice, smtp_server
):  # type: ignore[no-untyped-def]
    server = smtp_server(Keep())
    _paid_late(org, customer, invoice)

    assert run_collections(org, date(2025, 7, 18), actor=ACTOR, today=ASKED_ON).actions == 0  # 8 days: not yet
    result = run_collections(org, ASKED_ON, actor=ACTOR, today=ASKED_ON)
    assert result.actions == 1
    action = Action.objects.get(customer=customer)
    assert (action.channel, action.template, action.step_key, action.send_on) == (
        "email",
        "penalties",
        "penalties",
        ASKED_ON,
    )

    sent = dispatch_due(org, now=datetime(2025, 7, 21, 9, 0, tzinfo=PARIS), actor=ACTOR)
    assert sent.sent == 1
    [(recipients, raw)] = server.messages
    message = _parse(raw)
    body = _text(message)
    assert recipients == ["compta@411dupont.example"]
    assert message["Subject"] == "Pénalités de retard restant dues – ACME Distribution SAS"
    assert "Ces factures ayant été réglées après leur date d'échéance" in body
    assert "F-2025-031 | 15/03/2025 | 10/07/2025 | 462,59\u00a0€ | 40,00\u00a0€ | 0,00\u00a0€ | 502,59\u00a0€" in body
    assert "(intérêts du 16/03/2025 au 30/06/2025 au taux annuel de 13,15 %)" in body
    assert "Total restant dû : 502,59\u00a0€" in body
    assert "article L. 441-10 du Code de commerce" in body and "article D. 441-5" in body
    assert "IBAN : FR76 3000 6000 0112 3456 7890 189" in body and "Montant dû : 502,59\u00a0€" in body
    assert f"Référence à indiquer : {customer.payment_reference_printed}" in body
    # addressed to a debtor: no internal code, no command
    assert "penalties" not in body and "recouvre " not in body
    assert "Intérêts" in str(message.get_body(("html",)).get_content())

    # carried out: asked for once, whatever the runs that follow
    assert ItemStep.objects.get(invoice=invoice, step_key="penalties").done_on == ASKED_ON
    assert run_collections(org, date(2025, 8, 4), actor=ACTOR, today=date(2025, 8, 4)).actions == 0
    assert run_collections(org, date(2025, 9, 1), actor=ACTOR, today=date(2025, 9, 1)).actions == 0


def test_not_for_a_consumer_nor_for_penalties_waived(org, letterhead, customer, invoice):  # type: ignore[no-untyped-def]
    _paid_late(org, customer, invoice)
    consumer = CustomerFactory(organization=org, ref="411MARTIN", name="Jean Martin", kind="consumer")
    owed = InvoiceFactory(
        customer=consumer, number="C-7", issued_on=date(2025, 2, 1), due_on=date(2025, 3, 3), total=Decimal("900.00")
    )
    # a consumer owes interest at the legal rate from a formal notice: claimed, then the principal paid
    [legal_interest] = claim_penalties(
        org, [owed], as_of=date(2025, 6, 30), actor=ACTOR, notices={owed.id: date(2025, 4, 30)}
    )
    assert legal_interest.indemnity == Decimal("0.00") and legal_interest.open_amount > 0
    apply_payment(org, payment(consumer, "900.00", PAID_ON), actor=ACTOR)
    waived = CustomerFactory(organization=org, ref="411GESTE", name="Geste SARL")
    other = InvoiceFactory(
        customer=waived, number="F-9", issued_on=date(2025, 2, 1), due_on=date(2025, 3, 15), total=Decimal("5000.00")
    )
    [claim] = claim_penalties(org, [other], as_of=date(2025, 6, 30), actor=ACTOR)
    waive_penalties(claim, reason="Bon client", actor=ACTOR, on=date(2025, 7, 1), amount=Decimal("40.00"))
    apply_payment(org, payment(waived, "5000.00", PAID_ON), actor=ACTOR)

    run_collections(org, ASKED_ON, actor=ACTOR, today=ASKED_ON)

    assert list(Action.objects.values_list("customer__ref", "template")) == [("411DUPONT", "penalties")]


def test_the_step_can_be_turned_off_or_sent_by_letter(org, letterhead, customer, invoice):  # type: ignore[no-untyped-def]
    _paid_late(org, customer, invoice)
    CollectionSettings.objects.create(organization=org, penalty_reminder=False)
    assert run_collections(org, ASKED_ON, actor=ACTOR, today=ASKED_ON).actions == 0

    CollectionSettings.objects.filter(organization=org).update(
        penalty_reminder=True, penalty_reminder_days=20, penalty_reminder_channel="letter"
    )
    assert run_collections(org, date(2025, 7, 28), actor=ACTOR, today=date(2025, 7, 28)).actions == 0  # 18 days
    assert run_collections(org, date(2025, 7, 30), actor=ACTOR, today=date(2025, 7, 30)).actions == 1
    assert carry_out(org) == 1  # produced and posted

    letter = Letter.objects.get(customer=customer)
    text = pdf_text(bytes(letter.pdf)).replace("\n", " ")
    assert letter.subject == "Pénalités de retard restant dues"
    assert "Objet : Pénalités de retard restant dues" in text
    assert f"F-2025-031 15/03/2025 10/07/2025 {eur('462,59')} {eur('40,00')} {eur('0,00')} {eur('502,59')}" in text
    assert f"Total restant dû {eur('502,59')}" in text
    assert "article L. 441-10 du Code de commerce" in text
    assert ItemStep.objects.get(invoice=invoice, step_key="penalties").done_on == date(2025, 7, 30)


def test_penalties_settled_before_sending_are_not_asked_for(org, letterhead, customer, invoice, smtp_server):  # type: ignore[no-untyped-def]
    server = smtp_server(Keep())
    _paid_late(org, customer, invoice)
    run_collections(org, ASKED_ON, actor=ACTOR, today=ASKED_ON)
    apply_payment(org, payment(customer, "502.59", ASKED_ON), actor=ACTOR)  # paid before the e-mail goes

    assert dispatch_due(org, now=datetime(2025, 7, 21, 9, 0, tzinfo=PARIS), actor=ACTOR).cancelled == 1

    assert server.messages == []
    assert Action.objects.get(customer=customer).state == ActionState.CANCELLED
    event = Event.objects.filter(kind="collections.email_cancelled").get()
    assert describe(event) == "E-mail not sent: the penalties it asked for have since been paid, waived or put on hold."


# ------------------------------------------------------------------------------------------------ credits


def test_interest_runs_on_the_overdue_amount_less_an_unapplied_credit_everywhere(org, letterhead):  # type: ignore[no-untyped-def]
    from recouvre.dossier.pdfs import claim_figures

    customer = CustomerFactory(
        organization=org, ref="411LEROY", name="Leroy SAS", address_line1="1 rue Haute", city="Lyon"
    )
    invoice = InvoiceFactory(
        customer=customer,
        number="F-100",
        issued_on=date(2026, 1, 14),
        due_on=date(2026, 2, 13),
        total=Decimal("1200.00"),
    )
    create_credit_note(
        org, ACTOR, customer=customer, number="AV-12", issued_on=date(2026, 2, 10), total=Decimal("500.00")
    )
    as_of = date(2026, 3, 15)  # 30 days late: 14 February to 15 March
    # the engine's own table: the ECB rate in force on 1 January 2026, + 10 points (C. com. L441-10)
    rate = rate_tables().ecb_in_force(HalfYear(2026, 1)) + 10
    expected = (Decimal("700.00") * rate / 100 * 30 / 365).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert (rate, expected) == (Decimal("12.15"), Decimal("6.99"))  # on 1 200.00 it would be 11.98

    result = invoices_interest(org, [invoice.pk], as_of).results[invoice.pk]
    assert (result.interest, result.indemnity, result.principal) == (expected, Decimal("40.00"), Decimal("1200.00"))
    assert [(p.base, p.days) for p in result.periods] == [(Decimal("700.00"), 30)]
    # the reminders and letters from the firm step on
    assert invoice_penalties(org, [invoice.pk], as_of)[invoice.pk].interest == expected
    # the statement of account
    statement = render_statement(org, customer, as_of)
    assert (statement.interest, statement.indemnity) == (expected, Decimal("40.00"))
    assert "déduits, pour le calcul des intérêts, des factures échues les plus anciennes" in pdf_text(statement.pdf)
    # the dossier's statement of the claim
    figures = claim_figures(org, customer, [invoice], as_of)
    assert figures["rows"][0]["interest"] == expected
    # what is claimed (the formal notice, the penalty invoice)
    [claim] = claim_penalties(org, [invoice], as_of=as_of, actor=ACTOR)
    assert (claim.interest, claim.indemnity) == (expected, Decimal("40.00"))
    assert claim.basis["periods"][0]["base"] == "700.00"
    assert "unapplied_credits" in [n["code"] for n in claim.basis["notes"]]


def test_credits_go_to_the_oldest_overdue_invoice_not_disputed(org, letterhead):  # type: ignore[no-untyped-def]
    from recouvre.collections.holds import open_dispute

    customer = CustomerFactory(organization=org, ref="411LEROY", name="Leroy SAS")
    oldest = InvoiceFactory(
        customer=customer, number="F-1", issued_on=date(2026, 1, 1), due_on=date(2026, 1, 31), total=Decimal("300.00")
    )
    older = InvoiceFactory(
        customer=customer, number="F-2", issued_on=date(2026, 1, 10), due_on=date(2026, 2, 9), total=Decimal("400.00")
    )
    newest = InvoiceFactory(
        customer=customer, number="F-3", issued_on=date(2026, 1, 14), due_on=date(2026, 2, 13), total=Decimal("1200.00")
    )
    # 500.00 received on 30 January, not applied: from the 31st it reduces what is overdue, oldest first
    payment(customer, "500.00", date(2026, 1, 30))
    as_of = date(2026, 3, 15)
    results = invoices_interest(org, [oldest.pk, older.pk, newest.pk], as_of).results
    bases = {
        number: [p.base for p in results[inv.pk].periods]
        for number, inv in (("F-1", oldest), ("F-2", older), ("F-3", newest))
    }
    # F-1 (300.00) is covered from 31 January, before it was late (but it was not paid: the 40.00 stays owed);
    # the other 200.00 reduce F-2 to 200.00; F-3 bears interest on its whole amount
    assert bases == {"F-1": [], "F-2": [Decimal("200.00")], "F-3": [Decimal("1200.00")]}
    assert results[oldest.pk].indemnity == Decimal("40.00")

    # F-1 disputed: the customer's money goes to what it does owe, F-2 first, then F-3
    open_dispute(org, oldest, reason_code="quality", actor=ACTOR, today=date(2026, 3, 1))
    results = invoices_interest(org, [older.pk, newest.pk], as_of).results
    assert [p.base for p in results[older.pk].periods] == []
    assert [p.base for p in results[newest.pk].periods] == [Decimal("1100.00")]


def test_a_credit_allocated_later_gives_the_same_interest(org, letterhead):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411LEROY", name="Leroy SAS")
    invoice = InvoiceFactory(
        customer=customer,
        number="F-100",
        issued_on=date(2026, 1, 14),
        due_on=date(2026, 2, 13),
        total=Decimal("1200.00"),
    )
    money = payment(customer, "500.00", date(2026, 2, 27))
    before = invoices_interest(org, [invoice.pk], date(2026, 3, 15)).results[invoice.pk].interest
    allocate(ACTOR, invoice=invoice, amount=Decimal("500.00"), payment=money)
    after = invoices_interest(org, [invoice.pk], date(2026, 3, 15)).results[invoice.pk].interest
    # 1200.00 from 14 to 27 February (14 days), then 700.00 to 15 March (16 days), at 12.15 %
    expected = ((Decimal("1200.00") * 14 + Decimal("700.00") * 16) * Decimal("12.15") / 100 / 365).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    assert before == after == expected


# ------------------------------------------------------------------------------------------------ settings


def test_the_penalties_reminder_from_the_command_line(org, capsys):  # type: ignore[no-untyped-def]
    from recouvre.cli import main

    code = main(
        [
            "org",
            "set",
            "--org",
            "acme",
            "--penalty-reminder-days",
            "20",
            "--penalty-reminder-channel",
            "letter",
            "--json",
        ]
    )
    assert (code, json.loads(capsys.readouterr().out)) == (
        0,
        {
            "ok": True,
            "org": "acme",
            "alsace_moselle": False,
            "penalty_reminder": True,
            "penalty_reminder_days": 20,
            "penalty_reminder_channel": "letter",
            "iban": "",
            "bic": "",
            "account_holder": "ACME Distribution SAS",
        },
    )
    # refused, naming the field; nothing changed
    assert main(["org", "set", "--org", "acme", "--penalty-reminder-days", "400", "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "ok": False,
        "errors": ["penalty_reminder_days: Ensure this value is less than or equal to 365."],
    }
    assert CollectionSettings.objects.get(organization=org).penalty_reminder_days == 20
    assert main(["org", "set", "--org", "acme", "--penalty-reminder", "off"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        "acme: claimed penalties are not asked for once the principal is paid."
    )
    assert CollectionSettings.objects.get(organization=org).penalty_reminder is False


def test_the_settings_page_and_the_run_preview(org, letterhead, customer, invoice, logged_client):  # type: ignore[no-untyped-def]
    from django.conf import settings
    from django.urls import reverse

    from recouvre.collections.preview import run_preview

    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    _paid_late(org, customer, invoice)
    url = reverse("collection_settings")
    page = logged_client.get(url).content.decode()
    assert "Claimed penalties" in page and "Ask for claimed penalties once the principal is paid" in page
    posted = {"already_paid_pause_days": "10", "penalty_reminder": "on", "penalty_reminder_days": "5"}
    assert logged_client.post(url, {**posted, "penalty_reminder_channel": "letter"}).status_code == 302
    stored = CollectionSettings.objects.get(organization=org)
    assert (stored.penalty_reminder, stored.penalty_reminder_days, stored.penalty_reminder_channel) == (
        True,
        5,
        "letter",
    )

    # the preview of 15 July (5 days after the payment) shows the letter asking for the penalties; nothing is stored
    [planned] = [c for c in run_preview(org, date(2025, 7, 15)).customers if c.customer_id == customer.pk]
    [action] = planned.actions
    assert (action.channel.value, action.template, planned.totals) == (
        "letter",
        "penalties",
        [("EUR", Decimal("502.59"))],
    )
    assert not Action.objects.exists()

    assert logged_client.post(url, {"already_paid_pause_days": "10"}).status_code == 302  # the box left unticked
    assert CollectionSettings.objects.get(organization=org).penalty_reminder is False
    assert run_preview(org, date(2025, 7, 15)).customers == []
