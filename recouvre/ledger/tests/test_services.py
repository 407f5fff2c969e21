from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from recouvre.ledger import selectors
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.services import allocate, create_customer, create_invoice, record_payment, update_customer
from recouvre.ledger.timeline import describe

pytestmark = pytest.mark.django_db


def test_every_change_leaves_an_event_with_who_and_what(org, user):
    actor = Actor.of(user)
    customer = create_customer(org, actor, ref="411DUP", name="Dupont SARL")
    invoice = create_invoice(
        org,
        actor,
        customer=customer,
        number="F-100",
        issued_on=date(2026, 1, 10),
        due_on=date(2026, 2, 9),
        total=Decimal("1440.00"),
    )
    payment = record_payment(
        org, actor, customer=customer, received_on=date(2026, 2, 12), amount=Decimal("1000.00"), source_key="p1"
    )
    allocate(actor, invoice=invoice, payment=payment, amount=Decimal("1000.00"))
    update_customer(customer, actor, segment="strategic")
    update_customer(customer, actor, segment="strategic")  # no change: no event

    events = list(selectors.timeline(org, customer).order_by("id"))
    assert [e.kind for e in events] == [
        "customer.created",
        "invoice.created",
        "payment.received",
        "allocation.created",
        "customer.updated",
    ]
    assert all(e.actor == user for e in events)
    assert events[-1].data["changes"] == {"segment": ["standard", "strategic"]}
    with translation.override("en"):
        assert describe(events[1]) == "Invoice F-100 for 1440.00 EUR, due 2026-02-09."
    with translation.override("fr"):
        assert "F-100" in describe(events[1])


def test_timeline_is_scoped_to_the_organization(org, other_org):
    actor = Actor.system("test")
    mine = create_customer(org, actor, ref="411A", name="A")
    create_customer(other_org, actor, ref="411A", name="A elsewhere")
    assert selectors.timeline(org, mine).count() == 1
    assert Event.objects.count() == 2
    with pytest.raises(type(mine).DoesNotExist):
        selectors.customer(other_org, mine.pk)


def test_customer_balances(org):
    actor = Actor.system("test")
    c = create_customer(org, actor, ref="411B", name="B")
    create_invoice(
        org,
        actor,
        customer=c,
        number="F1",
        issued_on=date(2026, 1, 1),
        due_on=date(2026, 1, 31),
        total=Decimal("100.00"),
    )
    create_invoice(
        org,
        actor,
        customer=c,
        number="F2",
        issued_on=date(2026, 3, 1),
        due_on=date(2026, 3, 31),
        total=Decimal("50.00"),
    )
    record_payment(org, actor, customer=c, received_on=date(2026, 2, 1), amount=Decimal("30.00"), source_key="x")
    row = selectors.customers_with_balances(org, date(2026, 3, 15)).get(pk=c.pk)
    assert (row.open_total, row.overdue_total, row.unapplied) == (
        Decimal("150.00"),
        Decimal("100.00"),
        Decimal("30.00"),
    )
