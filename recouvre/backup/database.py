"""The database of a backup: copied out consistently (SQLite's online backup API, ``pg_dump -Fc``) and put back
(the SQLite file moved into place, ``pg_restore --clean`` in one transaction)."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.utils.translation import gettext as _

ENGINES = {"django.db.backends.sqlite3": "sqlite", "django.db.backends.postgresql": "postgresql"}
# libpq's connection settings that may be given as options of RECOUVRE_DATABASE_URL (``?sslmode=require``)
_LIBPQ_OPTIONS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "connect_timeout", "options"}


class DatabaseRefused(Exception):
    """The database cannot be copied or put back; ``str()`` says why, for the user."""


def _config() -> dict[str, Any]:
    return dict(settings.DATABASES["default"])


def engine() -> str:
    """``sqlite`` or ``postgresql``: the engines a backup handles."""
    name = ENGINES.get(_config()["ENGINE"])
    if name is None:
        raise DatabaseRefused(
            _("backups handle SQLite and PostgreSQL databases only, not %(engine)s") % {"engine": _config()["ENGINE"]}
        )
    return name


def sqlite_path() -> Path:
    return Path(_config()["NAME"])


def sqlite_companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def latest_migrations() -> dict[str, str]:
    """The latest migration applied of each app, from the database itself."""
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return latest


def migrations_in_sqlite(path: Path) -> dict[str, str]:
    """The latest migration applied of each app, as recorded in the SQLite file ``path`` (a backup's copy)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT app, MAX(name) FROM django_migrations GROUP BY app").fetchall()
    except sqlite3.OperationalError:  # no migration applied yet
        rows = []
    finally:
        db.close()
    return {app: name for app, name in rows}


def organizations() -> list[str]:
    """The short names of the organizations the configured database holds (none when it has no tables yet)."""
    from recouvre.organizations.models import Organization

    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        if not Path(connection.settings_dict["NAME"]).exists():
            return []  # a fresh data folder: no database file yet (connecting would create one)
    try:
        tables = connection.introspection.table_names()
    except DatabaseError as exc:
        raise DatabaseRefused(_("cannot reach the database: %(error)s") % {"error": exc}) from exc
    if Organization._meta.db_table not in tables:
        return []
    return list(Organization.objects.order_by("slug").values_list("slug", flat=True))


# --------------------------------------------------------------------------------------------- copy out


def snapshot_sqlite(out: Path) -> None:
    """A consistent copy of the SQLite database in ``out``, taken while others may write (online backup API)."""
    path = sqlite_path()
    if not path.is_file():
        raise DatabaseRefused(_("there is no database to back up at %(path)s") % {"path": path})
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        target = sqlite3.connect(out)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, without -wal
        finally:
            target.close()
    except sqlite3.Error as exc:
        raise DatabaseRefused(_("cannot copy the database %(path)s: %(error)s") % {"path": path, "error": exc}) from exc
    finally:
        source.close()


def _client(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise DatabaseRefused(
            _(
                "%(program)s was not found on PATH: install PostgreSQL's client programs (the version of the server "
                "or newer; Debian: apt-get install postgresql-client)"
            )
            % {"program": program}
        )
    return found


def check_clients(*programs: str) -> None:
    for program in programs:
        _client(program)


def _libpq_env() -> dict[str, str]:
    """The connection to the configured PostgreSQL database, for ``pg_dump`` and ``pg_restore``: in the
    environment, so that the password never shows in the process list."""
    config = _config()
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", config.get("HOST")),
        ("PGPORT", config.get("PORT")),
        ("PGUSER", config.get("USER")),
        ("PGPASSWORD", config.get("PASSWORD")),
        ("PGDATABASE", config.get("NAME")),
    ):
        if value:
            env[key] = str(value)
    for option, value in (config.get("OPTIONS") or {}).items():
        if option in _LIBPQ_OPTIONS and value is not None:
            env["PG" + option.upper()] = str(value)
    return env


def _run(program: str, *args: str) -> None:
    result = subprocess.run([_client(program), *args], env=_libpq_env(), capture_output=True, text=True)
    if result.returncode != 0:
        detail = " ".join(result.stderr.strip().splitlines()[-3:]) or _("exit code %(code)d") % {
            "code": result.returncode
        }
        raise DatabaseRefused(_("%(program)s failed: %(error)s") % {"program": program, "error": detail})


def dump_postgresql(out: Path) -> None:
    """``pg_dump -Fc`` of the configured database into ``out`` (a consistent snapshot, taken while others write)."""
    _run("pg_dump", "--format=custom", "--file", str(out), "--dbname", str(_config()["NAME"]))


# --------------------------------------------------------------------------------------------- put back


def restore_postgresql(dump: Path) -> None:
    """Put the dump back into the configured database, in one transaction: when anything fails, the database is
    as it was. Objects of the dump already there are dropped first (``--clean``)."""
    connections.close_all()
    _run(
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--dbname",
        str(_config()["NAME"]),
        str(dump),
    )


class SqliteSwap:
    """Put a restored SQLite file in place of the configured database, keeping the previous one (and its ``-wal``)
    aside until ``commit``, so that ``rollback`` can put it back."""

    def __init__(self, restored: Path, tag: str) -> None:
        self.target = sqlite_path()
        self.restored = restored
        self.tag = tag
        self.kept: list[tuple[Path, Path]] = []

    def apply(self) -> None:
        connections.close_all()
        target = self.target
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(f".{target.name}.{self.tag}.restored")
        shutil.move(self.restored, staged)  # beside the database: the final move is a rename
        for path in [target, *sqlite_companions(target)]:
            if path.exists():
                aside = path.with_name(f".{path.name}.{self.tag}.before-restore")
                os.replace(path, aside)
                self.kept.append((aside, path))
        os.replace(staged, target)

    def rollback(self) -> None:
        connections.close_all()
        for path in [self.target, *sqlite_companions(self.target)]:
            path.unlink(missing_ok=True)
        for aside, path in self.kept:
            os.replace(aside, path)
        self.kept = []

    def commit(self) -> None:
        for aside, _path in self.kept:
            with contextlib.suppress(FileNotFoundError):
                aside.unlink()
        self.kept = []
