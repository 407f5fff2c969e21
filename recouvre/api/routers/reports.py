"""The reports: ``GET /kpis`` and ``GET /aged-balance``, as ``recouvre report kpis --json`` and ``recouvre report aging
--json``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from .. import schemas as s
from ..common import (
    ERRORS,
    org_of,
    valid_day,
)

router = Router()


@router.get("/kpis", response={200: dict[str, Any], **ERRORS}, tags=["reports"])
def kpis(
    request: HttpRequest,
    as_of: s.IsoDate | None = Query(None, description="default today"),
    months: int = Query(12, ge=1, le=120),
) -> Any:
    """DSO, CEI, overdue ratio and the other KPIs per currency, as ``recouvre report kpis --json``."""
    from recouvre.reports import kpi_exports
    from recouvre.reports.kpis import kpi_reports

    return kpi_exports.as_json(kpi_reports(org_of(request), valid_day(as_of, "as_of"), months=months))


@router.get("/aged-balance", response={200: dict[str, Any], **ERRORS}, tags=["reports"])
def aged_balance(
    request: HttpRequest,
    as_of: s.IsoDate | None = Query(None, description="default today"),
    currency: str | None = Query(None, pattern="^[A-Z]{3}$"),
) -> Any:
    """The aged balance by customer, as ``recouvre report aging --json``."""
    from recouvre.core.aging import aged_balances_as_dict
    from recouvre.reports.selectors import aged_balances

    return aged_balances_as_dict(aged_balances(org_of(request), valid_day(as_of, "as_of"), currency=currency))
