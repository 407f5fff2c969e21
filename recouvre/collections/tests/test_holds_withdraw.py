"""Holds stop what is already queued: opening an insolvency, a dispute or a pause withdraws the reminders whose
invoices are all held, and the others go out without the held invoices, listed apart and not demanded."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from recouvre.collections import approvals, holds
from recouvre.collections.dispatch import build_email
from recouvre.collections.models import Action, ActionState, ItemStep, Policy, Step
from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.legal import insolvency
from recouvre.legal.models import ProcedureKind
from recouvre.letters.models import Letter
from recouvre.letters.rendering import letter_context
from recouvre.letters.services import produce_due_letters
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
ME = Actor.system("test")
D = date
AS_OF = date(2026, 3, 25)
NOW = datetime(2026, 3, 26, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def notice_policy(org):  # type: ignore[no-untyped-def]
    """One step: a formal notice by registered letter, 30 days after the due date, approved by a person."""
    policy = Policy.objects.create(organization=org, key="notice", name="Notice", segment="standard")
    Step.objects.create(
        policy=policy,
        position=1,
        key="formal_notice",
        offset_days=30,
        channel="registered_letter",
        template="formal_notice",
        needs_approval=True,
        deadline_days=15,
    )
    return policy


@pytest.fixture
def reminder_policy(org):  # type: ignore[no-untyped-def]
    policy = Policy.objects.create(organization=org, key="mail", name="Mail", segment="standard")
    Step.objects.create(policy=policy, position=1, key="reminder", offset_days=7, channel="email", template="reminder")
    return policy


def bakery(org, language: str = "fr"):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(
        organization=org,
        ref="411MARTIN",
        name="Boulangerie Martin SARL",
        kind="business",
        language=language,
        address_line1="3 place du Marché",
        postal_code="69002",
        city="Lyon",
    )
    customer.contacts.create(organization=org, name="Paul Martin", email="compta@martin.example", is_primary=True)
    return customer


def test_opening_an_insolvency_withdraws_a_formal_notice_awaiting_approval(org, notice_policy) -> None:  # type: ignore[no-untyped-def]
    customer = bakery(org)
    InvoiceFactory(customer=customer, number="F-1", issued_on=D(2026, 1, 5), due_on=D(2026, 2, 4))
    run_collections(org, AS_OF, actor=ME)
    notice = Action.objects.get(customer=customer)
    assert (notice.template, notice.state) == ("formal_notice", ActionState.AWAITING_APPROVAL)

    # The customer's receivership is recorded: one action opens the procedure and the hold.
    insolvency.record_procedure(org, customer, actor=ME, kind=ProcedureKind.RECEIVERSHIP, judgment_on=D(2026, 3, 26))

    notice.refresh_from_db()
    assert notice.state == ActionState.CANCELLED
    assert notice.decision_note == "Withdrawn: every invoice it lists is on hold."
    assert not ItemStep.objects.filter(action=notice).exists()  # the notice is due again if the hold is lifted
    event = Event.objects.get(customer=customer, kind="collections.actions_withdrawn")
    assert describe(event) == "1 queued reminder withdrawn: all its invoices are on hold (Insolvency proceedings)."
    # It can no longer be approved, nor produced.
    decision = approvals.approve(org, [notice.pk], actor=ME, now=NOW)
    assert (decision.decided, decision.skipped) == ([], [notice.pk])
    assert produce_due_letters(org, now=NOW, actor=ME) == 0
    assert not Letter.objects.filter(customer=customer).exists()


def test_approval_refuses_an_action_whose_invoices_are_all_on_hold(org, notice_policy) -> None:  # type: ignore[no-untyped-def]
    customer = bakery(org)
    invoice = InvoiceFactory(customer=customer, number="F-1", issued_on=D(2026, 1, 5), due_on=D(2026, 2, 4))
    run_collections(org, AS_OF, actor=ME)
    notice = Action.objects.get(customer=customer)
    # A promise to pay does not withdraw what is queued, but nothing is left to demand while it runs.
    holds.record_promise(
        org,
        customer,
        amount=Decimal("1200.00"),
        promised_on=D(2026, 4, 10),
        invoices=[invoice],
        actor=ME,
        today=D(2026, 3, 26),
    )

    decision = approvals.approve(org, [notice.pk], actor=ME, now=NOW)

    assert decision.decided == []
    assert decision.refused == {
        notice.pk: "Not approved: every invoice it lists is on hold (dispute, insolvency proceedings, pause...). "
        "Reject it, or lift the hold first."
    }
    notice.refresh_from_db()
    assert notice.state == ActionState.AWAITING_APPROVAL


def test_a_dispute_on_one_of_two_invoices_leaves_it_out_of_the_pending_reminder(org, reminder_policy) -> None:  # type: ignore[no-untyped-def]
    customer = bakery(org, language="en")
    InvoiceFactory(
        customer=customer, number="F-100", issued_on=D(2026, 2, 1), due_on=D(2026, 3, 3), total=Decimal("141.17")
    )
    disputed = InvoiceFactory(
        customer=customer, number="F-200", issued_on=D(2026, 2, 2), due_on=D(2026, 3, 4), total=Decimal("242.33")
    )
    run_collections(org, AS_OF, actor=ME)
    reminder = Action.objects.get(customer=customer)
    assert reminder.state == ActionState.PLANNED

    holds.open_dispute(org, disputed, reason_code="quality", actor=ME, today=D(2026, 3, 25))

    reminder.refresh_from_db()
    assert reminder.state == ActionState.PLANNED  # the other invoice is still reminded
    assert [(ln["number"], ln["hold"]) for ln in reminder.lines] == [("F-100", None), ("F-200", "dispute")]
    assert approvals.totals(reminder) == {"EUR": Decimal("141.17")}
    event = Event.objects.get(customer=customer, kind="collections.actions_withdrawn")
    assert describe(event) == "1 queued reminder will leave out the invoices on hold (F-200)."

    message, rendered, to = build_email(
        Action.objects.select_related("organization", "customer").get(pk=reminder.pk), now=NOW
    )

    assert rendered is not None and to == "compta@martin.example"
    table, _sep, after = rendered.text.partition("Total due:")
    assert "F-100" in table and "F-200" not in table
    assert after.startswith(" €141.17\n")
    assert "Invoices not included in the amount requested:\nF-200 | 4 Mar 2026 | €242.33 (disputed)" in after
    assert "F-200" in rendered.html and "disputed" in rendered.html


def test_a_formal_notice_produced_after_a_dispute_demands_only_the_other_invoice(org, notice_policy) -> None:  # type: ignore[no-untyped-def]
    customer = bakery(org)
    InvoiceFactory(
        customer=customer, number="F-100", issued_on=D(2026, 1, 5), due_on=D(2026, 2, 4), total=Decimal("141.17")
    )
    disputed = InvoiceFactory(
        customer=customer, number="F-200", issued_on=D(2026, 1, 6), due_on=D(2026, 2, 5), total=Decimal("242.33")
    )
    run_collections(org, AS_OF, actor=ME)
    notice = Action.objects.get(customer=customer)
    holds.open_dispute(org, disputed, reason_code="price", actor=ME, today=D(2026, 3, 25))
    assert approvals.approve(org, [notice.pk], actor=ME, now=NOW).decided

    context = letter_context(
        Action.objects.select_related("organization", "customer").get(pk=notice.pk), today=D(2026, 3, 26)
    )

    assert [ln["number"] for ln in context["lines"]] == ["F-100"]
    assert context["totals"] == ["141,17\u00a0€"]
    assert context["held"] == [
        {"number": "F-200", "due_on": "05/02/2026", "open_amount": "242,33\u00a0€", "reason": "en litige"}
    ]
    # Produced: penalties are claimed on the invoice demanded only.
    assert produce_due_letters(org, now=NOW, actor=ME) == 1
    from recouvre.penalties.models import PenaltyClaim

    assert sorted(PenaltyClaim.objects.filter(customer=customer).values_list("invoice__number", flat=True)) == ["F-100"]


def test_the_legal_route_recommends_no_formal_notice_under_insolvency(org, notice_policy) -> None:  # type: ignore[no-untyped-def]
    from recouvre.proceedings.recommendation import legal_route

    customer = bakery(org)
    InvoiceFactory(customer=customer, number="F-1", issued_on=D(2025, 11, 5), due_on=D(2025, 12, 5))
    assert legal_route(org, customer, AS_OF).recommendation.route == "formal_notice"

    insolvency.record_procedure(org, customer, actor=ME, kind=ProcedureKind.SAFEGUARD, judgment_on=D(2026, 3, 2))

    route = legal_route(org, customer, AS_OF).recommendation
    assert route.route == "insolvency" and not route.judicial
    assert route.reasons == (
        "Insolvency proceedings opened on 2026-03-02: individual actions are stopped (C. com. L622-21).",
        "No formal notice and no court claim: declare the claim to the court officer.",
    )
