"""``recouvre hold dispute|promise|pause|already-paid|release|list``, as an operator runs them on Tuesday 31 March
2026: the same holds, timeline events and withdrawals as the customer page's forms, ``--since`` recorded as the
hold's first day, ``--json``, and exit codes 0 (done), 1 (refused, nothing written), 2 (usage)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recouvre.cli import main
from recouvre.collections import holds
from recouvre.collections.models import Action, ActionState, Hold, HoldKind, HoldOutcome, Policy, Step
from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db
ME = Actor.system("test")
D = date
TODAY = D(2026, 3, 31)


@pytest.fixture(autouse=True)
def tuesday_31_march():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 3, 31, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        yield


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def usage_exit(*argv: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    return int(exit_info.value.code or 0)


@pytest.fixture
def martin(org):  # type: ignore[no-untyped-def]
    """Boulangerie Martin owes F-1 (1 200.00, due 4 February) and F-2 (800.00, due 10 March); one e-mail reminder
    about both is planned for today."""
    policy = Policy.objects.create(organization=org, key="mail", name="Mail", segment="standard")
    Step.objects.create(policy=policy, position=1, key="reminder", offset_days=7, channel="email", template="reminder")
    customer = CustomerFactory(organization=org, ref="411MARTIN", name="Boulangerie Martin SARL", kind="business")
    customer.contacts.create(organization=org, name="Paul Martin", email="compta@martin.example", is_primary=True)
    InvoiceFactory(customer=customer, number="F-1", issued_on=D(2026, 1, 5), due_on=D(2026, 2, 4))
    InvoiceFactory(
        customer=customer, number="F-2", issued_on=D(2026, 2, 8), due_on=D(2026, 3, 10), total=Decimal("800.00")
    )
    run_collections(org, TODAY, actor=ME)
    reminder = Action.objects.get(customer=customer)
    assert reminder.state == ActionState.PLANNED
    assert [line["number"] for line in reminder.lines] == ["F-1", "F-2"]
    return customer


def events(customer, kind: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [describe(e) for e in Event.objects.filter(customer=customer, kind=kind).order_by("id")]


# ---------------------------------------------------------------------------------------------- dispute


def test_a_dispute_since_friday_holds_the_invoice_and_narrows_the_queued_reminder(capsys, org, martin) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(
        capsys, "hold", "dispute", "F-1", "--reason", "price", "--amount", "1 000,00",
        "--note", "Unit price not the one quoted", "--since", "27/03/2026", "--json",
    )  # fmt: skip

    assert (code, err) == (0, "")
    hold = Hold.objects.get(customer=martin)
    assert json.loads(out) == {
        "ok": True,
        "id": hold.pk,
        "kind": "dispute",
        "customer": "411MARTIN",
        "customer_name": "Boulangerie Martin SARL",
        "invoices": ["F-1"],
        "whole_customer": False,
        "reason_code": "price",
        "note": "Unit price not the one quoted",
        "amount": "1000.00",
        "currency": "EUR",
        "promised_on": None,
        "starts_on": "2026-03-27",
        "ends_on": None,
        "status": "active",
        "outcome": "",
        "outcome_on": None,
        "released_at": None,
        "author": "cli",
        "owner": None,
    }
    assert (hold.kind, hold.invoice.number, hold.starts_on, hold.amount) == (
        HoldKind.DISPUTE,
        "F-1",
        D(2026, 3, 27),
        Decimal("1000.00"),
    )
    # As the web form does: the timeline, and the reminder goes out without the disputed invoice.
    assert events(martin, "collections.dispute_opened") == [
        "Invoice F-1 disputed for 1000.00 EUR (wrong price): Unit price not the one quoted"
    ]
    assert events(martin, "collections.actions_withdrawn") == [
        "1 queued reminder will leave out the invoices on hold (F-1)."
    ]
    reminder = Action.objects.get(customer=martin)
    assert reminder.state == ActionState.PLANNED
    assert {line["number"]: line.get("hold") for line in reminder.lines} == {"F-1": "dispute", "F-2": None}


def test_a_dispute_refused_exits_1_and_writes_nothing(capsys, org, martin) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = cli(capsys, "hold", "dispute", "F-9", "--reason", "price", "--json")
    assert code == 1
    assert json.loads(out) == {"ok": False, "errors": ["no invoice numbered 'F-9' in acme"]}

    code, out, _err = cli(capsys, "hold", "dispute", "F-2", "--reason", "quality", "--amount", "900")
    assert code == 1
    assert out == "recouvre: refused: The disputed amount cannot be more than the invoice (800.00 EUR).\n"
    assert not Hold.objects.exists()

    assert cli(capsys, "hold", "dispute", "F-2", "--reason", "quality")[0] == 0
    code, out, _err = cli(capsys, "hold", "dispute", "F-2", "--reason", "price", "--json")
    assert code == 1
    assert json.loads(out) == {"ok": False, "errors": ["Invoice F-2 is already disputed."]}
    assert Hold.objects.count() == 1


def test_usage_errors_exit_2(capsys, org, martin) -> None:  # type: ignore[no-untyped-def]
    assert usage_exit("hold", "dispute", "F-1", "--reason", "too_expensive") == 2
    assert usage_exit("hold", "dispute", "F-1", "--reason", "price", "--since", "31/02/2026") == 2
    assert usage_exit("hold", "dispute", "F-1", "--reason", "price", "--amount", "1,234") == 2
    assert usage_exit("hold", "promise", "411MARTIN", "--amount", "100", "--by", "next week") == 2
    assert usage_exit("hold", "pause", "411MARTIN") == 2  # --until is required
    capsys.readouterr()
    # A hold cannot begin tomorrow: the day it began has passed, or is today.
    code, out, err = cli(capsys, "hold", "dispute", "F-1", "--reason", "price", "--since", "2026-04-01")
    assert (code, out) == (2, "")
    assert err == (
        "recouvre: error: --since 2026-04-01 is in the future: the day the hold began is today or earlier "
        "(today is 2026-03-31)\n"
    )
    assert cli(capsys, "hold", "pause", "411MARTIN", "--until", "2026-04-30", "--since", "2026-04-01")[0] == 2
    assert not Hold.objects.exists()


# ---------------------------------------------------------------------------------------------- promise


def test_a_promise_counts_the_payments_from_the_day_it_was_made(capsys, org, martin) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(
        capsys, "hold", "promise", "411MARTIN", "--amount", "800", "--by", "2026-04-10", "--invoice", "F-2",
        "--since", "2026-03-27", "--note", "Called on Friday",
    )  # fmt: skip

    assert (code, err) == (0, "")
    hold = Hold.objects.get(customer=martin)
    assert out.splitlines()[0] == "Promise to pay recorded."
    assert f"{hold.pk:>6}  411MARTIN" in out and "2026-03-27 - 2026-04-10  800.00 EUR  Active" in out
    assert (hold.kind, hold.starts_on, hold.ends_on, hold.promised_on, hold.amount) == (
        HoldKind.PROMISE,
        D(2026, 3, 27),
        D(2026, 4, 10),
        D(2026, 4, 10),
        Decimal("800.00"),
    )
    assert [i.number for i in hold.invoices.all()] == ["F-2"]
    assert events(martin, "collections.promise_recorded") == [
        "Promise to pay 800.00 EUR by 2026-04-10 for invoices F-2."
    ]
    # The customer paid on Saturday: the promise is kept at the next review.
    PaymentFactory(customer=martin, received_on=D(2026, 3, 28), amount=Decimal("800.00"))
    assert holds.review_commitments(org, TODAY, actor=ME)["promises_kept"] == 1
    hold.refresh_from_db()
    assert hold.outcome == HoldOutcome.KEPT


def test_a_promise_refused(capsys, org, martin) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = cli(capsys, "hold", "promise", "411NOBODY", "--amount", "100", "--by", "2026-04-10", "--json")
    assert code == 1
    assert json.loads(out) == {"ok": False, "errors": ["no customer with the account '411NOBODY' in acme"]}

    code, out, _err = cli(
        capsys, "hold", "promise", "411MARTIN", "--amount", "100", "--by", "2026-03-26", "--since", "2026-03-27"
    )
    assert code == 1
    assert out == "recouvre: refused: The promised date (2026-03-26) is before the day of the promise (2026-03-27).\n"

    code, out, _err = cli(
        capsys, "hold", "promise", "411MARTIN", "--amount", "100", "--by", "2026-04-10", "--note", "x" * 501, "--json"
    )
    assert code == 1
    assert json.loads(out)["errors"] == ["--note: Ensure this value has at most 500 characters (it has 501)."]

    code, out, _err = cli(
        capsys, "hold", "promise", "411MARTIN", "--amount", "100", "--by", "2026-04-10", "--invoice", "F-404"
    )
    assert (code, out) == (1, "recouvre: refused: no invoice numbered 'F-404' in acme\n")
    assert not Hold.objects.exists()


# ---------------------------------------------------------------------------------------------- pause


def test_a_pause_withdraws_the_queued_reminder(capsys, org, martin) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(
        capsys, "hold", "pause", "411MARTIN", "--until", "2026-04-30", "--note", "Owner in hospital",
        "--since", "2026-03-30", "--json",
    )  # fmt: skip

    assert (code, err) == (0, "")
    data = json.loads(out)
    assert {k: data[k] for k in ("kind", "invoices", "whole_customer", "note", "starts_on", "ends_on", "status")} == {
        "kind": "manual",
        "invoices": [],
        "whole_customer": True,
        "note": "Owner in hospital",
        "starts_on": "2026-03-30",
        "ends_on": "2026-04-30",
        "status": "active",
    }
    assert events(martin, "collections.hold_placed") == [
        "Collection paused (manual) from 2026-03-30 to 2026-04-30: Owner in hospital"
    ]
    reminder = Action.objects.get(customer=martin)
    assert (reminder.state, reminder.decision_note) == (
        ActionState.CANCELLED,
        "Withdrawn: every invoice it lists is on hold.",
    )
    assert events(martin, "collections.actions_withdrawn") == [
        "1 queued reminder withdrawn: all its invoices are on hold (Paused)."
    ]


def test_a_pause_that_ended_already_is_refused(capsys, org, martin) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = cli(capsys, "hold", "pause", "411MARTIN", "--until", "2026-03-30", "--since", "2026-03-27")
    assert (code, out) == (1, "recouvre: refused: The pause must end today or later.\n")
    assert not Hold.objects.exists()
    assert Action.objects.get(customer=martin).state == ActionState.PLANNED


# ---------------------------------------------------------------------------------------------- already paid


def test_already_paid_since_thursday_pauses_ten_days_from_then(capsys, org, martin) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(
        capsys, "hold", "already-paid", "411MARTIN", "--invoice", "F-1", "--since", "2026-03-26",
        "--note", "Transfer of 20 March", "--json",
    )  # fmt: skip

    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["kind"], data["invoices"], data["starts_on"], data["ends_on"]) == (
        "already_paid",
        ["F-1"],
        "2026-03-26",
        "2026-04-04",
    )
    hold = Hold.objects.get(pk=data["id"])
    assert (hold.starts_on, hold.ends_on, hold.reason) == (D(2026, 3, 26), D(2026, 4, 4), "Transfer of 20 March")
    assert Event.objects.filter(customer=martin, kind="collections.already_paid_declared").count() == 1


# ---------------------------------------------------------------------------------------------- release


def test_release_lifts_a_hold_once(capsys, org, other_org, martin) -> None:  # type: ignore[no-untyped-def]
    hold = holds.pause_customer(org, martin, until=D(2026, 4, 30), actor=ME, today=TODAY)

    code, out, err = cli(capsys, "hold", "release", hold.pk, "--note", "Back at work", "--org", "acme")

    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "Hold lifted: collection resumes at the next run."
    assert out.splitlines()[1].endswith("Lifted")
    hold.refresh_from_db()
    assert (hold.outcome, hold.outcome_on, hold.resolution) == (HoldOutcome.RELEASED, TODAY, "Back at work")
    assert events(martin, "collections.hold_released") == ["Collection resumed: hold (manual) lifted."]

    code, out, _err = cli(capsys, "hold", "release", hold.pk, "--json", "--org", "acme")
    assert code == 1
    assert json.loads(out) == {"ok": False, "errors": ["This hold has already ended."]}
    assert Event.objects.filter(kind="collections.hold_released").count() == 1

    rival = CustomerFactory(organization=other_org, ref="411RIVAL")
    theirs = holds.pause_customer(other_org, rival, until=D(2026, 4, 30), actor=ME, today=TODAY)
    code, out, _err = cli(capsys, "hold", "release", theirs.pk, "--org", "acme")
    assert (code, out) == (1, f"recouvre: refused: no hold {theirs.pk} in acme\n")
    theirs.refresh_from_db()
    assert theirs.released_at is None
    assert usage_exit("hold", "release", "first") == 2


# ---------------------------------------------------------------------------------------------- list


def test_list_shows_active_and_scheduled_holds_and_all_with_all(capsys, org, martin) -> None:  # type: ignore[no-untyped-def]
    other = CustomerFactory(organization=org, ref="411DURAND", name="Durand SA")
    InvoiceFactory(customer=other, number="F-3", issued_on=D(2026, 2, 1))
    lifted = holds.pause_customer(org, martin, until=D(2026, 4, 30), actor=ME, today=D(2026, 3, 20))
    holds.release_hold(lifted, actor=ME, today=D(2026, 3, 23))
    ended = holds.declare_already_paid(org, martin, actor=ME, today=D(2026, 3, 2))  # 2 to 11 March
    dispute = holds.open_dispute(org, martin.invoices.get(number="F-1"), reason_code="quality", actor=ME, today=TODAY)
    later = holds.place_hold(
        org, other, kind=HoldKind.MANUAL, starts_on=D(2026, 4, 6), ends_on=D(2026, 4, 10), actor=ME, reason="Audit"
    )

    code, out, err = cli(capsys, "hold", "list", "--json")
    assert (code, err) == (0, "")
    assert [(h["id"], h["customer"], h["kind"], h["status"]) for h in json.loads(out)] == [
        (later.pk, "411DURAND", "manual", "scheduled"),
        (dispute.pk, "411MARTIN", "dispute", "active"),
    ]

    code, out, _err = cli(capsys, "hold", "list", "411MARTIN", "--all", "--json")
    assert code == 0
    assert [(h["id"], h["status"]) for h in json.loads(out)] == [
        (ended.pk, "ended"),
        (lifted.pk, "released"),
        (dispute.pk, "active"),
    ]

    code, out, _err = cli(capsys, "hold", "list")
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].split() == [str(later.pk), "411DURAND", "Paused", "whole", "customer", "2026-04-06", "-",
                                "2026-04-10", "Starts", "later"]  # fmt: skip
    assert lines[1].split()[:5] == [str(dispute.pk), "411MARTIN", "Dispute", "(Quality", "of"]
    assert "F-1" in lines[1] and lines[1].endswith("1200.00 EUR  Active")

    code, out, _err = cli(capsys, "hold", "list", "411DURAND", "--all")
    assert (code, len(out.splitlines())) == (0, 1)
    code, out, _err = cli(capsys, "hold", "list", "411NOBODY")
    assert (code, out) == (1, "recouvre: refused: no customer with the account '411NOBODY' in acme\n")
    holds.release_hold(later, actor=ME, today=TODAY)
    holds.release_hold(dispute, actor=ME, today=TODAY)
    assert cli(capsys, "hold", "list") == (0, "No active or scheduled hold.\n", "")
