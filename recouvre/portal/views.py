"""The customer portal's pages: no login, reached by a signed link (``recouvre.portal.links``), in the customer's
language, built for a phone first.

Every page goes through ``portal_page``: the request is counted against the client address's and the link's rate
limits (``recouvre.portal.throttle``), the link resolved (an unknown, expired or revoked link gets one page that
says the same for all three), and the answer is never cached, never indexed and never sends the link's address on
as a referrer. Views read only the link's own organization and customer."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from recouvre.collections.rendering import format_amount, format_date, language_of
from recouvre.core import portal as core
from recouvre.documents.storage import absolute_path
from recouvre.web.auth import client_address

from . import links, selectors, throttle
from .models import PortalLink

log = logging.getLogger("recouvre.portal")

PortalView = Callable[..., HttpResponse]


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, private"
    if not response.has_header("Referrer-Policy"):
        # A page with a form says "same-origin" itself: a browser sends "Origin: null" with a form posted from a
        # "no-referrer" page, which the CSRF check refuses; the link still never reaches another site.
        response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def language_for(request: HttpRequest, link: PortalLink | None) -> str:
    """``?lang=fr|en`` when the reader chose, else the customer's language, else the browser's."""
    chosen = request.GET.get("lang", "")
    if chosen in ("fr", "en"):
        return chosen
    if link is not None:
        return language_of(link.customer.language)
    return language_of(translation.get_language_from_request(request))


def portal_page(view: PortalView) -> PortalView:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        now = timezone.now()
        address = client_address(request)
        if not throttle.allow([(f"a:{address}", core.PER_ADDRESS)], now):
            return _refused(request, None, status=429)
        try:
            link = links.resolve(token, now=now)
        except links.LinkRefused as refused:
            log.info("portal link refused (%s) from %s", refused.reason, address)
            return _refused(request, None, status=404)
        if not throttle.allow([(f"l:{link.pk}", core.PER_LINK)], now):
            return _refused(request, link, status=429)
        request.portal_link = link  # type: ignore[attr-defined]
        lang = language_for(request, link)
        with translation.override(lang):
            request.LANGUAGE_CODE = lang
            return _private(view(request, link, *args, **kwargs))

    return wrapper


def _refused(request: HttpRequest, link: PortalLink | None, *, status: int) -> HttpResponse:
    lang = language_for(request, link)
    with translation.override(lang):
        return _private(
            render(request, "portal/refused.html", {"lang": lang, "too_many": status == 429}, status=status)
        )


def base_context(request: HttpRequest, link: PortalLink, lang: str) -> dict[str, Any]:
    org = link.organization
    return {
        "lang": lang,
        "link": link,
        "token": request.resolver_match.kwargs["token"] if request.resolver_match else "",
        "organization": org,
        "customer": link.customer,
        "other_lang": "en" if lang == "fr" else "fr",
        "expires_on": format_date(timezone.localdate(link.expires_at), lang),
        "public": bool(getattr(settings, "RECOUVRE_PUBLIC_URL", "")),
    }


def money(amounts: dict[str, Any], lang: str) -> list[str]:
    return [format_amount(amount, cur, lang) for cur, amount in sorted(amounts.items())]


@require_GET
@portal_page
def home(request: HttpRequest, link: PortalLink) -> HttpResponse:
    lang = translation.get_language() or "fr"
    as_of = timezone.localdate()
    links.note_opened(link)
    st = selectors.statement(link, as_of)
    rows = [
        {
            "id": line.invoice.pk,
            "number": line.invoice.number,
            "issued_on": format_date(line.invoice.issued_on, lang),
            "due_on": format_date(line.invoice.due_on, lang),
            "days_late": line.days_late,
            "total": format_amount(line.invoice.total, line.invoice.currency, lang),
            "open": format_amount(line.invoice.open_amount, line.invoice.currency, lang),
            "pdf": line.pdf is not None,
            "on_hold": bool(line.holds),
        }
        for line in st.lines
    ]
    return render(
        request,
        "portal/home.html",
        {
            **base_context(request, link, lang),
            "as_of": format_date(as_of, lang),
            "rows": rows,
            "truncated": st.truncated,
            "totals": money(st.totals, lang),
            "overdue": money(st.overdue, lang),
            "unapplied": money(st.unapplied, lang),
        },
    )


@require_GET
@portal_page
def invoice_pdf(request: HttpRequest, link: PortalLink, invoice: int) -> HttpResponse:
    found = selectors.customer_invoice(link, invoice)
    doc = selectors.invoice_pdf(link, found) if found is not None else None
    if doc is None:
        return _refused_document(request, link)
    try:
        handle = absolute_path(doc.storage_path).open("rb")
    except OSError:
        log.error("portal: file of document %s missing", doc.pk)
        return _refused_document(request, link)
    return FileResponse(handle, as_attachment=True, filename=doc.file_name, content_type=doc.content_type)


def _refused_document(request: HttpRequest, link: PortalLink) -> HttpResponse:
    lang = translation.get_language() or "fr"
    return render(request, "portal/no_document.html", base_context(request, link, lang), status=404)
