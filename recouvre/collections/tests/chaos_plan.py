"""Plans one reminder e-mail for each of ``COUNT`` customers of new organizations, in the database the environment
names (``RECOUVRE_DATABASE_URL``, else the SQLite file of ``RECOUVRE_DATA_DIR``): the dispatch chaos test runs it
as a process of its own, then lets dispatchers loose on the outbox.

    python -m recouvre.collections.tests.chaos_plan COUNT SLUG [SLUG...]
"""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal

AS_OF = date(2026, 3, 9)  # the invoices fell due on 2026-03-02: the default policy's reminder (+7 days) is due


def plan(slug: str, count: int) -> int:
    from recouvre.collections.selectors import calendar_for
    from recouvre.collections.services import run_collections
    from recouvre.ledger.actors import Actor
    from recouvre.organizations.services import create_organization
    from recouvre.testing.factories import CustomerFactory, InvoiceFactory

    org = create_organization(slug, f"Chaos {slug}")
    for i in range(count):
        customer = CustomerFactory(
            organization=org, ref=f"411{slug.upper()}{i:03d}", name=f"Client {i}", email=f"compta{i}@{slug}.example"
        )
        InvoiceFactory(
            customer=customer,
            number=f"{slug}-{i:03d}",
            issued_on=date(2026, 2, 1),
            due_on=date(2026, 3, 2),
            total=Decimal(100 + i),
        )
    result = run_collections(org, AS_OF, actor=Actor.system("chaos"), calendar=calendar_for(org), today=AS_OF)
    return result.emails


def main(argv: list[str]) -> int:
    from recouvre.cli import ensure_migrated, setup_django

    setup_django()
    ensure_migrated()
    count, slugs = int(argv[0]), argv[1:]
    for slug in slugs:
        planned = plan(slug, count)
        if planned != count:
            print(f"{slug}: {planned} e-mails planned, not {count}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
