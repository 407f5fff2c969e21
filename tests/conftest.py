"""A database of its own for ``recouvre`` processes started by a test, migrated, and ways to make it fail for a
while: the SQLite file of a fresh data folder, or, when the tests run on PostgreSQL (``RECOUVRE_DATABASE_URL``), a
scratch database on that server, dropped at the end."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

RECOUVRE = str(Path(sys.executable).with_name("recouvre"))


@dataclass
class ProcessDatabase:
    env: dict[str, str]
    vendor: str  # "sqlite" or "postgresql"
    sqlite_path: Path | None = None
    pg: dict[str, Any] | None = None  # psycopg connection arguments of the server, and "name"

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path, timeout=10) as conn:
                return list(conn.execute(sql).fetchall())
        import psycopg

        assert self.pg is not None
        with psycopg.connect(**self._connargs(self.pg["name"]), autocommit=True) as conn:
            return list(conn.execute(sql).fetchall())

    def _connargs(self, dbname: str) -> dict[str, Any]:
        assert self.pg is not None
        return {k: v for k, v in self.pg.items() if k != "name"} | {"dbname": dbname}

    @contextmanager
    def locked(self, seconds: float) -> Iterator[None]:
        """SQLite: another connection holds the write lock (as a large import does) for ``seconds``; PostgreSQL:
        the server drops every connection and refuses new ones for ``seconds`` (as when it restarts)."""
        if self.sqlite_path is not None:
            conn = sqlite3.connect(self.sqlite_path, isolation_level=None, timeout=10)
            conn.execute("BEGIN EXCLUSIVE")
            try:
                time.sleep(seconds)
                yield
            finally:
                conn.execute("COMMIT")
                conn.close()
        else:
            with self.unreachable():
                time.sleep(seconds)
                yield

    @contextmanager
    def unreachable(self) -> Iterator[None]:
        """The database cannot be opened: SQLite's file is replaced by a folder; PostgreSQL refuses connections."""
        if self.sqlite_path is not None:
            aside = self.sqlite_path.with_name("aside.sqlite3")
            self.sqlite_path.rename(aside)
            self.sqlite_path.mkdir()
            try:
                yield
            finally:
                self.sqlite_path.rmdir()
                aside.rename(self.sqlite_path)
        else:
            import psycopg

            assert self.pg is not None
            name = self.pg["name"]
            with psycopg.connect(**self._connargs("postgres"), autocommit=True) as admin:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                    "pg_backend_pid()",
                    [name],
                )
                try:
                    yield
                finally:
                    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


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


def wait_for(condition: Any, *, timeout: float, step: float = 0.25, what: str = "") -> Any:
    """``condition()`` once truthy (its value), polling every ``step`` s; fails the test after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what}")
        time.sleep(step)
