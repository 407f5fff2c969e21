"""Scenarios of other dunning systems' test suites, replayed against Recouvre as a user would run them: days of
runs with a real SMTP server, letters produced and posted, approvals given or refused. Each test is one finding:
what must hold whatever the path taken.

1. A disputed invoice is never demanded (e-mail total, formal notice amount).
2. Escalation counts only steps carried out: approval pending, rejected, superseded.
3. Editing a policy never rewrites history: a removed step's invoices go on from where it stood.
4. Runs move forward: a back-dated run is refused and sends nothing; holds begun since apply.
5. Policies that make sense: never-late policies refused; offset 0 caught up; courtesy never sent once due.
6. No weekend pre-planning: a step reached on Monday is not delayed by a message planned on Sunday.
8. A customer without an e-mail address gets a letter, decided when planning; escalation waits for its posting.
9. The tolerance: one cent is never reminded; minimums on the customer's total.
"""

from __future__ import annotations

import email
import email.policy
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from recouvre.collections import approvals, configuration, holds
from recouvre.collections.configuration import StepData
from recouvre.collections.models import Action, CollectionSettings, Policy, Step
from recouvre.collections.outbox import process_due
from recouvre.collections.preview import run_preview
from recouvre.collections.scheduler import tick
from recouvre.collections.services import RunRefused, ensure_default_policies, run_collections
from recouvre.collections.tests.test_dispatch import Keep, smtp  # noqa: F401 - the SMTP server fixture
from recouvre.core.dunning import PolicyError
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Contact
from recouvre.ledger.services import allocate, record_payment
from recouvre.letters.models import Letter
from recouvre.letters.services import record_posting
from recouvre.tasks.models import Task
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

PARIS = ZoneInfo("Europe/Paris")
ROBOT = Actor.system("scheduler")
pytestmark = pytest.mark.django_db


def morning(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=PARIS)


def work_day(org, day: date):  # type: ignore[no-untyped-def]
    """The day's run and its outbox worked through at 09:00, as the scheduler does on a business day."""
    result = run_collections(org, day, actor=ROBOT, today=day)
    process_due(org, now=morning(day), actor=ROBOT)
    return result


def work_days(org, first: date, last: date) -> None:  # type: ignore[no-untyped-def]
    day = first
    while day <= last:
        if day.weekday() < 5:
            work_day(org, day)
        day += timedelta(days=1)


def messages(server: Keep) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(raw, policy=email.policy.default) for _rcpt, raw in server.messages]  # type: ignore[misc]


