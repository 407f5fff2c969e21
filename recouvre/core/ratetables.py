"""The rate tables behind French late-payment interest: the ECB main refinancing rate and the *taux de l'intérêt
légal*, shipped with Recouvre (``core/data/*.csv``) and updated by the user (``recouvre rates import``).

- **ECB** (``effective_date,rate_percent``): every change of the main refinancing operations rate, with the date
  from which it applies. The rate in force on a day is the last row on or before it. The table is known up to its
  last row only: a row repeating the rate in force records that it was confirmed unchanged on that date. A day
  after the last row is refused (the next ECB decision may have changed the rate), never guessed.
- **Legal interest** (``period_start,period_end,rate_professionals_percent,rate_individuals_percent``): one row per
  half-year since 2015 (two rates: "all other cases", and natural persons not acting for professional needs), one
  row per calendar year before (the same rate in both columns). Rows are kept by half-year: a calendar-year row is
  the same rates for both of its halves.

Rows given by the user take precedence over the shipped ones (same ECB date, same half-year). A half-year missing
from the tables raises ``MissingRateError`` naming it. Files are read all or nothing: ``RateFileError`` lists every
problem with its file, line and field.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path

from .dates import DateError, parse_date
from .i18n import _

ECB_COLUMNS = ("effective_date", "rate_percent")
LEGAL_COLUMNS = ("period_start", "period_end", "rate_professionals_percent", "rate_individuals_percent")
RATE_DECIMALS = 4  # rates are stored with at most four decimals (e.g. 3.15, 0.04)
SHIPPED_ECB = "ecb_mro_rates.csv"
SHIPPED_LEGAL = "fr_legal_interest_rates.csv"


class RateKind(StrEnum):
    ECB = "ecb"
    LEGAL = "legal"


class Creditor(StrEnum):
    """Whose legal rate applies: the creditor's status decides (C. mon. fin. L313-2), not the debtor's."""

    PROFESSIONAL = "professional"  # "all other cases": a company, a sole trader acting for its business
    INDIVIDUAL = "individual"  # a natural person not acting for professional needs


@dataclass(frozen=True, slots=True, order=True)
class HalfYear:
    """A calendar half-year: ``half`` 1 is January to June, 2 is July to December."""

    year: int
    half: int

    @classmethod
    def of(cls, day: date) -> HalfYear:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def next(self) -> HalfYear:
        return HalfYear(self.year, 2) if self.half == 1 else HalfYear(self.year + 1, 1)

    @property
    def label(self) -> str:
        """``2026 H2`` (the French catalogue writes ``2026 S2``)."""
        return _("%(year)d H%(half)d") % {"year": self.year, "half": self.half}

    def __str__(self) -> str:
        return f"{self.year} H{self.half}"


class RateError(ValueError):
    """A rate that cannot be used (missing from the tables, or a file that cannot be read)."""


class MissingRateError(RateError):
    """A half-year the tables do not cover. ``kind`` says which table, ``half_year`` which half-year."""

    def __init__(self, kind: RateKind, half_year: HalfYear, message: str):
        super().__init__(message)
        self.kind = kind
        self.half_year = half_year


@dataclass(frozen=True, slots=True)
class EcbRate:
    effective_on: date
    rate: Decimal  # percent per year


@dataclass(frozen=True, slots=True)
class LegalRate:
    half_year: HalfYear
    professionals: Decimal  # percent per year, "all other cases"
    individuals: Decimal  # percent per year, natural persons not acting for professional needs

    def for_creditor(self, creditor: Creditor) -> Decimal:
        return self.individuals if creditor is Creditor.INDIVIDUAL else self.professionals


@dataclass(frozen=True)
class RateTables:
    """Both tables, ready for lookups. Build with ``RateTables.of(ecb_rows, legal_rows)``."""

    ecb: tuple[EcbRate, ...] = ()
    legal: Mapping[HalfYear, LegalRate] = field(default_factory=dict)
    _ecb_dates: tuple[date, ...] = ()

    @classmethod
    def of(cls, ecb: Iterable[EcbRate], legal: Iterable[LegalRate]) -> RateTables:
        by_date = {row.effective_on: row for row in ecb}
        ordered = tuple(by_date[d] for d in sorted(by_date))
        return cls(ordered, {row.half_year: row for row in legal}, tuple(r.effective_on for r in ordered))

    def overridden_by(self, ecb: Iterable[EcbRate], legal: Iterable[LegalRate]) -> RateTables:
        """These tables with ``ecb`` and ``legal`` rows taking precedence (same ECB date, same half-year)."""
        ecb_rows = {row.effective_on: row for row in self.ecb}
        ecb_rows.update((row.effective_on, row) for row in ecb)
        legal_rows = dict(self.legal)
        legal_rows.update((row.half_year, row) for row in legal)
        return RateTables.of(ecb_rows.values(), legal_rows.values())

    def ecb_in_force(self, half_year: HalfYear) -> Decimal:
        """The ECB main refinancing rate in force on the first day of ``half_year`` (1 January or 1 July)."""
        day = half_year.start
        if not self.ecb or day > self.ecb[-1].effective_on or day < self.ecb[0].effective_on:
            known = (
                _("the ECB table runs from %(first)s to %(last)s")
                % {"first": self.ecb[0].effective_on.isoformat(), "last": self.ecb[-1].effective_on.isoformat()}
                if self.ecb
                else _("the ECB table is empty")
            )
            raise MissingRateError(
                RateKind.ECB,
                half_year,
                _(
                    "no ECB main refinancing rate for %(half_year)s: the rate in force on %(day)s is not in the "
                    "rate tables (%(known)s); import the official figure with `recouvre rates import`"
                )
                % {"half_year": half_year.label, "day": day.isoformat(), "known": known},
            )
        return self.ecb[bisect_right(self._ecb_dates, day) - 1].rate

    def legal_rate(self, half_year: HalfYear) -> LegalRate:
        """Both legal interest rates of ``half_year``."""
        row = self.legal.get(half_year)
        if row is None:
            raise MissingRateError(
                RateKind.LEGAL,
                half_year,
                _(
                    "no legal interest rate (taux de l'intérêt légal) for %(half_year)s, from %(start)s to %(end)s, "
                    "in the rate tables; import the figures of the arrêté published in the Journal officiel with "
                    "`recouvre rates import`"
                )
                % {
                    "half_year": half_year.label,
                    "start": half_year.start.isoformat(),
                    "end": half_year.end.isoformat(),
                },
            )
        return row


# --------------------------------------------------------------------------------------------- files


@dataclass(frozen=True, slots=True)
class RateFileProblem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class RateFileError(RateError):
    """A rate file refused as a whole; ``problems`` names each file, line and field at fault."""

    def __init__(self, problems: list[RateFileProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class RateFile:
    kind: RateKind
    ecb: tuple[EcbRate, ...] = ()
    legal: tuple[LegalRate, ...] = ()

    @property
    def rows(self) -> int:
        return len(self.ecb) if self.kind is RateKind.ECB else len(self.legal)


_RATE = re.compile(r"^\d{1,2}(?:[.,]\d{1,%d})?$" % RATE_DECIMALS)


def _rate(text: str) -> Decimal:
    value = text.strip().replace("%", "").strip()
    if not _RATE.match(value):
        raise ValueError(_("not a rate in percent: %(text)r (expected e.g. 2.15, from 0 to 99.9999)") % {"text": text})
    return Decimal(value.replace(",", "."))


def parse_rate_file(text: str, file: str, kind: RateKind | None = None) -> RateFile:
    """Read a rate file: comma or semicolon separated, ``#`` lines are comments, the header names the columns
    (``ECB_COLUMNS`` or ``LEGAL_COLUMNS``, which also tells the kind when ``kind`` is not given). Every problem is
    collected and raised together (``RateFileError``); nothing is half read."""
    problems: list[RateFileProblem] = []
    lines = [(n, line) for n, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1)]
    content = [(n, line) for n, line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not content:
        raise RateFileError([RateFileProblem(file, 1, "", _("the file has no header and no rows"))])
    header_line, header = content[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    columns = tuple(c.strip().lower() for c in next(csv.reader([header], delimiter=delimiter)))
    found = RateKind.ECB if columns == ECB_COLUMNS else RateKind.LEGAL if columns == LEGAL_COLUMNS else None
    if found is None or (kind is not None and found is not kind):
        expected = ECB_COLUMNS if kind is RateKind.ECB else LEGAL_COLUMNS if kind is RateKind.LEGAL else None
        message = (
            _("the header must be %(columns)s") % {"columns": ",".join(expected)}
            if expected
            else _("the header must be %(ecb)s (ECB rates) or %(legal)s (legal interest rates)")
            % {"ecb": ",".join(ECB_COLUMNS), "legal": ",".join(LEGAL_COLUMNS)}
        )
        raise RateFileError(
            [RateFileProblem(file, header_line, "", message + _(", found %(found)s") % {"found": ",".join(columns)})]
        )
    ecb: list[EcbRate] = []
    legal: list[LegalRate] = []
    seen: dict[object, int] = {}
    for n, line in content[1:]:
        cells = [c.strip() for c in next(csv.reader([line], delimiter=delimiter))]
        if len(cells) != len(columns):
            problems.append(
                RateFileProblem(
                    file,
                    n,
                    "",
                    _("%(found)d fields, expected %(expected)d") % {"found": len(cells), "expected": len(columns)},
                )
            )
            continue
        values: dict[str, object] = {}
        for name, cell in zip(columns, cells, strict=True):
            try:
                values[name] = parse_date(cell) if name.startswith(("effective", "period")) else _rate(cell)
            except (DateError, ValueError) as exc:
                problems.append(RateFileProblem(file, n, name, str(exc)))
        if len(values) != len(columns):
            continue
        if found is RateKind.ECB:
            row = EcbRate(_as_date(values["effective_date"]), _as_decimal(values["rate_percent"]))
            if row.effective_on in seen:
                problems.append(
                    RateFileProblem(
                        file,
                        n,
                        "effective_date",
                        _("%(day)s is already on line %(line)d")
                        % {"day": row.effective_on.isoformat(), "line": seen[row.effective_on]},
                    )
                )
                continue
            seen[row.effective_on] = n
            ecb.append(row)
            continue
        start, end = _as_date(values["period_start"]), _as_date(values["period_end"])
        halves, bad_field, problem = _halves(start, end)
        if problem:
            problems.append(RateFileProblem(file, n, bad_field, problem))
            continue
        for half in halves:
            if half in seen:
                problems.append(
                    RateFileProblem(
                        file,
                        n,
                        "period_start",
                        _("%(half_year)s is already on line %(line)d") % {"half_year": half.label, "line": seen[half]},
                    )
                )
                break
            seen[half] = n
        else:
            for half in halves:
                legal.append(
                    LegalRate(
                        half,
                        _as_decimal(values["rate_professionals_percent"]),
                        _as_decimal(values["rate_individuals_percent"]),
                    )
                )
    if len(content) == 1:
        problems.append(RateFileProblem(file, header_line, "", _("the file has a header but no rows")))
    if problems:
        raise RateFileError(problems)
    return RateFile(
        found, tuple(sorted(ecb, key=lambda r: r.effective_on)), tuple(sorted(legal, key=lambda r: r.half_year))
    )


def _halves(start: date, end: date) -> tuple[tuple[HalfYear, ...], str, str]:
    """The half-years of a legal-rate period, or the field at fault and the reason it is not one half-year or one
    calendar year."""
    if (start.month, start.day) not in ((1, 1), (7, 1)):
        return (), "period_start", _("a period starts on 1 January or 1 July, not %(day)s") % {"day": start.isoformat()}
    if (end.month, end.day) not in ((6, 30), (12, 31)):
        return (), "period_end", _("a period ends on 30 June or 31 December, not %(day)s") % {"day": end.isoformat()}
    first, last = HalfYear.of(start), HalfYear.of(end)
    if last < first or end.year != start.year:
        return (
            (),
            "period_end",
            _("a period is one half-year or one calendar year: %(start)s to %(end)s is not")
            % {"start": start.isoformat(), "end": end.isoformat()},
        )
    return ((first,) if first == last else (first, last)), "", ""


def _as_date(value: object) -> date:
    assert isinstance(value, date)
    return value


def _as_decimal(value: object) -> Decimal:
    assert isinstance(value, Decimal)
    return value


@cache
def shipped_tables() -> RateTables:
    """The tables shipped with Recouvre (``recouvre/core/data``), read once."""
    data = resources.files("recouvre.core").joinpath("data")
    ecb = parse_rate_file(data.joinpath(SHIPPED_ECB).read_text("utf-8"), SHIPPED_ECB, RateKind.ECB)
    legal = parse_rate_file(data.joinpath(SHIPPED_LEGAL).read_text("utf-8"), SHIPPED_LEGAL, RateKind.LEGAL)
    return RateTables.of(ecb.ecb, legal.legal)


def read_rate_file(path: str, kind: RateKind | None = None) -> RateFile:
    """``parse_rate_file`` of a file on disk, read as UTF-8 (Latin-1 when it is not valid UTF-8); problems name the
    file as ``path`` was written."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return parse_rate_file(text, path, kind)


