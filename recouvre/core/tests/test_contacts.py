"""One ranking of a customer's contacts for every use (reminders, calls, the customer's payment matters)."""

from __future__ import annotations

from dataclasses import dataclass

from recouvre.core.contacts import choose_contact


@dataclass
class C:
    id: int
    is_primary: bool
    role: str
    email: str = ""


SALES = C(1, False, "sales", "sales@x.fr")
BILLING = C(2, False, "billing", "")
PRIMARY = C(3, True, "management", "boss@x.fr")
BILLING2 = C(4, False, "billing", "compta@x.fr")


def test_reminders_go_to_the_primary_contact_first_then_billing_then_any():
    assert choose_contact([SALES, BILLING, PRIMARY, BILLING2]) is PRIMARY
    assert choose_contact([SALES, BILLING, BILLING2]) is BILLING
    assert choose_contact([SALES]) is SALES


def test_payment_matters_go_to_a_billing_contact_first():
    assert choose_contact([SALES, PRIMARY, BILLING2, BILLING], billing_first=True) is BILLING
    assert choose_contact([SALES, PRIMARY], billing_first=True) is PRIMARY


def test_only_usable_contacts_count_and_none_is_said_plainly():
    has_email = lambda c: bool(c.email)  # noqa: E731
    assert choose_contact([SALES, BILLING, BILLING2], usable=has_email) is BILLING2
    assert choose_contact([BILLING], usable=has_email) is None
    assert choose_contact([]) is None


def test_a_primary_billing_contact_wins_both_ways():
    primary_billing = C(9, True, "billing", "a@x.fr")
    for billing_first in (False, True):
        assert choose_contact([BILLING, PRIMARY, primary_billing], billing_first=billing_first) is primary_billing
