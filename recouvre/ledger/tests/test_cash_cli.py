"""``recouvre cash payment|credit-note|apply|undo|list`` on Tuesday 31 March 2026: the same payments, credit notes
and allocations as the customer page, ``--json``, and exit codes 0 (done), 1 (refused, nothing written), 2 (usage)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recouvre.cli import main
from recouvre.ledger.models import Allocation, CreditNote, Event, Invoice, Payment
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def tuesday_31_march():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 3, 31, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        yield


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def cli_json(capsys, *argv: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def,type-arg]
    code, out, _err = cli(capsys, *argv, "--json")
    return code, json.loads(out)


def usage_exit(*argv: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    return int(exit_info.value.code or 0)


def open_amount(number: str) -> Decimal:
    return Invoice.objects.get(number=number).open_amount


@pytest.fixture
def martin(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411MARTIN", name="Boulangerie Martin SARL")
    InvoiceFactory(customer=customer, number="F-1", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4))
    InvoiceFactory(
        customer=customer, number="F-2", issued_on=date(2026, 2, 8), due_on=date(2026, 3, 10), total=D("800.00")
    )
    return customer


def test_a_cheque_applied_oldest_first_then_one_allocation_undone(capsys, org, martin) -> None:  # type: ignore[no-untyped-def]
    code, out = cli_json(
        capsys,
        "cash",
        "payment",
        "411MARTIN",
        "--amount",
        "1 500,00",
        "--date",
        "2026-03-30",
        "--method",
        "cheque",
        "--reference",
        "CHQ 0042",
        "--apply",
        "oldest",
    )
    assert code == 0
    payment = Payment.objects.get()
    assert out["ok"] is True
    assert out["payment"] == {
        "id": payment.pk,
        "received_on": "2026-03-30",
        "amount": "1500.00",
        "currency": "EUR",
        "method": "cheque",
        "reference": "CHQ 0042",
        "source": "manual",
        "unapplied": "0.00",
    }
    assert [(a["invoice"], a["amount"], a["from"]) for a in out["allocations"]] == [
        ("F-1", "1200.00", "payment"),
        ("F-2", "300.00", "payment"),
    ]
    assert (out["applied"], out["remaining"]) == ("1500.00", "0.00")
    assert (open_amount("F-1"), open_amount("F-2")) == (D("0.00"), D("500.00"))

    code, listed = cli_json(capsys, "cash", "list", "411MARTIN")
    assert code == 0
    assert listed["customer"] == {"ref": "411MARTIN", "name": "Boulangerie Martin SARL"}
    assert listed["payments"] == [] and listed["credit_notes"] == []
    second = listed["allocations"][1]
    assert (second["invoice"], second["amount"], second["can_undo"], second["why_not"]) == ("F-2", "300.00", True, None)

    code, out = cli_json(capsys, "cash", "undo", str(second["id"]))
    assert code == 0
    assert out["undone"]["invoice"] == "F-2" and out["undone"]["invoice_open_amount"] == "800.00"
    assert open_amount("F-2") == D("800.00")
    assert Payment.objects.get().unallocated_amount == D("300.00")
    assert Event.objects.filter(kind="allocation.removed").count() == 1

    code, out, _err = cli(capsys, "cash", "apply", "411MARTIN", "--payment", str(payment.pk), "--invoice", "F-2=300")
    assert code == 0
    assert "300.00 EUR applied to invoice F-2" in out
    assert "Not yet applied: 0.00 EUR." in out
    assert open_amount("F-2") == D("500.00")


def test_a_credit_note_applied_to_the_invoice_it_corrects(capsys, org, martin) -> None:  # type: ignore[no-untyped-def]
    code, out = cli_json(
        capsys, "cash", "credit-note", "411MARTIN", "--number", "AV-12", "--amount", "100", "--date", "2026-03-20",
        "--invoice", "F-2",
    )  # fmt: skip
    assert code == 0
    assert out["credit_note"]["number"] == "AV-12" and out["credit_note"]["invoice"] == "F-2"
    assert out["credit_note"]["unapplied"] == "0.00"
    assert [(a["invoice"], a["amount"], a["credit_note"]) for a in out["allocations"]] == [("F-2", "100.00", "AV-12")]
    assert open_amount("F-2") == D("700.00")

    # the same number again: refused, naming it, nothing written
    code, out = cli_json(
        capsys, "cash", "credit-note", "411MARTIN", "--number", "AV-12", "--amount", "5", "--date", "2026-03-21"
    )
    assert code == 1
    assert out == {"ok": False, "errors": ["Credit note AV-12 already exists."]}
    assert CreditNote.objects.count() == 1


def test_refusals_exit_1_and_write_nothing(capsys, org, martin) -> None:  # type: ignore[no-untyped-def]
    other = CustomerFactory(organization=org, ref="411AUTRE")
    InvoiceFactory(customer=other, number="F-9")
    events = Event.objects.count()
    code, out, _err = cli(
        capsys, "cash", "payment", "411MARTIN", "--amount", "100", "--date", "2026-03-30", "--invoice", "F-9=100"
    )
    assert code == 1
    assert out == "recouvre: refused: Invoice F-9 is not an invoice of Boulangerie Martin SARL.\n"
    code, out = cli_json(
        capsys, "cash", "payment", "411MARTIN", "--amount", "100", "--date", "2026-03-30", "--invoice", "F-1=150"
    )
    assert (code, out) == (1, {"ok": False, "errors": ["150.00 EUR is more than the 100.00 EUR not yet applied."]})
    code, out = cli_json(capsys, "cash", "payment", "411NOBODY", "--amount", "100", "--date", "2026-03-30")
    assert code == 1 and "411NOBODY" in out["errors"][0]
    code, out = cli_json(capsys, "cash", "payment", "411MARTIN", "--amount", "100", "--date", "2026-04-02")
    assert code == 1 and "future" in out["errors"][0]
    code, out = cli_json(capsys, "cash", "apply", "411MARTIN", "--payment", "999", "--oldest-first")
    assert code == 1
    code, out = cli_json(capsys, "cash", "undo", "999")
    assert (code, out) == (1, {"ok": False, "errors": ["No allocation 999 in this organization."]})
    assert Payment.objects.count() == 0 and Allocation.objects.count() == 0
    assert Event.objects.count() == events


def test_usage_errors_exit_2(capsys, org, martin) -> None:  # type: ignore[no-untyped-def]
    assert usage_exit("cash", "payment", "411MARTIN", "--amount", "1,234", "--date", "2026-03-30") == 2
    assert usage_exit("cash", "payment", "411MARTIN", "--amount", "10", "--date", "31/02/2026") == 2
    assert usage_exit("cash", "payment", "411MARTIN", "--date", "2026-03-30") == 2  # --amount is required
    assert usage_exit("cash", "payment", "411MARTIN", "--amount", "10", "--date", "2026-03-30", "--invoice", "F-1") == 2
    assert usage_exit("cash", "apply", "411MARTIN", "--oldest-first") == 2  # which payment or credit note
    assert usage_exit("cash", "apply", "411MARTIN", "--payment", "1", "--credit-note", "AV-1", "--oldest-first") == 2
    capsys.readouterr()
    code, out, err = cli(capsys, "cash", "apply", "411MARTIN", "--payment", "1")
    assert (code, out) == (2, "")
    assert err == "recouvre: error: say where it goes: --oldest-first, or --invoice NUMBER=AMOUNT\n"
    code, _out, err = cli(
        capsys, "cash", "payment", "411MARTIN", "--amount", "10", "--date", "2026-03-30", "--apply", "oldest",
        "--invoice", "F-1=10",
    )  # fmt: skip
    assert code == 2
    assert cli(capsys, "cash", "list", "411MARTIN", "--org", "nowhere")[0] == 2
    assert Payment.objects.count() == 0


def test_the_methods_offered_are_the_ledgers() -> None:
    from recouvre.ledger.cash_cli import METHODS
    from recouvre.ledger.models import PaymentMethod

    assert METHODS == list(PaymentMethod.values)
