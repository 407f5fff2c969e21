"""``recouvre risk train|predict`` and ``recouvre report forecast`` on a small ledger: the history is read as of the
day asked (a later payment does not exist yet), too little history is said and the customer-mean baseline used,
and the JSON has the documented shape."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from recouvre.cli import main
from recouvre.collections import holds
from recouvre.ledger import services as ledger
from recouvre.ledger.actors import Actor
from recouvre.risk.selectors import invoice_history
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db
ME = Actor.system("test")
D = date


def pay(invoice, on: date, amount: Decimal | None = None) -> None:  # type: ignore[no-untyped-def]
    payment = PaymentFactory(
        customer=invoice.customer, received_on=on, amount=amount or invoice.total, source_key=f"p-{invoice.number}-{on}"
    )
    ledger.allocate(ME, invoice=invoice, payment=payment, amount=amount or invoice.total)


@pytest.fixture
def history(org):  # type: ignore[no-untyped-def]
    """Martin pays 15 days late, Durand 5 days early: four invoices each, issued 5 January, 4 February, 6 March and
    5 April 2026 at 30 days; the last ones are unpaid, Martin's third is paid on 20 April."""
    martin = CustomerFactory(organization=org, ref="411MARTIN", name="Martin SARL")
    durand = CustomerFactory(organization=org, ref="411DURAND", name="Durand SA")
    for k in range(4):
        issued = D(2026, 1, 5) + timedelta(days=30 * k)
        m = InvoiceFactory(customer=martin, number=f"M-{k}", issued_on=issued, total=Decimal("1000.00"))
        d = InvoiceFactory(customer=durand, number=f"D-{k}", issued_on=issued, total=Decimal("400.00"))
        if k < 3:
            pay(m, m.due_on + timedelta(days=15))
            pay(d, d.due_on - timedelta(days=5))
    return org


@pytest.fixture(autouse=True)
def english(monkeypatch):  # type: ignore[no-untyped-def]
    """The command's messages in English, whatever the machine's locale."""
    monkeypatch.setenv("RECOUVRE_LANGUAGE", "en")


def cli(capsys, *argv: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def, type-arg]
    code = main(list(argv))
    out, _err = capsys.readouterr()
    return code, json.loads(out)


def test_history_is_read_as_of_the_day(history) -> None:  # type: ignore[no-untyped-def]
    records = {r.key: r for r in invoice_history(history, D(2026, 4, 1))}
    assert records["M-0"].settled_on == D(2026, 2, 19)  # due 4 February, paid 15 days later
    assert records["M-2"].settled_on is None  # paid on 20 April: after the day
    assert records["M-2"].open_amount == Decimal("1000.00")
    assert {r.key: r for r in invoice_history(history, D(2026, 4, 30))}["M-2"].settled_on == D(2026, 4, 20)
    assert "M-3" not in records  # issued on 5 April


def test_a_dispute_is_read_from_its_first_day(history) -> None:  # type: ignore[no-untyped-def]
    from recouvre.ledger.models import Invoice

    invoice = Invoice.objects.get(organization=history, number="D-3")
    holds.open_dispute(history, invoice, reason_code="price", actor=ME, starts_on=D(2026, 4, 10), today=D(2026, 4, 12))
    assert {r.key: r for r in invoice_history(history, D(2026, 4, 9))}["D-3"].disputed_on is None
    assert {r.key: r for r in invoice_history(history, D(2026, 4, 12))}["D-3"].disputed_on == D(2026, 4, 10)


