"""The HTML part of an e-mail, shown inside a page of the app.

The app's pages forbid inline styles (``SECURE_CSP``), but an e-mail's HTML carries its styles inline, as mail
clients need. So the HTML part is not written into the page: it is served as a document of its own, framed by the
page in a sandboxed ``<iframe>``, under a policy of its own: its inline styles apply, nothing else does (no
script, no request to any address, no form; framed only by the app's own pages)."""

from __future__ import annotations

from django.http import HttpResponse

EMAIL_DOCUMENT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; "
    "base-uri 'none'; form-action 'none'; sandbox"
)


def email_document(html: str) -> HttpResponse:
    """``html`` (a whole HTML document) as a response that only the app's pages may frame."""
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = EMAIL_DOCUMENT_POLICY  # kept by the CSP middleware (already set)
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "no-store, private"
    return response
