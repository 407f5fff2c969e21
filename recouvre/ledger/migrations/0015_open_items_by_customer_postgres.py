"""Two partial indexes on PostgreSQL for the reads that go customer by customer through a large organization (the
customer list's balances, its sort by amount overdue, a customer's page):

- the open invoices of each customer by due date, carrying the open amount: a customer's open and overdue sums are
  read from the index alone (visibility map permitting), without visiting the rows of the invoices already paid,
  which are most of them;
- the payments not fully applied of each customer: the "unapplied" figure no longer reads every payment.

PostgreSQL only: SQLite databases are smaller, and each index slows the bulk imports there (docs/performance.md).
"""

from django.db import migrations

INDEXES = [
    (
        "invoice_open_by_customer",
        "CREATE INDEX IF NOT EXISTS invoice_open_by_customer ON ledger_invoice (customer_id, due_on) "
        "INCLUDE (open_amount, currency, organization_id) WHERE open_amount > 0",
    ),
    (
        "payment_unapplied_by_customer",
        "CREATE INDEX IF NOT EXISTS payment_unapplied_by_customer ON ledger_payment (customer_id) "
        "INCLUDE (unallocated_amount, currency, organization_id) WHERE unallocated_amount > 0",
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for _name, sql in INDEXES:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _sql in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0014_search_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
