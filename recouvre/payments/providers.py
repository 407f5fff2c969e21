"""Payment providers behind one small interface (``PaymentProvider``): create a hosted checkout page for an amount,
and verify a webhook the provider sends. ``stripe`` is the first; ``provider_named`` gives the one a setting or an
account names.

The Stripe implementation speaks to the API over plain HTTPS (``urllib``), at ``RECOUVRE_STRIPE_API_URL``, with a
short timeout (``RECOUVRE_PAYMENT_TIMEOUT``) and a size limit on the answer. A provider that cannot be reached, or
answers with an error, raises ``ProviderUnavailable`` after one log line; nothing of the secret key is logged.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings

from recouvre.core import payments as core

log = logging.getLogger("recouvre.payments")
MAX_ANSWER_BYTES = 1_000_000


class ProviderUnavailable(Exception):
    """The provider could not be reached or refused the request (the reason is for the log, not the customer)."""


class WebhookRefused(Exception):
    """A webhook that is not the provider's (bad signature, too old, unreadable): nothing is written."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckoutRequest:
    amount: Decimal
    currency: str
    description: str
    reference: str
    """Recouvre's reference of the checkout: the provider keeps it with the session and sends it back."""
    success_url: str
    cancel_url: str
    language: str
    direct_debit: bool
    """Offer SEPA direct debit as well as card (euros only)."""
    metadata: Mapping[str, str]


class PaymentProvider(Protocol):
    name: str
    hosted_origin: str
    """The origin of the provider's hosted payment page (the portal's forms may be sent on there)."""

    def create_checkout(self, secret_key: str, request: CheckoutRequest) -> tuple[str, str]:
        """``(session id, redirect URL)`` of a new hosted checkout; ``ProviderUnavailable`` when it fails."""
        ...

    def verify_webhook(
        self, headers: Mapping[str, str], body: bytes, secret: str, *, now: int | None = None
    ) -> core.StripeEvent:
        """The event ``body`` carries when ``headers`` prove the provider signed it with ``secret``;
        ``WebhookRefused`` otherwise."""
        ...


def _form(fields: list[tuple[str, str]]) -> bytes:
    return urllib.parse.urlencode(fields).encode("ascii")


class Stripe:
    name = "stripe"
    hosted_origin = "https://checkout.stripe.com"

    def _base(self) -> str:
        return str(getattr(settings, "RECOUVRE_STRIPE_API_URL", "https://api.stripe.com")).rstrip("/")

    def checkout_form(self, request: CheckoutRequest) -> list[tuple[str, str]]:
        """The form fields of ``POST /v1/checkout/sessions`` for ``request``: one line of the whole amount."""
        currency = request.currency.lower()
        fields = [
            ("mode", "payment"),
            ("success_url", request.success_url),
            ("cancel_url", request.cancel_url),
            ("client_reference_id", request.reference),
            ("locale", request.language if request.language in ("fr", "en") else "auto"),
            ("line_items[0][quantity]", "1"),
            ("line_items[0][price_data][currency]", currency),
            ("line_items[0][price_data][unit_amount]", str(core.to_minor(request.amount, request.currency))),
            ("line_items[0][price_data][product_data][name]", request.description[:250]),
            ("payment_method_types[0]", "card"),
        ]
        if request.direct_debit:
            fields.append(("payment_method_types[1]", "sepa_debit"))
        for key, value in request.metadata.items():
            fields.append((f"metadata[{key}]", value))
            fields.append((f"payment_intent_data[metadata][{key}]", value))
        return fields

    def create_checkout(self, secret_key: str, request: CheckoutRequest) -> tuple[str, str]:
        url = f"{self._base()}/v1/checkout/sessions"
        http = urllib.request.Request(
            url,
            data=_form(self.checkout_form(request)),
            method="POST",
            headers={
                "Authorization": f"Bearer {secret_key}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Idempotency-Key": request.reference,
                "User-Agent": "Recouvre",
            },
        )
        timeout = float(getattr(settings, "RECOUVRE_PAYMENT_TIMEOUT", 10))
        try:
            with urllib.request.urlopen(http, timeout=timeout) as answer:  # noqa: S310 - https URL of a setting
                body = answer.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as exc:
            detail = _stripe_error(exc)
            log.warning("stripe: checkout %s not created: HTTP %s %s", request.reference, exc.code, detail)
            raise ProviderUnavailable(f"HTTP {exc.code} {detail}".strip()) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            log.warning("stripe: checkout %s not created: %s", request.reference, reason)
            raise ProviderUnavailable(str(reason)) from None
        try:
            data = json.loads(body[:MAX_ANSWER_BYTES])
            session_id, redirect = data["id"], data["url"]
        except (ValueError, KeyError, TypeError):
            log.warning("stripe: checkout %s: the answer does not read as a Checkout Session", request.reference)
            raise ProviderUnavailable("answer not a Checkout Session") from None
        if (
            not isinstance(session_id, str)
            or not 0 < len(session_id) <= 255
            or not isinstance(redirect, str)
            or not redirect.startswith("https://")
            or len(redirect) > 2000
        ):
            log.warning("stripe: checkout %s: the session has no id or no https address", request.reference)
            raise ProviderUnavailable("session without an id or an https address")
        return session_id, redirect

    def verify_webhook(
        self, headers: Mapping[str, str], body: bytes, secret: str, *, now: int | None = None
    ) -> core.StripeEvent:
        header = headers.get("Stripe-Signature", "") or headers.get("stripe-signature", "")
        try:
            core.check_stripe_signature(header, body, secret, now=int(time.time()) if now is None else now)
            return core.read_stripe_event(body)
        except core.SignatureRefused as exc:
            raise WebhookRefused(exc.reason) from None
        except core.EventError as exc:
            raise WebhookRefused(str(exc)) from None


def _stripe_error(exc: urllib.error.HTTPError) -> str:
    """The ``error.type`` and ``error.code`` of Stripe's error answer (never its message, which may repeat input)."""
    try:
        error = json.loads(exc.read(20_000)).get("error", {})
        return " ".join(str(error.get(k, ""))[:60] for k in ("type", "code") if error.get(k))
    except (ValueError, AttributeError, OSError):
        return ""


PROVIDERS: dict[str, PaymentProvider] = {"stripe": Stripe()}


def provider_named(name: str) -> PaymentProvider:
    return PROVIDERS[name]
