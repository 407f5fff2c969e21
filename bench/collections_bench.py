"""Collections run benchmark: plan and store one day's actions over an invoice workload, on SQLite or PostgreSQL.

    .venv/bin/python bench/collections_bench.py --workload invoices.csv --as-of 2026-06-30 --generate 100000
    .venv/bin/python bench/collections_bench.py --workload invoices.csv --as-of 2026-06-30
    .venv/bin/python bench/collections_bench.py --workload invoices.csv --as-of 2026-06-30 \
        --database-url postgres://postgres@127.0.0.1:5432/recouvre_bench

The workload is a CSV with the columns ``customer_id,invoice_number,issue_date,due_date,amount_incl_tax,currency``;
``--generate N`` writes one of N invoices first: with ``--shape grouped`` (the default) about ten invoices per
customer, due over the 90 days before ``--as-of``; with ``--shape spread`` three per customer due over the six months
before it (a customer's invoices at several steps at once). The file is loaded with the invoice import (customers
created) into a fresh SQLite data folder (``--data-dir``, else a temporary one), or into a new organization of the
PostgreSQL database ``--database-url`` (created beforehand, e.g. ``createdb recouvre_bench``; migrated by the
script); the standard segment is given a policy of steps at +10, +30 and +45 days, then one ``run_collections`` is
timed (planning and storing; no dispatch). Prints one JSON line: ``{"items": n, "actions": n, "seconds": s,
"cpu_seconds": s, "items_per_second": r, "items_per_cpu_second": r, ...}`` (``cpu_seconds``: the process's CPU time
during the run, the fairer figure on a shared machine); on stderr, the load time and a second run the same day
(which stores nothing), with its CPU time too. ``--profile FILE`` writes a cProfile of the first run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "customer_id,invoice_number,issue_date,due_date,amount_incl_tax,currency"


SHAPES = {
    # name: (invoices per customer, due over the N days before --as-of)
    "grouped": (10, 90),
    # few invoices per customer, due dates over six months: a customer's invoices are at several steps at once, so
    # an action lists items of several steps and each customer gets more actions
    "spread": (3, 182),
}


def generate(path: Path, n: int, as_of: date, seed: int = 2026, shape: str = "grouped") -> None:
    per_customer, days = SHAPES[shape]
    rnd = random.Random(seed)
    customers = max(1, n // per_customer)
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER + "\n")
        for i in range(n):
            due = as_of - timedelta(days=rnd.randrange(0, days))
            issued = due - timedelta(days=30)
            cents = rnd.randrange(5_000, 500_000)
            f.write(f"411C{i % customers:07d},F{i:08d},{issued},{due},{cents // 100}.{cents % 100:02d},EUR\n")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workload", required=True, type=Path)
    p.add_argument("--as-of", required=True, type=date.fromisoformat)
    p.add_argument("--generate", type=int, metavar="N", help="write a workload of N invoices first")
    p.add_argument(
        "--shape",
        choices=sorted(SHAPES),
        default="grouped",
        help="with --generate: grouped (ten invoices per customer due over 90 days, the default) or spread (three "
        "per customer due over six months)",
    )
    p.add_argument("--data-dir", type=Path, help="SQLite data folder (default: a fresh temporary one)")
    p.add_argument("--database-url", help="a PostgreSQL database to use instead of SQLite")
    p.add_argument("--profile", type=Path, metavar="FILE", help="write a cProfile of the first run to FILE")
    args = p.parse_args()

    if args.generate:
        generate(args.workload, args.generate, args.as_of, shape=args.shape)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="collections-bench-"))
    os.environ["RECOUVRE_DATA_DIR"] = str(data_dir)
    if args.database_url:
        os.environ["RECOUVRE_DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("RECOUVRE_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvre.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from recouvre.collections.models import Policy, Step
    from recouvre.collections.services import run_collections
    from recouvre.imports.services import run_import
    from recouvre.ledger.actors import Actor
    from recouvre.ledger.models import Invoice
    from recouvre.organizations.services import create_organization

    call_command("migrate", interactive=False, verbosity=0)
    org = create_organization(f"bench-{int(time.time())}", "Bench SAS")
    actor = Actor.system("bench")
    started = time.perf_counter()
    run_import(org, "invoices", args.workload, actor=actor, create_customers=True)
    loaded = time.perf_counter() - started
    Policy.objects.filter(organization=org, segment="standard").update(segment="")
    policy = Policy.objects.create(organization=org, key="bench", name="Bench", segment="standard")
    for position, offset in enumerate((10, 30, 45), start=1):
        Step.objects.create(
            policy=policy, position=position, key=f"d{offset}", offset_days=offset, channel="email", template="t"
        )
    items = Invoice.objects.filter(organization=org, open_amount__gt=0).count()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu = time.perf_counter(), time.process_time()
    result = run_collections(org, args.as_of, actor=actor)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    print(
        json.dumps(
            {
                "items": items,
                "actions": result.actions,
                "seconds": round(seconds, 3),
                "cpu_seconds": round(cpu, 3),
                "items_per_second": round(items / seconds) if seconds else None,
                "items_per_cpu_second": round(items / cpu) if cpu else None,
                "item_steps": result.item_steps,
                "load_average": round(os.getloadavg()[0], 2),
            }
        )
    )
    started, cpu = time.perf_counter(), time.process_time()
    again = run_collections(org, args.as_of, actor=actor)  # the same day again: stores nothing
    again_seconds, again_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        json.dumps(
            {
                "load_seconds": round(loaded, 3),
                "item_steps": result.item_steps,
                "skipped": len(result.skipped),
                "second_run_actions": again.actions,
                "second_run_seconds": round(again_seconds, 3),
                "second_run_cpu_seconds": round(again_cpu, 3),
            }
        ),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
