"""In-app notifications: who is told of what, the bell, reading them, and nothing crossing organizations."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings

from recouvre.collections.holds import open_dispute, record_promise
from recouvre.collections.models import CustomerCollection
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Contact
from recouvre.mailbox.services import take
from recouvre.notifications.digest import notify_due
from recouvre.notifications.models import Notification
from recouvre.notifications.texts import text
from recouvre.organizations.models import Role
from recouvre.tasks.services import create_task, reassign_task
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

pytestmark = pytest.mark.django_db
ROBOT = Actor.system("test")


@pytest.fixture
def team(org, other_org):  # type: ignore[no-untyped-def]
    manager = MembershipFactory(
        organization=org,
        role=Role.CREDIT_MANAGER,
        user__username="mona",
        user__first_name="Mona",
        user__last_name="Roy",
    ).user
    paul = MembershipFactory(organization=org, role=Role.COLLECTOR, user__username="paul").user
    stranger = MembershipFactory(organization=other_org, role=Role.COLLECTOR, user__username="rita").user
    customer = CustomerFactory(organization=org, ref="411DUP", name="Dupont SARL")
    CustomerCollection.objects.create(organization=org, customer=customer, collector=paul)
    return manager, paul, stranger, customer


def _texts(user) -> list[str]:  # type: ignore[no-untyped-def]
    return [text(n.kind, n.data) for n in Notification.objects.filter(user=user).order_by("id")]


def test_a_task_given_to_someone_else_tells_them(org, team) -> None:  # type: ignore[no-untyped-def]
    manager, paul, _stranger, customer = team
    task = create_task(org, customer, kind="other", title="Send the signed contract", actor=Actor.of(manager))
    assert task.assignee == paul  # the customer's collector
    assert _texts(paul) == ["Mona Roy gave you a task about Dupont SARL: Send the signed contract"]
    reassign_task(task, assignee=manager, actor=Actor.of(paul))
    assert _texts(manager) == ["paul gave you a task about Dupont SARL: Send the signed contract"]
    create_task(org, customer, kind="other", title="Mine", actor=Actor.of(paul))  # to oneself: nothing
    create_task(org, customer, kind="call", title="Call Dupont SARL", actor=ROBOT, due_on=date(2026, 3, 2))
    assert _texts(paul)[1:] == ["New task for you about Dupont SARL: Call Dupont SARL"]


def test_a_dispute_and_a_reply_tell_the_collector(org, team) -> None:  # type: ignore[no-untyped-def]
    manager, paul, _stranger, customer = team
    invoice = InvoiceFactory(customer=customer, number="F-12", total=Decimal("1500.00"))
    open_dispute(org, invoice, reason_code="price", amount=Decimal("250.00"), actor=Actor.of(manager))
    Contact.objects.create(organization=org, customer=customer, name="Compta", email="compta@dupont.example")
    raw = (
        b"From: Compta Dupont <compta@dupont.example>\r\nTo: relances@acme.example\r\nSubject: Re: Relance F-12\r\n"
        b"Message-ID: <r-1@dupont.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Le virement part vendredi.\r\n"
    )
    assert take(raw, actor=ROBOT).outcome == "reply_recorded"
    assert _texts(paul) == [
        "New dispute from Dupont SARL on invoice F-12, €250.00: Wrong price",
        "Dupont SARL replied: Re: Relance F-12",
    ]
    assert Notification.objects.filter(user=paul, kind="task_assigned").count() == 0  # the reply is told once
    assert Notification.objects.filter(user=manager).count() == 0


def test_a_collector_of_another_organization_is_never_told(org, team) -> None:  # type: ignore[no-untyped-def]
    _manager, _paul, stranger, customer = team
    CustomerCollection.objects.filter(customer=customer).update(collector=stranger)
    invoice = InvoiceFactory(customer=customer, number="F-13")
    open_dispute(org, invoice, reason_code="price", actor=ROBOT)
    create_task(org, customer, kind="other", title="x", actor=ROBOT)
    assert not Notification.objects.exists()


def test_tasks_and_promises_due_are_told_once_on_their_day(org, team) -> None:  # type: ignore[no-untyped-def]
    _manager, paul, _stranger, customer = team
    InvoiceFactory(customer=customer, number="F-20", due_on=date(2026, 2, 1))
    create_task(org, customer, kind="other", title="Check the order", actor=ROBOT, due_on=date(2026, 3, 10))
    create_task(org, customer, kind="other", title="Later", actor=ROBOT, due_on=date(2026, 3, 11))
    record_promise(
        org, customer, amount=Decimal("800.00"), promised_on=date(2026, 3, 10), actor=ROBOT, today=date(2026, 3, 2)
    )
    Notification.objects.all().delete()
    assert notify_due(org, date(2026, 3, 10)) == 2
    assert notify_due(org, date(2026, 3, 10)) == 0
    assert sorted(_texts(paul)) == [
        "Dupont SARL promised to pay €800.00 by today.",
        "Task due today about Dupont SARL: Check the order",
    ]


def test_the_bell_counts_and_the_page_marks_read(client, org, other_org, team) -> None:  # type: ignore[no-untyped-def]
    manager, paul, stranger, customer = team
    for title in ("One", "Two", "Three"):
        create_task(org, customer, kind="other", title=title, actor=Actor.of(manager))
    theirs = Notification.objects.create(user=stranger, organization=other_org, kind="reply", data={"customer": "X"})
    client.force_login(paul)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/").content.decode()
    assert re.search(r'id="notifications-link" href="/notifications/" title="Notifications: 3 unread">', page)
    assert '<span class="bell-count">3</span>' in page
    listing = client.get("/notifications/").content.decode()
    assert "3 unread notifications" in listing
    first = Notification.objects.filter(user=paul).order_by("id").first()
    opened = client.post(f"/notifications/{first.pk}/open/")
    link = Notification.objects.get(pk=first.pk).link
    assert link.startswith("/worklist/#task-") and opened["Location"] == link
    assert Notification.objects.get(pk=first.pk).read_at is not None
    client.post(f"/notifications/{theirs.pk}/read/")  # another's: left as it is
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    done = client.post("/notifications/read-all/", follow=True).content.decode()
    assert "2 notifications marked read." in done and "0 unread notifications" in done
    assert '<span class="bell-count">0</span>' in done
    client.post("/notifications/digest/", {})
    assert "You will no longer receive the daily digest e-mail." in client.get("/notifications/").content.decode()
