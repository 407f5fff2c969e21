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


def env_seconds(value: str | None, *, name: str, default: float) -> float:
    """A duration in seconds such as ``RECOUVRE_SQLITE_TIMEOUT`` (``30``, ``0.5``): a positive number, else a
    ValueError naming the setting; ``default`` when unset or empty."""
    if value is None or not value.strip():
        return default
    try:
        seconds = float(value.strip())
    except ValueError:
        seconds = float("nan")
    if not (seconds > 0 and seconds < float("inf")):
        raise ValueError(
            _("%(name)s: %(value)r is not a number of seconds greater than zero") % {"name": name, "value": value}
        )
    return seconds
