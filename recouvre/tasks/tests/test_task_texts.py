"""A call task opened from the outbox is shown with today's data: the customer's name as it is now, each invoice's
amount still owed and days overdue today, not the figures written when the task was opened."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from recouvre.collections.outbox import process_due
from recouvre.collections.services import run_collections
from recouvre.ledger import services as ledger
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Contact, Customer, Invoice
from recouvre.tasks.models import Task
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

PARIS = ZoneInfo("Europe/Paris")
ROBOT = Actor.system("run")
MONDAY = datetime(2026, 3, 16, 9, 0, tzinfo=PARIS)
pytestmark = pytest.mark.django_db


def _pay(customer: Customer, number: str, amount: str, on: date) -> None:
    invoice = Invoice.objects.get(customer=customer, number=number)
    payment = ledger.record_payment(
        customer.organization,
        ROBOT,
        customer=customer,
        received_on=on,
        amount=Decimal(amount),
        source_key=f"TX-{amount}",
    )
    ledger.allocate(ROBOT, invoice=invoice, amount=Decimal(amount), payment=payment)


def test_the_worklist_writes_a_call_from_current_data(logged_client, org, calls) -> None:  # type: ignore[no-untyped-def]
    dupont = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")
    InvoiceFactory(
        customer=dupont, number="F-1001", issued_on=date(2026, 2, 2), due_on=date(2026, 3, 4), total=Decimal("1200.00")
    )
    InvoiceFactory(
        customer=dupont, number="F-1002", issued_on=date(2026, 2, 5), due_on=date(2026, 3, 6), total=Decimal("345.67")
    )
    run_collections(org, MONDAY.date(), actor=ROBOT)
    assert process_due(org, now=MONDAY, actor=ROBOT).tasks_opened == 1
    task = Task.objects.get(kind="call", state="open")
    assert "1,200.00" in task.details or "1 200,00" in task.details  # as written on Monday

    # Thursday: 300.00 received on F-1002, the customer renamed, a contact with a phone number added
    _pay(dupont, "F-1002", "300.00", date(2026, 3, 18))
    Customer.objects.filter(pk=dupont.pk).update(name="Dupont & Fils SARL")
    Contact.objects.create(
        organization=org, customer=dupont, name="Jeanne Dupont", phone="+33 (0)4 72 00 00 00", is_primary=True
    )
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(datetime(2026, 3, 19, 10, 0, tzinfo=PARIS), tick=False):
        page = logged_client.get("/worklist/").content.decode()
    assert '<span class="task-title">Call Dupont &amp; Fils SARL (step: phone call)</span>' in page
    assert (
        "Invoices still owed today:\n"
        "F-1001 due 4 Mar 2026: €1,200.00 still owed, 15 days overdue\n"
        "F-1002 due 6 Mar 2026: €45.67 still owed, 13 days overdue\n"
        "Total overdue: €1,245.67"
    ) in page
    assert '<strong>Jeanne Dupont</strong> · <a href="tel:+33472000000" class="mono">+33 (0)4 72 00 00 00</a>' in page
    task.refresh_from_db()
    assert "Dupont SARL" in task.title  # what was written stays as it was

    _pay(dupont, "F-1001", "1200.00", date(2026, 3, 19))
    _pay(dupont, "F-1002", "45.67", date(2026, 3, 19))
    with time_machine.travel(datetime(2026, 3, 19, 11, 0, tzinfo=PARIS), tick=False):
        page = logged_client.get("/worklist/").content.decode()
    if f'data-task="{task.pk}"' in page:  # until the next run closes it
        assert "Every invoice this task is about has been settled since it was opened." in page
