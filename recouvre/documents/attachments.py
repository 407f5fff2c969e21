"""The invoice PDFs a reminder e-mail carries.

For the invoices a message lists (in its order: oldest due date first), the invoice PDF on file (kind
``invoice_pdf``, the latest not withdrawn) is attached, named after the invoice number, as long as the files
attached so far and this one stay within ``DOCUMENTS_MAX_ATTACHMENTS_BYTES`` (the files' own sizes; encoded for
e-mail they take about a third more). An invoice whose PDF does not fit, or whose file cannot be read back with
the content recorded, is not attached: the message then says, in its own language, which invoices' PDFs are
available on request.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import ngettext

from . import selectors
from .storage import DocumentMissing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileToAttach:
    invoice_number: str
    file_name: str
    content: bytes
    content_type: str


@dataclass
class InvoiceAttachments:
    files: list[FileToAttach] = field(default_factory=list)
    not_attached: list[str] = field(default_factory=list)  # invoice numbers whose PDF is on file but not attached

    @property
    def size(self) -> int:
        return sum(len(f.content) for f in self.files)

    def note(self, language: str) -> str:
        """The sentence telling the customer which PDFs are available on request; empty when all were attached."""
        if not self.not_attached:
            return ""
        with translation.override(language):
            return ngettext(
                "The PDF of invoice %(numbers)s is not attached to this message: it is available on request.",
                "The PDFs of invoices %(numbers)s are not attached to this message: they are available on request.",
                len(self.not_attached),
            ) % {"numbers": ", ".join(self.not_attached)}

    def with_note(self, rendered: Any) -> Any:
        """``rendered`` (a ``RenderedEmail``) with the note added at the end of its text and HTML bodies."""
        note = self.note(rendered.language)
        if not note:
            return rendered
        text = rendered.text.rstrip("\n") + "\n\n" + note + "\n"
        paragraph = f'<p style="font-size: 13px;">{escape(note)}</p>\n'
        html = rendered.html
        at = html.rfind("</body>")
        html = html[:at] + paragraph + html[at:] if at >= 0 else html + paragraph
        return dataclasses.replace(rendered, text=text, html=html)


def attachment_name(invoice_number: str) -> str:
    return (re.sub(r"[^\w.\- ]+", "_", invoice_number).strip() or "invoice") + ".pdf"


def invoice_attachments(
    organization: Any, invoice_numbers: Iterable[str], *, limit: int | None = None
) -> InvoiceAttachments:
    """The invoice PDFs to attach for ``invoice_numbers`` of ``organization`` (an organization or its id), within
    ``limit`` bytes (default ``DOCUMENTS_MAX_ATTACHMENTS_BYTES``)."""
    numbers = list(dict.fromkeys(invoice_numbers))
    budget = settings.DOCUMENTS_MAX_ATTACHMENTS_BYTES if limit is None else limit
    on_file = selectors.invoice_pdfs(organization, numbers)
    result = InvoiceAttachments()
    for number in numbers:
        doc = on_file.get(number)
        if doc is None:
            continue
        if doc.size > budget:
            result.not_attached.append(number)
            continue
        try:
            content = selectors.read_content(doc)
        except DocumentMissing as exc:
            log.warning("invoice %s: PDF on file not attached: %s", number, exc)
            result.not_attached.append(number)
            continue
        result.files.append(FileToAttach(number, attachment_name(number), content, doc.content_type))
        budget -= doc.size
    return result
