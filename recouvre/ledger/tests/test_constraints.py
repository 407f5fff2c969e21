"""The database refuses impossible ledger states, whatever code path tries to write them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from recouvre.ledger.actors import CLI
from recouvre.ledger.models import Allocation, CreditNote, Invoice, Payment
from recouvre.ledger.services import allocate
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def refused(fn):  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_allocations_maintain_open_amounts(org):
    customer = CustomerFactory(organization=org)
    invoice = InvoiceFactory(customer=customer, total=Decimal("1200.00"))
    payment = PaymentFactory(customer=customer, amount=Decimal("500.00"))

    allocate(CLI, invoice=invoice, payment=payment, amount=Decimal("300.10"))
    allocate(CLI, invoice=invoice, payment=payment, amount=Decimal("199.90"))

    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.allocated_amount == Decimal("500.00")
    assert invoice.open_amount == Decimal("700.00")
    assert payment.unallocated_amount == Decimal("0.00")


def test_cents_add_up_exactly(org):
    """0.10 + 0.20 must settle a 0.30 invoice (no binary floating point drift in SQLite)."""
    customer = CustomerFactory(organization=org)
    invoice = InvoiceFactory(customer=customer, total=Decimal("0.30"))
    p1 = PaymentFactory(customer=customer, amount=Decimal("0.10"))
    p2 = PaymentFactory(customer=customer, amount=Decimal("0.20"))
    allocate(CLI, invoice=invoice, payment=p1, amount=Decimal("0.10"))
    allocate(CLI, invoice=invoice, payment=p2, amount=Decimal("0.20"))
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("0.00")
    assert not Invoice.objects.filter(pk=invoice.pk, open_amount__gt=0).exists()


def test_deleting_an_allocation_reopens_the_invoice(org):
    customer = CustomerFactory(organization=org)
    invoice = InvoiceFactory(customer=customer, total=Decimal("100.00"))
    payment = PaymentFactory(customer=customer, amount=Decimal("100.00"))
    allocation = allocate(CLI, invoice=invoice, payment=payment, amount=Decimal("100.00"))
    allocation.delete()
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.open_amount == Decimal("100.00")
    assert payment.unallocated_amount == Decimal("100.00")


def test_over_allocating_an_invoice_is_refused(org):
    customer = CustomerFactory(organization=org)
    invoice = InvoiceFactory(customer=customer, total=Decimal("100.00"))
    payment = PaymentFactory(customer=customer, amount=Decimal("500.00"))
    refused(lambda: allocate(CLI, invoice=invoice, payment=payment, amount=Decimal("100.01")))
    invoice.refresh_from_db()
    assert invoice.allocated_amount == Decimal("0.00")


def test_over_allocating_a_payment_is_refused(org):
    customer = CustomerFactory(organization=org)
    i1 = InvoiceFactory(customer=customer, total=Decimal("100.00"))
    i2 = InvoiceFactory(customer=customer, total=Decimal("100.00"))
    payment = PaymentFactory(customer=customer, amount=Decimal("150.00"))
    allocate(CLI, invoice=i1, payment=payment, amount=Decimal("100.00"))
    refused(lambda: allocate(CLI, invoice=i2, payment=payment, amount=Decimal("50.01")))
    payment.refresh_from_db()
    assert payment.allocated_amount == Decimal("100.00")


def test_over_applying_a_credit_note_is_refused(org):
    customer = CustomerFactory(organization=org)
    invoice = InvoiceFactory(customer=customer, total=Decimal("100.00"))
    note = CreditNote.objects.create(
        organization=org, customer=customer, number="AV1", issued_on=date(2026, 2, 1), total=Decimal("40.00")
    )
    allocate(CLI, invoice=invoice, credit_note=note, amount=Decimal("40.00"))
    refused(lambda: allocate(CLI, invoice=invoice, credit_note=note, amount=Decimal("0.01")))
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("60.00")


def test_allocation_across_organizations_is_refused(org, other_org):
    mine = InvoiceFactory(customer=CustomerFactory(organization=org), total=Decimal("100.00"))
    theirs = PaymentFactory(customer=CustomerFactory(organization=other_org), amount=Decimal("100.00"))
    refused(
        lambda: Allocation.objects.create(
            organization=org, invoice=mine, payment=theirs, amount=Decimal("10.00"), allocated_on=date(2026, 2, 1)
        )
    )
    refused(
        lambda: Allocation.objects.create(
            organization=other_org, invoice=mine, payment=theirs, amount=Decimal("10.00"), allocated_on=date(2026, 2, 1)
        )
    )


def test_allocation_across_currencies_is_refused(org):
    customer = CustomerFactory(organization=org)
    invoice = InvoiceFactory(customer=customer, total=Decimal("100.00"), currency="EUR")
    payment = PaymentFactory(customer=customer, amount=Decimal("100.00"), currency="USD")
    refused(lambda: allocate(CLI, invoice=invoice, payment=payment, amount=Decimal("10.00")))


def test_allocation_across_customers_is_refused(org):
    invoice = InvoiceFactory(customer=CustomerFactory(organization=org), total=Decimal("100.00"))
    payment = PaymentFactory(customer=CustomerFactory(organization=org), amount=Decimal("100.00"))
    refused(lambda: allocate(CLI, invoice=invoice, payment=payment, amount=Decimal("10.00")))


def test_allocations_cannot_be_changed(org):
    customer = CustomerFactory(organization=org)
    invoice = InvoiceFactory(customer=customer, total=Decimal("100.00"))
    payment = PaymentFactory(customer=customer, amount=Decimal("100.00"))
    allocation = allocate(CLI, invoice=invoice, payment=payment, amount=Decimal("10.00"))
    refused(lambda: Allocation.objects.filter(pk=allocation.pk).update(amount=Decimal("90.00")))


def test_allocation_needs_exactly_one_source(org):
    customer = CustomerFactory(organization=org)
    invoice = InvoiceFactory(customer=customer)
    refused(
        lambda: Allocation.objects.create(
            organization=org, invoice=invoice, amount=Decimal("1.00"), allocated_on=date(2026, 1, 1)
        )
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"total": Decimal("0.00")},
        {"total": Decimal("-5.00")},
        {"issued_on": date(2026, 3, 1), "due_on": date(2026, 2, 28)},
        {"total": Decimal("120.00"), "amount_excl_tax": Decimal("100.00"), "tax_amount": Decimal("19.99")},
        {"amount_excl_tax": Decimal("-1.00")},
    ],
    ids=["zero-total", "negative-total", "due-before-issue", "excl-plus-tax-mismatch", "negative-excl-tax"],
)
def test_impossible_invoices_are_refused(org, fields):
    customer = CustomerFactory(organization=org)
    refused(lambda: InvoiceFactory(customer=customer, **fields))


def test_invoice_numbers_are_unique_per_organization_only(org, other_org):
    InvoiceFactory(customer=CustomerFactory(organization=org), number="F-1")
    InvoiceFactory(customer=CustomerFactory(organization=other_org), number="F-1")  # another company: fine
    refused(lambda: InvoiceFactory(customer=CustomerFactory(organization=org), number="F-1"))


def test_negative_payment_is_refused(org):
    refused(lambda: PaymentFactory(customer=CustomerFactory(organization=org), amount=Decimal("-1.00")))
    assert not Payment.objects.exists()
