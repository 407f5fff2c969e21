"""CSV lines are read a block of text at a time while they are plain, and by the csv module otherwise: the same
cells and the same line numbers as the csv module reading the whole file, whatever the block boundaries."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recouvre.core import tabular
from recouvre.core.tabular import TabularError, open_table

HEADER = "ref;name;amount\r\n"


def by_csv_module(path: Path) -> list[tuple[int, tuple[str, ...]]] | tuple[int, str]:
    """What the csv module reads after the header, numbered as people see the lines; or the line it stops at."""
    rows: list[tuple[int, tuple[str, ...]]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        next(fh)
        reader = csv.reader(fh, delimiter=";")
        last = 1
        try:
            for cells in reader:
                line = last + 1
                last = 1 + reader.line_num
                if cells and any(cells):
                    rows.append((line, tuple(cells)))
        except csv.Error:
            return (last + 1, "error")
    return rows


def by_table(path: Path) -> list[tuple[int, tuple[str, ...]]] | tuple[int, str]:
    try:
        with open_table(path) as table:
            assert table.header.cells == ("ref", "name", "amount")
            return list(table.rows())
    except TabularError as exc:
        return (exc.line, "error")


PIECES = ["a", "é", ";", " ", ",", "\x00", '"', "\n", "\r", "\r\n", "A;Dupont;12,50\r\n", "B;x;1\n", ";;\r\n"]
body = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(
    max_examples=600, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body, st.sampled_from([1, 2, 3, 5, 8, 64, 1 << 20]))
def test_blocks_read_what_the_csv_module_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, chunk: int
) -> None:
    path = tmp_path / "lines.csv"
    path.write_bytes((HEADER + text).encode("utf-8"))
    monkeypatch.setattr(tabular, "_TEXT_CHUNK", chunk)
    assert by_table(path) == by_csv_module(path)


def test_plain_lines_with_blank_ones_keep_their_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tabular, "_TEXT_CHUNK", 10)
    path = tmp_path / "plain.csv"
    path.write_bytes((HEADER + "A;Dupont;12,50\r\n\r\n;;\r\nB; Martin ;7\r\nC;;\r\nD;x;1").encode("utf-8"))
    assert by_table(path) == [
        (2, ("A", "Dupont", "12,50")),
        (5, ("B", " Martin ", "7")),
        (6, ("C", "", "")),
        (7, ("D", "x", "1")),
    ]


def test_a_quoted_value_after_plain_blocks_is_read_by_the_csv_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tabular, "_TEXT_CHUNK", 16)
    path = tmp_path / "quoted.csv"
    path.write_bytes((HEADER + 'A;Dupont;1\nB;Martin;2\nC;"Durand\net fils";3\nD;"x;y";4\n').encode("utf-8"))
    assert by_table(path) == [
        (2, ("A", "Dupont", "1")),
        (3, ("B", "Martin", "2")),
        (4, ("C", "Durand\net fils", "3")),
        (6, ("D", "x;y", "4")),
    ]


def test_a_value_longer_than_the_csv_limit_is_refused_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes((HEADER + "A;Dupont;1\nB;" + "N" * 200 + ";2\n").encode("utf-8"))
    previous = csv.field_size_limit(100)
    try:
        assert by_table(path) == by_csv_module(path) == (3, "error")
    finally:
        csv.field_size_limit(previous)
