"""A payment being identified holds the customer's reminders: a transfer from a payer named like a customer, with
no reference, waits for review and its customer is not reminded meanwhile; the hold ends when the entry is applied
or set aside, or when the organization's limit has passed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from recouvre.bank import identify
from recouvre.bank.manual import apply_by_hand
from recouvre.bank.matching import accept_suggestion, ignore_entry, match_entries, unapply_entry
from recouvre.bank.models import BankEntry, BankMatchSettings, BankSuggestion, EntryHold
from recouvre.bank.services import import_statement
from recouvre.collections.models import Action, Hold, HoldOutcome, Policy, Step
from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.testing.factories import CustomerFactory, InvoiceFactory
from recouvre.testing.outbox import carry_out

from .test_matching import Credit, camt

ACTOR = Actor.system("test")
PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def on(day: date):  # type: ignore[no-untyped-def]
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, 0, tzinfo=PARIS), tick=False)


def reminded(org, day: date) -> int:  # type: ignore[no-untyped-def]
    """How many actions the collections run of ``day`` plans, carried out at once."""
    with on(day):
        run = run_collections(org, day, actor=ACTOR, today=day)
        carry_out(org, day)
    return run.actions


@pytest.fixture
def martin(org):  # type: ignore[no-untyped-def]
    """Two overdue invoices (800.00 due 4 March, 400.00 due 10 March 2026), reminded 5 and 20 days after."""
    policy = Policy.objects.create(organization=org, key="test", name="Test", segment="standard")
    Step.objects.create(policy=policy, position=1, key="first", offset_days=5, channel="email", template="first")
    Step.objects.create(policy=policy, position=2, key="second", offset_days=20, channel="email", template="second")
    customer = CustomerFactory(organization=org, ref="411MARTIN", name="Boulangerie Martin SARL")
    first = InvoiceFactory(customer=customer, number="F-2026-0041", due_on=date(2026, 3, 4), total=Decimal("800.00"))
    second = InvoiceFactory(customer=customer, number="F-2026-0042", due_on=date(2026, 3, 10), total=Decimal("400.00"))
    return customer, first, second


def imported(org, day: date, amount: str = "1000.00", name: str = "BOULANGERIE MARTIN") -> BankEntry:  # type: ignore[no-untyped-def]
    """A transfer from a payer named like the customer, with no reference, imported on its booking day."""
    with on(day), translation.override("en"):
        import_statement(org, camt(Credit(amount, day.isoformat(), name, "", "VIREMENT")), "releve.xml", actor=ACTOR)
    return BankEntry.objects.get(organization=org)


def test_a_payment_being_identified_holds_the_reminders_until_it_is_set_aside(org, martin) -> None:  # type: ignore[no-untyped-def]
    customer, first, second = martin
    entry = imported(org, date(2026, 3, 16))

    assert entry.state == "suggested"
    hold = Hold.objects.get(customer=customer)
    assert (hold.kind, hold.invoice_id, hold.starts_on, hold.ends_on) == (
        "unmatched_payment",
        None,
        date(2026, 3, 16),
        date(2026, 3, 22),
    )
    assert hold.reason == "Bank transfer of €1,000.00 of 16 Mar 2026 from BOULANGERIE MARTIN, being identified"
    assert EntryHold.objects.get(entry=entry).hold == hold
    placed = Event.objects.get(customer=customer, kind="bank.identify_hold_placed")
    with translation.override("en"):
        assert hold.get_kind_display() == "Payment being identified"
        assert describe(placed) == (
            "Reminders on hold until 2026-03-22: a bank transfer of 1000.00 EUR of 2026-03-16 from BOULANGERIE "
            "MARTIN may be this customer's payment and is being identified."
        )

    assert reminded(org, date(2026, 3, 16)) == 0
    assert reminded(org, date(2026, 3, 17)) == 0
    # Matching again adds no second hold.
    with on(date(2026, 3, 17)):
        match_entries(org, actor=ACTOR)
        assert identify.place_holds(org, [entry.pk], actor=ACTOR) == 0
    assert Hold.objects.filter(customer=customer).count() == 1

    with on(date(2026, 3, 18)):
        ignore_entry(org, entry, actor=ACTOR, reason="a refund from a supplier of the same name")

    hold.refresh_from_db()
    assert (hold.released_at is not None, hold.outcome, hold.outcome_on) == (
        True,
        HoldOutcome.RELEASED,
        date(2026, 3, 18),
    )
    released = Event.objects.get(customer=customer, kind="bank.identify_hold_released")
    with translation.override("en"):
        assert describe(released) == (
            "Reminders resumed: the bank transfer of 1000.00 EUR of 2026-03-16 was set aside, not a customer's payment."
        )
    assert reminded(org, date(2026, 3, 18)) == 1
    assert Action.objects.get(customer=customer).state == "sent"


def test_the_hold_ends_when_the_entry_is_applied(org, martin) -> None:  # type: ignore[no-untyped-def]
    customer, first, second = martin
    entry = imported(org, date(2026, 3, 16), amount="1200.00")
    suggestion = BankSuggestion.objects.get(entry=entry, rank=0)
    assert suggestion.customer_id == customer.pk
    assert reminded(org, date(2026, 3, 16)) == 0

    with on(date(2026, 3, 17)):
        accept_suggestion(org, suggestion, actor=ACTOR)

    hold = Hold.objects.get(customer=customer)
    assert (hold.outcome, hold.outcome_on) == (HoldOutcome.RESOLVED, date(2026, 3, 17))
    assert Event.objects.get(customer=customer, kind="bank.identify_hold_released").data["why"] == "applied"
    # Paid: nothing to remind, hold or not.
    assert reminded(org, date(2026, 3, 18)) == 0

    # Undone within the limit: held again until the first hold's last day, never longer.
    with on(date(2026, 3, 20)):
        unapply_entry(org, entry, actor=ACTOR, note="wrong customer")
    again = Hold.objects.filter(customer=customer, released_at__isnull=True).get()
    assert (again.starts_on, again.ends_on) == (date(2026, 3, 20), date(2026, 3, 22))
    assert EntryHold.objects.get(entry=entry).hold == again
    assert reminded(org, date(2026, 3, 22)) == 0
    assert reminded(org, date(2026, 3, 23)) == 1

    # Applied by hand after the limit: nothing held any more, nothing to release.
    with on(date(2026, 3, 24)):
        apply_by_hand(org, entry, customer=customer, allocations=[(first.pk, Decimal("800.00"))], actor=ACTOR)
        unapply_entry(org, entry, actor=ACTOR)
    assert Hold.objects.filter(customer=customer).count() == 2
    assert Event.objects.filter(customer=customer, kind="bank.identify_hold_released").count() == 1


def test_the_hold_expires_after_the_limit_and_can_be_turned_off(org, martin, other_org) -> None:  # type: ignore[no-untyped-def]
    customer, first, second = martin
    BankMatchSettings.objects.create(organization=org, identify_hold_days=3)
    imported(org, date(2026, 3, 16))
    hold = Hold.objects.get(customer=customer)
    assert hold.ends_on == date(2026, 3, 18)

    assert reminded(org, date(2026, 3, 18)) == 0
    assert reminded(org, date(2026, 3, 19)) == 1
    assert hold.released_at is None  # it simply ended

    BankMatchSettings.objects.filter(organization=org).update(identify_hold_days=0)
    with on(date(2026, 3, 19)):
        import_statement(
            org, camt(Credit("50.00", "2026-03-19", "BOULANGERIE MARTIN", ref="B-2")), "b.xml", actor=ACTOR
        )
    assert Hold.objects.filter(customer=customer).count() == 1


def test_an_amount_alone_holds_nobody(org, martin) -> None:  # type: ignore[no-untyped-def]
    customer, first, second = martin
    entry = imported(org, date(2026, 3, 16), amount="400.00", name="SCI LES TILLEULS")
    assert {r["code"] for s in BankSuggestion.objects.filter(entry=entry) for r in s.reasons} <= {
        "amount_only",
        "amount_item",
        "due_date_close",
    }
    assert not Hold.objects.filter(customer=customer).exists()
    assert reminded(org, date(2026, 3, 16)) == 1


def test_the_hold_shows_on_the_customer_and_the_entry_pages(org, martin, logged_client) -> None:  # type: ignore[no-untyped-def]
    from django.conf import settings
    from django.urls import reverse

    customer, first, second = martin
    entry = imported(org, date(2026, 3, 16))
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with on(date(2026, 3, 17)):
        page = logged_client.get(reverse("customer_detail", args=[customer.pk])).content.decode()
        assert "Payment being identified" in page
        assert "Bank transfer of €1,000.00 of 16 Mar 2026 from BOULANGERIE MARTIN, being identified" in page
        page = logged_client.get(reverse("bank_entry", args=[entry.pk])).content.decode()
    assert "Reminders held while this payment is identified" in page
    assert "Boulangerie Martin SARL" in page


def test_a_hold_lifted_by_a_person_is_not_placed_again(org, martin) -> None:  # type: ignore[no-untyped-def]
    from recouvre.collections.holds import release_hold

    customer, first, second = martin
    entry = imported(org, date(2026, 3, 16))
    with on(date(2026, 3, 17)):
        release_hold(Hold.objects.get(customer=customer), actor=ACTOR, note="we know this payer")
        assert identify.place_holds(org, [entry.pk], actor=ACTOR) == 0
        match_entries(org, actor=ACTOR)
    assert Hold.objects.filter(customer=customer, released_at__isnull=True).count() == 0
    assert reminded(org, date(2026, 3, 17)) == 1
