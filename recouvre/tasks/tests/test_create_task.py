"""Opening a task: who gets it, once per outbox action, and the timeline line it leaves."""

from __future__ import annotations

from datetime import date

import pytest

from recouvre.collections.models import Action, CustomerCollection
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.tasks.models import Task
from recouvre.tasks.services import create_task
from recouvre.testing.factories import CustomerFactory, MembershipFactory

pytestmark = pytest.mark.django_db

ROBOT = Actor.system("test")


def test_a_task_goes_to_the_customers_collector_and_is_told_on_the_timeline(org):
    marc = MembershipFactory(organization=org, user__username="marc", role="collector").user
    customer = CustomerFactory(organization=org, name="Boulangerie Martin")
    CustomerCollection.objects.create(organization=org, customer=customer, collector=marc)

    task = create_task(
        org, customer, kind="other", title="Ask for the signed delivery note", actor=ROBOT, due_on=date(2026, 3, 12)
    )

    assert task.assignee == marc
    assert task.state == "open"
    event = Event.objects.get(customer=customer, kind="task.opened")
    assert describe(event) == "Task for marc, due 2026-03-12: Ask for the signed delivery note"


def test_a_task_without_a_collector_is_nobodys_until_assigned(org):
    customer = CustomerFactory(organization=org)

    task = create_task(org, customer, kind="other", title="Check the address", actor=ROBOT)

    assert task.assignee is None


def test_the_task_of_an_action_is_opened_once(org):
    customer = CustomerFactory(organization=org)
    action = Action.objects.create(
        organization=org, customer=customer, channel="call_task", send_on=date(2026, 3, 12), template="call"
    )

    first = create_task(org, customer, kind="call", title="Call", actor=ROBOT, action=action)
    second = create_task(org, customer, kind="call", title="Call again", actor=ROBOT, action=action)

    assert second == first
    assert Task.objects.filter(action=action).count() == 1
    assert Event.objects.filter(customer=customer, kind="task.opened").count() == 1


def test_a_customer_of_another_organization_is_refused(org, other_org):
    theirs = CustomerFactory(organization=other_org)

    with pytest.raises(ValueError):
        create_task(org, theirs, kind="other", title="Nope", actor=ROBOT)
    assert not Task.objects.exists()
