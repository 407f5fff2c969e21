"""The HTML part of an e-mail, shown inside a page of the app.

The app's pages forbid inline styles (``SECURE_CSP``), but an e-mail's HTML carries its styles inline, as mail
clients need. So the HTML part is not written into the page: it is served as a document of its own, framed by the
page in a sandboxed ``<iframe>``, under a policy of its own: its inline styles apply, nothing else does (no
script, no request to any address, no form; framed only by the app's own pages)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase

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


DEBUG_PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class ResponsePolicies:
    """The exceptions to the strict policy (``SECURE_CSP``) of Django's middleware, which sets it on every other
    response:

    - a PDF is shown by the browser's own viewer, whose page the app's policy would break (its inline styles):
      PDFs (letters, documents on file opened in the browser) get no policy;
    - with ``RECOUVRE_DEBUG=1``, Django's own error pages (the "page not found" and error details, styled and
      scripted inline) get a policy that lets their inline style and script run; without debug, and for every
      other page, the strict policy stays."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        if response.get("Content-Type", "").startswith("application/pdf"):
            response._csp_config = {}  # type: ignore[attr-defined]  # read by Django's middleware: no header
        elif settings.DEBUG and response.status_code in (404, 500):
            response["Content-Security-Policy"] = DEBUG_PAGE_POLICY
        return response
