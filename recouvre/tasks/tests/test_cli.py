"""``recouvre tasks``: the open tasks in worklist order, for everyone or for one collector."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recouvre.cli import main
from recouvre.ledger.actors import Actor
from recouvre.tasks.services import complete_task, create_task
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

ROBOT = Actor.system("run")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tuesday_31_march():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 3, 31, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        yield


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def worklist(org):  # type: ignore[no-untyped-def]
    marc = MembershipFactory(organization=org, user__username="marc", role="collector").user
    julie = MembershipFactory(organization=org, user__username="julie", role="collector").user
    small = CustomerFactory(organization=org, ref="411SMALL", name="Petit SARL")
    big = CustomerFactory(organization=org, ref="411BIG", name="Grand SA")
    InvoiceFactory(
        customer=small, number="F-1", issued_on=date(2026, 1, 1), due_on=date(2026, 2, 1), total=Decimal("250.00")
    )
    InvoiceFactory(
        customer=big, number="F-2", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 11), total=Decimal("9800.00")
    )
    create_task(org, small, kind="call", title="Call Petit SARL", actor=ROBOT, assignee=marc, due_on=date(2026, 3, 30))
    create_task(org, big, kind="call", title="Call Grand SA", actor=ROBOT, assignee=julie, due_on=date(2026, 3, 31))
    done = create_task(org, big, kind="other", title="Already done", actor=ROBOT, assignee=marc)
    complete_task(done, outcome="done", actor=ROBOT)
    return marc, julie


def test_the_open_tasks_most_owed_first_as_json(org, worklist, capsys):  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, "tasks", "--org", "acme", "--json")

    assert (code, err) == (0, "")
    rows = json.loads(out)
    assert [
        (r["customer_ref"], r["kind"], r["title"], r["amount_overdue"], r["days_overdue"], r["due_on"], r["assignee"])
        for r in rows
    ] == [
        ("411BIG", "call", "Call Grand SA", "9800.00", 20, "2026-03-31", "julie"),
        ("411SMALL", "call", "Call Petit SARL", "250.00", 58, "2026-03-30", "marc"),
    ]


def test_mine_lists_only_that_collectors_tasks(org, worklist, capsys):  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, "tasks", "--org", "acme", "--mine", "marc")

    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 4  # the header, one task, its priority in words, the note on the predictions
    assert lines[1].split()[0] == "733.33"  # 250.00 × 1 × (1 + 58 / 30)
    assert lines[2] == "    250.00 EUR × 1.00 × 2.93 (58 days late)"
    assert lines[3] == ("No late-payment prediction stored yet: the invoices not yet due count as certain to be late.")
    assert "411SMALL Petit SARL" in lines[1]
    assert "250.00 EUR" in lines[1]
    assert lines[1].endswith("Call Petit SARL")
    assert "Grand SA" not in out


def test_an_unknown_user_is_a_usage_error(org, worklist, capsys):  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, "tasks", "--org", "acme", "--mine", "nobody")

    assert (code, out) == (2, "")
    assert "'nobody' is not a member of acme" in err
