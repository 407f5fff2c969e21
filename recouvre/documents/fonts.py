"""Faster font subsetting for every PDF WeasyPrint draws, with the same bytes out.

WeasyPrint embeds in each PDF only the glyphs it uses (*subsetting*). Without the HarfBuzz-Subset system library
it subsets with fontTools, dropping the layout tables (``GSUB``, ``GPOS``) from the result; fontTools 4.6x reads
those tables in full before it drops them, which for DejaVu Sans is about half the time of subsetting it, for
every font of every PDF. ``install()`` has WeasyPrint's fontTools path subset a copy of
the font file that already lacks the tables it would drop (made once per font file and kept, a few fonts in all):
the glyphs, tables and bytes written are the same, without reading the dropped tables again for every PDF.

The subset font also keeps the modification date of the font file, as HarfBuzz-Subset does, instead of the time
of the drawing: the same document drawn twice gives the same bytes (the dossier's manifest and the hand-off's
hashes rely on it).

When HarfBuzz-Subset is installed WeasyPrint does not use this path, and nothing changes. Installed on the first
drawing through ``recouvre.documents.pdf``.
"""

from __future__ import annotations

import functools
import io
import logging
from typing import Any

logger = logging.getLogger(__name__)

# The tables WeasyPrint's fontTools subsetting drops (``weasyprint.pdf.fonts.Font._fonttools_subset``), and
# ``kern`` when the font has ``GPOS`` (fontTools' default, ``legacy_kern=False``).
DROPPED = ("GSUB", "GPOS", "SVG ")


@functools.lru_cache(maxsize=16)
def without_dropped_tables(content: bytes, index: int) -> bytes:
    """The font file ``content`` (font ``index`` of a collection) without the tables subsetting drops; the file
    unchanged when it has none of them or cannot be read."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = TTFont(io.BytesIO(content), fontNumber=index, lazy=True, recalcTimestamp=False)
        present = [tag for tag in DROPPED if tag in font]
        if "GPOS" in font and "kern" in font:
            present.append("kern")  # fontTools drops the legacy kerning table of a font that has GPOS
        if not present:
            return content
        for tag in present:
            del font[tag]
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()
    except (TTLibError, AssertionError, KeyError, ValueError):
        return content


def install() -> None:
    """Wrap WeasyPrint's fontTools subsetting as the module description says (once; harmless to repeat)."""
    try:
        from weasyprint.pdf.fonts import Font
    except ImportError:  # pragma: no cover - WeasyPrint is a dependency
        return
    original = getattr(Font, "_fonttools_subset", None)
    if original is None or getattr(original, "_recouvre", False):
        return

    from fontTools.ttLib import TTFont
    from weasyprint.pdf import fonts as weasyprint_fonts

    class KeepTimestamp(TTFont):  # type: ignore[misc]
        """A font saved with its own modification date, not the time of the drawing."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("recalcTimestamp", False)
            super().__init__(*args, **kwargs)

    weasyprint_fonts.TTFont = KeepTimestamp

    def _fonttools_subset(self: Any, to_unicode: Any, hinting: Any) -> None:
        index = getattr(self, "index", 0) or 0
        if isinstance(self.file_content, bytes) and not getattr(self, "variations", None):
            self.file_content = without_dropped_tables(self.file_content, index)
        original(self, to_unicode, hinting)

    _fonttools_subset._recouvre = True  # type: ignore[attr-defined]
    Font._fonttools_subset = _fonttools_subset
    logging.getLogger("weasyprint").addFilter(_once_per_process)


def _once_per_process(record: logging.LogRecord) -> bool:
    """WeasyPrint warns "Using fontTools instead of HarfBuzz-Subset" for every font of every PDF (dozens of lines per
    dossier); it is said once, at INFO level, by this module's logger instead."""
    if not str(record.msg).startswith("Using fontTools instead of HarfBuzz-Subset"):
        return True
    if not getattr(_once_per_process, "said", False):
        _once_per_process.said = True  # type: ignore[attr-defined]
        logger.debug("PDF fonts are subset with fontTools: install HarfBuzz-Subset (libharfbuzz-subset) for speed")
    return False
