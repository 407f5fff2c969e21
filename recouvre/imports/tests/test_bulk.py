"""Bulk writes of the imports: many rows per statement, the model's defaults, and on SQLite the indexes of a table
that receives more rows than it holds built again after the inserts."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction

from recouvre.imports import bulk
from recouvre.imports.services import run_import
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Event, Invoice
from recouvre.testing.factories import CustomerFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's index rebuild")


def index_sql(table: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table])
        return set(cursor.fetchall())


def test_rows_are_inserted_many_at_a_time_with_the_model_defaults(org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(bulk, "ROWS_PER_INSERT", 7)
    monkeypatch.setattr(bulk, "PROGRESS_EVERY", 10)
    done: list[int] = []

    count = bulk.insert_with_defaults(
        Customer,
        ("organization", "ref", "name", "credit_limit"),
        ((org.pk, f"C{n:02d}", f"Client {n}", Decimal("10.50")) for n in range(23)),
        progress=done.append,
    )

    assert count == 23
    assert done == ([14, 23] if connection.vendor != "postgresql" else [23])  # every 10 rows or more, and at the end
    rows = list(
        Customer.objects.filter(organization=org)
        .order_by("ref")
        .values_list("ref", "name", "kind", "country", "language", "tags", "credit_limit", "payment_terms_days")
    )
    assert len(rows) == 23
    assert rows[0] == ("C00", "Client 0", "business", "FR", "fr", [], Decimal("10.50"), None)
    assert rows[22] == ("C22", "Client 22", "business", "FR", "fr", [], Decimal("10.50"), None)
    assert Customer.objects.filter(organization=org, created_at__isnull=True).count() == 0


@sqlite_only
def test_a_table_that_receives_more_rows_than_it_holds_gets_its_indexes_built_after(org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 2)
    before = index_sql("ledger_invoice")
    assert {"invoice_customer_due", "invoice_open_by_due"} <= {name for name, _sql in before}

    with transaction.atomic(), bulk.indexes_rebuilt(Invoice, 2):
        during = index_sql("ledger_invoice")
        assert {name for name, _sql in during} == {name for name, sql in before if sql is None}  # unique ones stay
        customer = CustomerFactory(organization=org)
        Invoice.objects.create(
            organization=org, customer=customer, number="F1", issued_on="2025-01-01", due_on="2025-01-31", total=1
        )
        with pytest.raises(IntegrityError), transaction.atomic():  # the unique number is still checked
            Invoice.objects.create(
                organization=org, customer=customer, number="F1", issued_on="2025-01-01", due_on="2025-01-31", total=1
            )

    assert index_sql("ledger_invoice") == before


@sqlite_only
def test_an_error_while_inserting_puts_the_indexes_back(org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 2)
    before = index_sql("ledger_customer")

    with pytest.raises(RuntimeError), transaction.atomic(), bulk.indexes_rebuilt(Customer, 2):
        CustomerFactory(organization=org, ref="GONE")
        raise RuntimeError("the import fails")

    assert index_sql("ledger_customer") == before
    assert not Customer.objects.filter(ref="GONE").exists()


@sqlite_only
def test_a_table_holding_more_rows_than_it_receives_keeps_its_indexes(org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 1)
    CustomerFactory.create_batch(3, organization=org)
    before = index_sql("ledger_customer")

    with transaction.atomic(), bulk.indexes_rebuilt(Customer, 2):
        assert index_sql("ledger_customer") == before


def test_an_import_with_the_indexes_built_after_writes_the_same_ledger(org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 1)
    actor = Actor.system("import test")
    before = index_sql("ledger_invoice") if connection.vendor == "sqlite" else set()

    run_import(org, "customers", FIXTURES / "customers_en.csv", actor=actor)
    result = run_import(org, "invoices", FIXTURES / "invoices_en.csv", actor=actor)

    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert list(Invoice.objects.filter(organization=org).order_by("number").values_list("number", "total")) == [
        ("F2025-001", Decimal("1200.00")),
        ("F2025-002", Decimal("1481.40")),
        ("F2025-003", Decimal("99.90")),
        ("F2025-004", Decimal("2500.00")),
    ]
    if connection.vendor == "sqlite":
        assert index_sql("ledger_invoice") == before


def test_customers_created_by_an_import_are_found_again_by_their_accounts(org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("recouvre.imports.tabular.KEY_CHUNK", 1)  # their ids read in one query over the accounts
    result = run_import(
        org, "invoices", FIXTURES / "invoices_en.csv", actor=Actor.system("import test"), create_customers=True
    )

    assert result.details["customers"]["created"] == 3
    assert list(Invoice.objects.filter(organization=org).order_by("number").values_list("number", "customer__ref")) == [
        ("F2025-001", "411ALPHA"),
        ("F2025-002", "411ALPHA"),
        ("F2025-003", "411BETA"),
        ("F2025-004", "411GAMMA"),
    ]
    created = Event.objects.filter(organization=org, kind="customer.created")
    assert sorted((e.customer.ref, e.data["ref"], e.data["line"]) for e in created) == [
        ("411ALPHA", "411ALPHA", 2),
        ("411BETA", "411BETA", 4),
        ("411GAMMA", "411GAMMA", 5),
    ]


def test_a_fec_imported_with_the_indexes_built_after_gives_the_same_ledger(org, other_org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from recouvre.imports.fec import import_fec
    from recouvre.ledger.models import Allocation, Payment

    def ledger(organization):  # type: ignore[no-untyped-def]
        return (
            sorted(
                Invoice.objects.filter(organization=organization).values_list(
                    "number", "customer__ref", "due_on", "total", "open_amount"
                )
            ),
            sorted(
                Payment.objects.filter(organization=organization).values_list(
                    "source_key", "customer__ref", "amount", "unallocated_amount"
                )
            ),
            sorted(
                Allocation.objects.filter(organization=organization).values_list(
                    "invoice__number", "payment__source_key", "credit_note__number", "amount"
                ),
                key=str,
            ),
        )

    book = FIXTURES / "fec" / "book_tab_bom.txt"
    before = index_sql("ledger_allocation") if connection.vendor == "sqlite" else set()
    import_fec(org, book, actor=Actor.system("test"))
    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 1)
    import_fec(other_org, book, actor=Actor.system("test"))

    invoices, payments, allocations = ledger(other_org)
    assert len(invoices) > 3 and len(payments) > 1 and len(allocations) > 1
    assert (invoices, payments, allocations) == ledger(org)
    if connection.vendor == "sqlite":
        assert index_sql("ledger_allocation") == before


def test_json_text_is_the_text_json_dumps_writes() -> None:
    values = [
        {"entry": 12, "amount": "1234.50", "payer": "Société Générale d'Études", "note": 'a "quoted"\nline\u2028'},
        {"allocations": [{"invoice": "F-2026-0042", "amount": "10.00"}], "confidence": 0.9731, "auto": True},
        {"nested": {"empty": {}, "list": [], "none": None, "false": False}, "big": 1e100, "negative": -2.5},
        [],
        {},
        "plain text, é",
        42,
    ]

    for value in values:
        assert bulk.json_text(value) == json.dumps(value)


def test_select_in_reads_the_rows_of_every_value_over_several_statements(org, other_org) -> None:  # type: ignore[no-untyped-def]
    mine = [CustomerFactory(organization=org, ref=f"C{n}") for n in range(3)]
    theirs = CustomerFactory(organization=other_org, ref="C9")
    absent = list(range(10**9, 10**9 + 6000))  # more values than one statement takes: ours come in the last one

    rows = bulk.select_in(
        "SELECT id, ref FROM ledger_customer WHERE organization_id = %s AND id IN ({marks})",
        [org.pk],
        [*absent, *(c.pk for c in mine), theirs.pk],
    )

    assert sorted(rows) == sorted((c.pk, c.ref) for c in mine)
