"""The invoice XML embedded in a Factur-X or ZUGFeRD PDF (PDF/A-3 with an attached ``factur-x.xml``).

pypdf reads the PDF's embedded files; the XML is taken from ``factur-x.xml``, else ``zugferd-invoice.xml`` (ZUGFeRD
2.x), else ``xrechnung.xml``, else the first other attached ``.xml`` file. A PDF that cannot be read, is encrypted or
has no attached XML is refused with a clear reason. Whatever pypdf would print while reading a damaged file is kept
quiet: the reason is in the refusal.

(The ``factur-x`` library does the same with pypdf, but parses the XML with lxml's default parser before anything
can refuse a DTD, and brings an HTTP client and 14 MB of schemas Recouvre does not use.)
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Iterator

from ..i18n import _
from .model import EInvoiceError

PREFERRED = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def is_pdf(content: bytes) -> bool:
    return b"%PDF-" in content[:1024]


def embedded_xml(content: bytes) -> tuple[str, bytes]:
    """``(attachment name, XML bytes)`` of the invoice embedded in the PDF ``content``."""
    from pypdf import PdfReader

    found: list[tuple[str, bytes]] = []
    try:
        with _quiet():
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted:
                raise EInvoiceError(0, "PDF", _("the PDF is encrypted: its attached invoice cannot be read"))
            for attachment in reader.attachment_list:
                name = str(attachment.name or "")
                if name.lower().endswith(".xml"):
                    found.append((name, bytes(attachment.content)))
    except EInvoiceError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on a damaged file
        reason = str(exc).strip() or type(exc).__name__
        raise EInvoiceError(0, "PDF", _("the PDF cannot be read: %(reason)s") % {"reason": reason[:200]}) from None
    if not found:
        raise EInvoiceError(
            0,
            "PDF",
            _(
                "the PDF has no attached invoice XML (factur-x.xml): it is a plain PDF, not a Factur-X or ZUGFeRD "
                "invoice"
            ),
        )
    for wanted in PREFERRED:
        for name, data in found:
            if name.lower() == wanted:
                return name, data
    return found[0]
