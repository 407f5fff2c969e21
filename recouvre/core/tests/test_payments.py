"""Online payments, the pure part: amounts to and from a provider's minor units, exactly; Stripe's webhook signature
checked as Stripe signs; the amount paid applied to the invoices in the order chosen."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal

import pytest

from recouvre.core import payments as core

SECRET = "whsec_test_secret_0123456789"
BODY = b'{"id": "evt_1", "object": "event"}'
NOW = 1_796_630_400


def _stripe(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        (Decimal("1734.56"), "EUR", 173456),
        (Decimal("0.01"), "eur", 1),
        (Decimal("999999999.99"), "EUR", 99999999999),
        (Decimal("1500"), "JPY", 1500),
        (Decimal("12.345"), "KWD", 12345),
        (Decimal("250.05"), "USD", 25005),
    ],
)
def test_minor_units_both_ways_exactly(amount: Decimal, currency: str, minor: int) -> None:
    assert core.to_minor(amount, currency) == minor
    assert core.from_minor(minor, currency) == amount
    assert str(core.from_minor(173456, "EUR")) == "1734.56"


@pytest.mark.parametrize(("amount", "currency"), [("0.001", "EUR"), ("10.5", "JPY"), ("0", "EUR"), ("-1", "EUR")])
def test_an_amount_finer_than_the_currency_or_not_above_zero_is_refused(amount: str, currency: str) -> None:
    with pytest.raises(core.AmountError):
        core.to_minor(Decimal(amount), currency)


def test_from_minor_refuses_what_is_not_a_whole_number() -> None:
    for value in (1.5, "100", True):
        with pytest.raises(core.AmountError):
            core.from_minor(value, "EUR")  # type: ignore[arg-type]


def test_a_signature_made_as_stripe_makes_it_is_accepted_within_five_minutes() -> None:
    header = f"t={NOW},v1={_stripe(SECRET, NOW, BODY)},v0=deadbeef"
    assert core.check_stripe_signature(header, BODY, SECRET, now=NOW + 300) == NOW
    assert core.stripe_signature_header(SECRET, NOW, BODY) == f"t={NOW},v1={_stripe(SECRET, NOW, BODY)}"
    # One of several v1 signatures (Stripe signs with each secret while one is being rolled) is enough.
    assert core.check_stripe_signature(f"t={NOW},v1={'0' * 64},v1={_stripe(SECRET, NOW, BODY)}", BODY, SECRET, now=NOW)


@pytest.mark.parametrize(
    ("header", "now", "reason"),
    [
        (f"t={NOW},v1={_stripe(SECRET, NOW, BODY)}", NOW + 301, "timestamp outside the tolerance"),
        (f"t={NOW},v1={_stripe(SECRET, NOW, BODY)}", NOW - 301, "timestamp outside the tolerance"),
        (f"t={NOW},v1={_stripe('whsec_other', NOW, BODY)}", NOW, "signature does not match"),
        (f"t={NOW + 1},v1={_stripe(SECRET, NOW, BODY)}", NOW, "signature does not match"),
        (f"t={NOW},v0={_stripe(SECRET, NOW, BODY)}", NOW, "no v1 signature"),
        (f"v1={_stripe(SECRET, NOW, BODY)}", NOW, "no timestamp"),
        ("", NOW, "no signature header"),
        ("t=abc,v1=00", NOW, "timestamp not a number"),
    ],
)
def test_a_bad_or_stale_signature_is_refused(header: str, now: int, reason: str) -> None:
    with pytest.raises(core.SignatureRefused) as refused:
        core.check_stripe_signature(header, BODY, SECRET, now=now)
    assert refused.value.reason == reason


def test_the_body_must_be_the_one_signed() -> None:
    header = f"t={NOW},v1={_stripe(SECRET, NOW, BODY)}"
    with pytest.raises(core.SignatureRefused):
        core.check_stripe_signature(header, BODY + b" ", SECRET, now=NOW)
    with pytest.raises(core.SignatureRefused):
        core.check_stripe_signature(header, BODY, "", now=NOW)


def test_reading_a_checkout_session_event() -> None:
    body = (
        b'{"id": "evt_1", "object": "event", "created": 1796630400, "livemode": false,'
        b' "type": "checkout.session.completed", "data": {"object": {"id": "cs_test_1", "object": "checkout.session",'
        b' "amount_total": 173456, "currency": "eur", "payment_status": "paid", "client_reference_id": "rc_1",'
        b' "customer_details": {"name": "Dupont"}, "metadata": {"recouvre_checkout": "rc_1"}}}}'
    )
    event = core.read_stripe_event(body)
    assert (event.id, event.type, event.session_id, event.amount_total, event.currency) == (
        "evt_1",
        "checkout.session.completed",
        "cs_test_1",
        173456,
        "EUR",
    )
    assert event.payment_status == "paid" and event.payer_name == "Dupont" and event.client_reference_id == "rc_1"
    for bad in (b"[]", b"not json", b'{"object": "event"}', body.replace(b"173456", b"1734.56")):
        with pytest.raises(core.EventError):
            core.read_stripe_event(bad)


def test_the_amount_paid_goes_to_the_invoices_in_the_order_chosen_each_up_to_its_open_amount() -> None:
    assert core.allocation_plan(Decimal("1734.56"), [(2, Decimal("734.56")), (1, Decimal("1000.00"))]) == [
        (2, Decimal("734.56")),
        (1, Decimal("1000.00")),
    ]
    # Paid meanwhile by transfer (nothing open): passed over; what is left stays unallocated.
    assert core.allocation_plan(Decimal("1000.00"), [(2, Decimal("0.00")), (1, Decimal("400.00"))]) == [
        (1, Decimal("400.00"))
    ]
    assert core.allocation_plan(Decimal("300.00"), [(1, Decimal("400.00")), (2, Decimal("50.00"))]) == [
        (1, Decimal("300.00"))
    ]


def test_credentials_are_checked_and_masked() -> None:
    assert core.stripe_credential_errors("sk_live_51AbCdEfGh", "whsec_12345678abc") == {}
    assert set(core.stripe_credential_errors("pk_live_51AbCdEfGh", "secret")) == {"secret_key", "webhook_secret"}
    assert core.stripe_credential_errors(None, None) == {}
    assert core.masked("sk_live_51AbCdEfGhWXYZ") == "sk_live_…WXYZ"
    assert "51AbCdEfGh" not in core.masked("sk_live_51AbCdEfGhWXYZ")
