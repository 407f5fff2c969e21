"""An invoice payable in several instalments: each instalment is aged and reminded on its own due date, under the
invoice's number, and a payment settles them oldest first."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from recouvre.collections.dispatch import build_email
from recouvre.collections.models import Action, ItemStep
from recouvre.collections.services import run_collections
from recouvre.core.instalments import Part
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Contact
from recouvre.ledger.services import allocate, create_invoice, record_payment
from recouvre.letters.statement import statement_context
from recouvre.reports.selectors import aged_balance
from recouvre.testing.factories import CustomerFactory
from recouvre.testing.outbox import carry_out

ACTOR = Actor.system("test")
pytestmark = pytest.mark.django_db


def run(org, as_of):  # type: ignore[no-untyped-def]
    return run_collections(org, as_of, actor=ACTOR, today=as_of)


@pytest.fixture
def invoice(org, ladder):  # type: ignore[no-untyped-def]
    """F2026-007 of 1 000.00 issued on 5 January 2026: 600.00 due 31 January, 400.00 due 28 February."""
    customer = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL", language="en")
    Contact.objects.create(organization=org, customer=customer, email="compta@dupont.example", is_primary=True)
    return create_invoice(
        org,
        ACTOR,
        customer=customer,
        number="F2026-007",
        issued_on=date(2026, 1, 5),
        due_on=date(2026, 1, 31),
        total=Decimal("1000.00"),
        instalments=[Part(date(2026, 1, 31), Decimal("600.00")), Part(date(2026, 2, 28), Decimal("400.00"))],
    )


def lines(action: Action) -> list[tuple[str, str, str, str | None, int | None]]:
    return [(ln["number"], ln["due_on"], ln["open_amount"], ln["step"], ln.get("instalment")) for ln in action.lines]


def steps_taken(invoice) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return list(
        ItemStep.objects.filter(invoice=invoice).order_by("instalment", "id").values_list("instalment", "step_key")
    )


def test_only_the_overdue_instalment_is_reminded_under_the_invoice_number(org, invoice) -> None:  # type: ignore[no-untyped-def]
    result = run(org, date(2026, 2, 5))  # the first instalment is 5 days late, the second not due

    assert (result.actions, result.item_steps) == (1, 1)
    action = Action.objects.get()
    assert lines(action) == [("F2026-007", "2026-01-31", "600.00", "first", 1)]
    assert action.lines[0]["instalments"] == 2
    assert steps_taken(invoice) == [(1, "first")]

    _message, rendered, to = build_email(
        Action.objects.select_related("organization", "customer").get(pk=action.pk),
        now=datetime(2026, 2, 5, 9, tzinfo=ZoneInfo("Europe/Paris")),
    )
    assert rendered is not None and to == "compta@dupont.example"
    assert "F2026-007, instalment 1 of 2 due 31 Jan 2026" in rendered.text
    assert "€600.00" in rendered.text and "€1,000.00" not in rendered.text
    assert "instalment 2" not in rendered.text and "F2026-007-" not in rendered.text
    # The approval queue names the instalment the same way.
    from recouvre.web.views.approvals import _rows

    assert _rows([action])[0]["invoices"] == ["F2026-007, instalment 1 of 2 due 31 Jan 2026"]
    assert "F2026-007, instalment 1 of 2 due 31 Jan 2026" in rendered.html


def test_the_french_wording_of_an_instalment(org, invoice) -> None:  # type: ignore[no-untyped-def]
    invoice.customer.language = "fr"
    invoice.customer.save()
    run(org, date(2026, 2, 5))

    _message, rendered, _to = build_email(
        Action.objects.select_related("organization", "customer").get(),
        now=datetime(2026, 2, 5, 9, tzinfo=ZoneInfo("Europe/Paris")),
    )

    assert rendered is not None
    assert "F2026-007, échéance 1/2 du 31/01/2026" in rendered.text


def test_a_payment_of_the_first_instalment_stops_its_reminders_and_the_second_goes_on_at_its_date(org, invoice) -> None:  # type: ignore[no-untyped-def]
    run(org, date(2026, 2, 5))
    carry_out(org)
    payment = record_payment(
        org, ACTOR, customer=invoice.customer, received_on=date(2026, 2, 10), amount=Decimal("600.00"), source_key="p1"
    )
    allocate(ACTOR, invoice=invoice, amount=Decimal("600.00"), payment=payment)

    # 20 days after the first due date: its second step would be due, but it is paid; the second is not due yet
    assert run(org, date(2026, 2, 20)).actions == 0
    # 5 days after the second due date: the second instalment gets its first reminder, for what is open on it
    result = run(org, date(2026, 3, 5))

    assert result.actions == 1
    action = Action.objects.get(send_on=date(2026, 3, 5))
    assert lines(action) == [("F2026-007", "2026-02-28", "400.00", "first", 2)]
    assert steps_taken(invoice) == [(1, "first"), (2, "first")]


def test_an_unpaid_first_instalment_goes_on_to_its_next_step_on_its_own_dates(org, invoice) -> None:  # type: ignore[no-untyped-def]
    run(org, date(2026, 2, 5))
    carry_out(org)

    run(org, date(2026, 2, 20))

    action = Action.objects.get(send_on=date(2026, 2, 20))
    assert lines(action) == [("F2026-007", "2026-01-31", "600.00", "second", 1)]
    run(org, date(2026, 3, 5))
    carry_out(org)
    later = Action.objects.get(send_on=date(2026, 3, 5))
    # the first instalment waits for its third step (at +40), the second takes its first: one message lists both
    assert lines(later) == [
        ("F2026-007", "2026-01-31", "600.00", None, 1),
        ("F2026-007", "2026-02-28", "400.00", "first", 2),
    ]
    assert steps_taken(invoice) == [(1, "first"), (1, "second"), (2, "first")]


def test_a_part_payment_settles_the_oldest_instalment_first(org, invoice) -> None:  # type: ignore[no-untyped-def]
    payment = record_payment(
        org, ACTOR, customer=invoice.customer, received_on=date(2026, 2, 1), amount=Decimal("700.00"), source_key="p1"
    )
    allocate(ACTOR, invoice=invoice, amount=Decimal("700.00"), payment=payment)

    assert run(org, date(2026, 2, 5)).actions == 0  # the first is paid
    run(org, date(2026, 3, 5))
    assert lines(Action.objects.get()) == [("F2026-007", "2026-02-28", "300.00", "first", 2)]


def test_aging_puts_each_instalment_in_its_own_bucket(org, invoice) -> None:  # type: ignore[no-untyped-def]
    report = aged_balance(org, date(2026, 3, 10))  # 38 days after the first due date, 10 after the second

    (line,) = report.lines
    assert line.buckets == {
        "not_due": Decimal("0.00"),
        "1_30": Decimal("400.00"),
        "31_60": Decimal("600.00"),
        "61_90": Decimal("0.00"),
        "over_90": Decimal("0.00"),
    }

    payment = record_payment(
        org, ACTOR, customer=invoice.customer, received_on=date(2026, 2, 1), amount=Decimal("700.00"), source_key="p1"
    )
    allocate(ACTOR, invoice=invoice, amount=Decimal("700.00"), payment=payment)
    (line,) = aged_balance(org, date(2026, 2, 10)).lines
    assert line.buckets == {
        "not_due": Decimal("300.00"),
        "1_30": Decimal("0.00"),
        "31_60": Decimal("0.00"),
        "61_90": Decimal("0.00"),
        "over_90": Decimal("0.00"),
    }


def test_the_statement_lists_each_open_instalment(org, invoice) -> None:  # type: ignore[no-untyped-def]
    invoice.customer.language = "fr"
    invoice.customer.save()
    payment = record_payment(
        org, ACTOR, customer=invoice.customer, received_on=date(2026, 2, 1), amount=Decimal("100.00"), source_key="p1"
    )
    allocate(ACTOR, invoice=invoice, amount=Decimal("100.00"), payment=payment)

    context = statement_context(org, invoice.customer, date(2026, 3, 10))

    assert [(r["number"], r["due_on"], r["total"], r["paid"], r["balance"], r["days"]) for r in context["rows"]] == [
        ("F2026-007, échéance 1/2 du 31/01/2026", "31/01/2026", "600,00\u00a0€", "100,00\u00a0€", "500,00\u00a0€", 38),
        ("F2026-007, échéance 2/2 du 28/02/2026", "28/02/2026", "400,00\u00a0€", "0,00\u00a0€", "400,00\u00a0€", 10),
    ]


def test_a_formal_notice_claims_each_overdue_instalment_under_the_invoice_number(org, invoice) -> None:  # type: ignore[no-untyped-def]
    from recouvre.collections.notices import request_formal_notice
    from recouvre.letters.rendering import render_letter
    from recouvre.letters.tests.conftest import pdf_text

    customer = invoice.customer
    customer.language, customer.address_line1, customer.postal_code, customer.city = (
        "fr",
        "1 rue Haute",
        "69001",
        "Lyon",
    )
    customer.save()
    payment = record_payment(
        org, ACTOR, customer=customer, received_on=date(2026, 2, 1), amount=Decimal("100.00"), source_key="p1"
    )
    allocate(ACTOR, invoice=invoice, amount=Decimal("100.00"), payment=payment)

    action = request_formal_notice(org, customer, actor=ACTOR, today=date(2026, 2, 10), approved=True)

    assert lines(action) == [("F2026-007", "2026-01-31", "500.00", "formal_notice", 1)]
    text = " ".join(pdf_text(render_letter(action, today=date(2026, 2, 10)).pdf).split())
    assert "F2026-007, échéance 1/2 du 31/01/2026" in text
    assert "500,00" in text and "échéance 2/2" not in text


def test_the_dashboard_counts_overdue_only_the_instalments_that_are(org, invoice) -> None:  # type: ignore[no-untyped-def]
    from recouvre.ledger.selectors import (
        customer_balances,
        customers_with_balances,
        most_overdue_customers,
        receivable_totals,
    )

    as_of = date(2026, 2, 10)  # the first instalment (600.00) is 10 days late, the second (400.00) not due
    totals = receivable_totals(org, as_of, "EUR")
    assert (totals["open_total"], totals["overdue_total"]) == (Decimal("1000.00"), Decimal("600.00"))
    assert (totals["buckets"]["not_due"], totals["buckets"]["1_30"]) == (Decimal("400.00"), Decimal("600.00"))
    assert customer_balances(org, invoice.customer, as_of)["EUR"]["overdue"] == Decimal("600.00")
    assert customers_with_balances(org, as_of).get(pk=invoice.customer_id).overdue_total == Decimal("600.00")
    assert most_overdue_customers(org, as_of, "EUR")[1][0][1] == Decimal("600.00")
