"""Writes: ``import_rates`` stores the rows of a rate file, all or nothing, and is idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from recouvre.core.ratetables import HalfYear, LegalRate, RateFile, RateKind, read_rate_file

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


def import_rates(path: str, kind: RateKind | None = None, *, reference: str = "") -> RatesImported:
    """Store the rows of the rate file at ``path`` (its header tells the kind unless ``kind`` is given). The file is
    checked whole before anything is written (``RateFileError`` names file, line and field of each problem); then
    every row is written in one transaction: a new date or half-year is created, a different rate replaces the
    stored one, the same rate is left as it is (importing the same file twice changes nothing)."""
    parsed = read_rate_file(path, kind)
    return store_rates(parsed, source=path, reference=reference)


def store_rates(parsed: RateFile, *, source: str, reference: str = "") -> RatesImported:
    """Store parsed rows (see ``import_rates``); ``reference`` is the arrêté of legal rates (kept with each row,
    and updated on a row whose rates are unchanged when it is given)."""
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
                        reference=reference,
                        imported_at=now,
                    )
                    created += 1
                elif (Decimal(existing.professionals), Decimal(existing.individuals)) != (
                    lrow.professionals,
                    lrow.individuals,
                ):
                    existing.professionals, existing.individuals = lrow.professionals, lrow.individuals
                    existing.source, existing.imported_at = source, now
                    existing.reference = reference or existing.reference
                    existing.save(update_fields=["professionals", "individuals", "source", "reference", "imported_at"])
                    updated += 1
                else:
                    if reference and existing.reference != reference:
                        existing.reference = reference
                        existing.save(update_fields=["reference"])
                    unchanged += 1
    return RatesImported(source, parsed.kind, created, updated, unchanged)


def record_legal_rates(
    half_year: HalfYear, professionals: Decimal, individuals: Decimal, *, reference: str
) -> RatesImported:
    """The two legal interest rates of ``half_year`` entered by an administrator (web form), with the arrêté that
    fixes them: stored like an imported file (same precedence over the shipped tables)."""
    parsed = RateFile(RateKind.LEGAL, legal=(LegalRate(half_year, professionals, individuals),))
    return store_rates(parsed, source="form", reference=reference)


def set_penalty_terms(
    organization: object, *, contract_rate: str | None = None, below_floor: str | None = None
) -> object:
    """The organization's contractual penalty rate (canonical form, "" for the statutory rate) and its reading of a
    rate below the floor (``statutory`` or ``floor``), in its legal settings (created with the defaults if
    needed). ``None`` leaves a value as it is."""
    settings, _created = models.LegalSettings.objects.get_or_create(organization=organization)
    fields = []
    if contract_rate is not None:
        settings.contract_rate = contract_rate
        fields.append("contract_rate")
    if below_floor is not None:
        settings.below_floor = models.BelowFloorReading(below_floor)
        fields.append("below_floor")
    if fields:
        settings.save(update_fields=fields)
    return settings
