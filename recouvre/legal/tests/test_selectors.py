"""Interest to date of an organization's invoices, as a reminder or a statement will ask it: the regime follows the
customer's kind, payments count from the day after they were received and credit notes from their date, whatever
the day they were matched; another organization's invoices are not found."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvre.ledger.actors import CLI
from recouvre.ledger.services import allocate, create_credit_note, record_payment
from recouvre.legal.selectors import invoices_interest
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 9, 30)


@pytest.fixture
def book(org, other_org):  # type: ignore[no-untyped-def]
    dupont = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")  # business
    martin = CustomerFactory(organization=org, ref="411MARTIN", name="Paul Martin", kind="consumer")
    city = CustomerFactory(organization=org, ref="411VILLE", name="Ville de Lyon", kind="public")
    made = {
        "dupont": InvoiceFactory(customer=dupont, number="FA-1", issued_on=date(2025, 4, 15), due_on=date(2025, 5, 15),
                                 total=Decimal("12000.00")),
        "martin": InvoiceFactory(customer=martin, number="FA-2", issued_on=date(2025, 4, 1), due_on=date(2025, 4, 30),
                                 total=Decimal("1500.00")),
        "martin_no_notice": InvoiceFactory(customer=martin, number="FA-3", issued_on=date(2025, 4, 1),
                                           due_on=date(2025, 4, 30), total=Decimal("300.00")),
        "city": InvoiceFactory(customer=city, number="FA-4", issued_on=date(2025, 4, 15), due_on=date(2025, 5, 15),
                               total=Decimal("12000.00")),
        "rival": InvoiceFactory(customer=CustomerFactory(organization=other_org), number="FA-1",
                                issued_on=date(2025, 4, 15), due_on=date(2025, 5, 15), total=Decimal("12000.00")),
    }  # fmt: skip
    # Dupont paid 4 000 on 10 June (matched on 20 June) and got a 2 000 credit note on 20 August
    payment = record_payment(
        org, CLI, customer=dupont, received_on=date(2025, 6, 10), amount=Decimal("4000.00"), source_key="vir-1"
    )
    allocate(CLI, invoice=made["dupont"], amount=Decimal("4000.00"), payment=payment, allocated_on=date(2025, 6, 20))
    credit = create_credit_note(
        org, CLI, customer=dupont, number="AV-1", issued_on=date(2025, 8, 20), total=Decimal("2000.00")
    )
    allocate(CLI, invoice=made["dupont"], amount=Decimal("2000.00"), credit_note=credit)
    # Paul Martin, a consumer put on notice on 20 May, paid FA-2 in full on 31 August (LEGAL-FR §2.4)
    paid = record_payment(
        org, CLI, customer=martin, received_on=date(2025, 8, 31), amount=Decimal("1500.00"), source_key="chq-1"
    )
    allocate(CLI, invoice=made["martin"], amount=Decimal("1500.00"), payment=paid)
    return made


def test_interest_to_date_of_each_invoice_in_nine_queries(org, book, django_assert_num_queries):  # type: ignore[no-untyped-def]
    ids = [invoice.id for invoice in book.values()]
    # invoices, their payments and credit notes, the customers' unapplied payments and credit notes (none here) and
    # overdue invoices, the instalments of those payable in several, the two imported rate tables, the
    # organization's legal settings
    with django_assert_num_queries(9):
        found = invoices_interest(org, ids, AS_OF, notices={book["martin"].id: date(2025, 5, 20)})

    dupont = found.results[book["dupont"].id]
    assert [(p.start, p.end, p.base, p.rate) for p in dupont.periods] == [
        (date(2025, 5, 16), date(2025, 6, 10), Decimal("12000.00"), Decimal("13.15")),
        (date(2025, 6, 11), date(2025, 6, 30), Decimal("8000.00"), Decimal("13.15")),
        (date(2025, 7, 1), date(2025, 8, 19), Decimal("8000.00"), Decimal("12.15")),
        (date(2025, 8, 20), date(2025, 9, 30), Decimal("6000.00"), Decimal("12.15")),
    ]
    # 112.4054... + 57.6438... + 133.1506... + 83.8849... = 387.0849...
    assert (dupont.principal, dupont.interest, dupont.indemnity, dupont.total) == (
        Decimal("6000.00"),
        Decimal("387.08"),
        Decimal("40.00"),
        Decimal("6427.08"),
    )
    martin = found.results[book["martin"].id]  # legal interest from the notice to the payment, no indemnity
    assert (martin.principal, martin.interest, martin.indemnity) == (Decimal("0.00"), Decimal("13.28"), Decimal("0.00"))
    city = found.results[book["city"].id]  # LEGAL-FR §1.8
    assert (city.interest, city.indemnity) == (Decimal("505.87"), Decimal("40.00"))

    assert list(found.refused) == [book["martin_no_notice"].id]
    assert "mise en demeure" in found.refused[book["martin_no_notice"].id]
    assert book["rival"].id not in found.results and book["rival"].id not in found.refused


def test_a_contractual_rate_applies_to_business_customers_only(org, book):  # type: ignore[no-untyped-def]
    ids = [book["dupont"].id, book["city"].id]
    found = invoices_interest(org, ids, date(2025, 6, 10), contract_rate=Decimal("15"))
    # 12 000 × 15 % × 26/365 = 128.2191...
    assert found.results[book["dupont"].id].interest == Decimal("128.22")
    assert found.results[book["city"].id].periods[0].rate == Decimal("11.15")


def test_a_half_year_without_rates_is_an_open_period_not_a_refusal(org):  # type: ignore[no-untyped-def]
    dupont = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")
    invoice = InvoiceFactory(
        customer=dupont, number="FA-9", issued_on=date(2026, 4, 15), due_on=date(2026, 5, 15), total=Decimal("12000.00")
    )
    found = invoices_interest(org, [invoice.id], date(2026, 12, 7))
    assert found.refused == {} and not found.complete
    result = found.results[invoice.id]
    assert (result.interest, result.indemnity) == (Decimal("183.75"), Decimal("40.00"))
    assert [(o.start, o.end) for o in result.open_periods] == [(date(2026, 7, 1), date(2026, 12, 7))]


def test_the_contractual_rate_of_the_organization_and_of_the_customer(org):  # type: ignore[no-untyped-def]
    from recouvre.legal.services import set_penalty_terms

    dupont = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")
    durand = CustomerFactory(organization=org, ref="411DURAND", name="Durand SA", contract_rate="ecb+12")
    made = [
        InvoiceFactory(
            customer=c, number=n, issued_on=date(2024, 2, 15), due_on=date(2024, 3, 15), total=Decimal("12000.00")
        )
        for c, n in ((dupont, "FA-1"), (durand, "FA-2"))
    ]
    set_penalty_terms(org, contract_rate="12")
    found = invoices_interest(org, [i.id for i in made], date(2024, 9, 30))
    # 12 % is below the 2024 floor (15.21 % then 14.76 %): the statutory rate 14.50 % / 14.25 % applies
    assert [p.rate for p in found.results[made[0].id].periods] == [Decimal("14.50"), Decimal("14.25")]
    assert found.results[made[0].id].interest == Decimal("941.10")
    assert [n.code for n in found.results[made[0].id].notes] == ["contract_rate_below_floor"] * 2
    # the customer's own rate, ECB + 12 points: 4.50 + 12 = 16.50 %, then 4.25 + 12 = 16.25 %
    assert [p.rate for p in found.results[made[1].id].periods] == [Decimal("16.50"), Decimal("16.25")]
    # on the floor reading (an organization setting), the 12 % clause is raised to the floor
    set_penalty_terms(org, below_floor="floor")
    found = invoices_interest(org, [made[0].id], date(2024, 9, 30))
    assert [p.rate for p in found.results[made[0].id].periods] == [Decimal("15.21"), Decimal("14.76")]
