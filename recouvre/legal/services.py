"""Writes: ``import_rates`` stores the rows of a rate file, all or nothing, and is idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from recouvre.core.ratetables import RateFile, RateKind, read_rate_file

from . import models


@dataclass(frozen=True, slots=True)
class RatesImported:
    file: str
    kind: RateKind
    created: int
    updated: int
    unchanged: int

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "kind": str(self.kind),
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


def import_rates(path: str, kind: RateKind | None = None) -> RatesImported:
    """Store the rows of the rate file at ``path`` (its header tells the kind unless ``kind`` is given). The file is
    checked whole before anything is written (``RateFileError`` names file, line and field of each problem); then
    every row is written in one transaction: a new date or half-year is created, a different rate replaces the
    stored one, the same rate is left as it is (importing the same file twice changes nothing)."""
    parsed = read_rate_file(path, kind)
    return store_rates(parsed, source=path)


def store_rates(parsed: RateFile, *, source: str) -> RatesImported:
    now = timezone.now()
    created = updated = unchanged = 0
    with transaction.atomic():
        if parsed.kind is RateKind.ECB:
            stored = {r.effective_on: r for r in models.EcbRate.objects.select_for_update()}
            for row in parsed.ecb:
                current = stored.get(row.effective_on)
                if current is None:
                    models.EcbRate.objects.create(
                        effective_on=row.effective_on, rate=row.rate, source=source, imported_at=now
                    )
                    created += 1
                elif Decimal(current.rate) != row.rate:
                    current.rate, current.source, current.imported_at = row.rate, source, now
                    current.save(update_fields=["rate", "source", "imported_at"])
                    updated += 1
                else:
                    unchanged += 1
        else:
            legal = {(r.year, r.half): r for r in models.LegalRate.objects.select_for_update()}
            for lrow in parsed.legal:
                key = (lrow.half_year.year, lrow.half_year.half)
                existing = legal.get(key)
                if existing is None:
                    models.LegalRate.objects.create(
                        year=key[0],
                        half=key[1],
                        professionals=lrow.professionals,
                        individuals=lrow.individuals,
                        source=source,
                        imported_at=now,
                    )
                    created += 1
                elif (Decimal(existing.professionals), Decimal(existing.individuals)) != (
                    lrow.professionals,
                    lrow.individuals,
                ):
                    existing.professionals, existing.individuals = lrow.professionals, lrow.individuals
                    existing.source, existing.imported_at = source, now
                    existing.save(update_fields=["professionals", "individuals", "source", "imported_at"])
                    updated += 1
                else:
                    unchanged += 1
    return RatesImported(source, parsed.kind, created, updated, unchanged)
