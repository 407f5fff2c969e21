"""Drawing a PDF from HTML with WeasyPrint, the same way for every document: nothing is fetched from outside
(``no_fetch()`` refuses every URL but inline ``data:`` ones), one fetcher serves every drawing (building WeasyPrint's
default fetcher loads the system's certificates, a tenth of a second per PDF), and fonts are subset the faster way
of ``recouvre.documents.fonts`` (same bytes).

``split_pages`` cuts a drawn PDF into one file per run of pages, so several short documents drawn as one (the
dossier's invoice copies) cost one layout and one font subsetting instead of one each.

WeasyPrint is imported on first use (it takes seconds to import), not when Django starts."""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from typing import Any


@functools.cache
def no_fetch() -> Any:
    """A WeasyPrint URL fetcher that fetches nothing but ``data:`` URLs (the templates link to nothing); also
    installs the faster font subsetting, once."""
    from weasyprint.urls import URLFetcher

    from . import fonts

    fonts.install()

    class NoFetch(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise ValueError(f"documents fetch nothing from outside: {url[:80]}")

    return NoFetch(allowed_protocols=["data"])


def render(html: str) -> Any:
    """The laid-out ``weasyprint.Document`` of ``html`` (its pages, before writing)."""
    import weasyprint

    return weasyprint.HTML(string=html, url_fetcher=no_fetch()).render()


def html_to_pdf(html: str) -> bytes:
    """The PDF bytes of ``html``."""
    return bytes(render(html).write_pdf())


def split_pages(pdf: bytes, runs: Sequence[tuple[int, int]]) -> list[bytes]:
    """One PDF per ``(first, count)`` run of pages of ``pdf`` (0-based), in the order given."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    out = []
    for first, count in runs:
        writer = PdfWriter()
        for index in range(first, first + count):
            writer.add_page(reader.pages[index])
        buffer = io.BytesIO()
        writer.write(buffer)
        out.append(buffer.getvalue())
    return out
