"""Every existing organization gets the seeded policies (new ones get them when created)."""

from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from recouvre.core.policies import DEFAULT_POLICIES, SEGMENT_POLICIES

    Organization = apps.get_model("organizations", "Organization")
    Policy = apps.get_model("collections", "Policy")
    Step = apps.get_model("collections", "Step")
    segment_of = {policy.key: segment for segment, policy in SEGMENT_POLICIES.items()}
    for org in Organization.objects.all():
        for core in DEFAULT_POLICIES:
            if Policy.objects.filter(organization=org, key=core.key).exists():
                continue
            segment = segment_of.get(core.key, "")
            if segment and Policy.objects.filter(organization=org, segment=segment).exists():
                segment = ""
            policy = Policy.objects.create(organization=org, key=core.key, name=str(core.name), segment=segment)
            Step.objects.bulk_create(
                Step(
                    policy=policy,
                    position=i,
                    key=s.key,
                    offset_days=s.offset_days,
                    channel=s.channel.value,
                    template=s.template,
                    min_open_amount=s.min_open_amount,
                    needs_approval=s.needs_approval,
                    min_gap_days=s.min_gap_days,
                    enabled=s.enabled,
                    deadline_days=s.deadline_days,
                )
                for i, s in enumerate(core.steps, start=1)
            )


class Migration(migrations.Migration):
    dependencies = [("collections", "0001_initial"), ("organizations", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
