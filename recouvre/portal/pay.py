"""The portal's "Pay" pages: by transfer (the organization's bank details, the customer's RF reference and, for euros,
the EPC QR code of the amount chosen) and, when the organization has an account at the payment provider the server
offers (``RECOUVRE_PAYMENT_PROVIDER``), by card or SEPA direct debit on the provider's hosted page.

The customer chooses the invoices (all that is due by default, the ones under review left out) in one currency at a
time. Coming back from the provider's page records nothing: the payment is recorded only when the provider's signed
webhook says so (``recouvre.payments.services.receive_webhook``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from recouvre.collections.rendering import format_amount, format_date, payment_block
from recouvre.core.creditor_ref import EpcQrError, epc_qr_data_uri
from recouvre.payments import selectors as payments
from recouvre.payments import services as payment_services
from recouvre.payments.models import Checkout, CheckoutState
from recouvre.payments.providers import ProviderUnavailable, provider_named

from . import selectors
from .models import PortalLink
from .views import base_context, portal_page

MAX_CHOSEN = 200


def _ids(values: list[str]) -> list[int]:
    out: list[int] = []
    for v in values[:MAX_CHOSEN]:
        if v.isascii() and v.isdigit() and len(v) < 19:
            out.append(int(v))
    return list(dict.fromkeys(out))


def _lang() -> str:
    return translation.get_language() or "fr"


def _pay_context(request: HttpRequest, link: PortalLink, *, currency: str, chosen: list[int] | None) -> dict[str, Any]:
    lang = _lang()
    org, customer = link.organization, link.customer
    st = selectors.statement(link, timezone.localdate())
    currencies = sorted({line.invoice.currency for line in st.lines})
    if currency not in currencies:
        currency = org.currency if org.currency in currencies else (currencies[0] if currencies else org.currency)
    lines = [line for line in st.lines if line.invoice.currency == currency]
    if chosen is None:
        chosen = [line.invoice.pk for line in lines if not line.holds]
    picked = set(chosen)
    amount = sum((line.invoice.open_amount for line in lines if line.invoice.pk in picked), Decimal("0.00"))
    rows = [
        {
            "id": line.invoice.pk,
            "number": line.invoice.number,
            "due_on": format_date(line.invoice.due_on, lang),
            "open": format_amount(line.invoice.open_amount, currency, lang),
            "checked": line.invoice.pk in picked,
            "on_hold": bool(line.holds),
            "days_late": line.days_late,
        }
        for line in lines
    ]
    chosen_ids = [row["id"] for row in rows if row["checked"]]
    transfer = payment_block(org, customer, {currency: amount}, lang)  # None: the organization has no IBAN
    qr_uri = ""
    if transfer is not None and transfer["qr_payload"]:
        try:
            qr_uri = epc_qr_data_uri(transfer["qr_payload"])
        except EpcQrError:
            qr_uri = ""
    account = payments.checkout_account(org)
    return {
        **base_context(request, link, lang),
        "rows": rows,
        "currency": currency,
        "other_currencies": [c for c in currencies if c != currency],
        "chosen_ids": chosen_ids,
        "amount": amount,
        "amount_text": format_amount(amount, currency, lang),
        "transfer": transfer,
        "qr_uri": qr_uri,
        "qr_payload": transfer["qr_payload"] if transfer is not None else "",
        "no_qr_currency": transfer is not None and amount > 0 and currency != "EUR",
        "card": account is not None and amount > 0,
        "direct_debit": account is not None and currency == "EUR",
        "truncated": st.truncated,
        "cancelled": request.GET.get("cancelled") == "1",
    }


def _with_provider_form_action(response: HttpResponse, offered: bool) -> HttpResponse:
    """The pay page's form is sent to the portal, which answers with a redirect to the provider's hosted page:
    browsers check that redirect against the page's ``form-action``, so the provider's origin is added there."""
    provider = payments.active_provider()
    if offered and provider:
        policy = dict(settings.SECURE_CSP)
        policy["form-action"] = [*policy.get("form-action", ["'self'"]), provider_named(provider).hosted_origin]
        response._csp_config = policy  # type: ignore[attr-defined]  # read by Django's CSP middleware
    return response


@require_GET
@portal_page
def pay(request: HttpRequest, link: PortalLink) -> HttpResponse:
    # "chosen" comes with the form's ticks (none ticked is a choice too); without it, all that is due
    chosen = _ids(request.GET.getlist("i")) if "chosen" in request.GET or "i" in request.GET else None
    context = _pay_context(request, link, currency=request.GET.get("cur", "").upper()[:3], chosen=chosen)
    return _with_provider_form_action(render(request, "portal/pay.html", context), context["card"])


def _absolute(request: HttpRequest, path: str) -> str:
    base = getattr(settings, "RECOUVRE_PUBLIC_URL", "")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


@require_POST
@portal_page
def pay_checkout(request: HttpRequest, link: PortalLink) -> HttpResponse:
    token = request.resolver_match.kwargs["token"] if request.resolver_match else ""
    ids = _ids(request.POST.getlist("i"))
    currency = request.POST.get("cur", "").upper()[:3]
    done = _absolute(request, reverse("portal:pay_done", args=[token])) + "?session={CHECKOUT_SESSION_ID}"
    back = _absolute(request, reverse("portal:pay", args=[token])) + "?" + urlencode({"cur": currency, "cancelled": 1})
    try:
        started = payment_services.start_checkout(
            link.organization, link.customer, ids, success_url=done, cancel_url=back, language=_lang()
        )
    except payment_services.CheckoutRefused as refused:
        return _problem(request, link, str(refused), currency, ids, status=400)
    except ProviderUnavailable:
        message = str(
            translation.gettext("Payment by card is not available right now. Try again later, or pay by transfer.")
        )
        return _problem(request, link, message, currency, ids, status=503)
    response = HttpResponseRedirect(started.redirect_url)
    response.status_code = 303
    return response


def _problem(
    request: HttpRequest, link: PortalLink, message: str, currency: str, ids: list[int], *, status: int
) -> HttpResponse:
    context = _pay_context(request, link, currency=currency, chosen=ids)
    context["problem"] = message
    response = render(request, "portal/pay.html", context, status=status)
    return _with_provider_form_action(response, context["card"])


@require_GET
@portal_page
def pay_done(request: HttpRequest, link: PortalLink) -> HttpResponse:
    """Where the provider sends the customer back: says how the payment stands, records nothing."""
    lang = _lang()
    session = request.GET.get("session", "")[:255]
    checkout = (
        Checkout.objects.filter(organization=link.organization, customer=link.customer, session_id=session).first()
        if session
        else None
    )
    context = {
        **base_context(request, link, lang),
        "checkout": checkout,
        "paid": checkout is not None and checkout.state == CheckoutState.PAID,
        "failed": checkout is not None and checkout.state in (CheckoutState.FAILED, CheckoutState.REFUSED),
        "amount_text": format_amount(checkout.amount, checkout.currency, lang) if checkout is not None else "",
    }
    return render(request, "portal/pay_done.html", context)
