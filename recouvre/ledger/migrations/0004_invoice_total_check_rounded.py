"""Compare an invoice's total with excl. tax + tax rounded to the cent.

SQLite stores decimals as binary floats, where 1325.90 + 265.18 is not 1591.08: without the rounding the
database refused correct invoices. On SQLite the constraint change rebuilds ``ledger_invoice``, which the
allocation triggers refer to; they are dropped first and created again afterwards.
"""

import importlib

import django.db.models.expressions
import django.db.models.functions.math
from django.db import migrations, models

_triggers = importlib.import_module("recouvre.ledger.migrations.0003_allocation_triggers")


def _sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0003_allocation_triggers"),
        ("organizations", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_sqlite(_triggers.SQLITE_DOWN), _sqlite(_triggers.SQLITE_UP)),
        migrations.RemoveConstraint(
            model_name="invoice",
            name="invoice_total_is_excl_plus_tax",
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("amount_excl_tax__isnull", True),
                    ("tax_amount__isnull", True),
                    (
                        "total",
                        django.db.models.functions.math.Round(
                            django.db.models.expressions.CombinedExpression(
                                models.F("amount_excl_tax"), "+", models.F("tax_amount")
                            ),
                            2,
                        ),
                    ),
                    _connector="OR",
                ),
                name="invoice_total_is_excl_plus_tax",
            ),
        ),
        migrations.RunPython(_sqlite(_triggers.SQLITE_UP), _sqlite(_triggers.SQLITE_DOWN)),
    ]
