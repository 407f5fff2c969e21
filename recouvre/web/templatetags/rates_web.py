"""``{% rates_banner %}``: a banner on the dashboard while the rate tables do not cover the current half-year, so
that nobody discovers it in a formal notice that says "interest not computed"."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("web/_rates_banner.html")
def rates_banner() -> dict[str, Any]:
    from recouvre.core.ratetables import HalfYear, MissingRateError
    from recouvre.legal.selectors import rate_tables

    tables = rate_tables()
    half_year = HalfYear.of(timezone.localdate())
    missing = []
    for lookup in (tables.ecb_in_force, tables.legal_rate):
        try:
            lookup(half_year)
        except MissingRateError as exc:
            missing.append(str(exc))
    return {"missing": missing, "half_year": half_year.label}
