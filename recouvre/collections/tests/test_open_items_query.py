"""The open items' query on SQLite reaches each subquery through an index, never by scanning it once per invoice."""

from __future__ import annotations

import pytest
from django.db import connection

from recouvre.collections import selectors

pytestmark = pytest.mark.django_db


def test_sqlite_reads_no_subquery_once_per_invoice(org):  # type: ignore[no-untyped-def]
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite query")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + selectors._OPEN_ITEMS_SQLITE.replace("?", "%s"), [org.pk] * 3)
        plan = [row[3] for row in cursor.fetchall()]
    # The last step carried out (d) and the step in progress (p): each materialised once, then searched by index.
    assert [step.split(" USING ")[0] for step in plan if step.startswith(("SEARCH d ", "SEARCH p "))] == [
        "SEARCH d",
        "SEARCH p",
    ]
    assert [step for step in plan if step.startswith("SCAN")] == []
