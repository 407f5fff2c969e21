"""Online payments (card, SEPA direct debit through a payment provider), the pure part. No Django import.

- **Minor units.** A provider counts money in the currency's smallest unit (cents for euros): ``to_minor`` and
  ``from_minor`` convert exactly, with the number of decimals of each currency as the provider counts them (none for
  the yen, three for the Kuwaiti dinar, two for most); an amount finer than the currency's unit is refused, never
  rounded.
- **Stripe's webhook signature.** Stripe sends ``Stripe-Signature: t=TIMESTAMP,v1=HEX[,v1=HEX...][,v0=...]``
  where each ``v1`` is the lowercase hexadecimal HMAC-SHA256, keyed with the endpoint's signing secret (the whole
  ``whsec_...`` text), of ``f"{TIMESTAMP}.{BODY}"``: the Unix time in seconds, a dot, the request body's bytes as
  sent. ``check_stripe_signature`` accepts a body when one ``v1`` matches (compared in constant time) and the
  timestamp is within ``STRIPE_TOLERANCE_SECONDS`` of now (a replayed old delivery is refused).
- **Stripe's events.** ``read_stripe_event`` reads the few fields Recouvre uses from an event's JSON.
- **Allocation.** ``allocation_plan`` applies an amount paid to the invoices the customer chose, in their order,
  each up to what is still open; what is left stays unallocated on the payment.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .i18n import _

STRIPE_TOLERANCE_SECONDS = 300
MAX_SIGNATURE_HEADER = 2000

# Stripe's zero-decimal and three-decimal currencies; every other currency has two decimals.
ZERO_DECIMAL = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()  # noqa: SIM905 - a list to read
)
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())  # noqa: SIM905

# Stripe's checkout.session events Recouvre acts on.
SESSION_COMPLETED = "checkout.session.completed"
ASYNC_SUCCEEDED = "checkout.session.async_payment_succeeded"
ASYNC_FAILED = "checkout.session.async_payment_failed"
SESSION_EXPIRED = "checkout.session.expired"
HANDLED_EVENTS = (SESSION_COMPLETED, ASYNC_SUCCEEDED, ASYNC_FAILED, SESSION_EXPIRED)


class AmountError(ValueError):
    """An amount that cannot be written in the currency's minor units."""


class SignatureRefused(ValueError):
    """A webhook whose signature does not hold; ``reason`` says why (for the log)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decimals(currency: str) -> int:
    code = currency.strip().upper()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def to_minor(amount: Decimal, currency: str) -> int:
    """``Decimal("1234.56")`` EUR -> ``123456``; refuses an amount not above zero or finer than the minor unit."""
    try:
        exact = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise AmountError(_("not an amount: %(value)r") % {"value": amount}) from exc
    if not exact.is_finite() or exact <= 0:
        raise AmountError(_("an amount above zero is needed, not %(value)s") % {"value": amount})
    scaled = exact.scaleb(decimals(currency))
    if scaled != scaled.to_integral_value():
        raise AmountError(
            _("%(amount)s %(currency)s is finer than the currency's smallest unit")
            % {"amount": amount, "currency": currency}
        )
    return int(scaled)


def from_minor(value: int, currency: str) -> Decimal:
    """``123456`` EUR -> ``Decimal("1234.56")``, exact, with the currency's number of decimals."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise AmountError(_("not an amount in minor units: %(value)r") % {"value": value})
    places = decimals(currency)
    return Decimal(value).scaleb(-places).quantize(Decimal(1).scaleb(-places))


# ------------------------------------------------------------------------------------------------ signature


def stripe_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``v1`` signature Stripe puts on ``body`` sent at ``timestamp`` (Unix seconds) with ``secret``."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def stripe_signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The whole ``Stripe-Signature`` header Stripe sends with ``body`` (what a test or a check writes)."""
    return f"t={timestamp},v1={stripe_signature(secret, timestamp, body)}"


def parse_stripe_header(header: str) -> tuple[int, list[str]]:
    """``(timestamp, [v1 signatures])`` of a ``Stripe-Signature`` header; other schemes (``v0``) are left out."""
    if not header or len(header) > MAX_SIGNATURE_HEADER:
        raise SignatureRefused("no signature header" if not header else "signature header too long")
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if not value.isascii() or not value.isdigit() or len(value) > 12:
                raise SignatureRefused("timestamp not a number")
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None:
        raise SignatureRefused("no timestamp")
    if not signatures:
        raise SignatureRefused("no v1 signature")
    return timestamp, signatures


def check_stripe_signature(
    header: str, body: bytes, secret: str, *, now: int, tolerance: int = STRIPE_TOLERANCE_SECONDS
) -> int:
    """The header's timestamp when one of its ``v1`` signatures is ``body``'s under ``secret`` and the timestamp is
    within ``tolerance`` seconds of ``now``; ``SignatureRefused`` otherwise."""
    if not secret:
        raise SignatureRefused("no signing secret")
    timestamp, signatures = parse_stripe_header(header)
    expected = stripe_signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureRefused("signature does not match")
    if abs(now - timestamp) > tolerance:
        raise SignatureRefused("timestamp outside the tolerance")
    return timestamp


