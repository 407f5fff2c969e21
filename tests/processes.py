"""Helpers of the tests that start ``recouvre`` processes: their database (``process_db`` in conftest.py) and ways
to make it fail for a while, and waiting for a condition."""

from __future__ import annotations

import sqlite3
import sys
import time
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
