"""``recouvre approvals list|show|approve|reject|remove-invoice``, as an operator runs them on Wednesday 25 March
2026: the same decisions, timeline events and e-mails as the approval page, ``--json``, and exit codes 0 (done),
1 (refused, nothing decided), 2 (usage)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recouvre.cli import main
from recouvre.collections import approvals, holds
from recouvre.collections.models import Action, ActionState, Policy, Step
from recouvre.collections.services import run_collections
from recouvre.collections.tests.test_dispatch import Keep, smtp  # noqa: F401 - the SMTP server fixture
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 25)
NOW = datetime(2026, 3, 25, 11, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture(autouse=True)
def wednesday_25_march():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 3, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        yield


def cli(capsys, *argv: object) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, _err = capsys.readouterr()
    return code, out


@pytest.fixture
def queue(org):  # type: ignore[no-untyped-def]
    """Three customers whose e-mail reminder (+7 days, needs approval) waits in the queue; Client 01 owes two
    invoices."""
    policy = Policy.objects.create(organization=org, key="checked", name="Checked", segment="standard")
    Step.objects.create(
        policy=policy,
        position=1,
        key="reminder",
        offset_days=7,
        channel="email",
        template="reminder",
        needs_approval=True,
    )
    for i in range(3):
        customer = CustomerFactory(organization=org, ref=f"411C{i:02d}", name=f"Client {i:02d}")
        InvoiceFactory(
            customer=customer,
            number=f"F-{i:02d}",
            issued_on=date(2026, 2, 1),
            due_on=date(2026, 3, 10),
            total=Decimal("100.00") + i,
        )
        if i == 1:
            InvoiceFactory(
                customer=customer,
                number="F-01B",
                issued_on=date(2026, 2, 2),
                due_on=date(2026, 3, 12),
                total=Decimal("50.00"),
            )
    run_collections(org, AS_OF, actor=Actor.system("test"))
    return list(approvals.awaiting(org))


def test_list_shows_the_queue_with_what_each_reminder_demands(capsys, org, queue):
    code, out = cli(capsys, "approvals", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [(r["id"], r["customer"], r["channel"], r["send_on"]) for r in rows] == [
        (queue[0].pk, "411C00", "email", "2026-03-25"),
        (queue[1].pk, "411C01", "email", "2026-03-25"),
        (queue[2].pk, "411C02", "email", "2026-03-25"),
    ]
    assert sorted(i["number"] for i in rows[1]["invoices"]) == ["F-01", "F-01B"]
    assert rows[1]["totals"] == {"EUR": "151.00"}
    code, out = cli(capsys, "approvals", "list")
    assert code == 0 and len(out.splitlines()) == 3 and "411C01" in out and "151.00 EUR" in out


def test_show_prints_the_email_exactly_as_it_would_go(capsys, org, queue):
    code, out = cli(capsys, "approvals", "show", queue[0].pk, "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["email"]["to"] == "compta@411c00.example"
    assert "F-00" in shown["email"]["text"] and "100,00" in shown["email"]["text"]
    code, out = cli(capsys, "approvals", "show", queue[0].pk)
    assert code == 0 and out.count("Subject: ") == 1 and "compta@411c00.example" in out


def test_approve_then_send_delivers_exactly_the_approved_emails(capsys, org, queue, smtp):  # noqa: F811
    handler = smtp(Keep())
    code, out = cli(capsys, "approvals", "approve", queue[0].pk, queue[2].pk, "--note", "vu", "--send", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["approved"] == [queue[0].pk, queue[2].pk] and result["sent"] == [queue[0].pk, queue[2].pk]
    assert sorted(rcpt for rcpts, _data in handler.messages for rcpt in rcpts) == [
        "compta@411c00.example",
        "compta@411c02.example",
    ]
    states = dict(Action.objects.filter(organization=org).values_list("id", "state"))
    assert states == {queue[0].pk: "sent", queue[1].pk: "awaiting_approval", queue[2].pk: "sent"}
    approved = Event.objects.filter(organization=org, kind="collections.action_approved")
    assert approved.count() == 2 and {e.actor_label for e in approved} == {"cli"}


def test_a_command_naming_one_bad_reminder_decides_nothing(capsys, org, other_org, queue):
    code, out = cli(capsys, "approvals", "approve", queue[0].pk, 999999, "--org", org.slug)
    assert code == 1 and "999999" in out
    assert not Event.objects.filter(kind="collections.action_approved").exists()
    approvals.reject(org, [queue[1].pk], actor=Actor.system("test"), now=NOW, note="x")
    code, out = cli(
        capsys, "approvals", "reject", queue[0].pk, queue[1].pk, "--note", "no", "--org", org.slug, "--json"
    )
    assert code == 1 and json.loads(out)["ok"] is False
    assert Action.objects.get(pk=queue[0].pk).state == ActionState.AWAITING_APPROVAL


def test_reject_needs_a_note_and_all_takes_the_whole_queue(capsys, org, queue):
    code, out = cli(capsys, "approvals", "reject", "--all")
    assert code == 1 and "note is required" in out
    code, out = cli(capsys, "approvals", "reject", "--all", "--note", "montants à revoir", "--json")
    assert code == 0 and json.loads(out)["rejected"] == [a.pk for a in queue]
    assert set(Action.objects.filter(organization=org).values_list("state", flat=True)) == {"cancelled"}
    assert set(Action.objects.values_list("decision_note", flat=True)) == {"montants à revoir"}
    code, out = cli(capsys, "approvals", "approve", "--all")
    assert code == 1 and "empty" in out


def test_approving_a_reminder_whose_invoices_are_all_held_is_refused(capsys, org, queue):
    # A promise to pay keeps the reminder in the queue, but there is nothing left to demand.
    holds.record_promise(
        org, queue[0].customer, amount=Decimal("100.00"), promised_on=date(2026, 4, 15), actor=Actor.system("test")
    )
    assert Action.objects.get(pk=queue[0].pk).state == ActionState.AWAITING_APPROVAL
    code, out = cli(capsys, "approvals", "approve", queue[0].pk, queue[2].pk)
    assert code == 1 and "on hold" in out and str(queue[0].pk) in out
    assert not Event.objects.filter(kind="collections.action_approved").exists()
    code, out = cli(capsys, "approvals", "approve", queue[2].pk)
    assert code == 0 and Action.objects.get(pk=queue[2].pk).state == ActionState.PLANNED


def test_remove_invoice_takes_one_invoice_out_and_the_rest_waits(capsys, org, queue):
    code, out = cli(capsys, "approvals", "remove-invoice", queue[1].pk, "F-01B")
    assert code == 1 and "note is required" in out
    code, out = cli(capsys, "approvals", "remove-invoice", queue[1].pk, "F-01B", "--note", "avoir à venir", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["withdrawn"] is False and [i["number"] for i in result["invoices"]] == ["F-01"]
    assert result["totals"] == {"EUR": "101.00"}
    assert Event.objects.filter(kind="collections.invoice_removed", organization=org).count() == 1
    code, out = cli(capsys, "approvals", "remove-invoice", queue[1].pk, "F-01", "--note", "réglé")
    assert code == 0 and "withdrawn" in out
    assert Action.objects.get(pk=queue[1].pk).state == ActionState.CANCELLED


def test_an_unknown_subcommand_or_id_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_info:
        main(["approvals", "approve", "abc"])
    assert exit_info.value.code == 2
