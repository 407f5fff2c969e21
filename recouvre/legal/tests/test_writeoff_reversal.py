"""Reversing a write-off: the ledger credit is cancelled, the invoice is open again by exactly the amount written
off and collection resumes; the record keeps who, when and why; a write-off is reversed once."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from recouvre.collections.models import Action, Policy, Step
from recouvre.collections.selectors import open_items
from recouvre.collections.services import run_collections
from recouvre.ledger import services as ledger
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Allocation, CreditNote, Event, Invoice
from recouvre.ledger.timeline import describe
from recouvre.legal import writeoffs
from recouvre.legal.models import WriteOff, WriteOffReason
from recouvre.reports.selectors import aged_balance
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory, PaymentFactory

pytestmark = pytest.mark.django_db
ME = Actor.system("test")
D = date


@pytest.fixture(autouse=True)
def thursday_12_march():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 3, 12, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        yield


def pay(invoice: Invoice, amount: str, on: date) -> None:
    payment = PaymentFactory(customer=invoice.customer, amount=Decimal(amount), received_on=on)
    ledger.allocate(ME, invoice=invoice, amount=Decimal(amount), payment=payment)


@pytest.fixture
def gone(org):  # type: ignore[no-untyped-def]
    """F-GONE: 1 200.00 (of which 200.00 VAT), 120.00 paid, the remaining 1 080.00 written off on 10 March 2026."""
    policy = Policy.objects.create(organization=org, key="mail", name="Mail", segment="standard")
    Step.objects.create(policy=policy, position=1, key="reminder", offset_days=7, channel="email", template="reminder")
    customer = CustomerFactory(organization=org, ref="411GONE", name="Disparue SARL")
    invoice = InvoiceFactory(
        customer=customer,
        number="F-GONE",
        issued_on=D(2025, 1, 10),
        due_on=D(2025, 2, 9),
        amount_excl_tax=Decimal("1000.00"),
        tax_amount=Decimal("200.00"),
        total=Decimal("1200.00"),
    )
    pay(invoice, "120.00", D(2025, 3, 1))
    record = writeoffs.write_off(
        invoice, actor=ME, reason=WriteOffReason.DEBTOR_GONE, written_off_on=D(2026, 3, 10), note="Struck off"
    )
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("0.00")
    assert record.credit_note_number == "PP-F-GONE"
    return record


def test_the_invoice_is_open_again_by_exactly_the_amount_written_off(org, gone) -> None:  # type: ignore[no-untyped-def]
    run_collections(org, D(2026, 3, 11), actor=ME)
    assert not Action.objects.exists()  # written off: nobody reminds it
    manager = MembershipFactory(organization=org, role="credit_manager", user__username="claire").user

    record = writeoffs.reverse_write_off(gone, reason="The customer paid after all", actor=Actor.of(manager))

    invoice = Invoice.objects.get(number="F-GONE")
    assert (invoice.open_amount, invoice.allocated_amount, invoice.total) == (
        Decimal("1080.00"),
        Decimal("120.00"),
        Decimal("1200.00"),
    )
    # Only the payment is still applied; the ledger credit PP-F-GONE is cancelled, its number kept.
    assert [(a.amount, a.payment is not None) for a in Allocation.objects.filter(invoice=invoice)] == [
        (Decimal("120.00"), True)
    ]
    assert not CreditNote.objects.filter(number="PP-F-GONE").exists()
    record = WriteOff.objects.get(pk=gone.pk)
    assert (record.credit_note_id, record.credit_note_number, record.amount) == (None, "PP-F-GONE", Decimal("1080.00"))
    assert record.reversed_at == timezone.now()
    assert (record.reversed_by, record.reversed_by_label, record.reversal_reason) == (
        manager,
        "claire",
        "The customer paid after all",
    )
    assert [describe(e) for e in Event.objects.filter(kind="credit_note.cancelled")] == [
        "Credit note PP-F-GONE for 1080.00 EUR cancelled: invoice F-GONE is open again by as much."
    ]
    event = Event.objects.get(kind="legal.write_off_reversed")
    assert (event.actor, event.data["amount"], event.data["write_off"]) == (manager, "1080.00", gone.pk)
    assert describe(event) == (
        "Write-off of invoice F-GONE reversed, 1080.00 EUR open again: The customer paid after all"
    )
    # Every open balance has it again, and collection resumes at the next run.
    assert [(ln.ref, ln.total) for ln in aged_balance(org, D(2026, 3, 12)).lines] == [("411GONE", Decimal("1080.00"))]
    assert [(item.number, item.open_amount) for item in open_items(org)] == [("F-GONE", Decimal("1080.00"))]
    run_collections(org, D(2026, 3, 12), actor=ME)
    reminder = Action.objects.get()
    assert [(line["number"], line["open_amount"]) for line in reminder.lines] == [("F-GONE", "1080.00")]


def test_a_write_off_is_reversed_once(org, gone) -> None:  # type: ignore[no-untyped-def]
    writeoffs.reverse_write_off(gone, reason="Paid", actor=ME)

    with pytest.raises(ValidationError) as refused:
        writeoffs.reverse_write_off(gone, reason="Paid twice", actor=ME)

    assert refused.value.messages == ["This write-off of invoice F-GONE was already reversed on 2026-03-12."]
    assert Invoice.objects.get(number="F-GONE").open_amount == Decimal("1080.00")
    assert Event.objects.filter(kind="legal.write_off_reversed").count() == 1
    assert WriteOff.objects.get(pk=gone.pk).reversal_reason == "Paid"


def test_a_reversal_says_why(org, gone) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        writeoffs.reverse_write_off(gone, reason="   ", actor=ME)

    assert refused.value.messages == ["Say why the write-off is reversed."]
    record = WriteOff.objects.get(pk=gone.pk)
    assert (record.reversed_at, record.credit_note.number) == (None, "PP-F-GONE")
    assert Invoice.objects.get(number="F-GONE").open_amount == Decimal("0.00")


def test_a_partial_write_off_reversed_after_the_rest_was_paid(org) -> None:  # type: ignore[no-untyped-def]
    invoice = InvoiceFactory(customer=CustomerFactory(organization=org), number="F-PART", total=Decimal("1200.00"))
    record = writeoffs.write_off(
        invoice, actor=ME, reason=WriteOffReason.UNECONOMIC, written_off_on=D(2026, 3, 1), amount=Decimal("300.00")
    )
    pay(invoice, "900.00", D(2026, 3, 5))
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("0.00")

    writeoffs.reverse_write_off(record, reason="Small, but the customer agreed to pay it", actor=ME)

    invoice.refresh_from_db()
    assert (invoice.open_amount, invoice.allocated_amount) == (Decimal("300.00"), Decimal("900.00"))


def test_the_database_keeps_a_reversal_whole(org, gone) -> None:  # type: ignore[no-untyped-def]
    rows = WriteOff.objects.filter(pk=gone.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(reversed_at=timezone.now())  # no one, no reason
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(reversal_reason="Paid", reversed_by_label="claire")  # no date
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(credit_note=None)  # the ledger credit goes only with a reversal
    assert rows.get().reversed_at is None
