"""E-invoices: Factur-X / ZUGFeRD PDFs, CII XML and UBL 2.1 invoices and credit notes, read into ``EInvoice`` values
(pure Python, no Django); and the lifecycle statuses of the 2026 French e-invoicing reform (``status``).

``read_einvoice(content)`` takes the bytes of a file: a PDF has its embedded XML read, an XML document is read as
it is (a ``CrossIndustryInvoice`` root: CII; ``Invoice`` or ``CreditNote`` in the UBL 2.1 namespaces: UBL). Anything
else, and anything unreadable, raises ``EInvoiceError`` with the line, the field and the reason; nothing else
escapes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import _
from . import cii, ubl
from .common import CREDIT_NOTE_CODES, MAX_NUMBER, profile_name
from .identity import compact_vat, french_vat, normal_name, siren_of_vat, suggest_ref
from .model import Address, DocumentKind, DuePart, EInvoice, EInvoiceError, Party
from .pdf import embedded_xml, is_pdf
from .terms import terms_from_text
from .xmlsafe import local, namespace, parse_xml

__all__ = [
    "CREDIT_NOTE_CODES",
    "MAX_FILE_BYTES",
    "MAX_NUMBER",
    "Address",
    "DocumentKind",
    "DuePart",
    "EInvoice",
    "EInvoiceError",
    "Party",
    "ReadEInvoice",
    "compact_vat",
    "french_vat",
    "normal_name",
    "profile_name",
    "read_einvoice",
    "siren_of_vat",
    "suggest_ref",
    "terms_from_text",
]

MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ReadEInvoice:
    """A document read from a file: the invoice, whether the file was a PDF, and the name of its embedded XML."""

    invoice: EInvoice
    is_pdf: bool
    attachment: str = ""


def read_einvoice(content: bytes) -> ReadEInvoice:
    if len(content) > MAX_FILE_BYTES:
        raise EInvoiceError(
            0, "file", _("the file is larger than %(size)s MB: refused") % {"size": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if not content.strip():
        raise EInvoiceError(0, "file", _("the file is empty"))
    attachment = ""
    pdf = is_pdf(content)
    if pdf:
        attachment, xml = embedded_xml(content)
    else:
        xml = content
    try:
        invoice = read_xml(xml)
    except EInvoiceError as exc:
        if pdf:
            exc.field = f"{attachment}: {exc.field}"
        raise
    except RecursionError:
        raise EInvoiceError(0, "XML", _("the XML is nested too deeply to be read")) from None
    return ReadEInvoice(invoice, pdf, attachment)


def read_xml(content: bytes) -> EInvoice:
    stripped = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(b"<") and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise EInvoiceError(
            0, "file", _("the file is neither a PDF nor an XML document (Factur-X, CII or UBL invoice)")
        )
    root = parse_xml(content)
    tag, ns = local(root.tag), namespace(root.tag)
    if tag == "CrossIndustryInvoice" and ns == cii.RSM:
        return cii.read(root)
    if (tag, ns) in (("Invoice", ubl.INVOICE_NS), ("CreditNote", ubl.CREDIT_NOTE_NS)):
        return ubl.read(root)
    if tag == "CrossIndustryDocument":
        raise EInvoiceError(
            int(root.sourceline or 1),
            "XML",
            _("a ZUGFeRD 1.0 invoice (CrossIndustryDocument) is not read: ZUGFeRD 2 / Factur-X and UBL 2.1 are"),
        )
    raise EInvoiceError(
        int(root.sourceline or 1),
        "XML",
        _("<%(element)s> is not an e-invoice: expected a CII CrossIndustryInvoice or a UBL 2.1 Invoice or CreditNote")
        % {"element": tag[:60] or "?"},
    )
