"""``{% privacy_notice organization language customer %}``: the privacy information of a letter or e-mail."""

from __future__ import annotations

from typing import Any

from django import template

from recouvre.privacy.notice import privacy_notice as _notice

register = template.Library()


@register.simple_tag
def privacy_notice(organization: Any, language: str, customer: Any = None) -> str:
    """Plain text: the template escapes it (``simple_tag`` output is escaped under autoescape)."""
    if organization is None:
        return ""
    return _notice(organization, language, getattr(customer, "kind", "business") or "business")
