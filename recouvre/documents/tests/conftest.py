"""Fixtures of the documents tests: a fresh media folder per test, real PDFs drawn by WeasyPrint, a real PNG."""

from __future__ import annotations

import functools
import io
import struct
import zlib

import pypdf
import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@functools.cache
def pdf_of(text: str) -> bytes:
    """A real one-page PDF saying ``text``."""
    from weasyprint import HTML

    return bytes(HTML(string=f"<h1>{text}</h1><p>Recouvre test document</p>").write_pdf())


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def png_bytes() -> bytes:
    """A real 1 x 1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def pdf():  # type: ignore[no-untyped-def]
    return pdf_of
