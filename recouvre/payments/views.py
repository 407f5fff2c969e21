"""The provider's webhook: ``POST /payments/<provider>/<key>/webhook/``, one address per organization's account (the
key is opaque and random). No session, no CSRF token: the provider's signature is the proof. A body over
``MAX_BODY_BYTES`` gets 413, a bad signature 400 (nothing written), an unknown address 404; a verified event gets
200, whether it recorded something or had been received before."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from recouvre.web.auth import client_address

from . import selectors, services

log = logging.getLogger("recouvre.payments")
MAX_BODY_BYTES = 256 * 1024


def _answer(status: int, **data: object) -> HttpResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str, key: str) -> HttpResponse:
    account = selectors.account_by_webhook_key(provider, key)
    if account is None:
        log.warning("payments: webhook to an unknown address from %s", client_address(request))
        return _answer(404, error="unknown endpoint")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return _answer(413, error="body too large")
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _answer(413, error="body too large")
    try:
        outcome = services.receive_webhook(account, request.headers, body)
    except services.WebhookRefused as refused:
        log.warning(
            "payments: webhook to account %s refused (%s) from %s", account.pk, refused.reason, client_address(request)
        )
        return _answer(400, error="signature not valid")
    return _answer(200, received=True, outcome=outcome)
