"""Credit insurance: the declaration deadline, its status and the insured shares."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvre.core import insurance as core


def test_the_deadline_is_the_due_date_plus_the_extension_and_the_days_to_declare() -> None:
    assert core.declaration_deadline(date(2026, 2, 4), core.Terms(90, 15)) == date(2026, 5, 20)
    assert core.declaration_deadline(date(2026, 2, 4), core.Terms(90)) == date(2026, 5, 5)


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        core.Terms(-1)


def test_status_steps() -> None:
    deadline = date(2026, 5, 20)
    assert core.status(deadline, date(2026, 4, 19)) == "pending"
    assert core.status(deadline, date(2026, 4, 20)) == "soon"  # 30 days before
    assert core.status(deadline, date(2026, 5, 20)) == "soon"  # the last day
    assert core.status(deadline, date(2026, 5, 21)) == "overdue"
    assert core.status(deadline, date(2026, 5, 21), declared=True) == "declared"


def test_the_limit_is_taken_by_the_oldest_due_first() -> None:
    invoices = [
        core.OpenInvoice("b", date(2026, 3, 12), "F-2", Decimal("4000.00")),
        core.OpenInvoice("a", date(2026, 2, 4), "F-1", Decimal("3000.00")),
        core.OpenInvoice("c", date(2026, 4, 1), "F-3", Decimal("500.00")),
    ]
    assert core.insured_shares(invoices, Decimal("5000.00")) == {
        "a": Decimal("3000.00"),
        "b": Decimal("2000.00"),
        "c": Decimal("0.00"),
    }


def test_a_cover_runs_between_its_dates() -> None:
    assert core.covers_on(date(2026, 1, 1), date(2026, 1, 1), None)
    assert not core.covers_on(date(2025, 12, 31), date(2026, 1, 1), None)
    assert not core.covers_on(date(2026, 7, 1), None, date(2026, 6, 30))
