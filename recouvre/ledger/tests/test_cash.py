"""Cash applied by hand: payments and credit notes recorded, unapplied cash applied, allocations undone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvre.collections.models import Action
from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.ledger.cash import (
    CashRefused,
    apply_unapplied,
    record_credit_note_by_hand,
    record_payment_by_hand,
    undo_allocation,
)
from recouvre.ledger.models import Allocation, CreditNote, Event, Invoice, Payment
from recouvre.ledger.timeline import describe
from recouvre.testing.factories import CustomerFactory, InvoiceFactory
from recouvre.testing.outbox import carry_out

ACTOR = Actor.system("test")
pytestmark = pytest.mark.django_db
D = Decimal


def _open(*invoices: Invoice) -> list[Decimal]:
    return [Invoice.objects.get(pk=i.pk).open_amount for i in invoices]


@pytest.fixture
def books(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")
    old = InvoiceFactory(
        customer=customer, number="F-1", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4), total=D("1000.00")
    )
    new = InvoiceFactory(
        customer=customer, number="F-2", issued_on=date(2026, 2, 5), due_on=date(2026, 3, 7), total=D("500.00")
    )
    return customer, old, new


def test_a_payment_by_hand_applied_oldest_first(org, books):  # type: ignore[no-untyped-def]
    customer, old, new = books
    payment, applied = record_payment_by_hand(
        org,
        ACTOR,
        customer=customer,
        received_on=date(2026, 3, 10),
        amount=D("1200.00"),
        method="cheque",
        reference="CHQ 1234567",
        oldest=True,
    )
    assert (payment.source, payment.method, payment.currency, payment.reference) == (
        "manual",
        "cheque",
        "EUR",
        "CHQ 1234567",
    )
    assert payment.source_key.startswith("manual:")
    assert [(a.invoice.number, a.amount, a.allocated_on) for a in applied.allocations] == [
        ("F-1", D("1000.00"), date(2026, 3, 10)),
        ("F-2", D("200.00"), date(2026, 3, 10)),
    ]
    assert applied.remaining == D("0.00")
    assert _open(old, new) == [D("0.00"), D("300.00")]
    assert Payment.objects.get(pk=payment.pk).unallocated_amount == D("0.00")
    texts = [describe(e) for e in Event.objects.filter(customer=customer).order_by("id")][-3:]
    assert texts == [
        "Payment of 1200.00 EUR received on 2026-03-10.",
        "1000.00 EUR applied to invoice F-1.",
        "200.00 EUR applied to invoice F-2.",
    ]
    kinds = list(Event.objects.filter(customer=customer).order_by("id").values_list("kind", flat=True))[-3:]
    assert kinds == ["payment.received", "allocation.created", "allocation.created"]


def test_a_payment_with_explicit_allocations_and_the_rest_unapplied(org, books):  # type: ignore[no-untyped-def]
    customer, old, new = books
    payment, applied = record_payment_by_hand(
        org,
        ACTOR,
        customer=customer,
        received_on=date(2026, 3, 10),
        amount=D("800.00"),
        allocations=[(new.pk, D("500.00")), (old.pk, D("100.50"))],
    )
    assert sorted((a.invoice.number, a.amount) for a in applied.allocations) == [
        ("F-1", D("100.50")),
        ("F-2", D("500.00")),
    ]
    assert applied.remaining == D("199.50")
    assert _open(old, new) == [D("899.50"), D("0.00")]
    assert Payment.objects.get(pk=payment.pk).unallocated_amount == D("199.50")


def test_a_payment_left_unapplied(org, books):  # type: ignore[no-untyped-def]
    customer, old, new = books
    payment, applied = record_payment_by_hand(
        org, ACTOR, customer=customer, received_on=date(2026, 3, 10), amount=D("50.00")
    )
    assert applied.allocations == [] and applied.remaining == D("50.00")
    assert _open(old, new) == [D("1000.00"), D("500.00")]


@pytest.mark.parametrize(
    ("amount", "pairs", "message"),
    [
        (D("0.00"), None, "more than zero"),
        (D("-5.00"), None, "more than zero"),
        (D("10.005"), None, "more decimals than EUR allows"),
        (D("100.00"), "over-invoice", "more than the 500.00 EUR open on invoice F-2"),
        (D("100.00"), "over-payment", "110.00 EUR is more than the 100.00 EUR not yet applied"),
    ],
)
def test_payment_refusals_write_nothing(org, books, amount, pairs, message):  # type: ignore[no-untyped-def]
    customer, old, new = books
    allocations = {
        None: None,
        "over-invoice": [(new.pk, D("600.00"))],
        "over-payment": [(old.pk, D("60.00")), (new.pk, D("50.00"))],
    }[pairs]
    before = Event.objects.count()
    with pytest.raises(CashRefused) as refused:
        record_payment_by_hand(
            org,
            ACTOR,
            customer=customer,
            received_on=date(2026, 3, 10),
            amount=amount,
            allocations=allocations,
        )
    assert message in refused.value.message
    assert Payment.objects.count() == 0 and Allocation.objects.count() == 0
    assert Event.objects.count() == before


def test_another_customers_invoice_or_another_currency_is_refused(org, books):  # type: ignore[no-untyped-def]
    customer, old, _new = books
    other = InvoiceFactory(organization=org, customer=CustomerFactory(organization=org), number="F-OTHER")
    usd = InvoiceFactory(customer=customer, number="F-USD", currency="USD")
    for invoice, text in ((other, "is not an invoice of Dupont SARL"), (usd, "USD")):
        with pytest.raises(CashRefused) as refused:
            record_payment_by_hand(
                org,
                ACTOR,
                customer=customer,
                received_on=date(2026, 3, 10),
                amount=D("100.00"),
                allocations=[(invoice.pk, D("100.00"))],
            )
        assert invoice.number in refused.value.message and text in refused.value.message
    assert Payment.objects.count() == 0
    assert _open(old, other, usd) == [D("1000.00"), D("1200.00"), D("1200.00")]


def test_a_currency_without_decimals_refuses_cents(org, books):  # type: ignore[no-untyped-def]
    customer, _old, _new = books
    with pytest.raises(CashRefused):
        record_payment_by_hand(
            org, ACTOR, customer=customer, received_on=date(2026, 3, 10), amount=D("10.50"), currency="JPY"
        )
    payment, _applied = record_payment_by_hand(
        org, ACTOR, customer=customer, received_on=date(2026, 3, 10), amount=D("1050"), currency="JPY"
    )
    assert (payment.amount, payment.currency) == (D("1050.00"), "JPY")


def test_a_credit_note_correcting_an_invoice_is_applied_up_to_its_open_amount(org, books):  # type: ignore[no-untyped-def]
    customer, old, new = books
    record_payment_by_hand(
        org,
        ACTOR,
        customer=customer,
        received_on=date(2026, 3, 10),
        amount=D("450.00"),
        allocations=[(new.pk, D("450.00"))],
    )
    note, applied = record_credit_note_by_hand(
        org, ACTOR, customer=customer, number="AV-7", issued_on=date(2026, 3, 12), total=D("80.00"), invoice=new
    )
    assert (note.source, note.invoice_id, note.total) == ("manual", new.pk, D("80.00"))
    assert [(a.invoice.number, a.amount) for a in applied.allocations] == [("F-2", D("50.00"))]
    assert applied.remaining == D("30.00")
    assert CreditNote.objects.get(pk=note.pk).unallocated_amount == D("30.00")
    assert _open(old, new) == [D("1000.00"), D("0.00")]
    kinds = list(Event.objects.filter(customer=customer).order_by("id").values_list("kind", flat=True))[-2:]
    assert kinds == ["credit_note.created", "allocation.created"]


def test_a_duplicate_credit_note_number_is_refused_naming_it(org, books):  # type: ignore[no-untyped-def]
    customer, old, _new = books
    record_credit_note_by_hand(
        org, ACTOR, customer=customer, number="AV-1", issued_on=date(2026, 3, 12), total=D("10.00")
    )
    with pytest.raises(CashRefused) as refused:
        record_credit_note_by_hand(
            org, ACTOR, customer=customer, number=" AV-1 ", issued_on=date(2026, 3, 13), total=D("20.00"), invoice=old
        )
    assert refused.value.field == "number"
    assert "AV-1" in refused.value.message
    assert CreditNote.objects.count() == 1
    assert _open(old) == [D("1000.00")]


def test_a_credit_note_for_another_customers_invoice_is_refused(org, books):  # type: ignore[no-untyped-def]
    customer, _old, _new = books
    other = InvoiceFactory(organization=org, customer=CustomerFactory(organization=org), number="F-OTHER")
    with pytest.raises(CashRefused) as refused:
        record_credit_note_by_hand(
            org, ACTOR, customer=customer, number="AV-9", issued_on=date(2026, 3, 12), total=D("10.00"), invoice=other
        )
    assert "F-OTHER" in refused.value.message
    assert CreditNote.objects.count() == 0


def test_unapplied_cash_applied_later_oldest_first_or_explicitly(org, books):  # type: ignore[no-untyped-def]
    customer, old, new = books
    payment, _applied = record_payment_by_hand(
        org, ACTOR, customer=customer, received_on=date(2026, 3, 10), amount=D("1100.00")
    )
    note, _applied = record_credit_note_by_hand(
        org, ACTOR, customer=customer, number="AV-2", issued_on=date(2026, 3, 11), total=D("300.00")
    )
    applied = apply_unapplied(org, ACTOR, payment=payment)
    assert [(a.invoice.number, a.amount) for a in applied.allocations] == [("F-1", D("1000.00")), ("F-2", D("100.00"))]
    assert applied.remaining == D("0.00")
    with pytest.raises(CashRefused) as refused:
        apply_unapplied(org, ACTOR, payment=payment)
    assert refused.value.message == "Nothing of it is left to apply."
    with pytest.raises(CashRefused):
        apply_unapplied(org, ACTOR, credit_note=note, allocations=[(new.pk, D("400.01"))])
    with pytest.raises(CashRefused):  # more than the credit note has: 300
        apply_unapplied(org, ACTOR, credit_note=note, allocations=[(new.pk, D("300.01"))])
    applied = apply_unapplied(org, ACTOR, credit_note=note, allocations=[(new.pk, D("250.00"))])
    assert applied.remaining == D("50.00")
    assert _open(old, new) == [D("0.00"), D("150.00")]
    assert CreditNote.objects.get(pk=note.pk).unallocated_amount == D("50.00")


def test_an_allocation_undone_reopens_the_invoice(org, books):  # type: ignore[no-untyped-def]
    customer, old, new = books
    payment, applied = record_payment_by_hand(
        org, ACTOR, customer=customer, received_on=date(2026, 3, 10), amount=D("1200.00"), oldest=True
    )
    second = applied.allocations[1]
    done = undo_allocation(org, ACTOR, second.pk)
    assert done["invoice"] == "F-2" and done["amount"] == "200.00" and done["invoice_open_amount"] == "500.00"
    assert _open(old, new) == [D("0.00"), D("500.00")]
    assert Payment.objects.get(pk=payment.pk).unallocated_amount == D("200.00")
    event = Event.objects.filter(customer=customer).latest("id")
    assert event.kind == "allocation.removed"
    assert (event.data["invoice"], event.data["amount"], event.data["payment_id"]) == ("F-2", "200.00", payment.pk)
    assert "F-2" in describe(event) and "200.00" in describe(event)
    with pytest.raises(CashRefused):  # gone
        undo_allocation(org, ACTOR, second.pk)


def test_another_organizations_allocation_cannot_be_undone(org, other_org, books):  # type: ignore[no-untyped-def]
    customer, _old, _new = books
    _payment, applied = record_payment_by_hand(
        org, ACTOR, customer=customer, received_on=date(2026, 3, 10), amount=D("100.00"), oldest=True
    )
    with pytest.raises(CashRefused):
        undo_allocation(other_org, ACTOR, applied.allocations[0].pk)
    assert Allocation.objects.count() == 1


def test_a_bank_allocation_is_undone_with_its_entry_not_by_hand(org, books):  # type: ignore[no-untyped-def]
    from recouvre.bank.models import BankEntry
    from recouvre.bank.services import import_statement
    from recouvre.bank.tests.test_matching import PAYER_IBAN, Credit, camt
    from recouvre.core.creditor_ref import customer_rf

    customer, old, new = books
    rf = customer_rf(org.pk, customer.pk)
    content = camt(Credit("1700.00", "2026-03-18", "DUPONT", PAYER_IBAN, "VIREMENT", rf))
    assert import_statement(org, content, "releve.xml", actor=ACTOR).matched == 1
    entry = BankEntry.objects.get(organization=org)
    allocation = Allocation.objects.get(invoice=old)
    assert allocation.source == "bank"
    with pytest.raises(CashRefused) as refused:
        undo_allocation(org, ACTOR, allocation)
    assert f"recouvre bank undo {entry.pk}" in refused.value.message
    assert _open(old, new) == [D("0.00"), D("0.00")]
    # what the transfer left over (200.00) is applied by hand to another invoice, and that can be undone by hand
    later = InvoiceFactory(customer=customer, number="F-3", issued_on=date(2026, 3, 1), due_on=date(2026, 3, 31))
    payment = Payment.objects.get(source="bank")
    applied = apply_unapplied(org, ACTOR, payment=payment)
    assert [(a.invoice.number, a.amount, a.source) for a in applied.allocations] == [("F-3", D("200.00"), "manual")]
    undo_allocation(org, ACTOR, applied.allocations[0])
    assert _open(later) == [D("1200.00")]


def test_a_write_off_credit_is_reversed_with_the_write_off(org, books):  # type: ignore[no-untyped-def]
    from recouvre.legal.writeoffs import write_off

    customer, old, _new = books
    write_off(old, actor=ACTOR, reason="other", note="disparu", written_off_on=date(2026, 6, 1))
    allocation = Allocation.objects.get(invoice=old)
    with pytest.raises(CashRefused) as refused:
        undo_allocation(org, ACTOR, allocation)
    assert "recouvre writeoff reverse F-1" in refused.value.message
    assert _open(old) == [D("0.00")]


def test_a_customer_reminded_before_is_not_reminded_once_paid_by_hand(org, books):  # type: ignore[no-untyped-def]
    from recouvre.collections.models import Policy, Step

    policy = Policy.objects.create(organization=org, key="test", name="Test", segment="standard")
    Step.objects.create(policy=policy, position=1, key="first", offset_days=5, channel="email", template="first")
    Step.objects.create(policy=policy, position=2, key="second", offset_days=20, channel="email", template="second")
    customer, old, new = books
    new.delete()
    first = run_collections(org, date(2026, 2, 9), actor=ACTOR, today=date(2026, 2, 9))
    assert first.actions == 1
    carry_out(org)
    record_payment_by_hand(
        org, ACTOR, customer=customer, received_on=date(2026, 2, 12), amount=D("1000.00"), oldest=True
    )
    assert _open(old) == [D("0.00")]
    second = run_collections(org, date(2026, 2, 24), actor=ACTOR, today=date(2026, 2, 24))
    assert second.actions == 0
    assert Action.objects.count() == 1


def test_an_imported_allocation_undone_by_hand_is_not_made_again_by_a_reimport(org) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from recouvre.imports.services import run_import

    fixtures = Path(__file__).resolve().parents[2] / "imports" / "tests" / "fixtures"
    for kind, name in (("customers", "customers_en.csv"), ("invoices", "invoices_en.csv")):
        run_import(org, kind, fixtures / name, actor=ACTOR)
    run_import(org, "payments", fixtures / "payments_en.csv", actor=ACTOR)
    allocation = Allocation.objects.get(invoice__number="F2025-003")
    assert (allocation.source, allocation.amount) == ("csv", D("99.90"))
    undo_allocation(org, ACTOR, allocation)
    invoice = Invoice.objects.get(organization=org, number="F2025-003")
    assert invoice.open_amount == D("99.90")

    result = run_import(org, "payments", fixtures / "payments_en.csv", actor=ACTOR)

    assert "allocations" not in result.details
    assert Invoice.objects.get(pk=invoice.pk).open_amount == D("99.90")
    assert Allocation.objects.filter(organization=org).count() == 2


def test_a_dispute_credit_and_a_fec_lettering_are_not_undone_by_hand(org, books) -> None:  # type: ignore[no-untyped-def]
    from recouvre.collections.holds import open_dispute, resolve_dispute
    from recouvre.ledger.models import Source

    customer, old, new = books
    hold = open_dispute(org, old, reason_code="price", actor=ACTOR, today=date(2026, 3, 1))
    resolve_dispute(hold, actor=ACTOR, resolution="credit_note", credit_amount=D("100.00"), today=date(2026, 3, 2))
    credited = Allocation.objects.get(invoice=old)
    with pytest.raises(CashRefused) as refused:
        undo_allocation(org, ACTOR, credited)
    assert "resolved the dispute on invoice F-1" in refused.value.message
    from recouvre.ledger.services import allocate

    payment, _applied = record_payment_by_hand(
        org, ACTOR, customer=customer, received_on=date(2026, 3, 10), amount=D("50.00")
    )
    lettered = allocate(ACTOR, invoice=old, amount=D("50.00"), payment=payment, source=Source.FEC)
    with pytest.raises(CashRefused) as refused:
        undo_allocation(org, ACTOR, lettered.pk)
    assert "FEC" in refused.value.message
    assert _open(old, new) == [D("850.00"), D("500.00")]
