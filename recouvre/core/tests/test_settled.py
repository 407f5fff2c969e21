"""When a call or an escalation step is no longer needed, decided from the invoices it is about."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recouvre.core.settled import NoLongerNeeded, Reason, TaskItem, item_status, no_longer_needed

TODAY = date(2026, 3, 20)
ZERO = Decimal("0.00")


def _item(number: str, open_amount: str = "0.00", due_on: date = date(2026, 3, 4), **kw: object) -> TaskItem:
    return TaskItem(int(number.rsplit("-", 1)[1]), number, due_on, Decimal(open_amount), **kw)  # type: ignore[arg-type]


def test_every_invoice_paid_closes_the_task_as_paid() -> None:
    decision = no_longer_needed([_item("F-1", paid=True), _item("F-2", paid=True)], TODAY)
    assert decision == NoLongerNeeded(Reason.PAID, (("F-1", "paid"), ("F-2", "paid")))


def test_one_invoice_still_owed_keeps_the_task_open_even_for_a_cent() -> None:
    assert no_longer_needed([_item("F-1", paid=True), _item("F-2", "0.01", paid=True)], TODAY) is None


def test_an_invoice_not_due_yet_neither_keeps_it_open_nor_closes_it() -> None:
    later = _item("F-3", "80.00", due_on=date(2026, 3, 31))
    assert no_longer_needed([_item("F-1", paid=True), later], TODAY) == NoLongerNeeded(Reason.PAID, (("F-1", "paid"),))
    assert no_longer_needed([later], TODAY) is None
    assert item_status(_item("F-4", "80.00", due_on=TODAY), TODAY) is None  # due today: overdue from tomorrow
    assert item_status(_item("F-5", "80.00", due_on=date(2026, 3, 19)), TODAY) == "open"


def test_a_held_invoice_makes_the_reason_on_hold_whatever_else_happened() -> None:
    decision = no_longer_needed([_item("F-1", written_off=True), _item("F-2", "120.00", hold="dispute")], TODAY)
    assert decision == NoLongerNeeded(Reason.ON_HOLD, (("F-1", "written_off"), ("F-2", "dispute")))


def test_written_off_comes_before_credited_which_comes_before_paid() -> None:
    assert no_longer_needed([_item("F-1", paid=True), _item("F-2", credited=True)], TODAY).reason is Reason.CREDITED  # type: ignore[union-attr]
    assert no_longer_needed([_item("F-1", credited=True), _item("F-2", written_off=True)], TODAY).reason is (  # type: ignore[union-attr]
        Reason.WRITTEN_OFF
    )


def test_an_invoice_paid_in_part_and_credited_for_the_rest_counts_as_paid() -> None:
    assert item_status(_item("F-1", paid=True, credited=True), TODAY) == "paid"
    assert item_status(_item("F-1", credited=True), TODAY) == "credited"


def test_no_invoice_closes_nothing_and_an_invoice_listed_twice_counts_once() -> None:
    assert no_longer_needed([], TODAY) is None
    assert no_longer_needed([_item("F-1", paid=True), _item("F-1", paid=True)], TODAY) == NoLongerNeeded(
        Reason.PAID, (("F-1", "paid"),)
    )
