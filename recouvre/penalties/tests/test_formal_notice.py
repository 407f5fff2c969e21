"""Producing a formal notice claims the penalties to that day on its invoices, once."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recouvre.collections.notices import request_formal_notice
from recouvre.letters.services import produce_due_letters
from recouvre.penalties.models import PenaltyClaim
from recouvre.penalties.services import claim_penalties
from recouvre.testing.factories import InvoiceFactory

from .conftest import ACTOR

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def test_the_formal_notice_claims_the_interest_to_its_day_and_the_indemnity(org, customer, invoice):
    org.city = "Lyon"
    org.save()
    InvoiceFactory(customer=customer, number="F-2025-200", issued_on=date(2025, 6, 1), due_on=date(2025, 7, 31))
    request_formal_notice(org, customer, actor=ACTOR, today=date(2025, 6, 30), approved=True)
    now = datetime(2025, 6, 30, 10, 0, tzinfo=PARIS)
    with time_machine.travel(now, tick=False):
        assert produce_due_letters(org, now=now, actor=ACTOR) == 1

    # only the overdue invoice, the LEGAL-FR §1.6 figures
    [claim] = PenaltyClaim.objects.all()
    assert (claim.invoice.number, claim.source, claim.claimed_on) == ("F-2025-031", "formal_notice", date(2025, 6, 30))
    assert (claim.interest, claim.indemnity, claim.amount) == (Decimal("462.59"), Decimal("40.00"), Decimal("502.59"))
    # claiming again from the customer page the same day adds nothing
    assert claim_penalties(org, [invoice], as_of=date(2025, 6, 30), actor=ACTOR) == []
