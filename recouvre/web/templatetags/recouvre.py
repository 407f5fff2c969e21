"""Template filters: ``{{ amount|money:currency }}``, ``{{ d|day }}``, ``{{ t|moment }}``,
``{% if current_membership|can:"import" %}``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from recouvre.imports import labels
from recouvre.web import formatting

register = template.Library()


@register.filter
def money(amount: Any, currency: str = "EUR") -> str:
    return formatting.money(amount, currency or "EUR")


@register.filter
def exact_money(amount: Any, currency: str = "EUR") -> str:
    return formatting.exact_money(amount, currency or "EUR")


@register.filter
def number(amount: Any) -> str:
    return formatting.number(amount)


@register.filter
def figure(value: Any, places: int = 1) -> str:
    """``73,2`` / ``73.2``: a KPI's days or percentage; ``-`` when undefined."""
    return formatting.figure(value, places=int(places)) if value is not None else "-"


@register.filter
def signed(value: Any) -> str:
    """A change with its sign: ``+1,5`` / ``-0,3`` (``−`` for the minus)."""
    if value is None:
        return ""
    text = formatting.figure(abs(value))
    return ("+" if value > 0 else "\u2212" if value < 0 else "") + text


@register.filter
def month(value: Any) -> str:
    return formatting.month(value) if value else ""


@register.filter
def day(value: Any) -> str:
    return formatting.day(value)


@register.filter
def moment(value: Any) -> str:
    return formatting.moment(value)


@register.filter
def can(membership: Any, permission: str) -> bool:
    return membership is not None and membership.can(permission)


@register.filter
def percent_of(value: Any, maximum: Any) -> str:
    """Width of a bar in percent of the largest one, as a CSS-safe decimal string."""
    try:
        value, maximum = Decimal(value), Decimal(maximum)
    except (TypeError, ValueError, ArithmeticError):
        return "0"
    if maximum <= 0 or value <= 0:
        return "0"
    share = min(Decimal(100), max(Decimal("0.5"), value * 100 / maximum))
    return str(share.quantize(Decimal("0.1")))


@register.filter
def entity_label(key: str) -> str:
    """The translated name of what an import counts (``invoices`` -> "Factures")."""
    return labels.entity_label(key)


@register.filter
def iban(value: Any) -> str:
    """An IBAN in groups of four, as printed."""
    from recouvre.core.identifiers import format_iban

    return format_iban(str(value or ""))


@register.filter
def siren(value: Any) -> str:
    """A SIREN (9 digits) or a SIRET (14) as printed: ``732 829 320``, ``732 829 320 00074``."""
    from recouvre.core.identifiers import format_siren, format_siret

    text = str(value or "")
    return format_siret(text) if len(text) == 14 else format_siren(text)


@register.filter
def step_label(key: str) -> str:
    """A step's key in words (``formal_notice``: "mise en demeure"); an organization's own key as it is."""
    from recouvre.core.policies import step_label as label

    return label(key or "")