# ------------------------------------------------------------------------------------------------ events


@dataclass(frozen=True)
class StripeEvent:
    """What Recouvre reads of a Stripe event (for a ``checkout.session.*`` event, of the session it carries)."""

    id: str
    type: str
    created: int
    livemode: bool
    session_id: str = ""
    payment_status: str = ""
    amount_total: int | None = None
    currency: str = ""
    client_reference_id: str = ""
    payer_name: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


class EventError(ValueError):
    """A body that is not a Stripe event Recouvre can read."""


def _text(value: Any, limit: int = 255) -> str:
    return value[:limit] if isinstance(value, str) else ""


def read_stripe_event(body: bytes) -> StripeEvent:
    """The event in ``body`` (Stripe's JSON). ``EventError`` when it does not read as an event."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EventError("not JSON") from exc
    if not isinstance(data, dict) or data.get("object") != "event":
        raise EventError("not an event")
    event_id, kind, created = data.get("id"), data.get("type"), data.get("created")
    if not isinstance(event_id, str) or not event_id or len(event_id) > 255 or not isinstance(kind, str):
        raise EventError("event without an id or a type")
    if isinstance(created, bool) or not isinstance(created, int):
        raise EventError("event without a creation time")
    livemode = data.get("livemode") is True
    body_data = data.get("data")
    obj = body_data.get("object") if isinstance(body_data, dict) else None
    if not kind.startswith("checkout.session.") or not isinstance(obj, dict):
        return StripeEvent(id=event_id, type=kind[:80], created=created, livemode=livemode)
    if obj.get("object") != "checkout.session" or not _text(obj.get("id")):
        raise EventError("a checkout.session event without its session")
    amount = obj.get("amount_total")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount < 0):
        raise EventError("amount_total is not a whole number of minor units")
    raw_details = obj.get("customer_details")
    details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
    raw_metadata = obj.get("metadata")
    metadata: dict[str, Any] = raw_metadata if isinstance(raw_metadata, dict) else {}
    return StripeEvent(
        id=event_id,
        type=kind[:80],
        created=created,
        livemode=livemode,
        session_id=_text(obj.get("id")),
        payment_status=_text(obj.get("payment_status"), 40),
        amount_total=amount,
        currency=_text(obj.get("currency"), 3).upper(),
        client_reference_id=_text(obj.get("client_reference_id"), 200),
        payer_name=_text(details.get("name"), 200),
        metadata={str(k)[:40]: _text(v, 500) for k, v in list(metadata.items())[:50]},
    )


# ------------------------------------------------------------------------------------------------ allocation


def allocation_plan(amount: Decimal, open_amounts: Sequence[tuple[int, Decimal]]) -> list[tuple[int, Decimal]]:
    """``(invoice id, amount)`` pairs that apply ``amount`` to the invoices ``open_amounts`` lists, in that order,
    each up to its open amount (an invoice with nothing open is passed over); what is left is not in the plan."""
    left = amount
    plan: list[tuple[int, Decimal]] = []
    for invoice_id, still_open in open_amounts:
        if left <= 0:
            break
        part = min(left, still_open)
        if part > 0:
            plan.append((invoice_id, part))
            left -= part
    return plan


# ------------------------------------------------------------------------------------------------ credentials

_STRIPE_KEY = re.compile(r"(sk|rk)_(test|live)_[A-Za-z0-9]{8,190}")
_STRIPE_WEBHOOK_SECRET = re.compile(r"whsec_[A-Za-z0-9+/=_-]{8,190}")


def stripe_credential_errors(secret_key: str | None, webhook_secret: str | None) -> dict[str, str]:
    """The credentials refused, each with why (``secret_key``, ``webhook_secret``); ``None`` is not checked (kept
    as it is)."""
    errors: dict[str, str] = {}
    if secret_key is not None and not _STRIPE_KEY.fullmatch(secret_key):
        errors["secret_key"] = _(
            "A Stripe secret key starts with sk_live_ or sk_test_ (or rk_ for a restricted key), then letters and "
            "digits."
        )
    if webhook_secret is not None and not _STRIPE_WEBHOOK_SECRET.fullmatch(webhook_secret):
        errors["webhook_secret"] = _("A Stripe webhook signing secret starts with whsec_.")
    return errors


def masked(secret: str) -> str:
    """``sk_live_…WXYZ``: enough to recognize a key, never enough to use it."""
    prefix = secret.split("_")[0] + "_" if "_" in secret else ""
    if secret.startswith(("sk_live_", "sk_test_", "rk_live_", "rk_test_")):
        prefix = secret[:8]
    return f"{prefix}…{secret[-4:]}" if len(secret) > 12 else "…"
