"""Drawing PDFs: the same document drawn twice gives the same bytes, and several documents drawn as one are cut
into one file each."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime

import time_machine
from pypdf import PdfReader

from recouvre.documents.pdf import html_to_pdf, split_pages

HTML = (
    "<html><body style=\"font-family: 'DejaVu Sans'\"><h1>Décompte de la créance</h1><p>Intérêts <b>1 234,56 €</b>"
    '</p><p style="page-break-before: always">Page deux</p><p style="page-break-before: always">Page trois</p>'
    "</body></html>"
)


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_same_document_drawn_at_another_time_gives_the_same_bytes() -> None:
    with time_machine.travel(datetime(2026, 12, 7, 9, 0, 0, tzinfo=UTC), tick=True):
        first = html_to_pdf(HTML)
    time.sleep(0.01)
    with time_machine.travel(datetime(2026, 12, 7, 9, 0, 5, tzinfo=UTC), tick=True):  # five seconds later
        second = html_to_pdf(HTML)
    assert first == second
    assert "Intérêts 1 234,56 €" in _text(first)[0]


def test_a_drawing_is_cut_into_one_file_per_run_of_pages() -> None:
    pdf = html_to_pdf(HTML)
    one, two = split_pages(pdf, [(0, 1), (1, 2)])
    assert [t.strip() for t in _text(two)] == ["Page deux", "Page trois"]
    assert "Décompte de la créance" in _text(one)[0] and len(_text(one)) == 1
