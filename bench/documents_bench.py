"""Documents benchmark: how long the documents of the demo's largest customer take to draw, on SQLite.

    .venv/bin/python bench/documents_bench.py                          # builds the demo in a temporary data folder
    .venv/bin/python bench/documents_bench.py --data-dir DIR           # uses the demo already in DIR (built if not)
    .venv/bin/python bench/documents_bench.py --data-dir DIR --profile # cProfile of each document, 25 costliest

The demo organization (``recouvre demo``, dated ``--as-of``, default today) is built into a fresh SQLite data
folder (``--data-dir``, else a temporary one; a folder that already holds the demo organization is used as it is).
The customer with the most open invoices is picked, and each document is drawn ``--repeat`` times (best time kept),
in this order: the statement of account (``recouvre statement``), the injonction de payer request, the evidence
dossier (ZIP) and the hand-off package (ZIP). Nothing is written to the database.

Prints one JSON object: ``{"customer", "open_invoices", "as_of", "statement", "injonction_request", "dossier",
"handoff"}`` (seconds); on stderr, the time taken to build the demo, the first drawing (WeasyPrint imported and the
fonts loaded, as a running web process has already done: not counted), the load average, and the goals
(statement under 0.5 s, injonction request under 2 s, dossier and hand-off under 3 s each). A document that cannot
be drawn for this customer (e.g. the request refused) is reported as ``null`` with the reason on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"statement": 0.5, "injonction_request": 2.0, "dossier": 3.0, "handoff": 3.0}


def _timed(fn: Callable[[], Any], repeat: int, profile: bool, name: str) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        fn()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(f"--- {name} ---\n{out.getvalue()}", file=sys.stderr)
    return best


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", type=Path, help="SQLite data folder (default: a fresh temporary one)")
    p.add_argument("--org", default="demo", help="short name of the demo organization (default: demo)")
    p.add_argument("--as-of", type=date.fromisoformat, help="the demo's today and the documents' date (default: today)")
    p.add_argument("--repeat", type=int, default=3, help="draws of each document, best time kept (default: 3)")
    p.add_argument("--profile", action="store_true", help="cProfile of each document on stderr")
    args = p.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="documents-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["RECOUVRE_DATA_DIR"] = str(data_dir)
    os.environ.pop("RECOUVRE_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvre.settings")
    sys.path.insert(0, str(ROOT))
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # the font-subsetting notice, once per PDF
    from django.core.management import call_command
    from django.db.models import Count, Q
    from django.utils import timezone

    from recouvre.cli import main as cli_main
    from recouvre.dossier.bundle import build_dossier
    from recouvre.ledger.models import Customer
    from recouvre.letters.statement import render_statement
    from recouvre.organizations.models import Organization
    from recouvre.proceedings.handoff import build_handoff
    from recouvre.proceedings.requete import injonction_request

    call_command("migrate", interactive=False, verbosity=0)
    as_of = args.as_of or timezone.localdate()
    org = Organization.objects.filter(slug=args.org).first()
    if org is None:
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the demo's own summary
            cli_main(["demo", "--org", args.org, "--as-of", as_of.isoformat(), "--json"])
        print(json.dumps({"demo_seconds": round(time.perf_counter() - started, 1)}), file=sys.stderr)
        org = Organization.objects.get(slug=args.org)
    customer = (
        Customer.objects.filter(organization=org)
        .annotate(open_invoices=Count("invoices", filter=Q(invoices__open_amount__gt=0)))
        .order_by("-open_invoices", "ref")
        .first()
    )
    assert customer is not None
    documents: dict[str, Callable[[], Any]] = {
        "statement": lambda: render_statement(org, customer, as_of),
        "injonction_request": lambda: injonction_request(org, customer, as_of=as_of),
        "dossier": lambda: build_dossier(org, customer, as_of=as_of),
        "handoff": lambda: build_handoff(org, customer, as_of=as_of),
    }
    started = time.perf_counter()
    documents["statement"]()  # the first drawing imports WeasyPrint and loads the fonts: not a document's cost
    print(json.dumps({"first_drawing_seconds": round(time.perf_counter() - started, 2)}), file=sys.stderr)
    result: dict[str, Any] = {
        "customer": customer.ref,
        "open_invoices": customer.open_invoices,  # type: ignore[attr-defined]
        "as_of": as_of.isoformat(),
    }
    for name, fn in documents.items():
        try:
            result[name] = round(_timed(fn, args.repeat, args.profile, name), 3)
        except Exception as exc:  # a refused document: said, and the others still measured
            result[name] = None
            print(f"{name}: {type(exc).__name__}: {exc}", file=sys.stderr)
    print(json.dumps(result))
    met = {name: result[name] is not None and result[name] < goal for name, goal in GOALS.items()}
    print(json.dumps({"goals_seconds": GOALS, "met": met, "load_average": os.getloadavg()[0]}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
