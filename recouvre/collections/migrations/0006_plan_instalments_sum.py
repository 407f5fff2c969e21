"""A payment plan's instalments add up to its total, as a database fact.

``PaymentPlan.scheduled`` is the sum of the plan's instalments, kept by triggers on insert and on a change of amount;
the same triggers refuse adding or changing an instalment once the plan has left ``draft`` (a plan is created in
``draft``, given its instalments, then made ``active``), and a check constraint refuses a plan out of ``draft`` whose
instalments do not add up to its total. Deleting instalments is left alone (a plan's rows go when the plan does).
Plans stored before this migration get their ``scheduled`` computed first.
"""

from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


SQLITE_UP = [
    """
    CREATE TRIGGER collections_instalment_add BEFORE INSERT ON collections_instalment
    BEGIN
        SELECT RAISE(ABORT, 'instalments are added to a payment plan while it is a draft only')
        WHERE NOT EXISTS (SELECT 1 FROM collections_paymentplan p WHERE p.id = NEW.plan_id AND p.status = 'draft');
        UPDATE collections_paymentplan SET scheduled = ROUND(scheduled + NEW.amount, 2) WHERE id = NEW.plan_id;
    END
    """,
    """
    CREATE TRIGGER collections_instalment_change BEFORE UPDATE OF amount, plan_id ON collections_instalment
    WHEN NEW.amount != OLD.amount OR NEW.plan_id != OLD.plan_id
    BEGIN
        SELECT RAISE(ABORT, 'the instalments of a payment plan change while it is a draft only')
        WHERE NOT EXISTS (SELECT 1 FROM collections_paymentplan p WHERE p.id = OLD.plan_id AND p.status = 'draft')
           OR NEW.plan_id != OLD.plan_id;
        UPDATE collections_paymentplan SET scheduled = ROUND(scheduled - OLD.amount + NEW.amount, 2)
            WHERE id = NEW.plan_id;
    END
    """,
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS collections_instalment_add",
    "DROP TRIGGER IF EXISTS collections_instalment_change",
]
POSTGRES_UP = [
    """
    CREATE FUNCTION collections_instalment_schedule() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.amount = OLD.amount AND NEW.plan_id = OLD.plan_id THEN
            RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.plan_id <> OLD.plan_id THEN
            RAISE EXCEPTION 'an instalment cannot move to another payment plan'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM collections_paymentplan p WHERE p.id = NEW.plan_id AND p.status = 'draft') THEN
            RAISE EXCEPTION 'the instalments of a payment plan change while it is a draft only'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        UPDATE collections_paymentplan
            SET scheduled = scheduled + NEW.amount - (CASE WHEN TG_OP = 'UPDATE' THEN OLD.amount ELSE 0 END)
            WHERE id = NEW.plan_id;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE TRIGGER collections_instalment_schedule BEFORE INSERT OR UPDATE ON collections_instalment
    FOR EACH ROW EXECUTE FUNCTION collections_instalment_schedule()
    """,
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS collections_instalment_schedule ON collections_instalment",
    "DROP FUNCTION IF EXISTS collections_instalment_schedule()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no instalment triggers for database {schema_editor.connection.vendor}")
        for sql in statements:
            schema_editor.execute(sql)

    return run


def schedule_existing_plans(apps, schema_editor):
    PaymentPlan = apps.get_model("collections", "PaymentPlan")
    Instalment = apps.get_model("collections", "Instalment")
    for plan in PaymentPlan.objects.all():
        amounts = Instalment.objects.filter(plan=plan).values_list("amount", flat=True)
        PaymentPlan.objects.filter(pk=plan.pk).update(scheduled=sum(amounts, Decimal("0.00")))


class Migration(migrations.Migration):

    dependencies = [
        ('collections', '0005_holds_promises_plans'),
        ('ledger', '0002_allocation_triggers'),
        ('organizations', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='paymentplan',
            name='plan_status_known',
        ),
        migrations.RemoveConstraint(
            model_name='paymentplan',
            name='plan_ended_on_when_ended',
        ),
        migrations.AddField(
            model_name='paymentplan',
            name='scheduled',
            field=models.DecimalField(decimal_places=2, default=Decimal('0.00'), editable=False, max_digits=15),
        ),
        migrations.AlterField(
            model_name='paymentplan',
            name='status',
            field=models.CharField(choices=[('draft', 'Being entered'), ('active', 'Active'), ('completed', 'Completed'), ('broken', 'Broken'), ('cancelled', 'Cancelled')], default='active', max_length=20, verbose_name='status'),
        ),
        migrations.AddConstraint(
            model_name='paymentplan',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['draft', 'active', 'completed', 'broken', 'cancelled'])), name='plan_status_known'),
        ),
        migrations.AddConstraint(
            model_name='paymentplan',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('ended_on__isnull', True), ('status__in', ['draft', 'active'])), models.Q(models.Q(('status__in', ['draft', 'active']), _negated=True), ('ended_on__isnull', False)), _connector='OR'), name='plan_ended_on_when_ended'),
        ),
        migrations.RunPython(schedule_existing_plans, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='paymentplan',
            constraint=models.CheckConstraint(condition=models.Q(('status', 'draft'), ('scheduled', models.F('total')), _connector='OR'), name='plan_instalments_add_up_to_total'),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
