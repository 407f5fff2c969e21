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
    """A duration in seconds such as ``RECOUVRE_SMTP_TIMEOUT`` (``20``, ``2.5``): more than 0, ``default`` when
    unset or empty."""
    if value is None or not value.strip():
        return default
    try:
        seconds = float(value.strip())
    except ValueError:
        seconds = float("nan")
    if not (0 < seconds < float("inf")):
        raise ValueError(_("%(name)s: not a number of seconds above 0: %(value)r") % {"name": name, "value": value})
    return seconds


def env_int(name: str, value: str | None, *, default: int, minimum: int = 1) -> int:
    """Read a whole number such as ``RECOUVRE_LOGIN_LOCKOUT_MINUTES`` (``default`` when unset or empty); refuse
    anything else, or a number below ``minimum``, naming the variable."""
    if value is None or not value.strip():
        return default
    try:
        number = int(value.strip())
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ValueError(
            _("%(name)s: not a whole number of at least %(minimum)s: %(value)r")
            % {"name": name, "minimum": minimum, "value": value}
        )
    return number
