"""Database triggers that keep ``allocated_amount`` in step with allocations and refuse impossible ones.

On insert of an allocation: refuse it when the invoice, payment or credit note belongs to another organization
or is in another currency; otherwise add its amount to the invoice and to the payment or credit note (the check
constraints on those tables then refuse over-allocation). On delete: subtract it. Updates are refused:
an allocation is undone by deleting it and made again.
"""

from django.db import migrations

SQLITE_UP = [
    """
    CREATE TRIGGER ledger_allocation_check BEFORE INSERT ON ledger_allocation
    BEGIN
        SELECT RAISE(ABORT, 'allocation across organizations or currencies')
        WHERE NOT EXISTS (
            SELECT 1 FROM ledger_invoice i WHERE i.id = NEW.invoice_id AND i.organization_id = NEW.organization_id
        )
        OR (NEW.payment_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM ledger_payment p, ledger_invoice i
            WHERE p.id = NEW.payment_id AND i.id = NEW.invoice_id
              AND p.organization_id = NEW.organization_id AND p.currency = i.currency
              AND p.customer_id = i.customer_id
        ))
        OR (NEW.credit_note_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM ledger_creditnote c, ledger_invoice i
            WHERE c.id = NEW.credit_note_id AND i.id = NEW.invoice_id
              AND c.organization_id = NEW.organization_id AND c.currency = i.currency
              AND c.customer_id = i.customer_id
        ));
    END
    """,
    """
    CREATE TRIGGER ledger_allocation_apply AFTER INSERT ON ledger_allocation
    BEGIN
        UPDATE ledger_invoice SET allocated_amount = ROUND(allocated_amount + NEW.amount, 2)
            WHERE id = NEW.invoice_id;
        UPDATE ledger_payment SET allocated_amount = ROUND(allocated_amount + NEW.amount, 2)
            WHERE id = NEW.payment_id;
        UPDATE ledger_creditnote SET allocated_amount = ROUND(allocated_amount + NEW.amount, 2)
            WHERE id = NEW.credit_note_id;
    END
    """,
    """
    CREATE TRIGGER ledger_allocation_unapply AFTER DELETE ON ledger_allocation
    BEGIN
        UPDATE ledger_invoice SET allocated_amount = ROUND(allocated_amount - OLD.amount, 2)
            WHERE id = OLD.invoice_id;
        UPDATE ledger_payment SET allocated_amount = ROUND(allocated_amount - OLD.amount, 2)
            WHERE id = OLD.payment_id;
        UPDATE ledger_creditnote SET allocated_amount = ROUND(allocated_amount - OLD.amount, 2)
            WHERE id = OLD.credit_note_id;
    END
    """,
    """
    CREATE TRIGGER ledger_allocation_immutable BEFORE UPDATE ON ledger_allocation
    BEGIN
        SELECT RAISE(ABORT, 'allocations cannot be changed; delete and create again');
    END
    """,
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS ledger_allocation_check",
    "DROP TRIGGER IF EXISTS ledger_allocation_apply",
    "DROP TRIGGER IF EXISTS ledger_allocation_unapply",
    "DROP TRIGGER IF EXISTS ledger_allocation_immutable",
]

POSTGRES_UP = [
    """
    CREATE FUNCTION ledger_allocation_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        inv RECORD;
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            RAISE EXCEPTION 'allocations cannot be changed; delete and create again'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'INSERT' THEN
            SELECT organization_id, currency, customer_id INTO inv FROM ledger_invoice WHERE id = NEW.invoice_id;
            IF inv.organization_id IS DISTINCT FROM NEW.organization_id
               OR (NEW.payment_id IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM ledger_payment p WHERE p.id = NEW.payment_id
                    AND p.organization_id = NEW.organization_id AND p.currency = inv.currency
                    AND p.customer_id = inv.customer_id))
               OR (NEW.credit_note_id IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM ledger_creditnote c WHERE c.id = NEW.credit_note_id
                    AND c.organization_id = NEW.organization_id AND c.currency = inv.currency
                    AND c.customer_id = inv.customer_id)) THEN
                RAISE EXCEPTION 'allocation across organizations or currencies'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            UPDATE ledger_invoice SET allocated_amount = allocated_amount + NEW.amount WHERE id = NEW.invoice_id;
            UPDATE ledger_payment SET allocated_amount = allocated_amount + NEW.amount WHERE id = NEW.payment_id;
            UPDATE ledger_creditnote SET allocated_amount = allocated_amount + NEW.amount
                WHERE id = NEW.credit_note_id;
            RETURN NEW;
        END IF;
        -- DELETE
        UPDATE ledger_invoice SET allocated_amount = allocated_amount - OLD.amount WHERE id = OLD.invoice_id;
        UPDATE ledger_payment SET allocated_amount = allocated_amount - OLD.amount WHERE id = OLD.payment_id;
        UPDATE ledger_creditnote SET allocated_amount = allocated_amount - OLD.amount WHERE id = OLD.credit_note_id;
        RETURN OLD;
    END;
    $$
    """,
    """
    CREATE TRIGGER ledger_allocation_apply AFTER INSERT OR UPDATE OR DELETE ON ledger_allocation
    FOR EACH ROW EXECUTE FUNCTION ledger_allocation_apply()
    """,
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS ledger_allocation_apply ON ledger_allocation",
    "DROP FUNCTION IF EXISTS ledger_allocation_apply()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no allocation triggers for database {schema_editor.connection.vendor}")
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
