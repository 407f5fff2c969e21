"""Sizes of files as people read them."""

from __future__ import annotations

from .i18n import _


def human_size(size: int) -> str:
    """``2 GB``, ``500 MB``, ``12.5 MB``, ``800 KB``, ``12 bytes`` (units of 1 024)."""
    for unit, factor in ((_("GB"), 1 << 30), (_("MB"), 1 << 20), (_("KB"), 1 << 10)):
        if size >= factor:
            value = size / factor
            text = f"{value:.0f}" if value >= 100 or value == int(value) else f"{value:.1f}"
            return f"{text} {unit}"
    return _("%(count)s bytes") % {"count": size}