def test_predict_says_too_little_history_and_gives_the_baseline(history, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out = cli(capsys, "risk", "predict", "--org", "acme", "--as-of", "2026-04-10", "--json")
    assert code == 0
    assert out["model"] == "baseline"
    assert out["note"].startswith("too little history: 5 invoices settled, 200 needed")
    lines = {line["number"]: line for line in out["invoices"]}
    assert set(lines) == {"M-2", "M-3", "D-3"}
    assert (lines["M-2"]["p_late"], lines["M-2"]["reasons"]) == (1.0, ["already 5 days past its due date"])
    assert set(lines["M-3"]) >= {"number", "customer_ref", "p_late", "expected_payment_date", "reasons"}
    assert (lines["M-3"]["customer_ref"], lines["M-3"]["p_late"]) == ("411MARTIN", 1.0)  # 2 of 2 paid late
    assert lines["D-3"]["p_late"] == 0.0
    # Martin pays 15 days after the due date (5 April: 20 April; 5 May: 20 May), Durand 5 days before it
    assert lines["M-2"]["expected_payment_date"] == "2026-04-20"
    assert lines["M-3"]["expected_payment_date"] == "2026-05-20"
    assert lines["D-3"]["expected_payment_date"] == "2026-04-30"
    assert lines["M-3"]["reasons"] and lines["M-3"]["reasons"][0]
    # priority: open amount × probability × (1 + days overdue / 30)
    assert [lines[n]["priority"] for n in ("M-2", "M-3", "D-3")] == ["1166.67", "1000.00", "0.00"]
    assert lines["M-2"]["priority_reason"] == (
        "1000.00 open × 100% probability of late payment × age 1.17 (5 days overdue)"
    )


def test_train_reports_the_figures_and_the_note(history, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out = cli(capsys, "risk", "train", "--org", "acme", "--as-of", "2026-04-10", "--json")
    assert code == 0
    assert {"trained_on", "validated_on", "auc", "brier", "baseline_auc", "mae_days", "baseline_mae_days"} <= set(out)
    assert out["model"] == "baseline" and out["note"]
    assert (out["validated_on"], out["auc"]) == (0, None)


def test_forecast_spreads_the_open_amounts_over_13_weeks(history, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out = cli(capsys, "report", "forecast", "--org", "acme", "--as-of", "2026-04-10", "--json")
    assert code == 0
    assert out["currency"] == "EUR" and out["open_total"] == "2400.00"
    assert len(out["weeks"]) == 13 and out["weeks"][0]["starts_on"] == "2026-04-11"
    by_week = {w["starts_on"]: w["expected"] for w in out["weeks"] if w["expected"] != "0.00"}
    assert by_week == {"2026-04-18": "1000.00", "2026-04-25": "400.00", "2026-05-16": "1000.00"}
    assert out["later"] == "0.00"


def test_a_bad_date_is_a_usage_error(history) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit_info:
        main(["risk", "predict", "--as-of", "2026-13-01"])
    assert exit_info.value.code == 2


def test_the_commands_print_for_people(history, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["risk", "train", "--as-of", "2026-04-10"]) == 0
    out = capsys.readouterr().out
    assert "too little history" in out and "AUC - (baseline -)" in out
    assert main(["risk", "predict", "--as-of", "2026-04-10"]) == 0
    out = capsys.readouterr().out
    assert "M-3" in out and "411MARTIN" in out and "2026-05-20" in out
    assert main(["report", "forecast", "--as-of", "2026-04-10"]) == 0
    out = capsys.readouterr().out
    assert "2026-04-18 - 2026-04-24" in out and "1000.00" in out and "Later: 0.00" in out


def test_todays_predictions_are_stored_for_the_worklist_a_past_days_are_not(history, other_org, capsys):  # type: ignore[no-untyped-def]
    import time_machine

    from recouvre.risk.models import InvoicePrediction, PredictionRun

    code, out = cli(capsys, "risk", "predict", "--org", "acme", "--as-of", "2026-04-10", "--json")
    assert (code, out["stored"]) == (0, False)
    assert not PredictionRun.objects.exists()
    with time_machine.travel(D(2026, 4, 10), tick=False):
        code, out = cli(capsys, "risk", "predict", "--org", "acme", "--json")
    assert (code, out["stored"]) == (0, True)
    run = PredictionRun.objects.get(organization=history)
    # the late rate of the training snapshots: Martin's invoices, paid late, stay open longer than Durand's
    assert (run.as_of, run.basis, run.prior) == (D(2026, 4, 10), "baseline", Decimal("0.5600"))
    stored = {
        p.invoice.number: (p.p_late, p.expected_on)
        for p in InvoicePrediction.objects.filter(organization=history).select_related("invoice")
    }
    # the three open invoices: M-2 (5 days overdue), M-3 (Martin: 2 of 2 paid late), D-3 (Durand: never late)
    assert stored == {
        "M-2": (Decimal("1.0000"), D(2026, 4, 20)),
        "M-3": (Decimal("1.0000"), D(2026, 5, 20)),
        "D-3": (Decimal("0.0000"), D(2026, 4, 30)),
    }
    assert not PredictionRun.objects.filter(organization=other_org).exists()
