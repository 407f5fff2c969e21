"""Late-payment prediction on a small made-up ledger: features use only what was known on the day, the model is
validated on later data beside the customer-mean baseline, too little history says so, and the forecast adds up."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from recouvre.core import prediction as P

D = date


def ledger(customers: int = 30, months: int = 18, seed: int = 7) -> list[P.InvoiceRecord]:
    """Each customer is invoiced about twice a month from January 2024, at 30 days; a third of them pay late
    (10-25 days after the due date), the others pay between 5 and 28 days after the issue, now and then late."""
    rnd = random.Random(seed)
    out = []
    for c in range(customers):
        slow = c % 3 == 0
        for k in range(months * 2):
            issued = D(2024, 1, 1) + timedelta(days=15 * k + rnd.randrange(0, 5))
            due = issued + timedelta(days=30)
            if slow or rnd.random() < 0.1:
                settled = due + timedelta(days=rnd.randrange(10, 26))
            else:
                settled = issued + timedelta(days=rnd.randrange(5, 29))
            amount = Decimal(rnd.randrange(100, 5000))
            out.append(P.InvoiceRecord(f"F{c:02d}-{k:03d}", f"C{c:02d}", issued, due, amount, settled_on=settled))
    return out


def as_known_on(records: list[P.InvoiceRecord], day: date) -> list[P.InvoiceRecord]:
    """The ledger as it was at the end of ``day``: later invoices absent, later settlements not yet there."""
    return [
        replace(r, settled_on=r.settled_on if r.settled_on and r.settled_on <= day else None)
        for r in records
        if r.issued_on <= day
    ]


def test_a_feature_on_a_day_never_changes_when_later_payments_and_invoices_are_added() -> None:
    full = ledger()
    day = D(2024, 11, 15)
    then = {row.record.key: row.features for row in P.open_rows(as_known_on(full, day), day)}
    now = {row.record.key: row.features for row in P.open_rows(full, day)}
    assert then.keys() == now.keys() and len(then) > 20
    for key, features in then.items():
        assert features == pytest.approx(now[key], nan_ok=True), key


def test_the_outcome_of_an_invoice_is_never_one_of_its_features() -> None:
    full = ledger()
    day = D(2024, 11, 15)
    row = P.open_rows(full, day)[0]
    paid_the_next_day = replace(row.record, settled_on=day + timedelta(days=1))
    paid_much_later = replace(row.record, settled_on=day + timedelta(days=90))
    others = [r for r in full if r.key != row.record.key]
    a = {r.record.key: r.features for r in P.open_rows([*others, paid_the_next_day], day)}
    b = {r.record.key: r.features for r in P.open_rows([*others, paid_much_later], day)}
    assert a[row.record.key] == pytest.approx(b[row.record.key], nan_ok=True)


def test_outcomes_are_known_only_once_paid_or_past_due() -> None:
    inv = P.InvoiceRecord("F1", "C1", D(2025, 1, 1), D(2025, 1, 31), Decimal("100"), settled_on=D(2025, 2, 10))
    assert P.late_outcome(inv, D(2025, 1, 20)) is None  # neither paid nor due yet
    assert P.late_outcome(inv, D(2025, 2, 1)) is True  # unpaid the day after its due date
    assert P.late_outcome(inv, D(2025, 2, 10)) is True
    early = replace(inv, settled_on=D(2025, 1, 25))
    assert P.late_outcome(early, D(2025, 1, 20)) is None
    assert P.late_outcome(early, D(2025, 1, 25)) is False


@pytest.fixture(scope="module")
def trained() -> tuple[list[P.InvoiceRecord], P.Model]:
    records = ledger()
    return records, P.train(records, D(2025, 6, 1))


def test_trained_model_is_validated_on_later_data_beside_the_baseline_and_is_repeatable(trained) -> None:  # type: ignore[no-untyped-def]
    records, model = trained
    as_of = D(2025, 6, 1)
    assert model.fitted and model.note == ""
    m = model.metrics
    assert m["trained_on"] > 500 and m["validated_on"] > 100
    assert m["auc"] is not None and m["auc"] > 0.8
    assert m["baseline_auc"] is not None and 0.5 < m["baseline_auc"] <= 1
    assert m["brier"] is not None and m["brier"] < 0.25
    assert m["mae_days"] is not None and m["baseline_mae_days"] is not None
    again = P.train(records, as_of)
    first = P.predict(model, records, as_of)
    assert [p.p_late for p in first] == [p.p_late for p in P.predict(again, records, as_of)]


def test_predictions_cover_every_open_invoice_with_a_date_and_reasons(trained) -> None:  # type: ignore[no-untyped-def]
    records, model = trained
    as_of = D(2025, 6, 1)
    predictions = P.predict(model, records, as_of)
    open_keys = {r.key for r in records if r.is_open_on(as_of)}
    assert {p.key for p in predictions} == open_keys
    for p in predictions:
        assert 0 <= p.p_late <= 1 and p.expected_on > as_of and p.reasons
        if p.overdue:
            assert p.p_late == 1.0 and "past its due date" in p.reasons[0]
    slow = [p.p_late for p in predictions if not p.overdue and p.customer in ("C00", "C03", "C06")]
    fast = [p.p_late for p in predictions if not p.overdue and p.customer in ("C01", "C02", "C04")]
    assert slow and fast and min(slow) > max(fast)


def test_too_little_history_says_so_and_uses_the_customer_mean() -> None:
    records = ledger(customers=3, months=6)
    as_of = D(2024, 6, 20)
    model = P.train(records, as_of)
    assert not model.fitted
    assert model.note.startswith("too little history:") and "200 needed" in model.note
    predictions = {p.key: p for p in P.predict(model, records, as_of)}
    c00 = [p for p in predictions.values() if p.customer == "C00" and not p.overdue]
    assert c00 and all(p.p_late == 1.0 for p in c00)  # every settled invoice of C00 was paid late
    assert "were paid late" in c00[0].reasons[0]


def test_a_dispute_and_reminders_count_only_from_their_day() -> None:
    inv = P.InvoiceRecord(
        "F1",
        "C1",
        D(2025, 1, 1),
        D(2025, 1, 31),
        Decimal("100"),
        disputed_on=D(2025, 1, 20),
        reminders=(D(2025, 1, 10), D(2025, 1, 25)),
    )
    before = P.open_rows([inv], D(2025, 1, 15))[0].features
    after = P.open_rows([inv], D(2025, 1, 26))[0].features
    i, r = P.FEATURES.index("disputed"), P.FEATURES.index("reminders")
    assert (before[i], before[r]) == (0.0, 1.0)
    assert (after[i], after[r]) == (1.0, 2.0)


def test_forecast_puts_each_amount_in_its_week_without_residuals() -> None:
    as_of = D(2026, 3, 1)  # weeks start on 2 March
    items = [
        (Decimal("100.00"), D(2026, 3, 2)),
        (Decimal("50.00"), D(2026, 3, 8)),
        (Decimal("70.00"), D(2026, 3, 9)),
        (Decimal("30.00"), D(2026, 2, 20)),  # expected before tomorrow: tomorrow
        (Decimal("999.00"), D(2026, 6, 1)),  # after the 13 weeks
    ]
    weeks, later = P.cash_forecast(items, as_of, residuals=())
    assert len(weeks) == 13
    assert (weeks[0].starts_on, weeks[0].ends_on, weeks[0].expected) == (
        D(2026, 3, 2),
        D(2026, 3, 8),
        Decimal("180.00"),
    )
    assert weeks[1].expected == Decimal("70.00")
    assert weeks[0].low == weeks[0].high == weeks[0].expected
    assert later == Decimal("999.00")


def test_forecast_spreads_amounts_by_the_residuals_and_keeps_the_total() -> None:
    as_of = D(2026, 3, 1)
    items = [(Decimal("100.00"), D(2026, 3, 4)), (Decimal("300.00"), D(2026, 3, 20))]
    weeks, later = P.cash_forecast(items, as_of, residuals=(-3.0, 0.0, 7.0, 10.0))
    # the 100.00: 1 and 4 March (week 1), 11 and 14 March (week 2); the 300.00: 17 and 20 March (week 3),
    # 27 March (week 4), 30 March (week 5)
    assert [w.expected for w in weeks[:6]] == [
        Decimal(x) for x in ("50.00", "50.00", "150.00", "75.00", "75.00", "0.00")
    ]
    assert sum(w.expected for w in weeks) + later == Decimal("400.00")
    assert weeks[0].low < weeks[0].expected < weeks[0].high


def test_an_empty_ledger_predicts_nothing_and_says_why() -> None:
    model = P.train([], D(2026, 1, 1))
    assert not model.fitted and "0 invoices settled" in model.note
    assert P.predict(model, [], D(2026, 1, 1)) == []
    assert P.cash_forecast([], D(2026, 1, 1), ())[1] == Decimal("0.00")
