"""Reads: the rate tables in use (the shipped ones, with the imported rows taking precedence), and their rows for
``recouvre rates list``. Rates are legal facts shared by every organization: nothing here is tenant-scoped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from recouvre.core import ratetables as core
from recouvre.core.interest import rate_text
from recouvre.core.ratetables import HalfYear, RateKind, RateTables, shipped_tables

from . import models

SHIPPED = "shipped"


def rate_tables() -> RateTables:
    """The tables the interest engine uses: shipped with Recouvre, overridden by the imported rows."""
    return shipped_tables().overridden_by(
        (core.EcbRate(r.effective_on, Decimal(r.rate)) for r in models.EcbRate.objects.all()),
        (
            core.LegalRate(HalfYear(r.year, r.half), Decimal(r.professionals), Decimal(r.individuals))
            for r in models.LegalRate.objects.all()
        ),
    )


@dataclass(frozen=True, slots=True)
class RateRow:
    kind: RateKind
    start: date
    end: date | None  # legal rates: the half-year's last day; ECB rates: None
    rate: Decimal  # ECB rate, or the legal rate "all other cases"
    individuals: Decimal | None  # legal rate for natural persons
    source: str  # "shipped", or the file it was imported from

    def as_dict(self) -> dict[str, object]:
        if self.kind is RateKind.ECB:
            return {"effective_date": self.start.isoformat(), "rate": rate_text(self.rate), "source": self.source}
        assert self.end is not None and self.individuals is not None
        return {
            "half_year": str(HalfYear.of(self.start)),
            "period_start": self.start.isoformat(),
            "period_end": self.end.isoformat(),
            "rate_professionals": rate_text(self.rate),
            "rate_individuals": rate_text(self.individuals),
            "source": self.source,
        }


def rate_rows(kind: RateKind) -> list[RateRow]:
    """Every row in use of one table, oldest first, saying where it comes from."""
    tables = rate_tables()
    if kind is RateKind.ECB:
        imported = {r.effective_on: r.source for r in models.EcbRate.objects.all()}
        return [
            RateRow(kind, r.effective_on, None, r.rate, None, imported.get(r.effective_on, SHIPPED)) for r in tables.ecb
        ]
    sources = {HalfYear(r.year, r.half): r.source for r in models.LegalRate.objects.all()}
    return [
        RateRow(kind, h.start, h.end, row.professionals, row.individuals, sources.get(h, SHIPPED))
        for h, row in sorted(tables.legal.items())
    ]
