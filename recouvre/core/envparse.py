"""Parsing of environment values."""

from __future__ import annotations

from .i18n import _

_TRUE = {"1", "true", "yes", "on", "oui"}
_FALSE = {"0", "false", "no", "off", "non", ""}


def env_bool(value: str | None, *, default: bool) -> bool:
    """Read a boolean flag such as ``RECOUVRE_DEBUG``; refuse anything that is not clearly yes or no."""
    if value is None:
        return default
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError(_("not a boolean: %(value)r (use 1/0, true/false, yes/no)") % {"value": value})