# --------------------------------------------------------------------------------------------- ECB answers

ECB_SERIES = "FM/D.U2.EUR.4F.KR.MRR_FR.LEV"  # ECB Data Portal: main refinancing operations, fixed rate, level
ECB_ANSWER_COLUMNS = ("TIME_PERIOD", "OBS_VALUE")


class EcbAnswerError(RateError):
    """An answer of the ECB Data Portal that cannot be read (nothing is taken from it)."""


def parse_ecb_answer(text: str) -> tuple[EcbRate, ...]:
    """The observations of the ECB Data Portal's ``csvdata`` answer for ``ECB_SERIES``: one row per change of the
    rate, columns ``TIME_PERIOD`` (``YYYY-MM-DD``) and ``OBS_VALUE`` (percent), others ignored. An answer with the
    header and no row has no observation. Anything else (no such columns, a date or a rate that does not read, the
    same date twice with different rates) raises ``EcbAnswerError``: the answer is taken whole or not at all."""
    rows = list(csv.reader(text.lstrip("\ufeff").splitlines()))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise EcbAnswerError(_("the ECB answer is empty"))
    header = [cell.strip().upper() for cell in rows[0]]
    if any(column not in header for column in ECB_ANSWER_COLUMNS):
        raise EcbAnswerError(
            _("the ECB answer has no %(columns)s columns") % {"columns": " and ".join(ECB_ANSWER_COLUMNS)}
        )
    at, value_at = header.index("TIME_PERIOD"), header.index("OBS_VALUE")
    found: dict[date, Decimal] = {}
    for n, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise EcbAnswerError(
                _("line %(line)d of the ECB answer has %(found)d fields, expected %(expected)d")
                % {"line": n, "found": len(cells), "expected": len(header)}
            )
        day_text, value_text = cells[at].strip(), cells[value_at].strip()
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            raise EcbAnswerError(
                _("line %(line)d of the ECB answer: %(text)r is not a date") % {"line": n, "text": day_text}
            ) from None
        if not _ECB_VALUE.match(value_text):
            raise EcbAnswerError(
                _("line %(line)d of the ECB answer: %(text)r is not a rate") % {"line": n, "text": value_text}
            )
        value = Decimal(value_text)
        if found.get(day, value) != value:
            raise EcbAnswerError(_("the ECB answer gives two rates for %(day)s") % {"day": day.isoformat()})
        found[day] = value
    return tuple(EcbRate(day, found[day]) for day in sorted(found))


