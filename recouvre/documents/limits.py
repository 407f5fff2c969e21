"""Size limits of the documents on file, read from the environment by the settings (pure Python, no Django)."""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation

MEGABYTE = 1024 * 1024


def megabytes(text: str, *, name: str) -> int:
    """``"20"`` or ``"2.5"`` megabytes as a number of bytes; refuse anything else with the variable's name."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0:
        raise ValueError(f"{name}: not a positive number of megabytes: {text!r}")
    return int(value * MEGABYTE)


def megabytes_setting(name: str, *, default: int) -> int:
    """The environment variable ``name`` in bytes (given in megabytes), ``default`` megabytes when unset."""
    text = os.environ.get(name, "")
    return megabytes(text, name=name) if text.strip() else default * MEGABYTE
