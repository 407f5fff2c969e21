"""``process_db``: a database of its own for ``recouvre`` processes started by a test, migrated: the SQLite file of
a fresh data folder, or, when the tests run on PostgreSQL (``RECOUVRE_DATABASE_URL``), a scratch database on that
server, dropped at the end."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from processes import RECOUVRE, ProcessDatabase


@pytest.fixture
def process_db(tmp_path: Path) -> Iterator[ProcessDatabase]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOUVRE_") or k == "RECOUVRE_ECB_URL"}
    env |= {"RECOUVRE_DATA_DIR": str(tmp_path / "data"), "RECOUVRE_LANGUAGE": "en"}
    url = os.environ.get("RECOUVRE_DATABASE_URL", "")
    db: ProcessDatabase
    if url.startswith("postgres"):
        import dj_database_url
        import psycopg

        c = dj_database_url.parse(url)
        server = {"host": c["HOST"], "port": c["PORT"] or 5432, "user": c["USER"], "password": c["PASSWORD"] or None}
        name = f"{c['NAME']}_proc_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(**server, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        env["RECOUVRE_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
        db = ProcessDatabase(env, "postgresql", pg=server | {"name": name})
    else:
        db = ProcessDatabase(env, "sqlite", sqlite_path=tmp_path / "data" / "recouvre.sqlite3")
    try:
        subprocess.run([RECOUVRE, "migrate"], env=env, check=True, capture_output=True, timeout=300)
        yield db
    finally:
        if db.pg is not None:
            import psycopg

            with psycopg.connect(**db._connargs("postgres"), autocommit=True) as admin:
                admin.execute(f'ALTER DATABASE "{db.pg["name"]}" ALLOW_CONNECTIONS true')
                admin.execute(f'DROP DATABASE "{db.pg["name"]}" WITH (FORCE)')
        shutil.rmtree(tmp_path / "data", ignore_errors=True)
