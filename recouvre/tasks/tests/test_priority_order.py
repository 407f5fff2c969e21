"""The worklist's order: each task's priority from the stored late-payment predictions (open amount × probability
of late payment × age factor), in the CLI and on the page; another organization's predictions never count.

Today is Tuesday 31 March 2026; the stored predictions are those of 30 March."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from recouvre.cli import main
from recouvre.ledger.actors import Actor
from recouvre.risk.models import InvoicePrediction, PredictionRun
from recouvre.tasks.services import create_task
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

ROBOT = Actor.system("run")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tuesday_31_march():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 3, 31, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        yield


def _invoice(customer, number: str, total: str, due_on: date, issued_on: date = date(2026, 1, 10)):  # type: ignore[no-untyped-def]
    return InvoiceFactory(customer=customer, number=number, issued_on=issued_on, due_on=due_on, total=Decimal(total))


def _stored(org, as_of: date, basis: str, prior: str, p_late: dict) -> None:  # type: ignore[no-untyped-def,type-arg]
    PredictionRun.objects.create(
        organization=org, as_of=as_of, basis=basis, prior=Decimal(prior), computed_at=timezone.now()
    )
    for invoice, p in p_late.items():
        InvoicePrediction.objects.create(
            organization=org, invoice=invoice, p_late=Decimal(p), expected_on=date(2026, 5, 1)
        )


@pytest.fixture
def ledger(org):  # type: ignore[no-untyped-def]
    alpha = CustomerFactory(organization=org, ref="411ALPHA", name="Alpha")
    beta = CustomerFactory(organization=org, ref="411BETA", name="Beta")
    gamma = CustomerFactory(organization=org, ref="411GAMMA", name="Gamma")
    delta = CustomerFactory(organization=org, ref="411DELTA", name="Delta")
    a1 = _invoice(alpha, "A-1", "12400.00", date(2026, 2, 21))  # 38 days late
    b1 = _invoice(beta, "B-1", "20000.00", date(2026, 4, 30))  # not yet due
    c1 = _invoice(gamma, "C-1", "3000.00", date(2026, 3, 16))  # 15 days late
    c2 = _invoice(gamma, "C-2", "6000.00", date(2026, 4, 15))  # not yet due
    _invoice(delta, "D-1", "50000.00", date(2026, 4, 30), issued_on=date(2026, 3, 31))  # issued after the run
    # the probability stored for A-1 was made before its due date: overdue today, it counts as 1
    _stored(org, date(2026, 3, 30), "model", "0.3000", {a1: "0.4000", b1: "0.8200", c2: "0.2500"})
    for customer in (delta, gamma, beta, alpha):
        create_task(org, customer, kind="call", title=f"Call {customer.name}", actor=ROBOT, due_on=date(2026, 3, 31))
    create_task(org, gamma, kind="other", title="C-1 only", actor=ROBOT, invoice=c1, due_on=date(2026, 4, 2))
    return org


@pytest.fixture
def rival(other_org):  # type: ignore[no-untyped-def]
    """Another organization with the same customer references, its own predictions and tasks."""
    alpha = CustomerFactory(organization=other_org, ref="411ALPHA", name="Alpha Rival")
    r1 = _invoice(alpha, "A-1", "99000.00", date(2026, 4, 30))
    _stored(other_org, date(2026, 3, 31), "baseline", "0.9000", {r1: "0.0100"})
    create_task(other_org, alpha, kind="call", title="Call Alpha Rival", actor=ROBOT, due_on=date(2026, 3, 31))
    return other_org


EXPECTED = [
    # title, priority, open amount, probability, age factor, days late, invoices, bases, in words
    (
        "Call Alpha",
        "28106.67",
        "12400.00",
        "1.00",
        "2.27",
        38,
        1,
        ["overdue"],
        "12400.00 EUR × 1.00 × 2.27 (38 days late)",
    ),
    ("Call Beta", "16400.00", "20000.00", "0.82", "1.00", 0, 1, ["model"], "20000.00 EUR × 0.82 × 1.00 (not late)"),
    (
        "Call Delta",
        "15000.00",
        "50000.00",
        "0.30",
        "1.00",
        0,
        1,
        ["late_rate"],
        "50000.00 EUR × 0.30 × 1.00 (not late)",
    ),
    (
        "Call Gamma",
        "6000.00",
        "9000.00",
        "0.50",
        "1.33",
        10,
        2,
        ["overdue", "model"],
        "9000.00 EUR × 0.50 × 1.33 (2 invoices, 10 days late on average)",
    ),
    ("C-1 only", "4500.00", "3000.00", "1.00", "1.50", 15, 1, ["overdue"], "3000.00 EUR × 1.00 × 1.50 (15 days late)"),
]


def _cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_lists_the_tasks_by_priority_with_the_figures(ledger, rival, capsys):  # type: ignore[no-untyped-def]
    code, out, err = _cli(capsys, "tasks", "--org", "acme", "--json")

    assert (code, err) == (0, "")
    rows = json.loads(out)
    assert [
        (
            r["title"],
            r["priority"],
            r["open_amount"],
            r["p_late"],
            r["age_factor"],
            r["days_late"],
            r["open_invoices"],
            r["probability_basis"],
            r["priority_reason"],
        )
        for r in rows
    ] == EXPECTED


def test_the_other_organization_sees_only_its_own_predictions(ledger, rival, capsys):  # type: ignore[no-untyped-def]
    code, out, err = _cli(capsys, "tasks", "--org", "rival", "--json")

    assert (code, err) == (0, "")
    rows = json.loads(out)
    assert [(r["title"], r["priority"], r["p_late"], r["probability_basis"]) for r in rows] == [
        ("Call Alpha Rival", "990.00", "0.01", ["baseline"])
    ]
    code, out, err = _cli(capsys, "tasks", "--org", "rival")
    assert out.splitlines()[-1] == "Too little history for a model: the customers' share of invoices paid late is used."


def test_without_stored_predictions_invoices_not_yet_due_count_as_late(org, other_org, capsys):  # type: ignore[no-untyped-def]
    beta = CustomerFactory(organization=org, ref="411BETA", name="Beta")
    _invoice(beta, "B-1", "20000.00", date(2026, 4, 30))
    create_task(org, beta, kind="call", title="Call Beta", actor=ROBOT, due_on=date(2026, 3, 31))
    _stored(other_org, date(2026, 3, 31), "model", "0.1000", {})  # another organization's run: not ours

    code, out, err = _cli(capsys, "tasks", "--org", "acme", "--json")

    rows = json.loads(out)
    assert [(r["priority"], r["p_late"], r["probability_basis"], r["priority_reason"]) for r in rows] == [
        ("20000.00", "1.00", ["none"], "20000.00 EUR × 1.00 × 1.00 (not late)")
    ]


def test_the_page_shows_the_priority_and_why_in_that_order(ledger, rival, client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)

    response = client.get(reverse("worklist"), {"who": "all"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r["task"].title, str(r["priority"].score)) for r in rows] == [(e[0], e[1]) for e in EXPECTED]
    page = response.content.decode()
    assert "Alpha Rival" not in page
    assert 'data-priority="28106.67"' in page
    assert page.index('data-priority="16400.00"') < page.index('data-priority="15000.00"')
    assert "Probabilities of late payment of" in page and "from the model." in page
    # in words, with the figures written the reader's way
    assert [r["priority_reason"] for r in rows[:2]] == [
        "€12,400.00 × 1.00 × 2.27 (38 days late)",
        "€20,000.00 × 0.82 × 1.00 (not late)",
    ]
