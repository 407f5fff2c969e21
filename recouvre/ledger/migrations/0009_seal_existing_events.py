# Seals the events recorded before the chain existed: per organization, in id order, as recouvre.ledger.chain.seal
# does. An event given a digest by a purge keeps it (that of its content before the anonymisation), and is marked
# anonymised (at the date of its customer's erasure) when its content no longer matches it.

from django.db import migrations
from django.utils import timezone

from recouvre.core.chain import GENESIS, seal
from recouvre.ledger.digests import CONTENT_FIELDS, digest_of_row

BATCH = 10_000


def seal_existing_events(apps, schema_editor):
    Event = apps.get_model('ledger', 'Event')
    ChainHead = apps.get_model('ledger', 'ChainHead')
    Erasure = apps.get_model('privacy', 'Erasure')
    connection = schema_editor.connection
    table = connection.ops.quote_name(Event._meta.db_table)
    now = timezone.now()
    erased = {}
    for customer_id, done_at in Erasure.objects.filter(anonymised=True).order_by('done_at').values_list(
        'customer_id', 'done_at'
    ):
        erased.setdefault(customer_id, done_at)
    organizations = (
        Event.objects.filter(seq__isnull=True).values_list('organization_id', flat=True).distinct().order_by()
    )
    for organization_id in sorted(set(organizations)):
        head = ChainHead.objects.filter(organization_id=organization_id).first()
        seq, link = (head.seq, head.hash) if head is not None else (0, GENESIS)
        last_id = 0
        while True:
            rows = list(
                Event.objects.filter(organization_id=organization_id, seq__isnull=True, id__gt=last_id)
                .order_by('id')
                .values_list(*CONTENT_FIELDS, 'digest')[:BATCH]
            )
            if not rows:
                break
            digests, anonymised = [], []
            for row in rows:
                current = digest_of_row(row[:-1])
                stored = row[-1]
                digests.append(stored or current)
                if stored and stored != current:  # given by a purge, before it anonymised the event
                    anonymised.append((erased.get(row[2]) or now, row[0]))
            links = seal(seq, link, digests)
            values = [
                (s, p, h, d, row[0]) for row, (s, p, h), d in zip(rows, links, digests, strict=True)
            ]
            with connection.cursor() as cursor:
                if connection.vendor == 'postgresql':  # one statement per batch, the arrays written as literals
                    cursor.execute(
                        f'UPDATE {table} AS e SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash, '
                        f'digest = v.digest FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], '
                        f'%s::varchar[], %s::bigint[]) AS v(seq, prev_hash, hash, digest, id) WHERE e.id = v.id',
                        ['{' + ','.join(map(str, column)) + '}' for column in zip(*values, strict=True)],
                    )
                else:
                    cursor.executemany(
                        f'UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s, digest = %s WHERE id = %s',
                        values,
                    )
                if anonymised:
                    cursor.executemany(
                        f'UPDATE {table} SET anonymised_at = %s WHERE id = %s',
                        [(connection.ops.adapt_datetimefield_value(at), pk) for at, pk in anonymised],
                    )
            seq, link = links[-1][0], links[-1][2]
            last_id = rows[-1][0]
        ChainHead.objects.update_or_create(
            organization_id=organization_id, defaults={'seq': seq, 'hash': link, 'sealed_at': now}
        )


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0008_event_chain'),
        ('privacy', '0001_privacy_settings_and_erasures'),
    ]

    operations = [
        migrations.RunPython(seal_existing_events, migrations.RunPython.noop),
    ]
