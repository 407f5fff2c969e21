"""Importing large bank files: a statement of ``--size`` entries in each format (the files of
``bench/bank_parse.py``), imported into a fresh organization, then imported again (nothing added), timed.

    .venv/bin/python bench/bank_import.py                       # 100 000 entries per format
    .venv/bin/python bench/bank_import.py --size 20000 --format camt.053

Uses RECOUVRE_DATABASE_URL when set, else the SQLite database of RECOUVRE_DATA_DIR (a temporary folder when unset).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bank_parse  # noqa: E402

FORMATS = ("cfonb120", "mt940", "camt.053", "ofx", "csv")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--format", choices=FORMATS, action="append", help="only this format (repeatable)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recouvre-bank-") as folder:
        os.environ.setdefault("RECOUVRE_DATA_DIR", folder)
        return _run(args.size, args.format or list(FORMATS))


def _run(size: int, formats: list[str]) -> int:
    from recouvre.cli import ensure_migrated, setup_django

    setup_django()
    ensure_migrated()
    from django.conf import settings
    from django.db import connection

    from recouvre.bank.services import import_statement
    from recouvre.imports.services import save_mapping
    from recouvre.ledger.actors import Actor
    from recouvre.organizations.models import Organization

    settings.IMPORT_MAX_BYTES = 1 << 30
    actor = Actor.system("bench")
    print(f"{size} entries per file ({connection.vendor})")
    print(f"{'format':10} {'MB':>6} {'first s':>8} {'entries/s':>10} {'again s':>8} {'created':>8} {'again':>6}")
    for name in formats:
        org = Organization.objects.create(slug=f"bench-{int(time.time() * 1000)}", name="Bench SAS")
        mapping = None
        if name == "csv":
            content, options = bank_parse.csv(size)
            save_mapping(org, "bench", "statement", {"text": "Libellé"}, {"account": options["account"]})
            mapping = "bench"
        else:
            content = getattr(bank_parse, {"cfonb120": "cfonb", "camt.053": "camt"}.get(name, name))(size)
        t0 = time.perf_counter()
        first = import_statement(org, content, f"bench.{name}", actor=actor, mapping=mapping)
        first_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = import_statement(org, content, f"bench.{name}", actor=actor, mapping=mapping)
        again_s = time.perf_counter() - t0
        assert first.created == size and again.created == 0, (name, first.created, again.created)
        print(
            f"{name:10} {len(content) / 1e6:6.1f} {first_s:8.2f} {size / first_s:10.0f} {again_s:8.2f} "
            f"{first.created:8} {again.created:6}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
