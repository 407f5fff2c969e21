"""Bulk writes shared by the imports (CSV/XLSX and FEC): plain value tuples inserted many rows at a time.

- ``insert_rows`` / ``insert_with_defaults``: on SQLite, hundreds of rows per ``INSERT ... VALUES`` statement
  (within the connection's limit of parameters) on the DB-API cursor; on PostgreSQL, ``COPY``. Values must already
  be what the database takes (``Decimal``, ``date``, ids, JSON text); the model's defaults fill the other columns.
- ``indexes_rebuilt``: on SQLite, a table that receives at least as many rows as it holds gets its secondary
  indexes built once after the inserts instead of updated row by row.
- ``large_write_cache``: a larger SQLite page cache while a large import writes.
- ``gc_paused``: the cyclic garbage collector paused while millions of small objects are built.
- ``json_text``: ``json.dumps``' text of a value, for the JSON columns of plain rows.
- ``select_in``: the rows of a plain query for thousands of values (the keys or ids of what was just written).

None of them commits: the caller's transaction makes the import all-or-nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import batched, chain
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from recouvre.core import jsontext

PROGRESS_EVERY = 5000  # rows between two progress reports
COPY_BATCH = 5000  # rows per COPY on PostgreSQL
ROWS_PER_INSERT = 500  # rows per INSERT statement, fewer when the columns would pass the parameter limit
SQLITE_IMPORT_CACHE_KIB = 256 * 1024
REBUILD_MIN_ROWS = 50_000  # below this many rows, updating the indexes row by row costs little


json_text = jsontext.encoder()
"""``json.dumps(value)``: the text Django writes in a JSON column on SQLite."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while hundreds of thousands of small, acyclic objects are built: it would
    otherwise walk them again and again (a third of the run time on large files)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def insert_rows(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert plain value tuples (one value per field of ``fields``, names or attribute names) and return how many.
    Far cheaper than building model instances. ``progress(done)`` is called every few thousand rows and at the
    end."""
    meta = model._meta
    columns = ", ".join(_qn(meta.get_field(f).column) for f in fields)
    table = _qn(meta.db_table)
    if connection.vendor == "postgresql":
        return _copy(table, columns, rows, progress)
    width = len(fields)
    limit = connection.features.max_query_params or 999
    per_statement = max(1, min(ROWS_PER_INSERT, limit // width))
    head = f"INSERT INTO {table} ({columns}) VALUES "
    if connection.vendor == "sqlite":
        # The DB-API cursor takes "?" placeholders as they are: Django's cursor would rewrite each statement's
        # thousands of "%s" with a regular expression (about a millisecond a statement). Django's SQLite adapters
        # (Decimal, date) still apply.
        mark = "?"
        connection.ensure_connection()
        cursor: Any = connection.connection.cursor()
        close = cursor.close
    else:
        mark = "%s"
        cursor = connection.cursor()
        close = cursor.close
    one = "(" + ", ".join([mark] * width) + ")"
    full = head + ", ".join([one] * per_statement)
    done = reported = 0
    flat = chain.from_iterable
    try:
        for batch in batched(rows, per_statement):
            n = len(batch)
            cursor.execute(full if n == per_statement else head + ", ".join([one] * n), list(flat(batch)))
            done += n
            if progress is not None and done - reported >= PROGRESS_EVERY:
                reported = done
                progress(done)
    finally:
        close()
    if progress is not None and done != reported:
        progress(done)
    return done


def _copy(table: str, columns: str, rows: Iterable[Sequence[Any]], progress: Callable[[int], None] | None) -> int:
    """COPY is several times faster than INSERT for many rows; psycopg adapts each Python value."""
    done = 0
    with connection.cursor() as cursor:
        for batch in batched(rows, COPY_BATCH):
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
            done += len(batch)
            if progress is not None:
                progress(done)
    return done


def select_in(sql: str, params: Sequence[Any], values: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
    """The rows of the query ``sql`` for each of ``values``, a few thousand at a time: ``sql`` has ``{marks}``
    where the placeholders of the values go (``... WHERE id IN ({marks})``), ``params`` are the parameters before
    them. A plain statement: the ORM would prepare each of the thousands of values of an ``__in`` lookup."""
    size = min(5000, max(100, (connection.features.max_query_params or 5000) - len(params) - 10))
    with connection.cursor() as cursor:
        for start in range(0, len(values), size):
            chunk = values[start : start + size]
            cursor.execute(sql.format(marks=", ".join(["%s"] * len(chunk))), [*params, *chunk])
            yield from cursor.fetchall()


def column_defaults(model: type[Model], given: Sequence[str]) -> dict[str, Any]:
    """Database-ready values for the model's other columns: its defaults, ``now`` for ``auto_now(_add)``
    fields, NULL where allowed. The primary key and generated columns are left to the database."""
    now = timezone.now()
    out: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or getattr(f, "generated", False) or f.name in given or f.attname in given:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value: Any = now
        elif f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        else:
            raise ValueError(f"{model.__name__}.{f.name} has no default: give it")
        out[f.name] = f.get_db_prep_save(value, connection)
    return out


def insert_with_defaults(
    model: type[Model],
    given: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """``insert_rows`` for the ``given`` fields, the model's defaults filling in every other column."""
    defaults = column_defaults(model, given)
    if not defaults:
        return insert_rows(model, given, rows, progress=progress)
    extra = tuple(defaults.values())
    return insert_rows(model, [*given, *defaults], (tuple(r) + extra for r in rows), progress=progress)


@contextmanager
def large_write_cache(rows: int) -> Iterator[None]:
    """On SQLite, let the page cache grow to 256 MiB while a large import writes (the default 2 MiB makes every
    index insert of a million-row table read pages back, roughly doubling the write time); restored after."""
    if connection.vendor != "sqlite" or rows < 20_000:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


@contextmanager
def indexes_rebuilt(model: type[Model], rows: int) -> Iterator[None]:
    """Around the insertion of ``rows`` rows into ``model``'s table, inside a transaction: on SQLite, when they are
    many and at least as many as the table holds, drop its secondary indexes first and create them again after.

    Inserting a million rows into an index in random order costs several times more than building the index once
    from the sorted rows. Only plain indexes are set aside: those of primary keys and unique constraints stay, so
    every constraint is checked row by row as always. It all happens in a savepoint of the caller's transaction:
    other connections never see the table without its indexes, and an error restores them with everything else.
    """
    if connection.vendor != "sqlite" or rows < REBUILD_MIN_ROWS or not connection.in_atomic_block:
        yield
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(rowid) FROM {_qn(table)}")  # at least the rows the table holds; no scan
        held = cursor.fetchone()[0] or 0
        if held > rows:
            indexes: list[tuple[str, str]] = []
        else:
            cursor.execute(f"PRAGMA index_list({_qn(table)})")
            plain = [row[1] for row in cursor.fetchall() if row[3] == "c" and not row[2]]  # name, unique, origin
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
            indexes = [(name, sql) for name, sql in cursor.fetchall() if name in plain]
    if not indexes:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            for name, _sql in indexes:
                cursor.execute(f"DROP INDEX {_qn(name)}")
        yield
        with connection.cursor() as cursor:
            for _name, sql in indexes:
                cursor.execute(sql)


def insert_returning_ids(model: type[Model], given: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[int]:
    """``insert_with_defaults`` that also returns the new rows' ids, in the order of ``rows`` (``INSERT ...
    RETURNING``, as Django's ``bulk_create`` does on SQLite and PostgreSQL), without building model instances."""
    defaults = column_defaults(model, given)
    fields = [*given, *defaults]
    extra = tuple(defaults.values())
    meta = model._meta
    columns = ", ".join(_qn(meta.get_field(f).column) for f in fields)
    head = f"INSERT INTO {_qn(meta.db_table)} ({columns}) VALUES "
    returning = f" RETURNING {_qn(meta.pk.column)}"
    width = len(fields)
    per_statement = max(1, min(ROWS_PER_INSERT, (connection.features.max_query_params or 999) // width))
    if connection.vendor == "sqlite":  # "?" on the DB-API cursor, as ``insert_rows`` does
        mark = "?"
        connection.ensure_connection()
        cursor: Any = connection.connection.cursor()
    else:
        mark = "%s"
        cursor = connection.cursor()
    one = "(" + ", ".join([mark] * width) + ")"
    ids: list[int] = []
    try:
        for batch in batched(rows, per_statement):
            cursor.execute(head + ", ".join([one] * len(batch)) + returning, [v for r in batch for v in (*r, *extra)])
            ids.extend(row[0] for row in cursor.fetchall())
    finally:
        cursor.close()
    return ids
