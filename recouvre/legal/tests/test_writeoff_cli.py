"""``recouvre writeoff create`` and ``recouvre writeoff reverse``: the same effects and timeline events as the
invoice page, ``--json``, and exit codes 0 (done), 1 (refused, nothing written), 2 (usage)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recouvre.cli import main
from recouvre.ledger.models import CreditNote, Event, Invoice
from recouvre.legal.models import WriteOff, WriteOffReason
from recouvre.legal.writeoff_cli import REASONS
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tuesday_31_march():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 3, 31, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        yield


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def invoice(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411GONE", name="Disparue SARL")
    return InvoiceFactory(
        customer=customer,
        number="F-GONE",
        issued_on=date(2025, 1, 10),
        due_on=date(2025, 2, 9),
        amount_excl_tax=Decimal("1000.00"),
        tax_amount=Decimal("200.00"),
        total=Decimal("1200.00"),
    )


def test_the_reasons_offered_are_the_write_off_reasons() -> None:
    assert list(REASONS) == list(WriteOffReason.values)


def test_write_off_then_reverse_from_the_command_line(capsys, org, invoice) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(
        capsys, "writeoff", "create", "F-GONE", "--reason", "debtor_gone", "--on", "2026-03-20",
        "--note", "Struck off the register", "--json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    record = WriteOff.objects.get()
    assert json.loads(out) == {
        "ok": True,
        "id": record.pk,
        "invoice": "F-GONE",
        "customer": "411GONE",
        "amount": "1200.00",
        "tax_amount": "200.00",
        "currency": "EUR",
        "reason": "debtor_gone",
        "note": "Struck off the register",
        "written_off_on": "2026-03-20",
        "credit_note": "PP-F-GONE",
        "author": "cli",
        "reversed": False,
        "reversed_at": None,
        "reversed_by": None,
        "reversal_reason": "",
        "invoice_open_amount": "0.00",
    }

    code, out, err = cli(capsys, "writeoff", "reverse", "F-GONE", "--reason", "Paid after all", "--json")

    assert (code, err) == (0, "")
    data = json.loads(out)
    assert {k: data[k] for k in ("ok", "id", "reversed", "reversed_by", "reversal_reason", "invoice_open_amount")} == {
        "ok": True,
        "id": record.pk,
        "reversed": True,
        "reversed_by": "cli",
        "reversal_reason": "Paid after all",
        "invoice_open_amount": "1200.00",
    }
    assert data["reversed_at"].startswith("2026-03-31T08:00:00")
    assert Invoice.objects.get(number="F-GONE").open_amount == Decimal("1200.00")
    assert not CreditNote.objects.exists()
    assert Event.objects.filter(kind="legal.write_off_reversed", actor_label="cli").count() == 1

    # Twice: refused, nothing more written.
    code, out, _err = cli(capsys, "writeoff", "reverse", "F-GONE", "--reason", "Again", "--json")
    assert code == 1
    assert json.loads(out) == {
        "ok": False,
        "errors": ["This write-off of invoice F-GONE was already reversed on 2026-03-31."],
    }
    assert Event.objects.filter(kind="legal.write_off_reversed").count() == 1


def test_human_output_and_refusals(capsys, org, invoice) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = cli(capsys, "writeoff", "create", "F-GONE", "--reason", "uneconomic", "--amount", "200")
    assert (code, out) == (
        0,
        "Invoice F-GONE written off: 200.00 EUR on 2026-03-31 (ledger credit PP-F-GONE).\n",
    )
    code, out, _err = cli(capsys, "writeoff", "create", "F-GONE", "--reason", "other")
    assert (code, out) == (1, "recouvre: refused: Say why the claim cannot be recovered.\n")
    code, out, _err = cli(capsys, "writeoff", "reverse", "F-404", "--reason", "Paid")
    assert (code, out) == (1, "recouvre: refused: no invoice numbered 'F-404' in acme\n")
    other = InvoiceFactory(customer=invoice.customer, number="F-KEPT")
    code, out, _err = cli(capsys, "writeoff", "reverse", other.number, "--reason", "Paid")
    assert (code, out) == (1, "recouvre: refused: invoice F-KEPT has not been written off\n")

    code, out, _err = cli(capsys, "writeoff", "reverse", "F-GONE", "--reason", "Paid after all")
    assert code == 0
    assert out == (
        "Write-off reversed: invoice F-GONE is open again and collection resumes.\n"
        "Open amount of invoice F-GONE: 1200.00 EUR.\n"
    )


def test_several_write_offs_of_one_invoice_need_an_id(capsys, org, invoice) -> None:  # type: ignore[no-untyped-def]
    for amount in ("100", "200"):
        assert cli(capsys, "writeoff", "create", "F-GONE", "--reason", "uneconomic", "--amount", amount)[0] == 0
    first, second = WriteOff.objects.order_by("id")

    code, out, err = cli(capsys, "writeoff", "reverse", "F-GONE", "--reason", "Paid")
    assert (code, out) == (2, "")
    assert err == (
        f"recouvre: error: invoice F-GONE has several write-offs: say which with --id ({second.pk}, {first.pk})\n"
    )
    code, out, _err = cli(capsys, "writeoff", "reverse", "F-GONE", "--id", first.pk, "--reason", "Paid")
    assert code == 0
    assert Invoice.objects.get(number="F-GONE").open_amount == Decimal("1000.00")  # 1 200 - 200 still written off
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.reversed_at is not None, second.reversed_at is None) == (True, True)
    with pytest.raises(SystemExit) as exit_info:
        main(["writeoff", "reverse", "F-GONE"])  # --reason is required
    assert exit_info.value.code == 2
