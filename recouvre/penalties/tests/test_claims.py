"""Claimed penalties: recorded apart from the principal, with their basis; a later claim adds only what accrued."""

from datetime import date
from decimal import Decimal

import pytest

from recouvre.collections.models import Hold, HoldKind
from recouvre.ledger.models import Event, Invoice
from recouvre.ledger.timeline import describe
from recouvre.penalties.models import PenaltyClaim
from recouvre.penalties.services import claim_penalties
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

from .conftest import ACTOR

pytestmark = pytest.mark.django_db


def test_the_interest_to_date_and_the_indemnity_are_claimed_apart_from_the_principal(org, invoice):
    [claim] = claim_penalties(org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR, source="formal_notice")

    assert (claim.interest, claim.indemnity, claim.amount) == (Decimal("462.59"), Decimal("40.00"), Decimal("502.59"))
    assert claim.open_amount == Decimal("502.59")
    assert (claim.interest_from, claim.interest_to, claim.source) == (
        date(2025, 3, 16),
        date(2025, 6, 30),
        "formal_notice",
    )
    assert claim.basis["periods"] == [
        {
            "from": "2025-03-16",
            "to": "2025-06-30",
            "days": 107,
            "base": "12000.00",
            "rate": "13.15",
            "interest": "462.59",
        }
    ]
    # the invoice is untouched: its open amount (and so the aged balance) stays the principal
    assert Invoice.objects.get(pk=invoice.pk).open_amount == Decimal("12000.00")
    event = Event.objects.get(kind="penalties.claimed")
    assert describe(event) == (
        "Penalties claimed on invoice F-2025-031 to 2025-06-30: interest 462.59, indemnity 40.00, in all 502.59 EUR "
        "(kept apart from the principal)."
    )


def test_claiming_again_adds_only_the_interest_accrued_since_and_never_the_indemnity_twice(org, invoice):
    claim_penalties(org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR)
    [later] = claim_penalties(org, [invoice], as_of=date(2025, 7, 31), actor=ACTOR)

    # 1 to 31 July 2025 at the second half-year's rate: 12 000 × 12.15 % × 31 / 365
    assert (later.interest, later.indemnity, later.amount) == (Decimal("123.83"), Decimal("0.00"), Decimal("123.83"))
    assert later.interest_from == date(2025, 7, 1)
    assert [p["rate"] for p in later.basis["periods"]] == ["12.15"]
    assert later.basis["since"] == "2025-06-30"
    # the same day again: nothing new to claim
    assert claim_penalties(org, [invoice], as_of=date(2025, 7, 31), actor=ACTOR) == []
    assert PenaltyClaim.objects.filter(invoice=invoice).count() == 2


def test_nothing_is_claimed_before_the_day_after_the_due_date(org, invoice):
    assert claim_penalties(org, [invoice], as_of=date(2025, 3, 15), actor=ACTOR) == []
    assert not PenaltyClaim.objects.exists()


def test_a_consumer_owes_no_indemnity_and_needs_a_notice_date(org):
    consumer = CustomerFactory(organization=org, kind="consumer")
    invoice = InvoiceFactory(customer=consumer, issued_on=date(2025, 1, 1), due_on=date(2025, 1, 31))
    assert claim_penalties(org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR) == []
    [claim] = claim_penalties(
        org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR, notices={invoice.id: date(2025, 5, 31)}
    )
    assert claim.indemnity == Decimal("0.00")
    assert claim.interest > 0


def test_no_penalties_under_insolvency_proceedings(org, invoice, customer):
    Hold.objects.create(organization=org, customer=customer, kind=HoldKind.INSOLVENCY, starts_on=date(2025, 5, 2))
    assert claim_penalties(org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR) == []


def test_another_organizations_invoice_is_not_claimed(org, other_org, invoice):
    assert claim_penalties(other_org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR) == []
    assert not PenaltyClaim.objects.exists()