_ECB_VALUE = re.compile(r"^\d{1,2}(?:\.\d{1,%d})?$" % RATE_DECIMALS)


@dataclass(frozen=True, slots=True)
class EcbSettlement:
    """What an ECB answer adds to the table: the new changes of the rate, and a row on the first day of each
    half-year it settles (the rate in force that day), and those half-years."""

    rows: tuple[EcbRate, ...]
    half_years: tuple[HalfYear, ...]


def settle_ecb(known: tuple[EcbRate, ...], observed: tuple[EcbRate, ...], today: date) -> EcbSettlement:
    """The rows ``observed`` (an ECB answer) adds to the ``known`` table on ``today``. Only what the answer
    establishes: its changes after the last known row, up to ``today``; then, for each half-year whose first day
    is after the last known row and has passed (before ``today``), the rate in force that day — the last change on
    or before it, the series recording changes only — as a row dated that day. Nothing beyond ``today`` and nothing
    before the table's end is ever added: never guessed, extrapolated or copied past what the answer covers."""
    if not known:
        return EcbSettlement((), ())
    last = known[-1].effective_on
    changes = [row for row in observed if last < row.effective_on <= today]
    merged = {row.effective_on: row for row in known}
    merged.update((row.effective_on, row) for row in changes)
    dates = sorted(merged)
    added = {row.effective_on: row for row in changes}
    settled: list[HalfYear] = []
    half = HalfYear.of(last).next()
    while half.start < today:
        in_force = merged[dates[bisect_right(dates, half.start) - 1]]
        if half.start not in added:
            added[half.start] = EcbRate(half.start, in_force.rate)
        settled.append(half)
        half = half.next()
    return EcbSettlement(tuple(added[d] for d in sorted(added)), tuple(settled))
