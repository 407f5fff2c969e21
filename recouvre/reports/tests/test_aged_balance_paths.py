"""The aged balance's fast paths give the same figures as the plain reference: names read organization-wide for
many customers, an empty selection of customers, customers with only unapplied money, zero buckets as 0.00."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from recouvre.core.aging import age_items
from recouvre.reports import selectors
from recouvre.reports.selectors import aged_balance
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)


@pytest.fixture
def book(org, other_org):
    """Twelve customers of ``org`` with invoices of every age (amounts chosen so binary floats would drift), one
    customer with only a payment on account, and another organization's customer that must never show."""
    customers = [CustomerFactory(organization=org, ref=f"411C{n:02d}", name=f"Client {n}") for n in range(12)]
    n = 0
    for i, c in enumerate(customers):
        for days in (-20, 0, 1, 30, 31, 60, 61, 90, 91, 400)[: 3 + i % 8]:
            n += 1
            InvoiceFactory(
                customer=c,
                number=f"F{n:04d}",
                issued_on=AS_OF - timedelta(days=days + 30),
                due_on=AS_OF - timedelta(days=days),
                total=Decimal("0.10") + Decimal("0.20") * (n % 7) + Decimal(1000 * i),
            )
    only_paid = CustomerFactory(organization=org, ref="411PAID", name="Payé d'avance")
    PaymentFactory(customer=only_paid, amount=Decimal("150.30"))
    InvoiceFactory(customer=CustomerFactory(organization=other_org, ref="411C00"), number="X1", total=Decimal("5"))
    return customers, only_paid


def _reference(org):  # type: ignore[no-untyped-def]
    from recouvre.ledger.models import Invoice

    rows = Invoice.objects.filter(organization=org, open_amount__gt=0).values_list(
        "customer__ref", "customer__name", "due_on", "open_amount"
    )
    return age_items(AS_OF, "EUR", [(r, n, d, Decimal(a).quantize(Decimal("0.01"))) for r, n, d, a in rows])


@pytest.mark.parametrize("names_by_id", [5000, 1])
def test_same_figures_whichever_way_names_are_read(book, org, monkeypatch, names_by_id):
    monkeypatch.setattr(selectors, "_NAMES_BY_ID", names_by_id)
    report = aged_balance(org, AS_OF)
    expected = _reference(org)
    by_ref = {line.ref: line for line in report.lines}
    assert [line.ref for line in report.lines] == sorted(by_ref)
    assert set(by_ref) == {line.ref for line in expected.lines} | {"411PAID"}
    for line in expected.lines:
        assert by_ref[line.ref].buckets == line.buckets
        assert by_ref[line.ref].name == line.name
    assert report.buckets == expected.buckets
    paid = by_ref["411PAID"]
    assert paid.unapplied == Decimal("150.30") and paid.total == 0
    assert report.as_dict()["customers"][-1]["buckets"] == {
        "not_due": "0.00",
        "1_30": "0.00",
        "31_60": "0.00",
        "61_90": "0.00",
        "over_90": "0.00",
    }


def test_zero_buckets_read_as_cents(book, org):
    customers, _paid = book
    line = next(ln for ln in aged_balance(org, AS_OF).lines if ln.ref == customers[0].ref)
    # Customer 0 has three invoices: 0.30 due in 20 days, 0.50 due today, 0.70 due yesterday.
    assert {k: str(v) for k, v in line.buckets.items()} == {
        "not_due": "0.80",
        "1_30": "0.70",
        "31_60": "0.00",
        "61_90": "0.00",
        "over_90": "0.00",
    }


def test_selected_customers_and_an_empty_selection(book, org):
    customers, only_paid = book
    some = aged_balance(org, AS_OF, customer_ids=[customers[3].pk, only_paid.pk])
    assert [line.ref for line in some.lines] == ["411C03", "411PAID"]
    assert aged_balance(org, AS_OF, customer_ids=[]).lines == []


def test_a_small_organization_beside_a_big_one(book, org, other_org, monkeypatch):
    """On SQLite the table is scanned for an organization holding most of it and an index is used for a small
    one; the figures are the same either way and never mix organizations."""
    assert selectors._scan_tables(other_org) is False
    (line,) = aged_balance(other_org, AS_OF).lines
    assert (line.ref, line.total) == ("411C00", Decimal("5.00"))
    default = aged_balance(org, AS_OF).as_dict()
    monkeypatch.setattr(selectors, "_scan_tables", lambda organization: False)
    assert aged_balance(org, AS_OF).as_dict() == default
    assert len(default["customers"]) == 13
