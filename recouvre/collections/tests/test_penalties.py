"""Stories: from the firm step on, reminders show late-payment interest to date and the 40 EUR indemnity per
invoice (professional debtors only), with totals; a real SMTP server receives them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from recouvre.collections.dispatch import dispatch_due
from recouvre.collections.models import MessageTemplate, Policy, Step
from recouvre.collections.penalties import shows_penalties
from recouvre.collections.services import run_collections
from recouvre.collections.tests import test_dispatch
from recouvre.collections.tests.test_dispatch import Keep, _customer, _parse, _text
from recouvre.ledger.actors import Actor
from recouvre.testing.factories import InvoiceFactory

ACTOR = Actor.system("test")
PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db
smtp_server = test_dispatch.smtp  # a real SMTP server on the loopback: smtp_server(Keep())


@pytest.fixture
def ladder(org):  # type: ignore[no-untyped-def]
    """E-mails at +5 (reminder), +20 (firm) and +30 (a second firm e-mail with its own key)."""
    policy = Policy.objects.create(organization=org, key="mail", name="Mail", segment="standard")
    for i, (key, days) in enumerate((("reminder", 5), ("firm", 20), ("last_call", 30)), start=1):
        Step.objects.create(policy=policy, position=i, key=key, offset_days=days, channel="email", template=key)
    org.iban = "FR7630006000011234567890189"
    org.save()
    return policy


def _two_steps(org, customer):  # type: ignore[no-untyped-def]
    """The reminder on Monday 9 March 2026, then the firm e-mail on Monday 23 March; returns the firm message."""
    run_collections(org, date(2026, 3, 9), actor=ACTOR)
    dispatch_due(org, now=datetime(2026, 3, 9, 9, 0, tzinfo=PARIS), actor=ACTOR)
    run_collections(org, date(2026, 3, 23), actor=ACTOR)
    dispatch_due(org, now=datetime(2026, 3, 23, 9, 0, tzinfo=PARIS), actor=ACTOR)


def test_the_firm_email_gives_interest_and_indemnity_per_invoice_to_the_cent(org, ladder, smtp_server):  # type: ignore[no-untyped-def]
    server = smtp_server(Keep())
    customer = _customer(org)
    for number, total in (("F-3", "2345.67"), ("F-4", "10.00")):
        InvoiceFactory(
            customer=customer, number=number, issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2), total=Decimal(total)
        )

    _two_steps(org, customer)

    assert len(server.messages) == 2
    reminder, firm = (_text(_parse(raw)) for _rcpt, raw in server.messages)
    assert "Pénalités" not in reminder  # the courteous reminder shows none
    # 21 days (3 to 23 March 2026) at 12.15 % (ECB 2.15 % on 1 January 2026 + 10 points), 365-day year:
    # 2345.67 x 12.15 % x 21 / 365 = 16.397... -> 16.40; 10.00 x 12.15 % x 21 / 365 = 0.0699... -> 0.07
    assert "Pénalités de retard à ce jour (articles L. 441-10 et D. 441-5 du Code de commerce) :" in firm
    assert (
        "F-3 : intérêts de retard 16,40\u00a0€ au taux annuel de 12,15 % du 03/03/2026 au 23/03/2026 ; "
        "indemnité forfaitaire pour frais de recouvrement 40,00\u00a0€"
    ) in firm
    assert "F-4 : intérêts de retard 0,07\u00a0€ au taux annuel de 12,15 % du 03/03/2026 au 23/03/2026" in firm
    assert (
        "Total des pénalités : intérêts 16,47\u00a0€, indemnités forfaitaires 80,00\u00a0€, soit 96,47\u00a0€."
    ) in firm
    assert "Total dû : 2\u202f355,67\u00a0€" in firm
    assert "Total dû, pénalités comprises : 2\u202f452,14\u00a0€." in firm
    html = str(_parse(server.messages[1][1]).get_body(("html",)).get_content())
    assert "F-3 : intérêts de retard 16,40\u00a0€" in html


def test_an_english_customer_reads_the_penalties_in_english(org, ladder, smtp_server):  # type: ignore[no-untyped-def]
    server = smtp_server(Keep())
    customer = _customer(org, language="en")
    InvoiceFactory(
        customer=customer, number="F-3", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2), total=Decimal("2345.67")
    )
    _two_steps(org, customer)
    firm = _text(_parse(server.messages[1][1]))
    assert (
        "F-3: late-payment interest €16.40 at the annual rate of 12.15% from 3 Mar 2026 to 23 Mar 2026; "
        "fixed recovery indemnity €40.00"
    ) in firm
    assert "Total due including penalties: €2,402.07." in firm


def test_a_consumer_gets_no_indemnity_and_no_interest_before_a_formal_notice(org, ladder, smtp_server):  # type: ignore[no-untyped-def]
    server = smtp_server(Keep())
    customer = _customer(org)
    customer.kind = "consumer"
    customer.save()
    InvoiceFactory(
        customer=customer, number="F-3", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2), total=Decimal("2345.67")
    )
    _two_steps(org, customer)
    firm = _text(_parse(server.messages[1][1]))
    assert "Malgré notre précédent rappel" in firm  # it is the firm message
    assert "F-3 | 02/03/2026 | 21 | 2\u202f345,67\u00a0€" in firm
    assert "Pénalités" not in firm
    assert "indemnité forfaitaire pour frais de recouvrement 40" not in firm


def test_an_invoice_the_engine_refuses_is_listed_without_penalty_and_left_out_of_the_totals(org, ladder, smtp_server):  # type: ignore[no-untyped-def]
    server = smtp_server(Keep())
    customer = _customer(org)
    InvoiceFactory(
        customer=customer, number="F-3", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2), total=Decimal("2345.67")
    )
    InvoiceFactory(
        customer=customer,
        number="US-1",
        issued_on=date(2026, 2, 1),
        due_on=date(2026, 3, 2),
        total=Decimal("500.00"),
        currency="USD",
    )
    _two_steps(org, customer)
    firm = _text(_parse(server.messages[1][1]))
    assert "US-1 | 02/03/2026 | 21 | 500,00\u00a0$" in firm
    assert "US-1 :" not in firm
    assert (
        "Total des pénalités : intérêts 16,40\u00a0€, indemnités forfaitaires 40,00\u00a0€, soit 56,40\u00a0€."
    ) in firm
    assert "pénalités comprises" not in firm  # two currencies: no single total


def test_a_half_year_missing_from_the_rate_tables_is_claimed_by_its_rule(org, ladder, smtp_server, monkeypatch):  # type: ignore[no-untyped-def]
    from recouvre.core import ratetables

    server = smtp_server(Keep())
    customer = _customer(org)
    InvoiceFactory(
        customer=customer, number="F-3", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2), total=Decimal("2345.67")
    )
    real = ratetables.shipped_tables()
    cut = ratetables.RateTables.of([r for r in real.ecb if r.effective_on < date(2025, 1, 1)], real.legal.values())
    monkeypatch.setattr("recouvre.legal.selectors.shipped_tables", lambda: cut)
    _two_steps(org, customer)
    firm = _text(_parse(server.messages[1][1]))
    assert "Malgré notre précédent rappel" in firm
    assert "Total dû : 2\u202f345,67\u00a0€" in firm
    # the days of the missing half-year are claimed by their legal rule, the indemnity stays, totals to be completed
    assert (
        "F-3 : intérêts de retard à parfaire au taux de refinancement de la BCE en vigueur le 1er janvier 2026 "
        "majoré de 10 points, à compter du 3 mars 2026 ; indemnité forfaitaire pour frais de recouvrement "
        "40,00\u00a0€"
    ) in " ".join(firm.split("\n"))
    assert "Total dû, pénalités comprises : 2\u202f385,67\u00a0€ (à parfaire)." in firm
    assert "recouvre" not in firm.lower().replace("recouvrement", "") and "`" not in firm


def test_steps_from_the_firm_step_on_show_penalties(org, ladder):  # type: ignore[no-untyped-def]
    assert not shows_penalties(org, "reminder", "mail", "reminder")
    assert shows_penalties(org, "firm", "mail", "firm")
    assert shows_penalties(org, "last_call", "mail", "last_call")  # after the firm step
    assert shows_penalties(org, "whatever", "", "formal_notice")


def test_custom_wording_gets_the_penalties_merge_field(org, ladder, smtp_server):  # type: ignore[no-untyped-def]
    server = smtp_server(Keep())
    MessageTemplate.objects.create(
        organization=org, key="firm", language="fr", subject="Impayés", body="{{ invoice_table }}\n\n{{ penalties }}\n"
    )
    customer = _customer(org)
    InvoiceFactory(
        customer=customer, number="F-3", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2), total=Decimal("2345.67")
    )
    _two_steps(org, customer)
    firm = _text(_parse(server.messages[1][1]))
    assert "F-3 : intérêts de retard 16,40\u00a0€" in firm
    assert "Total dû, pénalités comprises : 2\u202f402,07\u00a0€." in firm
