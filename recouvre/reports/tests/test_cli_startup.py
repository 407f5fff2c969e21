"""``recouvre report aging`` starts without loading the heavy libraries other commands use: a whole call over a
million invoices is to finish in under 3 seconds, start-up included (docs/performance.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("sklearn", "scipy", "numpy", "pandas", "weasyprint", "fontTools", "openpyxl", "pypdf", "lxml", "holidays")

SCRIPT = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvre.settings")
import django
django.setup()
from recouvre.cli import build_parser
build_parser()  # every command's parser, as each call builds it
import recouvre.core.aging, recouvre.reports.cli, recouvre.reports.exports, recouvre.reports.selectors
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_the_aged_balance_command_loads_no_heavy_library(tmp_path):  # type: ignore[no-untyped-def]
    env = {**os.environ, "RECOUVRE_DATA_DIR": str(tmp_path)}
    env.pop("RECOUVRE_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "django" in loaded and "recouvre" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.django_db
def test_each_command_sees_a_migration_not_applied_without_loading_every_migration():  # type: ignore[no-untyped-def]
    # Every command applies pending migrations first; when every migration file is recorded as applied it says so
    # from the file names, and a file not recorded sends it to the full check.
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    from recouvre.cli import _every_migration_file_applied

    assert _every_migration_file_applied(connection)
    MigrationRecorder(connection).migration_qs.filter(app="ledger", name="0001_initial").delete()
    assert not _every_migration_file_applied(connection)
