"""A creditor on letterhead and Dupont SARL (Montpellier, SIREN 732829320) with five overdue invoices
(4 636.16 EUR), sent a registered formal notice on Friday 27 March 2026 (pay by Monday 13 April 2026)."""

from __future__ import annotations

from datetime import date

import pytest

from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.letters.models import Letter
from recouvre.letters.services import produce_due_letters, record_posting
from recouvre.letters.tests.conftest import (  # noqa: F401  (fixtures)
    AS_OF,
    NOW,
    TOTAL,
    five_invoices,
    letterhead,
    make_customer,
    notice_policy,
    pdf_text,
)

ACTOR = Actor.system("test")
TRACKING = "1A23456789012"
AFTER_DEADLINE = date(2026, 4, 20)


@pytest.fixture
def dupont(org, notice_policy):  # type: ignore[no-untyped-def]  # noqa: F811
    customer = make_customer(org, siren="732829320", siret="73282932000074")
    five_invoices(customer)
    return customer


@pytest.fixture
def noticed(org, dupont):  # type: ignore[no-untyped-def]
    """Dupont after its formal notice was posted."""
    assert run_collections(org, AS_OF, actor=ACTOR).letters == 1
    assert produce_due_letters(org, now=NOW, actor=ACTOR) == 1
    record_posting(Letter.objects.get(), posted_on=AS_OF, actor=ACTOR, tracking_number=TRACKING, today=AS_OF)
    return dupont
