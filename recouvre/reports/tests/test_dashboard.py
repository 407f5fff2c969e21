"""The dashboard's reads: cash per week, the aged balance by segment (instalments in their own buckets), the
collectors' results, and ``recouvre report dashboard``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from recouvre.cli import main
from recouvre.collections.models import CustomerCollection, Hold, HoldKind
from recouvre.ledger.actors import CLI
from recouvre.ledger.models import InvoiceInstalment
from recouvre.ledger.services import allocate
from recouvre.reports.dashboard import aged_by_segment, collectors_results, weekly_collected
from recouvre.tasks.models import Task, TaskState
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal
AS_OF = date(2026, 3, 31)


@pytest.fixture
def books(org):
    lea = UserFactory(username="lea", first_name="Léa", last_name="Martin")
    a = CustomerFactory(organization=org, ref="411A", name="Arnaud SARL", segment="strategic")
    b = CustomerFactory(organization=org, ref="411B", name="Bernard SA", segment="small")
    CustomerCollection.objects.create(organization=org, customer=a, collector=lea)
    # 3 000 in three instalments due 1 February, 1 March and 1 April; 1 200 paid: the first and 200 of the second
    a1 = InvoiceFactory(customer=a, number="F-A1", issued_on=date(2026, 1, 2), due_on=date(2026, 2, 1), total=D(3000))
    for n, (due, cumulative) in enumerate(
        ((date(2026, 2, 1), 1000), (date(2026, 3, 1), 2000), (date(2026, 4, 1), 3000))
    ):
        InvoiceInstalment.objects.create(
            invoice=a1, position=n + 1, count=3, due_on=due, amount=D(1000), cumulative=D(cumulative)
        )
    pay_a = PaymentFactory(customer=a, amount=D(1200), received_on=date(2026, 3, 2))
    allocate(CLI, invoice=a1, payment=pay_a, amount=D(1200), allocated_on=date(2026, 3, 2))
    b1 = InvoiceFactory(customer=b, number="F-B1", issued_on=date(2025, 11, 1), due_on=date(2025, 12, 1), total=D(500))
    pay_b = PaymentFactory(customer=b, amount=D(100), received_on=date(2026, 3, 30))
    allocate(CLI, invoice=b1, payment=pay_b, amount=D(100), allocated_on=date(2026, 3, 30))
    Hold.objects.create(
        organization=org,
        customer=b,
        kind=HoldKind.PROMISE,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 10),
        amount=D(100),
        currency="EUR",
        promised_on=date(2026, 3, 10),
        outcome="broken",
        outcome_on=date(2026, 3, 11),
        released_at=datetime(2026, 3, 11, 8, tzinfo=UTC),
    )
    Task.objects.create(
        organization=org,
        customer=a,
        kind="call",
        title="Appeler",
        state=TaskState.DONE,
        done_by=lea,
        done_at=datetime(2026, 3, 1, 8, tzinfo=UTC),
    )
    Task.objects.create(  # before the period: not counted
        organization=org,
        customer=a,
        kind="call",
        title="Appeler",
        state=TaskState.DONE,
        done_by=lea,
        done_at=datetime(2026, 2, 28, 8, tzinfo=UTC),
    )
    return {"lea": lea}


def test_cash_per_week(org, books):
    weeks = weekly_collected(org, AS_OF, "EUR")
    assert len(weeks) == 13 and weeks[0][0] == date(2026, 1, 5) and weeks[-1][0] == date(2026, 3, 30)
    assert dict(weeks)[date(2026, 3, 2)] == D("1200.00")
    assert dict(weeks)[date(2026, 3, 30)] == D("100.00")
    assert sum(a for _d, a in weeks) == D("1300.00")
    assert weekly_collected(org, AS_OF, "USD")[-1][1] == 0


def test_aged_balance_by_segment_ages_each_instalment(org, books):
    rows = {s.segment: s for s in aged_by_segment(org, AS_OF, "EUR")}
    assert list(rows) == ["strategic", "small"]
    # 800 of the second instalment 30 days late, the third not due
    assert rows["strategic"].buckets == {
        "not_due": D("1000.00"),
        "1_30": D("800.00"),
        "31_60": 0,
        "61_90": 0,
        "over_90": 0,
    }
    assert rows["small"].buckets["over_90"] == D("400.00") and rows["small"].total == D("400.00")


def test_collectors_results_of_the_period(org, books):
    results = collectors_results(org, date(2026, 3, 1), AS_OF, "EUR")
    assert [(r.name, r.collected, r.promises_kept, r.promises_broken, r.tasks_done) for r in results] == [
        ("Léa Martin", D("1200.00"), 0, 0, 1),
        ("No collector", D("100.00"), 0, 1, 0),
    ]


def test_cli_report_dashboard(org, books, capsys):
    assert main(["report", "dashboard", "--org", "acme", "--as-of", "2026-03-31", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["currency"] == "EUR" and len(payload["weeks"]) == 13
    assert payload["weeks"][-1] == {"starts_on": "2026-03-30", "collected": "100.00"}
    assert payload["segments"][0] == {
        "segment": "strategic",
        "not_due": "1000.00",
        "1_30": "800.00",
        "31_60": "0.00",
        "61_90": "0.00",
        "over_90": "0.00",
        "total": "1800.00",
    }
    lea = books["lea"].pk
    assert payload["collectors"]["results"][0] == {
        "collector_id": lea,
        "name": "Léa Martin",
        "collected": "1200.00",
        "promises_kept": 0,
        "promises_broken": 0,
        "tasks_done": 1,
    }
    assert main(["report", "dashboard", "--org", "acme", "--as-of", "2026-03-31"]) == 0
    out = capsys.readouterr().out
    assert "2026-03-30" in out and "Léa Martin" in out
    assert main(["report", "dashboard", "--org", "nope"]) == 2