def text_of(message: email.message.EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return " ".join(body.get_content().split())


def customer(org, ref="411DUPONT", segment="standard", **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("address_line1", "12 rue des Lilas")
    fields.setdefault("postal_code", "34000")
    fields.setdefault("city", "Montpellier")
    c = CustomerFactory(
        organization=org, ref=ref, name="Dupont SARL", segment=segment, language="fr", email="", **fields
    )
    Contact.objects.create(organization=org, customer=c, name="Compta", role="billing", email="compta@dupont.example")
    return c


def policy(org, key: str, steps: list[StepData], segment: str = "standard") -> Policy:  # type: ignore[no-untyped-def]
    stored = Policy.objects.create(organization=org, key=key, name=key.title())
    configuration.save_policy(org, stored, name=stored.name, segment=segment, steps=steps, actor=ROBOT)
    return stored


# ------------------------------------------------------------------------------------------------ 1. disputes


def test_a_disputed_invoice_is_never_in_the_amount_demanded_nor_in_the_formal_notice(org, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    server = smtp(Keep())
    ensure_default_policies(org)  # small accounts: nothing needs approval, the formal notice included
    dupont = customer(org, segment="small")
    InvoiceFactory(
        customer=dupont, number="F-1", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4), total=Decimal("141.17")
    )
    disputed = InvoiceFactory(
        customer=dupont, number="F-2", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4), total=Decimal("242.33")
    )
    work_day(org, date(2026, 2, 11))  # +7: the reminder
    holds.open_dispute(org, disputed, reason_code="quantity", actor=ROBOT, today=date(2026, 2, 12))
    work_days(org, date(2026, 2, 12), date(2026, 2, 24))  # +20: the firm reminder, by e-mail
    firm = messages(server)[-1]
    assert "F-2" in text_of(firm) and "en litige" in text_of(firm)
    assert "Total dû : 141,17 €" in text_of(firm)
    assert "383,50" not in text_of(firm)
    work_days(org, date(2026, 2, 25), date(2026, 3, 11))  # +35: the formal notice, a registered letter
    letter = Letter.objects.get(action__template="formal_notice")
    from recouvre.letters.tests.conftest import pdf_text

    text = " ".join(pdf_text(bytes(letter.pdf)).split())
    assert "141,17" in text
    assert "383,50" not in text
    assert "242,33" in text  # listed apart, as disputed, never claimed


# ------------------------------------------------------------------------------------------------ 2. approvals


def test_with_every_step_needing_approval_nothing_escalates_past_a_step_not_carried_out(org, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    """The strategic policy: written steps need approval. Nobody approves the first reminder for two weeks: no
    call task, no firm reminder. Once approved it goes out, and it is the customer's first message: it never
    speaks of a previous reminder."""
    server = smtp(Keep())
    ensure_default_policies(org)
    dupont = customer(org, segment="strategic")
    InvoiceFactory(customer=dupont, number="F-1", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    work_days(org, date(2026, 2, 11), date(2026, 3, 2))  # +7 to +26: reminder awaiting approval throughout
    assert [(a.step_key, a.state) for a in Action.objects.order_by("id")] == [("reminder", "awaiting_approval")]
    assert Task.objects.count() == 0
    assert server.messages == []
    pending = Action.objects.get()
    approvals.approve(org, [pending.pk], actor=ROBOT, now=morning(date(2026, 3, 3)))
    work_day(org, date(2026, 3, 3))
    assert len(server.messages) == 1
    first = text_of(messages(server)[0])
    assert "précédent" not in first
    # The call comes at least its gap after the reminder actually sent, not from the day it was planned.
    work_days(org, date(2026, 3, 4), date(2026, 3, 9))
    assert Task.objects.filter(kind="call").count() == 1
    call = Action.objects.get(step_key="call")
    assert call.send_on == date(2026, 3, 9)  # 3 March + 5 days' gap, a Monday


def test_a_rejected_reminder_leaves_its_invoices_to_the_next_run_and_a_refused_notice_never_leads_to_legal(org, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    smtp(Keep())
    ensure_default_policies(org)
    dupont = customer(org)  # the default policy: the formal notice needs approval
    InvoiceFactory(customer=dupont, number="F-1", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    work_days(org, date(2026, 2, 11), date(2026, 3, 11))  # reminder, firm sent; formal notice awaiting approval
    notice = Action.objects.get(step_key="formal_notice")
    assert notice.state == "awaiting_approval"
    approvals.reject(org, [notice.pk], actor=ROBOT, now=morning(date(2026, 3, 12)), note="customer called")
    work_day(org, date(2026, 3, 12))  # the rejected notice's invoice goes back to it: planned again
    again = Action.objects.filter(step_key="formal_notice").exclude(pk=notice.pk).get()
    assert again.state == "awaiting_approval"
    # Left unapproved for a month: the "legal action" task (at +50) never opens.
    work_days(org, date(2026, 3, 13), date(2026, 4, 15))
    assert not Action.objects.filter(step_key="legal").exists()
    assert not Task.objects.filter(kind="internal").exists()


def test_one_invoice_taken_out_of_a_pending_reminder_keeps_the_rest(org):  # type: ignore[no-untyped-def]
    ensure_default_policies(org)
    dupont = customer(org, segment="strategic")
    kept = InvoiceFactory(customer=dupont, number="F-1", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    out = InvoiceFactory(customer=dupont, number="F-2", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    work_day(org, date(2026, 2, 11))
    pending = Action.objects.get()
    approvals.remove_invoice(org, pending.pk, out.pk, actor=ROBOT, note="paid by cheque, not banked yet")
    pending.refresh_from_db()
    assert [(ln["number"], ln["step"]) for ln in pending.lines] == [("F-1", "reminder")]
    assert list(pending.item_steps.values_list("invoice_id", flat=True)) == [kept.pk]
    with pytest.raises(ValidationError):
        approvals.remove_invoice(org, pending.pk, kept.pk, actor=ROBOT, note="")  # the note is required


# ------------------------------------------------------------------------------------------------ 3. history


def test_removing_a_step_leaves_every_invoice_where_it_stood(org, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    smtp(Keep())
    ensure_default_policies(org)
    dupont = customer(org)
    InvoiceFactory(customer=dupont, number="F-1", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    work_days(org, date(2026, 2, 11), date(2026, 2, 24))  # reminder (+7), firm (+20) sent
    assert list(Action.objects.order_by("id").values_list("step_key", "state")) == [
        ("reminder", "sent"),
        ("firm", "sent"),
    ]
    default = Policy.objects.get(organization=org, key="default")
    kept = [configuration._step_data(s) for s in default.steps.order_by("position") if s.key != "reminder"]
    configuration.save_policy(org, default, name=default.name, segment="standard", steps=kept, actor=ROBOT)
    # The preview of +35 shows the formal notice as the invoice's next step, never the legal action.
    preview = run_preview(org, date(2026, 3, 11))
    assert [(ln.number, ln.reached, ln.step.key if ln.step else None) for ln in preview.customers[0].lines] == [
        ("F-1", "firm", "formal_notice")
    ]
    work_day(org, date(2026, 3, 11))
    assert Action.objects.order_by("-id").values_list("step_key", flat=True)[0] == "formal_notice"


# ------------------------------------------------------------------------------------------------ 4. runs


def test_a_run_dated_before_the_latest_is_refused_and_sends_nothing(org, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    server = smtp(Keep())
    ensure_default_policies(org)
    dupont = customer(org)
    InvoiceFactory(customer=dupont, number="F-1", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    work_day(org, date(2026, 2, 5))  # nothing due yet
    with pytest.raises(RunRefused):
        run_collections(org, date(2026, 2, 3), actor=ROBOT, today=date(2026, 2, 5))
    assert (Action.objects.count(), server.messages) == (0, [])


def test_a_run_dated_in_the_past_sends_nothing_about_an_invoice_disputed_since(org, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    server = smtp(Keep())
    ensure_default_policies(org)
    dupont = customer(org)
    InvoiceFactory(customer=dupont, number="F-1", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    disputed = InvoiceFactory(customer=dupont, number="F-2", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    holds.open_dispute(org, disputed, reason_code="price", actor=ROBOT, today=date(2026, 2, 13))
    # The run of 11 February, made on the 13th (the machine was off): the dispute of the 13th applies.
    run_collections(org, date(2026, 2, 11), actor=ROBOT, today=date(2026, 2, 13))
    process_due(org, now=morning(date(2026, 2, 13)), actor=ROBOT)
    [message] = messages(server)
    text = text_of(message)
    assert "Total dû : 1 200,00 €" in text
    assert "en litige" in text


# ------------------------------------------------------------------------------------------------ 5. policies


def test_the_editor_refuses_a_policy_that_never_reminds_a_late_invoice_or_opens_with_the_formal_notice(org):  # type: ignore[no-untyped-def]
    stored = Policy.objects.create(organization=org, key="early", name="Early")
    with pytest.raises(PolicyError, match="first seen late would never be reminded"):
        configuration.save_policy(
            org,
            stored,
            name="Early",
            segment="",
            steps=[StepData("before", -5, "email", "courtesy"), StepData("due", -1, "email", "reminder")],
            actor=ROBOT,
        )
    with pytest.raises(PolicyError, match="would be the first message"):
        configuration.save_policy(
            org,
            stored,
            name="Early",
            segment="",
            steps=[
                StepData("notice", 10, "registered_letter", "formal_notice", deadline_days=15),
                StepData("legal", 30, "internal_task", "legal"),
            ],
            actor=ROBOT,
        )
    assert not Step.objects.filter(policy=stored).exists()


def test_a_step_on_the_due_date_missed_that_day_is_caught_up_and_a_courtesy_step_is_never_sent_once_due(org, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    server = smtp(Keep())
    policy(
        org,
        "ondue",
        [
            StepData("courtesy", -3, "email", "courtesy"),
            StepData("due", 0, "email", "reminder"),
            StepData("firm", 20, "email", "firm"),
        ],
    )
    dupont = customer(org)
    # Imported on Monday 9 February, already due on Friday 6: no courtesy, the due-date step at once.
    InvoiceFactory(customer=dupont, number="F-1", issued_on=date(2026, 1, 7), due_on=date(2026, 2, 6))
    work_day(org, date(2026, 2, 9))
    assert list(Action.objects.values_list("step_key", "send_on")) == [("due", date(2026, 2, 9))]
    assert "arrivent prochainement à échéance" not in text_of(messages(server)[0])


# ------------------------------------------------------------------------------------------------ 6. weekends


def test_a_step_reached_on_monday_goes_with_the_weekend_s_in_one_message_on_monday(org, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    server = smtp(Keep())
    policy(org, "weekly", [StepData("reminder", 7, "email", "reminder", min_gap_days=7)])
    dupont = customer(org)
    InvoiceFactory(customer=dupont, number="F-SAT", issued_on=date(2026, 2, 7), due_on=date(2026, 3, 7))  # +7 Sat 14
    InvoiceFactory(customer=dupont, number="F-MON", issued_on=date(2026, 2, 9), due_on=date(2026, 3, 9))  # +7 Mon 16
    for day in (13, 14, 15, 16):
        tick(datetime(2026, 3, day, 10, 0, tzinfo=PARIS), run_at=time(7, 0), window=(time(8, 0), time(19, 0)))
    [message] = messages(server)
    assert "F-SAT" in text_of(message) and "F-MON" in text_of(message)
    assert list(Action.objects.values_list("send_on", flat=True)) == [date(2026, 3, 16)]


# ------------------------------------------------------------------------------------------------ 8. no e-mail


def test_a_customer_without_an_email_address_gets_letters_and_escalates_only_once_they_are_posted(org):  # type: ignore[no-untyped-def]
    ensure_default_policies(org)
    dupont = customer(org)
    Contact.objects.filter(customer=dupont).update(email="")
    InvoiceFactory(customer=dupont, number="F-1", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    work_days(org, date(2026, 2, 11), date(2026, 2, 27))  # the reminder letter produced, never posted
    assert list(Action.objects.values_list("channel", "step_key", "state")) == [("letter", "reminder", "ready")]
    assert not Task.objects.filter(kind="email_failed").exists()
    record_posting(Letter.objects.get(), posted_on=date(2026, 3, 2), actor=ROBOT, today=date(2026, 3, 2))
    work_days(org, date(2026, 3, 2), date(2026, 3, 12))
    assert list(Action.objects.order_by("id").values_list("channel", "step_key")) == [
        ("letter", "reminder"),
        ("letter", "firm"),
    ]
    assert Action.objects.get(step_key="firm").send_on == date(2026, 3, 12)  # 10 days after the posting


# ------------------------------------------------------------------------------------------------ 9. tolerance


def test_one_cent_left_is_never_reminded_and_a_step_can_wait_for_the_customer_s_total(org, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    server = smtp(Keep())
    policy(
        org,
        "totals",
        [
            StepData("reminder", 7, "email", "reminder"),
            StepData("notice", 20, "registered_letter", "formal_notice", min_customer_total=Decimal("500.00")),
        ],
    )
    dupont = customer(org)
    cent = InvoiceFactory(customer=dupont, number="F-CENT", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    small = InvoiceFactory(
        customer=dupont, number="F-SMALL", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4), total=Decimal("300.00")
    )
    payment = record_payment(
        org, ROBOT, customer=dupont, received_on=date(2026, 2, 5), amount=Decimal("1199.99"), source_key="bank-1"
    )
    allocate(ROBOT, invoice=cent, amount=Decimal("1199.99"), payment=payment)
    work_day(org, date(2026, 2, 11))
    [message] = messages(server)
    assert "F-SMALL" in text_of(message)
    assert "F-CENT" not in text_of(message)
    assert "Total dû : 300,00 €" in text_of(message)
    # +20: the formal notice waits for a total overdue of 500 EUR; 300 EUR is not enough.
    result = work_day(org, date(2026, 2, 24))
    assert [(s.reason, s.detail) for s in result.skipped] == [("below_min_amount", "notice")]
    assert CollectionSettings.objects.filter(organization=org).count() == 0  # the default tolerance: 1.00
    del small
