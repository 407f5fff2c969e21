"""Reading XML safely, and the small helpers the CII and UBL readers share.

A document that declares a DTD or entities (``<!DOCTYPE``, ``<!ENTITY``) is refused before it is parsed (looked
for in the text, UTF-16 included); the parser (lxml, libxml2) is also told never to load a DTD, resolve an entity
or reach the network, and keeps libxml2's limits (``huge_tree`` off): no external entity, no entity expansion
("billion laughs"). The same approach as the bank statement reader (``recouvre.core.bank.camt``).
"""

from __future__ import annotations

import codecs
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from ..i18n import _
from .model import EInvoiceError

Element = Any  # an lxml element (lxml has no type information)

MAX_XML_BYTES = 20 * 1024 * 1024
_FORBIDDEN = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_POSITION = re.compile(r",\s*line \d+, column \d+\s*$")
_AMOUNT = re.compile(r"[+-]?\d{1,15}(\.\d{1,12})?", re.ASCII)
_DATE_102 = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
CENT = Decimal("0.01")


def _as_utf8(content: bytes) -> bytes:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16", "replace").encode("utf-8", "replace")
    if content.startswith((b"<\x00", b"\x00<")):  # UTF-16 without its mark
        encoding = "utf-16-le" if content.startswith(b"<") else "utf-16-be"
        return content.decode(encoding, "replace").encode("utf-8", "replace")
    return content


def refuse_dtd(content: bytes) -> None:
    """Refuses a document that declares a DTD or entities."""
    text = _as_utf8(content)
    forbidden = _FORBIDDEN.search(text)
    if forbidden is not None:
        line = text.count(b"\n", 0, forbidden.start()) + 1
        raise EInvoiceError(
            line,
            "XML",
            _("the file declares a DTD or entities (<!DOCTYPE>, <!ENTITY>): refused, an e-invoice has none"),
        )


def parse_xml(content: bytes) -> Element:
    """The root element of ``content``; ``EInvoiceError`` when it is too large, declares a DTD or is not XML."""
    if len(content) > MAX_XML_BYTES:
        raise EInvoiceError(
            0, "XML", _("the XML is larger than %(size)s MB: refused") % {"size": MAX_XML_BYTES // (1024 * 1024)}
        )
    refuse_dtd(content)
    parser = etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        last = exc.error_log.last_error if exc.error_log else None
        line, reason = (last.line, last.message) if last is not None else (exc.lineno, exc.msg)
        reason = _POSITION.sub("", str(reason or exc)).strip()
        raise EInvoiceError(line or 0, "XML", _("the XML cannot be read: %(reason)s") % {"reason": reason}) from None
    except (ValueError, TypeError) as exc:
        raise EInvoiceError(0, "XML", _("the XML cannot be read: %(reason)s") % {"reason": exc}) from None
    if root is None:
        raise EInvoiceError(0, "XML", _("the file holds no XML element"))
    return root


def local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(tag: object) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def squeeze(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def line_of(element: Element | None) -> int:
    if element is None:
        return 0
    return int(element.sourceline or 0)


def text_of(element: Element | None) -> str:
    if element is None:
        return ""
    return squeeze(element.text)


def parse_amount(element: Element, field: str, *, cents: bool = True) -> Decimal:
    """The amount in ``element``: digits with a dot (``1234.50``, ``-3``); with ``cents``, at most two significant
    decimals (totals, EN 16931 BR-DEC)."""
    text = text_of(element)
    if not _AMOUNT.fullmatch(text):
        raise EInvoiceError(
            line_of(element),
            field,
            _("%(text)r is not an amount (digits and a dot, e.g. 1234.50)") % {"text": text[:40]},
        )
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern lets only numbers through
        raise EInvoiceError(line_of(element), field, _("%(text)r is not an amount") % {"text": text[:40]}) from None
    if cents:
        rounded = value.quantize(CENT)
        if rounded != value:
            raise EInvoiceError(
                line_of(element),
                field,
                _("the amount %(text)s has more than two decimals") % {"text": text[:40]},
            )
        return rounded
    return value


def parse_date_102(element: Element, field: str) -> date:
    """A CII date (``udt:DateTimeString``): format 102 (``YYYYMMDD``) only."""
    text = text_of(element)
    fmt = (element.get("format") or "102").strip()
    if fmt != "102":
        raise EInvoiceError(
            line_of(element),
            field,
            _("the date %(text)r is in format %(format)s; only format 102 (YYYYMMDD) gives a day")
            % {"text": text[:40], "format": fmt[:10]},
        )
    m = _DATE_102.fullmatch(text)
    if m is not None:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise EInvoiceError(line_of(element), field, _("%(text)r is not a date (YYYYMMDD)") % {"text": text[:40]})


def parse_iso_date(element: Element, field: str) -> date:
    """A UBL date (``YYYY-MM-DD``, a time zone after it is ignored)."""
    text = text_of(element)
    m = _ISO_DATE.match(text)
    if m is not None and len(text) <= 16:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise EInvoiceError(line_of(element), field, _("%(text)r is not a date (YYYY-MM-DD)") % {"text": text[:40]})


class Lookup:
    """Finding elements and their values by prefixed paths (``ram:...``, ``cbc:...``) under one syntax's
    namespaces; a missing parent finds nothing."""

    def __init__(self, namespaces: dict[str, str]) -> None:
        self.namespaces = namespaces

    def find(self, parent: Element | None, path: str) -> Element | None:
        return None if parent is None else parent.find(path, self.namespaces)

    def findall(self, parent: Element | None, path: str) -> list[Element]:
        return [] if parent is None else list(parent.findall(path, self.namespaces))

    def text(self, parent: Element | None, path: str) -> str:
        return text_of(self.find(parent, path))

    def amount_or(self, node: Element | None, path: str, field: str, default: Decimal | None) -> Decimal | None:
        """The amount at ``path`` (``field`` names it in a refusal), ``default`` when it is absent or empty."""
        found = self.find(node, path)
        if found is None or not text_of(found):
            return default
        return parse_amount(found, field)
