"""Stories of a formal notice's deadline: the letter is dated the day it is posted and gives fifteen days from its
receipt; the deadline runs from the acknowledgment of receipt (else the first presentation, else the posting plus
the delivery allowance), is moved past weekends and holidays, shown as a deadline, and the next step of the policy
is planned only once it has passed unpaid."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from recouvre.collections.models import Action, ItemStep, Step
from recouvre.collections.notices import request_formal_notice
from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.services import allocate, record_payment
from recouvre.ledger.timeline import describe
from recouvre.letters.deadlines import deadlines
from recouvre.letters.models import Letter
from recouvre.letters.services import (
    produce_due_letters,
    record_acknowledgment,
    record_first_presentation,
    record_posting,
)
from recouvre.tasks.deadlines import gather
from recouvre.testing.factories import InvoiceFactory

from .conftest import AS_OF, NOW, PARIS, five_invoices, make_customer, pdf_text

ACTOR = Actor.system("test")
pytestmark = pytest.mark.django_db


@pytest.fixture
def notice_then_legal(notice_policy):  # type: ignore[no-untyped-def]
    """The formal notice at +5 days (15 days to pay), then a "legal action" task at +10 days."""
    Step.objects.create(
        policy=notice_policy,
        position=2,
        key="legal",
        offset_days=10,
        channel="internal_task",
        template="legal",
    )
    return notice_policy


def _legal_actions() -> list[Action]:
    return list(Action.objects.filter(channel="internal_task"))


def test_the_next_step_waits_for_the_posting_and_then_for_the_deadline(org, notice_then_legal):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    five_invoices(customer)  # due 20 January to 20 March 2026
    run_collections(org, AS_OF, actor=ACTOR)  # Friday 27 March: the formal notice
    produce_due_letters(org, now=NOW, actor=ACTOR)
    notice = Action.objects.get(template="formal_notice")
    # Until it is posted, counted as if posted today: received 3 business days later (Wednesday 1 April), then
    # 15 days: Thursday 16 April.
    assert notice.deadline_on == date(2026, 4, 16)

    # Monday 30 March: the legal step's offset has passed, but the letter is not posted yet.
    result = run_collections(org, date(2026, 3, 30), actor=ACTOR)
    assert _legal_actions() == []
    assert [(s.ref, s.reason) for s in result.skipped] == [("411DUPONT", "in_progress")]

    record_posting(
        Letter.objects.get(),
        posted_on=date(2026, 3, 30),
        actor=ACTOR,
        tracking_number="1A12345678901",
        today=date(2026, 3, 30),
    )
    # Posted Monday 30 March: taken as received Thursday 2 April, 15 days later is Friday 17 April.
    for day in (date(2026, 3, 31), date(2026, 4, 10), date(2026, 4, 17)):  # up to the deadline itself
        run_collections(org, day, actor=ACTOR)
        assert _legal_actions() == [], day
    assert [(d.kind, d.due_on, d.alert) for d in deadlines(org, date(2026, 4, 17))] == [
        ("formal_notice", date(2026, 4, 17), "running")
    ]
    # ... and on the worklist's Deadlines panel, with the customer
    row = next(r for r in gather(org, date(2026, 4, 10)) if r.deadline.kind == "formal_notice")
    assert (row.deadline.due_on, row.days_left, row.customer_ref) == (date(2026, 4, 17), 7, "411DUPONT")

    # Monday 20 April, after the deadline, still unpaid: the legal action task is planned.
    run_collections(org, date(2026, 4, 20), actor=ACTOR)
    (legal,) = _legal_actions()
    assert (legal.send_on, legal.step_key) == (date(2026, 4, 20), "legal")
    assert [(d.kind, d.alert) for d in deadlines(org, date(2026, 4, 20))] == [("formal_notice", "expired")]


def test_a_notice_posted_two_days_after_it_was_produced_is_dated_and_counted_from_then(org, notice_then_legal):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    five_invoices(customer)
    run_collections(org, date(2026, 3, 25), actor=ACTOR)  # Wednesday 25 March: the formal notice
    produce_due_letters(org, now=datetime(2026, 3, 25, 9, 0, tzinfo=PARIS), actor=ACTOR)
    letter = Letter.objects.get()
    produced = pdf_text(bytes(letter.pdf)).replace("\n", " ")
    assert "Paris, le 25/03/2026" in produced

    # Posted on Friday 27 March: the letter is drawn again, dated that day, and that is the one kept as evidence.
    letter = record_posting(
        letter, posted_on=date(2026, 3, 27), actor=ACTOR, tracking_number="1A12345678901", today=date(2026, 3, 27)
    )
    letter.refresh_from_db()
    posted = pdf_text(bytes(letter.pdf)).replace("\n", " ")
    assert "Paris, le 27/03/2026" in posted and "25/03/2026" not in posted
    assert "dans un délai de quinze jours à compter de la réception de la présente" in posted
    assert "au plus tard" not in posted  # the letter cannot know when it will be received
    action = Action.objects.get(template="formal_notice")
    assert action.content_sha256 == letter.pdf_sha256
    event = Event.objects.get(kind="letters.posted")
    assert event.data["redated_from"] == "2026-03-25" and event.data["sha256"] == letter.pdf_sha256
    # Received 3 business days after posting (Wednesday 1 April), then 15 days: Thursday 16 April.
    assert action.deadline_on == date(2026, 4, 16)
    assert [(d.due_on, d.alert) for d in deadlines(org, date(2026, 4, 1))] == [(date(2026, 4, 16), "running")]

    # The acknowledgment of receipt, signed on Tuesday 7 April (after Easter Monday): 15 days from then.
    record_acknowledgment(
        letter,
        acknowledged_on=date(2026, 4, 7),
        first_presented_on=date(2026, 4, 3),
        actor=ACTOR,
        today=date(2026, 4, 7),
    )
    action.refresh_from_db()
    letter.refresh_from_db()
    assert (letter.first_presented_on, letter.acknowledged_on) == (date(2026, 4, 3), date(2026, 4, 7))
    assert action.deadline_on == date(2026, 4, 22)
    assert [(d.due_on, d.alert) for d in deadlines(org, date(2026, 4, 17))] == [(date(2026, 4, 22), "running")]
    for day in (date(2026, 4, 16), date(2026, 4, 17), date(2026, 4, 22)):  # no escalation before the deadline
        run_collections(org, day, actor=ACTOR)
        assert _legal_actions() == [], day
    run_collections(org, date(2026, 4, 23), actor=ACTOR)
    (legal,) = _legal_actions()
    assert legal.send_on == date(2026, 4, 23)


def test_the_first_presentation_alone_moves_the_deadline(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    five_invoices(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    produce_due_letters(org, now=NOW, actor=ACTOR)
    letter = record_posting(
        Letter.objects.get(), posted_on=AS_OF, actor=ACTOR, tracking_number="1A12345678901", today=AS_OF
    )
    # Presented on Tuesday 31 March (the debtor was out): 15 days later is Wednesday 15 April.
    record_first_presentation(letter, presented_on=date(2026, 3, 31), actor=ACTOR, today=date(2026, 4, 1))
    assert Action.objects.get().deadline_on == date(2026, 4, 15)
    assert describe(Event.objects.get(kind="letters.presented")) == (
        "Registered letter (tracking number 1A12345678901) first presented to the customer on 2026-03-31."
    )
    with pytest.raises(ValidationError, match="already recorded"):
        record_first_presentation(letter, presented_on=date(2026, 4, 1), actor=ACTOR, today=date(2026, 4, 1))


def test_the_deadline_moves_past_a_public_holiday(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    InvoiceFactory(customer=customer, number="F-9", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    run_collections(org, date(2026, 4, 13), actor=ACTOR)  # Monday 13 April
    produce_due_letters(org, now=datetime(2026, 4, 13, 9, 0, tzinfo=PARIS), actor=ACTOR)
    letter = Letter.objects.get()
    text = pdf_text(bytes(letter.pdf)).replace("\n", " ")
    assert "dans un délai de quinze jours à compter de la réception de la présente" in text
    letter = record_posting(
        letter, posted_on=date(2026, 4, 13), actor=ACTOR, tracking_number="1A12345678901", today=date(2026, 4, 13)
    )
    record_acknowledgment(letter, acknowledged_on=date(2026, 4, 16), actor=ACTOR, today=date(2026, 4, 16))
    # Received Thursday 16 April: 15 days later is Friday 1 May (Labour Day), then the weekend: Monday 4 May.
    assert Action.objects.get().deadline_on == date(2026, 5, 4)


@pytest.mark.parametrize(("alsace_moselle", "deadline"), [(False, date(2025, 12, 26)), (True, date(2025, 12, 29))])
def test_a_deadline_on_26_december_moves_on_the_alsace_moselle_calendar(org, notice_policy, alsace_moselle, deadline):  # type: ignore[no-untyped-def]
    from recouvre.collections.configuration import save_settings

    save_settings(org, actor=ACTOR, alsace_moselle=alsace_moselle)
    customer = make_customer(org)
    InvoiceFactory(customer=customer, number="F-9", issued_on=date(2025, 10, 29), due_on=date(2025, 11, 28))
    run_collections(org, date(2025, 12, 5), actor=ACTOR)  # Friday 5 December: the formal notice (+7)
    produce_due_letters(org, now=datetime(2025, 12, 5, 9, 0, tzinfo=PARIS), actor=ACTOR)
    record_posting(
        Letter.objects.get(),
        posted_on=date(2025, 12, 8),
        actor=ACTOR,
        tracking_number="1A12345678901",
        today=date(2025, 12, 8),
    )
    # Posted Monday 8 December: taken as received Thursday 11 December, 15 days later is Friday 26 December, a
    # public holiday in Alsace-Moselle (Saint-Étienne): Monday 29 December there.
    assert Action.objects.get().deadline_on == deadline
    assert [(d.kind, d.due_on) for d in deadlines(org, date(2025, 12, 20))] == [("formal_notice", deadline)]


def test_the_delivery_allowance_is_the_organization_s(org, notice_policy):  # type: ignore[no-untyped-def]
    from recouvre.collections.configuration import save_settings

    save_settings(org, actor=ACTOR, delivery_allowance_days=5)
    customer = make_customer(org)
    five_invoices(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    produce_due_letters(org, now=NOW, actor=ACTOR)
    record_posting(Letter.objects.get(), posted_on=AS_OF, actor=ACTOR, tracking_number="1A12345678901", today=AS_OF)
    # Friday 27 March + 5 business days = Friday 3 April (received), + 15 days = Saturday 18 April -> Monday 20.
    assert Action.objects.get().deadline_on == date(2026, 4, 20)


def test_a_paid_notice_is_no_longer_a_deadline(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    invoice = InvoiceFactory(customer=customer, number="F-9", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    run_collections(org, AS_OF, actor=ACTOR)
    produce_due_letters(org, now=NOW, actor=ACTOR)
    record_posting(Letter.objects.get(), posted_on=AS_OF, actor=ACTOR, tracking_number="1A12345678901", today=AS_OF)
    assert len(deadlines(org, AS_OF)) == 1
    payment = record_payment(
        org, ACTOR, customer=customer, received_on=AS_OF, amount=Decimal("1200.00"), source_key="p1"
    )
    allocate(ACTOR, invoice=invoice, amount=Decimal("1200.00"), payment=payment)
    assert deadlines(org, AS_OF) == []


def test_a_formal_notice_asked_for_now_goes_through_approval_or_straight_out(org, notice_then_legal, other_org):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    InvoiceFactory(customer=customer, number="F-1", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 20))
    InvoiceFactory(customer=customer, number="F-2", issued_on=date(2026, 3, 1), due_on=date(2026, 4, 30))  # not due

    # Wednesday 25 March: F-1 is 5 days overdue; the run would plan nothing before Friday (offset +5 and gap).
    action = request_formal_notice(org, customer, actor=ACTOR, today=date(2026, 3, 24))
    assert (action.state, action.send_on, action.template, action.channel) == (
        "awaiting_approval",
        date(2026, 3, 24),
        "formal_notice",
        "registered_letter",
    )
    assert [ln["number"] for ln in action.lines] == ["F-1"]
    assert list(ItemStep.objects.values_list("invoice__number", "step_key", "level")) == [("F-1", "formal_notice", 1)]
    assert [describe(e) for e in Event.objects.filter(kind="collections.formal_notice_requested")] == [
        "Formal notice requested for 1 overdue invoice; it waits for approval."
    ]
    with pytest.raises(ValidationError, match="already waiting"):
        request_formal_notice(org, customer, actor=ACTOR, today=date(2026, 3, 24))
    # The daily run does not plan the formal notice a second time.
    assert run_collections(org, date(2026, 3, 27), actor=ACTOR).letters == 0

    other = make_customer(org, ref="411MARTIN", name="Martin et Fils")
    InvoiceFactory(customer=other, number="M-1", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    straight = request_formal_notice(org, other, actor=ACTOR, today=date(2026, 3, 24), approved=True)
    assert straight.state == "planned" and not straight.needs_approval
    with time_machine.travel(datetime(2026, 3, 24, 10, 0, tzinfo=PARIS), tick=False):
        assert produce_due_letters(org, now=datetime(2026, 3, 24, 10, 0, tzinfo=PARIS), actor=ACTOR) == 1
    assert Letter.objects.get().customer == other

    nothing = make_customer(org, ref="411NEW", name="Nouveau SA")
    InvoiceFactory(customer=nothing, number="N-1", issued_on=date(2026, 3, 1), due_on=date(2026, 4, 30))
    with pytest.raises(ValidationError, match="no overdue invoice"):
        request_formal_notice(org, nothing, actor=ACTOR, today=date(2026, 3, 24))
    with pytest.raises(ValidationError, match="another organization"):
        request_formal_notice(other_org, customer, actor=ACTOR, today=date(2026, 3, 24))


def test_a_consumer_s_formal_notice_makes_legal_interest_run_and_claims_no_indemnity(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org, kind="consumer")
    InvoiceFactory(
        customer=customer, number="C-1", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2), total=Decimal("300.00")
    )
    run_collections(org, AS_OF, actor=ACTOR)
    produce_due_letters(org, now=NOW, actor=ACTOR)
    text = pdf_text(bytes(Letter.objects.get().pdf)).replace("\n", " ")
    assert "MISE EN DEMEURE" in text
    assert "C-1 01/02/2026 02/03/2026 300,00\u00a0€ 0,00\u00a0€ 300,00\u00a0€" in text
    assert "la présente mise en demeure fait courir les intérêts au taux légal" in text
    assert "articles 1231-6 et 1344-1 du Code civil" in text
    assert "nous régler la somme de 300,00\u00a0€ dans un délai de quinze jours" in text
    assert "40,00" not in text and "indemnité forfaitaire" not in text and "L. 441-10" not in text


def test_a_public_buyer_s_formal_notice_cites_the_public_procurement_code(org, notice_policy):  # type: ignore[no-untyped-def]
    customer = make_customer(org, kind="public", name="Commune de Sète")
    InvoiceFactory(
        customer=customer, number="P-1", issued_on=date(2026, 1, 31), due_on=date(2026, 3, 2), total=Decimal("2345.67")
    )
    run_collections(org, AS_OF, actor=ACTOR)
    produce_due_letters(org, now=NOW, actor=ACTOR)
    text = pdf_text(bytes(Letter.objects.get().pdf)).replace("\n", " ")
    # ECB rate in force on 1 January 2026 (2.15 %) + 8 points = 10.15 %, 25 days: 2345.67 x 10.15 % x 25 / 365 = 16.31
    assert "P-1 : intérêts de retard 16,31\u00a0€ au taux annuel de 10,15 %" in text
    assert "Intérêts moratoires à ce jour (articles L. 2192-13, R. 2192-31 et D. 2192-35 du Code de la" in text
    assert "L. 441-10" not in text
    assert "articles L. 2192-13 et R. 2192-31 du Code de la commande publique" in text
    assert "Total réclamé à la date de la présente 2\u202f401,98\u00a0€" in text
