"""Credit risk on a real ledger: the score read from a built history, the credit limit alerts on the worklist
(opened once, kept up to date, closed when paid) and ``recouvre risk score|check``.

Today is Tuesday 31 March 2026."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from recouvre.cli import main
from recouvre.collections.models import Hold, HoldKind, HoldOutcome
from recouvre.ledger import services as ledger
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.risk.credit import recompute_scores, refresh_exposure_alerts
from recouvre.risk.models import CustomerScore, ExposureState
from recouvre.tasks.models import Task, TaskState
from recouvre.tasks.services import cancel_task
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db
ME = Actor.system("test")
TODAY = date(2026, 3, 31)
NBSP, NNBSP = "\u00a0", "\u202f"


def pay(invoice, on: date, amount: Decimal | None = None) -> None:  # type: ignore[no-untyped-def]
    amount = amount or invoice.open_amount
    payment = PaymentFactory(
        customer=invoice.customer, received_on=on, amount=amount, source_key=f"p-{invoice.pk}-{on}-{amount}"
    )
    ledger.allocate(ME, invoice=invoice, payment=payment, amount=amount)
    invoice.refresh_from_db()


def euros(text: str) -> str:
    """``170 591,00 €`` as French writes it."""
    return text.replace(" ", NNBSP) + NBSP + "€"


@pytest.fixture(autouse=True)
def french():  # type: ignore[no-untyped-def]
    with translation.override("fr"):
        yield


def _hold(org, customer, kind: str, **kw):  # type: ignore[no-untyped-def]
    return Hold.objects.create(organization=org, customer=customer, kind=kind, **kw)


def test_the_score_is_read_from_the_history(org) -> None:  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411MARTIN", credit_limit=Decimal("10000.00"))
    # 1 000 due and paid on 21 March (on time, 10 days ago); 3 000 due 1 December, paid 21 December (20 days late).
    pay(
        InvoiceFactory(customer=customer, issued_on=date(2026, 2, 19), due_on=date(2026, 3, 21), total=Decimal("1000")),
        date(2026, 3, 21),
    )
    pay(
        InvoiceFactory(customer=customer, issued_on=date(2025, 11, 1), due_on=date(2025, 12, 1), total=Decimal("3000")),
        date(2025, 12, 21),
    )
    # Paid long ago: out of the twelve months. In dollars: not counted.
    pay(
        InvoiceFactory(customer=customer, issued_on=date(2024, 11, 1), due_on=date(2024, 12, 1), total=Decimal("500")),
        date(2025, 3, 1),
    )
    InvoiceFactory(customer=customer, issued_on=date(2026, 3, 31), due_on=date(2026, 4, 30), total=Decimal("9000.00"))
    InvoiceFactory(
        customer=customer,
        issued_on=date(2026, 3, 31),
        due_on=date(2026, 4, 30),
        total=Decimal("50000.00"),
        currency="USD",
    )
    ended = {"released_at": timezone.now(), "amount": Decimal("100"), "promised_on": date(2026, 2, 1)}
    _hold(
        org,
        customer,
        HoldKind.PROMISE,
        starts_on=date(2026, 1, 20),
        outcome=HoldOutcome.KEPT,
        outcome_on=date(2026, 2, 1),
        **ended,
    )
    _hold(
        org,
        customer,
        HoldKind.PROMISE,
        starts_on=date(2026, 1, 20),
        outcome=HoldOutcome.BROKEN,
        outcome_on=date(2026, 2, 2),
        **ended,
    )
    _hold(org, customer, HoldKind.DISPUTE, starts_on=date(2026, 2, 1), reason_code="price")
    _hold(org, customer, HoldKind.DISPUTE, starts_on=date(2025, 1, 1), reason_code="price")  # more than a year ago

    assert recompute_scores(org, TODAY) == {customer.pk: 65}
    stored = CustomerScore.objects.get(customer=customer)
    assert (stored.score, stored.as_of) == (65, TODAY)
    assert [(c["key"], c["points"]) for c in stored.components] == [
        ("average_delay", "22.5"),
        ("delay_trend", "10.0"),
        ("late_share", "10.0"),
        ("promises", "7.5"),
        ("disputes", "5.0"),
        ("exposure", "5.0"),
        ("company_status", "5.0"),
    ]
    assert stored.facts["exposure"] == "9000.00"
    # Computed again: replaced, not added.
    recompute_scores(org, TODAY)
    assert CustomerScore.objects.filter(customer=customer).count() == 1


def test_an_insolvency_hold_is_the_company_status(org) -> None:  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org)
    _hold(org, customer, HoldKind.INSOLVENCY, starts_on=date(2026, 3, 1))
    recompute_scores(org, TODAY)
    stored = CustomerScore.objects.get(customer=customer)
    assert stored.facts["company_status"] == "insolvency"
    assert stored.score == 65  # a new customer's 70, less the status's 5


def test_the_company_directory_says_whether_the_company_trades(org) -> None:  # type: ignore[no-untyped-def]
    active = CustomerFactory(organization=org, ref="411A", company_status="active")
    closed = CustomerFactory(organization=org, ref="411C", company_status="closed", company_closed_on=date(2026, 2, 1))
    later = CustomerFactory(organization=org, ref="411L", company_status="closed", company_closed_on=date(2027, 1, 1))
    never = CustomerFactory(organization=org, ref="411N")
    recompute_scores(org, TODAY)
    facts = {s.customer_id: s.facts["company_status"] for s in CustomerScore.objects.all()}
    assert facts == {active.pk: "active", closed.pk: "ceased", later.pk: "active", never.pk: "unknown"}


def _over(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SA", credit_limit=Decimal("170000.00"))
    first = InvoiceFactory(
        customer=customer, number="F-1", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 3), total=Decimal("100000.00")
    )
    InvoiceFactory(
        customer=customer,
        number="F-2",
        issued_on=date(2026, 3, 30),
        due_on=date(2026, 4, 29),
        total=Decimal("70591.00"),
    )
    return customer, first


def test_an_alert_opens_once_follows_the_amounts_and_closes_when_paid(org) -> None:  # type: ignore[no-untyped-def]
    customer, first = _over(org)

    assert refresh_exposure_alerts(org, actor=ME, today=TODAY).opened == 1
    task = Task.objects.get(customer=customer, state=TaskState.OPEN)
    assert task.kind == "credit_over"
    assert task.due_on == TODAY
    for amount in ("170 591,00", "170 000,00", "591,00"):
        assert euros(amount) in task.title
    assert "F-2" in task.details  # the invoice that took it over
    event = Event.objects.get(customer=customer, kind="credit.over_limit")
    assert event.data == {
        "exposure": "170591.00",
        "limit": "170000.00",
        "excess": "591.00",
        "percent": 100,
        "invoice": "F-2",
        "invoice_amount": "70591.00",
        "currency": "EUR",
    }

    # Again, and again after another invoice: still one task, its amounts up to date.
    assert refresh_exposure_alerts(org, actor=ME, today=TODAY).opened == 0
    InvoiceFactory(customer=customer, number="F-3", issued_on=TODAY, due_on=date(2026, 4, 30), total=Decimal("409.00"))
    assert refresh_exposure_alerts(org, actor=ME, today=TODAY).updated == 1
    task.refresh_from_db()
    assert euros("171 000,00") in task.title and euros("1 000,00") in task.title
    assert Task.objects.filter(customer=customer).count() == 1

    # 2 000 paid: 169 000 owed, 99 % of the limit: the alert becomes "near the limit".
    pay(first, TODAY, Decimal("2000.00"))
    refresh_exposure_alerts(org, actor=ME, today=TODAY)
    task.refresh_from_db()
    assert (task.state, task.closed_reason) == (TaskState.NOT_NEEDED, "under_threshold")
    near = Task.objects.get(customer=customer, state=TaskState.OPEN)
    assert near.kind == "credit_near"
    assert near.title.startswith("99")

    # Paid: under 80 %, the alert is closed.
    pay(first, TODAY)
    refresh_exposure_alerts(org, actor=ME, today=TODAY)
    near.refresh_from_db()
    assert (near.state, near.closed_reason) == (TaskState.NOT_NEEDED, "under_threshold")
    assert not Task.objects.filter(customer=customer, state=TaskState.OPEN).exists()
    assert Event.objects.filter(customer=customer, kind="credit.alert_closed").count() == 2
    with translation.override("en"):
        described = describe(event)
    assert described == (
        "Over the credit limit: 170591.00 EUR owed for a limit of 170000.00 EUR, 591.00 EUR over (invoice F-2 of "
        "70591.00 EUR took it over)."
    )


def test_an_alert_closed_by_a_person_is_not_opened_again_while_nothing_changes(org) -> None:  # type: ignore[no-untyped-def]
    customer, _first = _over(org)
    refresh_exposure_alerts(org, actor=ME, today=TODAY)
    cancel_task(Task.objects.get(customer=customer), actor=ME, reason="order stopped")
    assert refresh_exposure_alerts(org, actor=ME, today=TODAY).opened == 0
    assert not Task.objects.filter(customer=customer, state=TaskState.OPEN).exists()


def test_no_alert_without_a_limit_or_within_it(org) -> None:  # type: ignore[no-untyped-def]
    InvoiceFactory(customer=CustomerFactory(organization=org), total=Decimal("999999.00"))
    InvoiceFactory(customer=CustomerFactory(organization=org, credit_limit=Decimal("2000")), total=Decimal("1599.99"))
    assert refresh_exposure_alerts(org, actor=ME, today=TODAY).opened == 0


def test_a_limit_removed_closes_its_alert_and_customers_without_limit_are_left_alone(org) -> None:  # type: ignore[no-untyped-def]
    # Only customers with a limit, an alert level or an open alert are looked at: one whose limit was removed is
    # still one of them (its alert is closed), and a customer without a limit never gets an alert.
    customer, _first = _over(org)
    no_limit = CustomerFactory(organization=org, ref="411SANS")
    InvoiceFactory(customer=no_limit, total=Decimal("999999.00"))
    assert refresh_exposure_alerts(org, actor=ME, today=TODAY).opened == 1
    customer.credit_limit = None
    customer.save()
    result = refresh_exposure_alerts(org, actor=ME, today=TODAY)
    assert (result.opened, result.closed) == (0, 1)
    task = Task.objects.get(customer=customer)
    assert (task.state, task.closed_reason) == (TaskState.NOT_NEEDED, "under_threshold")
    assert ExposureState.objects.get(customer=customer).level == "none"
    assert not Task.objects.filter(customer=no_limit).exists()
    assert not ExposureState.objects.filter(customer=no_limit).exists()
    # Asked about these two customers only: nothing more to do.
    again = refresh_exposure_alerts(org, actor=ME, today=TODAY, customer_ids=[customer.pk, no_limit.pk])
    assert (again.opened, again.closed, again.updated) == (0, 0, 0)


def cli(capsys, *argv: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def, type-arg]
    code = main(list(argv))
    out, _err = capsys.readouterr()
    return code, json.loads(out)


def test_risk_check_and_score_commands(org, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RECOUVRE_LANGUAGE", "en")
    _over(org)
    small = CustomerFactory(organization=org, ref="411PETIT", credit_limit=Decimal("10000.00"))
    InvoiceFactory(customer=small, issued_on=date(2026, 3, 1), due_on=date(2026, 4, 30), total=Decimal("1000.00"))

    code, out = cli(capsys, "risk", "score", "--org", "acme", "--as-of", "2026-03-31", "--json")
    assert code == 0
    assert [(c["customer_ref"], c["score"]) for c in out["customers"]] == [("411DUPONT", 60), ("411PETIT", 70)]

    code, out = cli(
        capsys, "risk", "check", "411PETIT", "--amount", "2 000,00", "--org", "acme", "--as-of", "2026-03-31", "--json"
    )
    assert (code, out["decision"], out["exposure"], out["limit"], out["score"]) == (
        0,
        "accept",
        "1000.00",
        "10000.00",
        70,
    )
    assert out["reasons"] == [
        "Score 70 of 100.",
        "Exposure with this order: €3,000.00, within the credit limit of €10,000.00.",
        "Nothing is overdue.",
    ]
    code, out = cli(
        capsys, "risk", "check", "411PETIT", "--amount", "8000", "--org", "acme", "--as-of", "2026-03-31", "--json"
    )
    assert out["decision"] == "review"  # 9 000: 90 % of the limit
    # Over the limit with 100 000 overdue (due 3 March): refused.
    code, out = cli(
        capsys, "risk", "check", "411DUPONT", "--amount", "10", "--org", "acme", "--as-of", "2026-03-31", "--json"
    )
    assert out["decision"] == "refuse"
    assert out["reasons"][0] == (
        "This order of €10.00 takes the exposure from €170,591.00 to €170,601.00, €601.00 over the credit limit of "
        "€170,000.00."
    )
    code, out = cli(capsys, "risk", "check", "411NOBODY", "--amount", "10", "--org", "acme", "--json")
    assert (code, out["ok"]) == (1, False)


def test_each_collections_run_scores_every_customer_and_opens_the_alerts(org) -> None:  # type: ignore[no-untyped-def]
    from recouvre.collections.services import ensure_default_policies, run_collections

    ensure_default_policies(org)
    customer, _first = _over(org)
    quiet = CustomerFactory(organization=org)
    run_collections(org, TODAY, actor=ME, today=TODAY)
    assert dict(CustomerScore.objects.values_list("customer_id", "score")) == {customer.pk: 60, quiet.pk: 70}
    assert list(Task.objects.filter(kind__in=["credit_over", "credit_near"]).values_list("customer_id", "kind")) == [
        (customer.pk, "credit_over")
    ]
    # A dry run writes nothing.
    CustomerScore.objects.all().delete()
    run_collections(org, TODAY, actor=ME, today=TODAY, dry_run=True)
    assert not CustomerScore.objects.exists()


def test_thresholds_are_the_organizations(org, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RECOUVRE_LANGUAGE", "en")
    code, out = cli(capsys, "risk", "settings", "--org", "acme", "--json")
    assert (code, out) == (
        0,
        {
            "organization": "acme",
            "review_below": 50,
            "refuse_below": 25,
            "warning_percent": 80,
            "deposit_from": None,
            "deposit_percent": None,
        },
    )
    code, out = cli(
        capsys, "risk", "settings", "--org", "acme", "--review-below", "75", "--warning-percent", "90", "--json"
    )
    assert (code, out["review_below"], out["refuse_below"], out["warning_percent"]) == (0, 75, 25, 90)
    assert Event.objects.get(organization=org, kind="risk.settings_changed").data["fields"] == (
        "review_below, warning_percent"
    )
    code, out = cli(capsys, "risk", "settings", "--org", "acme", "--refuse-below", "80", "--json")
    assert (code, out["ok"]) == (1, False)

    # 85 % of the limit: no alert any more at a 90 % warning share; a score of 70 is reviewed below 75.
    customer = CustomerFactory(organization=org, ref="411PRES", credit_limit=Decimal("1000.00"))
    InvoiceFactory(customer=customer, issued_on=date(2026, 3, 1), due_on=date(2026, 4, 30), total=Decimal("850.00"))
    assert refresh_exposure_alerts(org, actor=ME, today=TODAY).opened == 0
    recompute_scores(org, TODAY)
    code, out = cli(
        capsys, "risk", "check", "411PRES", "--amount", "10", "--org", "acme", "--as-of", "2026-03-31", "--json"
    )
    assert (out["score"], out["decision"]) == (70, "review")
