"""Approval decisions: each reminder is decided once, by one person, whatever happens at the same time."""

from __future__ import annotations

import threading
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from recouvre.collections import approvals
from recouvre.collections.models import Action, Policy, Step
from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 25)
NOW = datetime(2026, 3, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def waiting(org):  # type: ignore[no-untyped-def]
    """``waiting(n)``: n customers whose reminder (+7 days, needs approval) waits in the queue."""

    def make(n: int) -> list[Action]:
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
        for i in range(n):
            customer = CustomerFactory(organization=org, ref=f"411C{i:02d}", name=f"Client {i:02d}")
            InvoiceFactory(
                customer=customer,
                number=f"F-{i:02d}",
                issued_on=date(2026, 2, 1),
                due_on=date(2026, 3, 10),
                total=Decimal("100.00") + i,
            )
        run_collections(org, AS_OF, actor=Actor.system("test"))
        return list(approvals.awaiting(org))

    return make


def test_the_queue_lists_what_waits_with_its_total(org, waiting):
    queue = waiting(3)
    assert [(a.customer.ref, a.send_on, a.step_key) for a in queue] == [
        ("411C00", AS_OF, "reminder"),
        ("411C01", AS_OF, "reminder"),
        ("411C02", AS_OF, "reminder"),
    ]
    assert approvals.totals(queue[2]) == {"EUR": Decimal("102.00")}


def test_a_rejection_needs_a_note_and_changes_nothing_without_one(org, user, waiting):
    [action] = waiting(1)
    with pytest.raises(ValidationError, match="the note is required"):
        approvals.reject(org, [action.pk], actor=Actor.of(user), now=NOW, note="   ")
    action.refresh_from_db()
    assert action.state == "awaiting_approval" and action.decided_by is None
    assert not Event.objects.filter(kind="collections.action_rejected").exists()


def test_another_organizations_reminder_is_never_decided(org, other_org, user, waiting):
    [action] = waiting(1)
    decision = approvals.approve(other_org, [action.pk], actor=Actor.of(user), now=NOW)
    assert (decision.decided, decision.skipped) == ([], [action.pk])
    action.refresh_from_db()
    assert action.state == "awaiting_approval"


def test_a_decided_reminder_is_not_decided_again(org, user, waiting):
    [action] = waiting(1)
    first = approvals.approve(org, [action.pk], actor=Actor.of(user), now=NOW, note="ok")
    again = approvals.reject(org, [action.pk], actor=Actor.of(user), now=NOW, note="changed my mind")
    assert [a.pk for a in first.decided] == [action.pk] and again.skipped == [action.pk]
    action.refresh_from_db()
    assert (action.state, action.decision_note, action.decided_at) == ("planned", "ok", NOW)
    decisions = Event.objects.filter(kind__in=["collections.action_approved", "collections.action_rejected"])
    assert decisions.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's shared in-memory test database refuses a second writer"
)
@pytest.mark.django_db(transaction=True)
def test_two_people_deciding_the_same_queue_at_once_decide_each_reminder_once(org, waiting):
    queue = waiting(10)
    ids = [a.pk for a in queue]
    people = [MembershipFactory(organization=org, role="credit_manager").user for _ in range(2)]
    start = threading.Barrier(2)
    results: dict[str, approvals.Decision] = {}
    errors: list[BaseException] = []

    def decide(who: str, user) -> None:  # type: ignore[no-untyped-def]
        try:
            start.wait()
            if who == "approver":
                results[who] = approvals.approve(org, ids, actor=Actor.of(user), now=NOW)
            else:
                results[who] = approvals.reject(org, list(reversed(ids)), actor=Actor.of(user), now=NOW, note="no")
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=("approver", people[0])),
        threading.Thread(target=decide, args=("rejecter", people[1])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    approved = {a.pk for a in results["approver"].decided}
    rejected = {a.pk for a in results["rejecter"].decided}
    assert approved | rejected == set(ids) and not approved & rejected
    assert set(results["approver"].skipped) == rejected and set(results["rejecter"].skipped) == approved
    states = dict(Action.objects.filter(pk__in=ids).values_list("id", "state"))
    assert {pk for pk, s in states.items() if s == "planned"} == approved
    assert {pk for pk, s in states.items() if s == "cancelled"} == rejected
    assert Event.objects.filter(kind__in=["collections.action_approved", "collections.action_rejected"]).count() == 10
