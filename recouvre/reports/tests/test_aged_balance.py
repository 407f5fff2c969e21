"""The SQL aged balance agrees with the pure reference implementation, to the cent."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from recouvre.cli import main
from recouvre.core.aging import age_items
from recouvre.ledger.actors import CLI
from recouvre.ledger.models import CreditNote
from recouvre.ledger.services import allocate
from recouvre.reports import exports
from recouvre.reports.selectors import aged_balance
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)


@pytest.fixture
def ledger(org, other_org):
    """Two customers of ``org`` with invoices in several buckets, a partial payment, a payment on account and a
    credit note; and a customer of ``other_org`` that must never show."""
    a = CustomerFactory(organization=org, ref="411A", name="Arnaud SARL")
    b = CustomerFactory(organization=org, ref="411B", name="Bernard SA")
    InvoiceFactory(
        customer=a,
        number="F1",
        issued_on=AS_OF - timedelta(days=75),
        due_on=AS_OF - timedelta(days=45),
        total=Decimal("1200.00"),
    )
    paid_part = InvoiceFactory(
        customer=a,
        number="F2",
        issued_on=AS_OF - timedelta(days=130),
        due_on=AS_OF - timedelta(days=100),
        total=Decimal("600.00"),
    )
    p = PaymentFactory(customer=a, amount=Decimal("250.00"), received_on=AS_OF - timedelta(days=20))
    allocate(CLI, invoice=paid_part, payment=p, amount=Decimal("250.00"))
    InvoiceFactory(customer=b, number="F3", issued_on=AS_OF, due_on=AS_OF + timedelta(days=30), total=Decimal("99.99"))
    settled = InvoiceFactory(
        customer=b,
        number="F4",
        issued_on=AS_OF - timedelta(days=40),
        due_on=AS_OF - timedelta(days=10),
        total=Decimal("10.00"),
    )
    allocate(CLI, invoice=settled, payment=PaymentFactory(customer=b, amount=Decimal("10.00")), amount=Decimal("10.00"))
    PaymentFactory(customer=b, amount=Decimal("40.00"))  # on account, unallocated
    CreditNote.objects.create(organization=org, customer=b, number="AV1", issued_on=AS_OF, total=Decimal("5.01"))
    InvoiceFactory(
        customer=CustomerFactory(organization=other_org, ref="411A", name="Secret Client"),
        number="F1",
        total=Decimal("777.00"),
    )
    return a, b


def test_aged_balance_figures(org, ledger):
    report = aged_balance(org, AS_OF)
    assert report.as_dict() == {
        "as_of": "2026-06-30",
        "currency": "EUR",
        "buckets": {"not_due": "99.99", "1_30": "0.00", "31_60": "1200.00", "61_90": "0.00", "over_90": "350.00"},
        "total": "1649.99",
        "unapplied": "45.01",
        "balance": "1604.98",
        "customers": [
            {
                "ref": "411A",
                "name": "Arnaud SARL",
                "buckets": {
                    "not_due": "0.00",
                    "1_30": "0.00",
                    "31_60": "1200.00",
                    "61_90": "0.00",
                    "over_90": "350.00",
                },
                "total": "1550.00",
                "unapplied": "0.00",
                "balance": "1550.00",
            },
            {
                "ref": "411B",
                "name": "Bernard SA",
                "buckets": {"not_due": "99.99", "1_30": "0.00", "31_60": "0.00", "61_90": "0.00", "over_90": "0.00"},
                "total": "99.99",
                "unapplied": "45.01",
                "balance": "54.98",
            },
        ],
    }


def test_sql_matches_reference_on_random_ledger(org):
    rng = random.Random(7)
    customers = [CustomerFactory(organization=org, ref=f"411{i:03d}") for i in range(12)]
    rows = []
    for n in range(300):
        c = rng.choice(customers)
        due = AS_OF + timedelta(days=rng.randint(-200, 60))
        total = Decimal(rng.randint(1, 500_000)) / 100
        inv = InvoiceFactory(customer=c, number=f"R{n}", issued_on=due - timedelta(days=30), due_on=due, total=total)
        paid = Decimal(0)
        if rng.random() < 0.3:
            paid = (total * Decimal(rng.randint(1, 100)) / 100).quantize(Decimal("0.01"))
            pay = PaymentFactory(customer=c, amount=paid)
            allocate(CLI, invoice=inv, payment=pay, amount=paid)
        if total - paid > 0:
            rows.append((c.ref, c.name, due, total - paid))
    expected = age_items(AS_OF, "EUR", rows)
    got = aged_balance(org, AS_OF)
    assert got.as_dict() == expected.as_dict()


def test_cli_report_aging_json(org, ledger, capsys):
    assert main(["report", "aging", "--as-of", "2026-06-30", "--json"]) == 2  # two organizations: say which
    capsys.readouterr()
    assert main(["report", "aging", "--org", "acme", "--as-of", "30/06/2026", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["total"] == "1649.99"
    assert [c["ref"] for c in payload["customers"]] == ["411A", "411B"]
    assert "Secret Client" not in json.dumps(payload)


def test_cli_report_aging_csv_and_xlsx(org, ledger, capsys, tmp_path):
    assert main(["report", "aging", "--org", "acme", "--as-of", "2026-06-30", "--csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [
        [
            "Account",
            "Customer",
            "Not due",
            "1-30 days",
            "31-60 days",
            "61-90 days",
            "Over 90 days",
            "Total",
            "Unapplied",
            "Balance",
            "Currency",
        ],
        ["411A", "Arnaud SARL", "0.00", "0.00", "1200.00", "0.00", "350.00", "1550.00", "0.00", "1550.00", "EUR"],
        ["411B", "Bernard SA", "99.99", "0.00", "0.00", "0.00", "0.00", "99.99", "45.01", "54.98", "EUR"],
        ["", "Total", "99.99", "0.00", "1200.00", "0.00", "350.00", "1649.99", "45.01", "1604.98", "EUR"],
    ]

    target = tmp_path / "aging.xlsx"
    assert main(["report", "aging", "--org", "acme", "--as-of", "2026-06-30", "--xlsx", str(target)]) == 0
    assert capsys.readouterr().out == f"Aged balance written to {target}\n"
    ws = load_workbook(target).active
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert values == [
        ["411A", "Arnaud SARL", 0, 0, 1200, 0, 350, 1550, 0, 1550, "EUR"],
        ["411B", "Bernard SA", 99.99, 0, 0, 0, 0, 99.99, 45.01, 54.98, "EUR"],
        [None, "Total", 99.99, 0, 1200, 0, 350, 1649.99, 45.01, 1604.98, "EUR"],
    ]


def test_aging_rows_shape(org, ledger):
    rows = list(exports.aging_rows([aged_balance(org, AS_OF)]))
    assert len(rows) == 1 + 2 + 1
    assert rows[2][:2] == ["411B", "Bernard SA"]
    assert rows[2][-4:] == ["99.99", "45.01", "54.98", "EUR"]


def test_unknown_org_is_a_usage_error(org, capsys):
    assert main(["report", "aging", "--org", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
