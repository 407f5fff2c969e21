"""``{% rates_banner %}``: on the dashboard (staff only), when the rate tables were last updated from the ECB, and a
notice while the rate tables do not cover the current half-year — and, for administrators, from 15 days before a
half-year starts until its rates are in — naming each missing figure and where it is published. Documents never
show it: they claim the days of a missing half-year by their legal rule, *à parfaire*."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

register = template.Library()

NOTICE_DAYS_BEFORE = 15


@register.inclusion_tag("web/_rates_banner.html", takes_context=True)
def rates_banner(context: template.Context) -> dict[str, Any]:
    from recouvre.core.ratetables import HalfYear, MissingRateError, RateKind
    from recouvre.legal.ratesupdate import last_update
    from recouvre.legal.selectors import rate_tables

    request = context.get("request")
    membership = getattr(request, "membership", None)
    admin = membership is not None and membership.can("manage_org")
    today = timezone.localdate()
    tables = rate_tables()
    current = HalfYear.of(today)
    halves = [current]
    upcoming = current.next()
    if admin and (upcoming.start - today).days <= NOTICE_DAYS_BEFORE:
        halves.append(upcoming)
    missing = []
    for half_year in halves:
        for kind, lookup in ((RateKind.ECB, tables.ecb_in_force), (RateKind.LEGAL, tables.legal_rate)):
            try:
                lookup(half_year)
            except MissingRateError:
                missing.append({"kind": str(kind), "half_year": half_year.label, "start": half_year.start})
    last = last_update()
    return {
        "missing": missing,
        "current_missing": [m for m in missing if m["half_year"] == current.label],
        "half_year": current.label,
        "admin": admin,
        "last_update": last.finished_at if last is not None else None,
    }
