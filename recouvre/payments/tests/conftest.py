"""Online payment tests: a loopback HTTP server standing in for Stripe's API (it answers a recorded Checkout Session,
or the error a test says, and keeps each request's path, headers and form), an organization with a Stripe account,
and Stripe's events written in the shape Stripe documents, signed as Stripe signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ANSWERS = Path(__file__).parent / "answers"
SECRET_KEY = "sk_test_51RecouvreAcmeKey0123456789abcdef"
WEBHOOK_SECRET = "whsec_acmeSigningSecret0123456789abcdef"
OTHER_SECRET_KEY = "sk_test_51RecouvreRivalKey0123456789abcdef"
OTHER_WEBHOOK_SECRET = "whsec_rivalSigningSecret0123456789abcdef"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    form: list[tuple[str, str]]


@dataclass
class StripeApi:
    status: int = 200
    answer: bytes = field(default_factory=lambda: (ANSWERS / "checkout_session.json").read_bytes())
    requests: list[Received] = field(default_factory=list)

    @property
    def session(self) -> dict[str, Any]:
        return dict(json.loads(self.answer))


@pytest.fixture
def stripe_api(settings) -> Iterator[StripeApi]:  # type: ignore[no-untyped-def]
    api = StripeApi()

    class Handler(BaseHTTPRequestHandler):
        timeout = 5

        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qsl(self.rfile.read(length).decode("ascii"), keep_blank_values=True)
            api.requests.append(Received(self.path, dict(self.headers.items()), form))
            body = api.answer if api.status == 200 else b'{"error": {"type": "api_error", "message": "x"}}'
            self.send_response(api.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.RECOUVRE_PAYMENT_PROVIDER = "stripe"
    settings.RECOUVRE_STRIPE_API_URL = f"http://127.0.0.1:{server.server_port}"
    settings.RECOUVRE_PAYMENT_TIMEOUT = 5
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def account(org):  # type: ignore[no-untyped-def]
    from recouvre.ledger.actors import CLI
    from recouvre.payments.services import configure

    return configure(org, CLI, provider="stripe", secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET)


@pytest.fixture
def other_account(other_org):  # type: ignore[no-untyped-def]
    from recouvre.ledger.actors import CLI
    from recouvre.payments.services import configure

    return configure(
        other_org, CLI, provider="stripe", secret_key=OTHER_SECRET_KEY, webhook_secret=OTHER_WEBHOOK_SECRET
    )


def session_event(
    event_id: str,
    kind: str,
    *,
    session_id: str,
    reference: str,
    amount_minor: int,
    currency: str = "eur",
    payment_status: str = "paid",
    created: int | None = None,
) -> bytes:
    """A ``checkout.session.*`` event as Stripe sends it (the fields of its API reference, with the session in
    ``data.object``)."""
    created = int(time.time()) - 5 if created is None else created
    session = {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": amount_minor,
        "amount_total": amount_minor,
        "cancel_url": "https://recouvre.example.com/p/token/pay/?cancelled=1",
        "client_reference_id": reference,
        "created": created - 120,
        "currency": currency,
        "customer": None,
        "customer_details": {
            "address": {
                "city": "Lyon",
                "country": "FR",
                "line1": "12 rue des Lilas",
                "line2": None,
                "postal_code": "69003",
                "state": None,
            },
            "email": "compta@dupont-batiment.fr",
            "name": "Dupont Bâtiment SARL",
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
        },
        "expires_at": created + 86_400,
        "livemode": False,
        "locale": "fr",
        "metadata": {"customer": "411DUPONT", "recouvre_checkout": reference},
        "mode": "payment",
        "payment_intent": "pi_3QxRecouvre0001",
        "payment_method_types": ["card", "sepa_debit"],
        "payment_status": payment_status,
        "status": "complete" if kind != "checkout.session.expired" else "expired",
        "success_url": "https://recouvre.example.com/p/token/pay/done/?session={CHECKOUT_SESSION_ID}",
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "url": None,
    }
    event = {
        "id": event_id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": created,
        "data": {"object": session},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
    }
    return json.dumps(event).encode("utf-8")


def signed(body: bytes, secret: str = WEBHOOK_SECRET, *, at: int | None = None) -> dict[str, str]:
    """The headers Stripe sends ``body`` with: ``Stripe-Signature`` of now (or ``at``) under ``secret``."""
    # Stripe's documentation: signed_payload = timestamp, ".", the raw body; v1 = hex HMAC-SHA256 of it, keyed with
    # the endpoint's signing secret. Written here from the documentation, not with the code under test.
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    test_mode_v0 = "6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"  # ignored, as Stripe says
    return {"HTTP_STRIPE_SIGNATURE": f"t={timestamp},v1={digest},v0={test_mode_v0}"}
