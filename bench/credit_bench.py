"""Credit risk benchmark: every customer's score and the credit limit alerts, as each collections run does them.

    .venv/bin/python bench/credit_bench.py [--customers 10000] [--invoices-per-customer 10] [--database-url URL]

Builds a fresh organization (a temporary SQLite data folder, or the PostgreSQL database ``--database-url``):
customers with a credit limit, invoices issued over the last year, two thirds of them paid (one payment each,
some late), then times ``recompute_scores`` and ``refresh_exposure_alerts`` twice (the second finds nothing
changed). Prints one JSON line with the sizes and the seconds."""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--invoices-per-customer", type=int, default=10)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ["RECOUVRE_DATA_DIR"] = tempfile.mkdtemp(prefix="credit-bench-")
    if args.database_url:
        os.environ["RECOUVRE_DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("RECOUVRE_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvre.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from recouvre.ledger.actors import Actor
    from recouvre.ledger.models import Allocation, Customer, Invoice, Payment
    from recouvre.organizations.models import Organization
    from recouvre.risk.credit import recompute_scores, refresh_exposure_alerts

    rnd = random.Random(2026)
    as_of = date(2026, 6, 30)
    org = Organization.objects.create(slug=f"bench{int(time.time())}", name="Bench SAS")
    started = time.perf_counter()
    Customer.objects.bulk_create(
        [
            Customer(
                organization=org,
                ref=f"411B{i:07d}",
                name=f"Client {i}",
                credit_limit=Decimal(rnd.randrange(5, 50) * 1000),
            )
            for i in range(args.customers)
        ],
        batch_size=5000,
    )
    customer_ids = list(Customer.objects.filter(organization=org).values_list("pk", flat=True))
    invoices = []
    for cid in customer_ids:
        for k in range(args.invoices_per_customer):
            issued = as_of - timedelta(days=rnd.randrange(0, 365))
            invoices.append(
                Invoice(
                    organization=org,
                    customer_id=cid,
                    number=f"F{cid}-{k}",
                    issued_on=issued,
                    due_on=issued + timedelta(days=30),
                    total=Decimal(rnd.randrange(100, 9000)),
                )
            )
    Invoice.objects.bulk_create(invoices, batch_size=5000)
    paid = [
        (pk, cid, due_on, total)
        for pk, cid, due_on, total in Invoice.objects.filter(organization=org).values_list(
            "pk", "customer_id", "due_on", "total"
        )
        if rnd.random() < 0.66 and due_on < as_of
    ]
    payments = [
        Payment(
            organization=org,
            customer_id=cid,
            received_on=min(as_of, due_on + timedelta(days=rnd.choice((0, 0, 5, 20, 45)))),
            amount=total,
            source_key=f"p{pk}",
        )
        for pk, cid, due_on, total in paid
    ]
    Payment.objects.bulk_create(payments, batch_size=5000)
    by_key = dict(Payment.objects.filter(organization=org).values_list("source_key", "pk"))
    Allocation.objects.bulk_create(
        [
            Allocation(
                organization=org, invoice_id=pk, payment_id=by_key[f"p{pk}"], amount=total, allocated_on=p.received_on
            )
            for (pk, _cid, _due, total), p in zip(paid, payments, strict=True)
        ],
        batch_size=5000,
    )
    loaded = time.perf_counter() - started
    actor = Actor.system("bench")
    timings = {}
    t = time.perf_counter()
    recompute_scores(org, as_of)
    timings["scores_seconds"] = round(time.perf_counter() - t, 2)
    for name in ("alerts_first_seconds", "alerts_again_seconds"):
        t = time.perf_counter()
        result = refresh_exposure_alerts(org, actor=actor, today=as_of)
        timings[name] = round(time.perf_counter() - t, 2)
        timings.setdefault("alerts_opened", result.opened)
    print(
        json.dumps(
            {
                "customers": args.customers,
                "invoices": len(invoices),
                "paid": len(paid),
                "load_seconds": round(loaded, 1),
                **timings,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
