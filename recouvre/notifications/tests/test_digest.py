"""The daily digest e-mail against a real SMTP server: one message per member with something to report, the exact
counts, nothing twice on the same day, nothing to whoever has nothing or turned it off."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from recouvre.cli import main
from recouvre.collections.models import CustomerCollection, Hold
from recouvre.collections.tests.test_dispatch import Keep, smtp  # noqa: F401 - the real SMTP server fixture
from recouvre.mailbox.models import InboundMessage
from recouvre.notifications.models import DigestSent
from recouvre.notifications.services import set_daily_digest
from recouvre.organizations.models import Role
from recouvre.tasks.models import Task
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 3, 10)  # a Tuesday


def _member(org, username, role, email_address="x"):  # type: ignore[no-untyped-def]
    return MembershipFactory(
        organization=org,
        role=role,
        user__username=username,
        user__first_name=username.title(),
        user__email=f"{username}@acme.example" if email_address else "",
        user__language="en",
    ).user


@pytest.fixture
def day_of_work(org, other_org):  # type: ignore[no-untyped-def]
    """claire (collector of Alpha and Bravo): 2 tasks due, 1 promise, 1 reply; paul (collector of Charlie): 1 task,
    1 dispute; mona (credit manager, nobody's collector): the whole organization; nina (collector): nothing;
    vic (viewer) and a member of another organization: never."""
    claire = _member(org, "claire", Role.COLLECTOR)
    paul = _member(org, "paul", Role.COLLECTOR)
    mona = _member(org, "mona", Role.CREDIT_MANAGER)
    _member(org, "nina", Role.COLLECTOR)
    _member(org, "vic", Role.VIEWER)
    rita = _member(other_org, "rita", Role.COLLECTOR)
    alpha = CustomerFactory(organization=org, name="Alpha SA")
    bravo = CustomerFactory(organization=org, name="Bravo SAS")
    charlie = CustomerFactory(organization=org, name="Charlie SARL")
    theirs = CustomerFactory(organization=other_org, name="Rival client")
    for customer, collector in ((alpha, claire), (bravo, claire), (charlie, paul), (theirs, rita)):
        CustomerCollection.objects.create(organization=customer.organization, customer=customer, collector=collector)

    def task(customer, user, due_on, state="open", title="Call"):  # type: ignore[no-untyped-def]
        done = {} if state == "open" else {"done_at": datetime(2026, 3, 9, tzinfo=PARIS)}
        return Task.objects.create(
            organization=customer.organization,
            customer=customer,
            kind="other",
            title=f"{title} {customer.name}",
            due_on=due_on,
            assignee=user,
            state=state,
            **done,
        )

    task(alpha, claire, DAY)
    task(bravo, claire, date(2026, 3, 6))
    task(alpha, claire, date(2026, 3, 11))  # not due yet
    task(bravo, claire, DAY, state="done")  # done
    task(charlie, paul, DAY)
    task(theirs, rita, DAY)
    Hold.objects.create(
        organization=org,
        customer=alpha,
        kind="promise",
        starts_on=date(2026, 3, 2),
        ends_on=DAY,
        amount=Decimal("800.00"),
        currency="EUR",
        promised_on=DAY,
    )
    Hold.objects.create(
        organization=org,
        customer=charlie,
        kind="promise",
        starts_on=date(2026, 3, 2),
        ends_on=date(2026, 3, 13),
        amount=Decimal("90.00"),
        currency="EUR",
        promised_on=date(2026, 3, 13),
    )
    yesterday = InboundMessage.objects.create(
        fingerprint="a", organization=org, customer=bravo, kind="reply", subject="Re: relance F-7"
    )
    today = InboundMessage.objects.create(fingerprint="b", organization=org, customer=bravo, kind="reply", subject="2")
    InboundMessage.objects.filter(pk=yesterday.pk).update(received_at=datetime(2026, 3, 9, 16, 0, tzinfo=PARIS))
    InboundMessage.objects.filter(pk=today.pk).update(received_at=datetime(2026, 3, 10, 6, 0, tzinfo=PARIS))
    invoice = InvoiceFactory(customer=charlie, number="F-31", total=Decimal("2400.00"))
    dispute = Hold.objects.create(
        organization=org,
        customer=charlie,
        invoice=invoice,
        kind="dispute",
        reason_code="quantity",
        starts_on=date(2026, 3, 9),
        amount=Decimal("400.00"),
        currency="EUR",
    )
    Hold.objects.filter(pk=dispute.pk).update(created_at=datetime(2026, 3, 9, 11, 0, tzinfo=PARIS))
    return claire, paul, mona


def _received(keep):  # type: ignore[no-untyped-def]
    out = {}
    for rcpts, raw in keep.messages:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert len(rcpts) == 1 and rcpts[0] not in out
        out[rcpts[0]] = message
    return out


def test_one_digest_per_member_with_the_exact_counts_and_never_twice(capsys, org, day_of_work, smtp) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    keep = smtp(Keep())
    assert main(["digest", "send", "--org", "acme", "--date", "2026-03-10", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [(e["user"], e["tasks"], e["promises"], e["replies"], e["disputes"]) for e in result["sent"]] == [
        ("claire", 2, 1, 1, 0),
        ("mona", 3, 1, 1, 1),
        ("paul", 1, 0, 0, 1),
    ]
    assert result["nothing_to_report"] == ["nina"]
    received = _received(keep)
    assert sorted(received) == ["claire@acme.example", "mona@acme.example", "paul@acme.example"]
    claire = received["claire@acme.example"]
    assert claire["Subject"] == "ACME Distribution SAS, your day: 2 tasks due, 1 promise due, 1 reply"
    body = claire.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "2 tasks due\n- Bravo SAS: Call Bravo SAS" in body
    assert "1 promise to pay by today\n- Alpha SA: €800.00" in body
    assert "1 reply received yesterday\n- Bravo SAS: Re: relance F-7" in body
    assert "dispute" not in body
    html = claire.get_body(("html",)).get_content()
    assert "<h2" in html and "Re: relance F-7" in html
    paul = received["paul@acme.example"]
    assert paul["Subject"] == "ACME Distribution SAS, your day: 1 task due, 1 new dispute"
    assert "- Charlie SARL, invoice F-31: €400.00, Wrong quantity" in paul.get_body(("plain",)).get_content().replace(
        "\r\n", "\n"
    )
    assert "whole organization" in received["mona@acme.example"].get_body(("plain",)).get_content().replace(
        "\r\n", "\n"
    )
    assert DigestSent.objects.filter(day=date(2026, 3, 10)).count() == 3

    assert main(["digest", "send", "--org", "acme", "--date", "2026-03-10", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["sent"] == [] and again["already_sent"] == ["claire", "mona", "paul"]
    assert len(keep.messages) == 3


def test_a_member_who_turned_it_off_or_a_dry_run_gets_nothing(capsys, org, day_of_work, smtp) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    keep = smtp(Keep())
    claire, _paul, _mona = day_of_work
    set_daily_digest(claire, False)
    assert main(["digest", "send", "--org", "acme", "--date", "2026-03-10", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "2 digests would be sent; 0 already sent that day; 1 with nothing to report." in out
    assert keep.messages == [] and not DigestSent.objects.exists()
    assert main(["digest", "send", "--org", "acme", "--date", "2026-03-10"]) == 0
    assert sorted(_received(keep)) == ["mona@acme.example", "paul@acme.example"]


def test_a_day_with_nothing_sends_nothing(capsys, org, day_of_work, smtp) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    keep = smtp(Keep())
    Task.objects.all().delete()
    Hold.objects.all().delete()
    InboundMessage.objects.all().delete()
    assert main(["digest", "send", "--date", "2026-03-10", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["sent"] == [] and sorted(result["nothing_to_report"]) == ["claire", "mona", "nina", "paul", "rita"]
    assert keep.messages == []


def test_the_scheduler_sends_the_days_digests_once_and_tells_what_is_due(org, day_of_work, smtp) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from datetime import time

    from recouvre.collections.scheduler import tick
    from recouvre.notifications.models import Notification

    keep = smtp(Keep())
    morning = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
    first = tick(morning, run_at=time(7, 0), window=(time(8, 0), time(19, 0)), rates=False)
    assert first.digests == {
        "acme": {"sent": ["claire", "mona", "paul"], "failed": []},
        "rival": {"sent": ["rita"], "failed": []},  # the other organization's collector, her own
    }
    again = tick(morning.replace(hour=10), run_at=time(7, 0), window=(time(8, 0), time(19, 0)), rates=False)
    assert again.digests == {}
    assert len(keep.messages) == 4
    told = sorted(Notification.objects.values_list("user__username", "organization__slug", "kind"))
    assert told == [
        ("claire", "acme", "promise_due"),
        ("claire", "acme", "task_due"),
        ("paul", "acme", "task_due"),
        ("rita", "rival", "task_due"),
    ]
