"""Pages run a fixed number of SQL queries, whatever the number of customers and invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recouvre.testing.factories import CustomerFactory, InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def add_customers(org, n: int) -> None:  # type: ignore[no-untyped-def]
    for customer in CustomerFactory.create_batch(n, organization=org):
        InvoiceFactory(customer=customer, due_on=date(2026, 2, 1), total=Decimal("100.00"))
        InvoiceFactory(customer=customer, due_on=date(2026, 4, 30), total=Decimal("50.00"))
        PaymentFactory(customer=customer, amount=Decimal("10.00"))


def count(client, url: str, params: dict[str, str] | None = None) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("home", {}),
        ("customer_list", {}),
        ("customer_list", {"sort": "name", "overdue": "on", "q": "Client"}),
        ("invoice_list", {"status": "all"}),
        ("invoice_list", {"status": "overdue"}),
        ("invoice_list", {"status": "all", "segment": "standard", "disputed": "on", "collector": "0"}),
        ("invoice_list", {"status": "all", "paid_from": "2026-02-01", "paid_to": "2026-02-28"}),
        ("customer_list", {"collector": "0"}),
        ("kpis_csv", {}),
        ("aging", {}),
        ("aging_csv", {}),
    ],
)
def test_query_count_does_not_grow_with_the_ledger(logged_client, org, frozen_today, name, params):
    add_customers(org, 3)
    small = count(logged_client, reverse(name), params)
    add_customers(org, 60)
    large = count(logged_client, reverse(name), params)
    assert large == small, f"{name}: {small} queries with 3 customers, {large} with 63"


def test_customer_page_query_count_does_not_grow_with_its_invoices(logged_client, org, frozen_today):
    customer = CustomerFactory(organization=org)
    InvoiceFactory(customer=customer)
    small = count(logged_client, reverse("customer_detail", args=[customer.pk]))
    InvoiceFactory.create_batch(30, customer=customer)
    PaymentFactory.create_batch(5, customer=customer)
    assert count(logged_client, reverse("customer_detail", args=[customer.pk])) == small


def test_customer_list_page_costs_few_queries(logged_client, org, frozen_today):
    add_customers(org, 60)
    # session, user, membership, organizations for the switcher, count, page, the members for the collector
    # filter, the user's saved filters, the unread notifications of the bell (the status tags: only when a customer
    # of the page has a hold running).
    assert count(logged_client, reverse("customer_list")) <= 9
