"""Dashboard benchmark: how long the home page takes to answer on the demo, through Django's test client.

    .venv/bin/python bench/dashboard_bench.py                       # builds the demo in a temporary data folder
    .venv/bin/python bench/dashboard_bench.py --data-dir DIR        # uses the demo already in DIR (built if not)
    RECOUVRE_DATABASE_URL=postgres://... .venv/bin/python bench/dashboard_bench.py   # on PostgreSQL

The demo organization (``recouvre demo``: 300 customers, 6 000 invoices) is built if missing. A member of it is
logged in; the page is asked for once (warm-up: templates compiled, first connection), then ``--repeat`` times.
Prints one JSON object: the median, best and worst times in milliseconds, the number of SQL queries of one page,
the load average; the goal is a median under 300 ms. ``--url`` measures another page the same way.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_MS = 300


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", type=Path, help="data folder (default: a fresh temporary one)")
    p.add_argument("--org", default="demo", help="short name of the demo organization (default: demo)")
    p.add_argument("--repeat", type=int, default=15, help="pages asked for after the warm-up (default: 15)")
    p.add_argument("--url", default="/", help="the page (default: the dashboard, /)")
    args = p.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["RECOUVRE_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvre.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from recouvre.cli import main as cli_main
    from recouvre.organizations.models import Membership, Organization

    call_command("migrate", interactive=False, verbosity=0)
    if not Organization.objects.filter(slug=args.org).exists():
        with contextlib.redirect_stdout(io.StringIO()):
            cli_main(["demo", "--org", args.org, "--json"])
    membership = Membership.objects.filter(organization__slug=args.org).select_related("user").first()
    assert membership is not None, "the demo organization has no member"
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(membership.user)
    response = client.get(args.url)
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        client.get(args.url)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(args.url)
    median = statistics.median(times)
    print(
        json.dumps(
            {
                "url": args.url,
                "database": connection.vendor,
                "median_ms": round(median),
                "best_ms": round(min(times)),
                "worst_ms": round(max(times)),
                "queries": len(queries),
                "goal_ms": GOAL_MS,
                "met": median < GOAL_MS,
                "load_average": os.getloadavg()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
