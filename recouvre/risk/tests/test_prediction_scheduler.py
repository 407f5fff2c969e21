"""The scheduler stores each organization's late-payment predictions once a day, for the worklist's priority; never
on the first pass of a scheduler that has just started."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from recouvre.collections import scheduler
from recouvre.risk.models import InvoicePrediction, PredictionRun
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def test_the_scheduler_stores_the_predictions_once_a_day_per_organization(org, other_org, time_machine):  # type: ignore[no-untyped-def]
    martin = CustomerFactory(organization=org, ref="411MARTIN")
    InvoiceFactory(
        customer=martin, number="F-1", issued_on=date(2026, 3, 2), due_on=date(2026, 4, 15), total=Decimal("500.00")
    )
    InvoiceFactory(
        customer=martin, number="F-2", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 3), total=Decimal("80.00")
    )
    run_at, window = scheduler.parse_clock("07:00", name="x"), scheduler.parse_window("08:00-19:00", name="x")
    time_machine.move_to(datetime(2026, 4, 1, 9, 0, tzinfo=PARIS), tick=False)
    assert scheduler.tick(run_at=run_at, window=window, rates=False).predicted == {}  # a scheduler just started

    assert scheduler.tick(run_at=run_at, window=window).predicted == {
        "acme": {"stored": True, "invoices": 2, "model": "baseline"},
        "rival": {"stored": True, "invoices": 0, "model": "baseline"},
    }
    assert scheduler.tick(run_at=run_at, window=window).predicted == {}  # once a day
    run = PredictionRun.objects.get(organization=org)
    assert (run.as_of, run.basis) == (date(2026, 4, 1), "baseline")
    # F-2 is overdue (1); F-1 has the organization's late rate, Martin having no payment yet
    stored = dict(InvoicePrediction.objects.filter(organization=org).values_list("invoice__number", "p_late"))
    assert stored["F-2"] == Decimal("1.0000")
    assert set(stored) == {"F-1", "F-2"}
    assert not InvoicePrediction.objects.filter(organization=other_org).exists()

    time_machine.move_to(datetime(2026, 4, 2, 9, 0, tzinfo=PARIS), tick=False)
    assert set(scheduler.tick(run_at=run_at, window=window).predicted) == {"acme", "rival"}
    assert PredictionRun.objects.get(organization=org).as_of == date(2026, 4, 2)
