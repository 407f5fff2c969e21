"""A payment shared between principal and claimed penalties in the organization's order; waivers; closing."""

from datetime import date
from decimal import Decimal

import pytest

from recouvre.ledger.models import Event, Invoice
from recouvre.ledger.timeline import describe
from recouvre.penalties.models import AllocationOrder, PenaltyClaim, PenaltyWaiver
from recouvre.penalties.selectors import totals
from recouvre.penalties.services import (
    PenaltyRefused,
    apply_payment,
    claim_penalties,
    payment_available,
    update_settings,
    waive_penalties,
)
from recouvre.testing.factories import InvoiceFactory

from .conftest import ACTOR, payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_invoices(org, invoice, customer):  # type: ignore[no-untyped-def]
    """F-2025-031 (12 000.00, due 2025-03-15) with 502.59 of penalties claimed on 2025-06-30, and F-2025-090
    (1 000.00, due 2025-09-30) not yet claimed."""
    [claim] = claim_penalties(org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR)
    later = InvoiceFactory(
        customer=customer,
        number="F-2025-090",
        issued_on=date(2025, 8, 31),
        due_on=date(2025, 9, 30),
        total=Decimal("1000.00"),
    )
    return invoice, later, claim


def _open(*invoices: Invoice) -> list[Decimal]:
    return [Invoice.objects.get(pk=i.pk).open_amount for i in invoices]


def test_principal_first_by_default(org, customer, two_invoices):
    first, second, claim = two_invoices
    split = apply_payment(org, payment(customer, "12700.00", date(2025, 10, 15)), actor=ACTOR)

    assert split.principal == [("F-2025-031", Decimal("12000.00")), ("F-2025-090", Decimal("700.00"))]
    assert split.penalties == []
    assert _open(first, second) == [Decimal("0.00"), Decimal("300.00")]
    assert PenaltyClaim.objects.get(pk=claim.pk).open_amount == Decimal("502.59")


def test_penalties_first(org, customer, two_invoices):
    first, second, claim = two_invoices
    update_settings(org, actor=ACTOR, allocation_order=AllocationOrder.PENALTIES_FIRST)
    pay = payment(customer, "12700.00", date(2025, 10, 15))
    split = apply_payment(org, pay, actor=ACTOR)

    assert split.penalties == [("F-2025-031", Decimal("502.59"))]
    assert split.principal == [("F-2025-031", Decimal("12000.00")), ("F-2025-090", Decimal("197.41"))]
    assert _open(first, second) == [Decimal("0.00"), Decimal("802.59")]
    assert PenaltyClaim.objects.get(pk=claim.pk).open_amount == Decimal("0.00")
    assert payment_available(pay) == Decimal("0.00")
    assert [describe(e) for e in Event.objects.filter(kind__startswith="penalties.").order_by("id")][1:] == [
        "Penalty settings changed: payment allocation order.",
        "502.59 EUR of the payment received on 2025-10-15 applied to the penalties of invoice F-2025-031.",
        "The penalties claimed on invoice F-2025-031 are settled.",
    ]


def test_oldest_first_puts_the_claim_between_the_two_invoices(org, customer, two_invoices):
    first, second, claim = two_invoices
    pay = payment(customer, "12600.00", date(2025, 10, 15))
    split = apply_payment(org, pay, actor=ACTOR, order=AllocationOrder.OLDEST_FIRST)

    # F-2025-031 due 2025-03-15, then its penalties claimed 2025-06-30, then F-2025-090 due 2025-09-30
    assert split.principal == [("F-2025-031", Decimal("12000.00")), ("F-2025-090", Decimal("97.41"))]
    assert split.penalties == [("F-2025-031", Decimal("502.59"))]
    assert _open(first, second) == [Decimal("0.00"), Decimal("902.59")]


def test_a_small_payment_penalties_first_leaves_the_claim_open(org, customer, two_invoices):
    _first, _second, claim = two_invoices
    pay = payment(customer, "300.00", date(2025, 10, 15))
    split = apply_payment(org, pay, actor=ACTOR, order=AllocationOrder.PENALTIES_FIRST)
    assert split.penalties == [("F-2025-031", Decimal("300.00"))] and split.principal == []
    claim.refresh_from_db()
    assert (claim.paid_amount, claim.open_amount) == (Decimal("300.00"), Decimal("202.59"))
    # applying the same payment again finds nothing left
    assert apply_payment(org, pay, actor=ACTOR).left == Decimal("0.00")
    assert claim.payments.count() == 1


def test_a_partial_waiver_then_the_rest_closes_the_claim(org, user, two_invoices):
    _first, _second, claim = two_invoices
    from recouvre.ledger.actors import Actor

    claire = Actor.of(user)
    waive_penalties(
        claim, reason="Commercial gesture agreed by phone", actor=claire, on=date(2025, 7, 2), amount=Decimal("40.00")
    )
    claim.refresh_from_db()
    assert (claim.waived_amount, claim.open_amount) == (Decimal("40.00"), Decimal("462.59"))

    waive_penalties(claim, reason="Long-standing customer", actor=claire, on=date(2025, 7, 3))
    claim.refresh_from_db()
    assert claim.open_amount == Decimal("0.00")
    assert [(w.amount, w.reason, w.actor) for w in PenaltyWaiver.objects.order_by("id")] == [
        (Decimal("40.00"), "Commercial gesture agreed by phone", user),
        (Decimal("462.59"), "Long-standing customer", user),
    ]
    waived = Event.objects.filter(kind="penalties.waived").order_by("id").first()
    assert describe(waived) == "40.00 EUR of penalties on invoice F-2025-031 waived: Commercial gesture agreed by phone"
    assert waived.actor == user
    assert Event.objects.filter(kind="penalties.settled").count() == 1
    [row] = totals(org, claim.customer)
    assert (row.claimed, row.paid, row.waived, row.open) == (
        Decimal("502.59"),
        Decimal("0.00"),
        Decimal("502.59"),
        Decimal("0.00"),
    )


def test_a_waiver_needs_a_reason_and_stays_within_what_is_open(two_invoices):
    _first, _second, claim = two_invoices
    with pytest.raises(PenaltyRefused, match="say why"):
        waive_penalties(claim, reason="  ", actor=ACTOR, on=date(2025, 7, 2))
    with pytest.raises(PenaltyRefused, match="only 502.59 EUR"):
        waive_penalties(claim, reason="gesture", actor=ACTOR, on=date(2025, 7, 2), amount=Decimal("502.60"))
    assert not PenaltyWaiver.objects.exists()


def test_totals_after_a_payment_and_a_waiver(org, customer, two_invoices):
    _first, _second, claim = two_invoices
    apply_payment(
        org, payment(customer, "100.00", date(2025, 10, 15)), actor=ACTOR, order=AllocationOrder.PENALTIES_FIRST
    )
    waive_penalties(claim, reason="gesture", actor=ACTOR, on=date(2025, 10, 16), amount=Decimal("2.59"))
    [row] = totals(org, customer)
    assert (row.claimed, row.paid, row.waived, row.open) == (
        Decimal("502.59"),
        Decimal("100.00"),
        Decimal("2.59"),
        Decimal("400.00"),
    )
