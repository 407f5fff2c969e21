"""Webhooks end to end against a real HTTP server on loopback: the exact signature, the body, a delivery once per
event and endpoint, "invoice paid" only when nothing is left open, retries with backoff, an endpoint disabled after
days of failures with its administrators told, replay, another organization's events never sent."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from recouvre.collections.holds import open_dispute, record_promise
from recouvre.core import webhooks as core
from recouvre.ledger.actors import Actor
from recouvre.ledger.chain import seal
from recouvre.ledger.models import Event
from recouvre.ledger.services import allocate
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory, PaymentFactory
from recouvre.webhooks import services
from recouvre.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")
T0 = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def _promise(org, customer):  # type: ignore[no-untyped-def]
    record_promise(org, customer, amount=Decimal("500.00"), promised_on=date(2026, 4, 15), actor=ACTOR,
                   today=date(2026, 4, 1))  # fmt: skip
    seal(org)


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"id":"event:1"}'
    expected = hmac.new(b"whsec_abc", b"1775030400." + body, hashlib.sha256).hexdigest()
    assert core.signature_header("whsec_abc", 1775030400, body) == f"t=1775030400,v1={expected}"
    assert core.verify("whsec_abc", f"t=1775030400,v1={expected}", body, now=1775030500)
    assert not core.verify("whsec_abd", f"t=1775030400,v1={expected}", body, now=1775030500)
    assert not core.verify("whsec_abc", f"t=1775030400,v1={expected}", body, now=1775030400 + 301)


def test_the_backoff_schedule() -> None:
    assert [core.retry_delay(n) for n in range(1, 8)] == [
        timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12),
        timedelta(hours=24), timedelta(hours=24),
    ]  # fmt: skip


def test_addresses_https_only_no_private_network(settings) -> None:  # type: ignore[no-untyped-def]
    assert core.url_problem("http://hooks.example.com/x", allow_loopback=True) == "only https:// addresses are allowed"
    assert core.url_problem("http://127.0.0.1:8000/x", allow_loopback=False) == "only https:// addresses are allowed"
    assert core.url_problem("http://127.0.0.1:8000/x", allow_loopback=True) is None
    assert core.url_problem("https://u:p@hooks.example.com/", allow_loopback=False) == (
        "a user name or password in the address"
    )
    assert core.address_problem("10.1.2.3", allow_private=False, allow_loopback=False) == "a private-network address"
    assert core.address_problem("169.254.169.254", allow_private=False, allow_loopback=False) == (
        "a private-network address"
    )
    assert core.address_problem("::ffff:192.168.1.1", allow_private=False, allow_loopback=False) == (
        "a private-network address"
    )
    assert core.address_problem("127.0.0.1", allow_private=False, allow_loopback=False) == "a loopback address"
    assert core.address_problem("10.1.2.3", allow_private=True, allow_loopback=False) is None
    assert core.address_problem("93.184.216.34", allow_private=False, allow_loopback=False) is None
    settings.RECOUVRE_WEBHOOK_ALLOW_LOOPBACK = False
    response = services.post("https://localhost:9/x", b"{}", {}, timeout=1)
    assert response.status is None and response.error == "refused: the host name leads to a loopback address"


def test_a_promise_is_delivered_signed_once_per_endpoint(org, receiver, time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(T0, tick=False)
    customer = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SA")
    _promise(org, customer)  # before the endpoint: never sent
    endpoint = services.add_endpoint(org, ACTOR, url=receiver.url, event_types=["promise.made", "invoice.paid"],
                                     description="ERP")  # fmt: skip
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) == 54
    assert services.run_pass() == {"collected": 0, "delivered": 0, "failed": 0, "given_up": 0, "disabled": []}

    _promise(org, customer)
    assert services.run_pass() == {"collected": 1, "delivered": 1, "failed": 0, "given_up": 0, "disabled": []}
    assert services.run_pass()["collected"] == 0  # the cursor moved: the event is delivered once
    assert services.collect(org).deliveries == 0

    [request] = receiver.requests
    assert request.path == "/hooks/recouvre"
    event = Event.objects.filter(organization=org, kind="collections.promise_recorded").order_by("-id").first()
    body = json.loads(request.body)
    assert body == {
        "id": f"event:{event.pk}",
        "type": "promise.made",
        "created_at": "2026-04-01T08:00:00+00:00",
        "organization": "acme",
        "customer": {"ref": "411DUPONT", "name": "Dupont SA"},
        "event": {"id": event.pk, "seq": event.seq, "kind": "collections.promise_recorded"},
        "data": {**event.data},
    }
    assert body["data"]["amount"] == "500.00" and body["data"]["promised_on"] == "2026-04-15"
    t = int(T0.timestamp())
    expected = hmac.new(endpoint.secret.encode(), f"{t}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert request.headers["Recouvre-Signature"] == f"t={t},v1={expected}"
    assert request.headers["Recouvre-Event"] == "promise.made"
    delivery = WebhookDelivery.objects.get()
    assert request.headers["Recouvre-Delivery"] == str(delivery.pk)
    assert (delivery.state, delivery.attempts, delivery.status_code, delivery.response_excerpt) == (
        "delivered",
        1,
        200,
        '{"received": true}',
    )


def test_invoice_paid_only_when_nothing_is_left_open(org, receiver, time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(T0, tick=False)
    customer = CustomerFactory(organization=org)
    invoice = InvoiceFactory(customer=customer, number="F-100", total=Decimal("1200.00"))
    services.add_endpoint(org, ACTOR, url=receiver.url, event_types=["invoice.paid"])
    payment = PaymentFactory(customer=customer, amount=Decimal("1200.00"))

    allocate(ACTOR, invoice=invoice, amount=Decimal("700.00"), payment=payment)
    seal(org)
    services.run_pass()
    assert receiver.requests == []  # 500.00 still open

    allocate(ACTOR, invoice=invoice, amount=Decimal("500.00"), payment=payment)
    seal(org)
    services.run_pass()
    services.run_pass()
    [request] = receiver.requests
    body = json.loads(request.body)
    assert body["type"] == "invoice.paid" and body["id"] == f"invoice.paid:{invoice.pk}"
    assert body["data"] == {"invoice": "F-100", "total": "1200.00", "currency": "EUR", "due_on": "2026-02-14",
                            "open_amount": "0.00"}  # fmt: skip


def test_failures_are_retried_with_backoff_then_delivered(org, receiver, time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(T0, tick=False)
    customer = CustomerFactory(organization=org)
    endpoint = services.add_endpoint(org, ACTOR, url=receiver.url, event_types=["promise.made"])
    _promise(org, customer)
    receiver.statuses = [503, 500, 302]
    assert services.run_pass()["failed"] == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.status_code) == ("failed", 1, 503)
    assert delivery.next_attempt_at == T0 + timedelta(minutes=1)
    assert delivery.error == "the endpoint answered HTTP 503"
    assert delivery.response_excerpt == "temporarily unavailable"

    time_machine.move_to(T0 + timedelta(seconds=59), tick=False)
    assert services.run_pass()["failed"] == 0 and len(receiver.requests) == 1  # not due yet
    time_machine.move_to(T0 + timedelta(minutes=1), tick=False)
    services.run_pass()
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.status_code, delivery.next_attempt_at) == (
        2,
        500,
        T0 + timedelta(minutes=1 + 5),
    )
    time_machine.move_to(T0 + timedelta(minutes=6), tick=False)
    services.run_pass()
    delivery.refresh_from_db()  # a redirect is not followed: a failure
    assert (delivery.attempts, delivery.status_code, delivery.next_attempt_at) == (3, 302, T0 + timedelta(minutes=36))
    assert len(receiver.requests) == 3
    time_machine.move_to(T0 + timedelta(minutes=36), tick=False)
    services.run_pass()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.status_code) == ("delivered", 4, 200)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.enabled
    # every try carried the same body, each signed at its own time
    assert len({r.body for r in receiver.requests}) == 1
    assert [r.headers["Recouvre-Signature"].split(",")[0] for r in receiver.requests] == [
        f"t={int((T0 + d).timestamp())}" for d in (timedelta(0), timedelta(minutes=1), timedelta(minutes=6),
                                                   timedelta(minutes=36))
    ]  # fmt: skip


def test_an_endpoint_failing_for_three_days_is_disabled_and_its_administrators_told(org, receiver, time_machine):  # type: ignore[no-untyped-def]
    MembershipFactory(organization=org, user__email="admin@acme.example")
    MembershipFactory(organization=org, user__email="viewer@acme.example", role="viewer")
    time_machine.move_to(T0, tick=False)
    customer = CustomerFactory(organization=org)
    endpoint = services.add_endpoint(org, ACTOR, url=receiver.url, event_types=["promise.made"])
    _promise(org, customer)
    receiver.statuses = [500] * 20
    at = T0
    for _ in range(7):  # 0, +1 min, +6 min, +36 min, +2 h 36, +14 h 36, +38 h 36
        time_machine.move_to(at, tick=False)
        services.run_pass()
        at = WebhookDelivery.objects.get().next_attempt_at
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.failing_since == T0 and mail.outbox == []
    time_machine.move_to(T0 + timedelta(hours=62, minutes=36), tick=False)
    assert services.run_pass()["disabled"] == []  # 2 days 14 h 36 of failures
    time_machine.move_to(T0 + timedelta(days=3, hours=14, minutes=36), tick=False)
    result = services.run_pass()
    assert result["disabled"] == [endpoint.pk]
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert endpoint.disabled_reason == "Disabled automatically: every delivery has failed since 2026-04-01."
    event = Event.objects.get(organization=org, kind="webhooks.endpoint_disabled")
    assert event.data == {"endpoint": endpoint.pk, "url": receiver.url, "since": "2026-04-01"}
    [message] = mail.outbox
    assert message.to == ["admin@acme.example"]
    assert message.subject == f"Webhook disabled: {receiver.url}"
    # nothing more is sent to it
    time_machine.move_to(T0 + timedelta(days=10), tick=False)
    sent = len(receiver.requests)
    assert services.run_pass()["failed"] == 0 and len(receiver.requests) == sent == 9
    # enabled again: the failures are forgotten and the due delivery goes
    receiver.statuses = []
    services.update_endpoint(endpoint, ACTOR, enabled=True)
    services.run_pass()
    assert WebhookDelivery.objects.get().state == "delivered"


def test_replay_sends_the_same_body_again(org, receiver, time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(T0, tick=False)
    endpoint = services.add_endpoint(org, ACTOR, url=receiver.url, event_types=["promise.made"])
    _promise(org, CustomerFactory(organization=org))
    services.run_pass()
    first = WebhookDelivery.objects.get()
    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    copy = services.replay(first, ACTOR)
    assert services.deliver(copy) == DeliveryState.DELIVERED
    assert receiver.requests[1].body == receiver.requests[0].body
    assert copy.replay_of == first and copy.endpoint == endpoint
    assert receiver.requests[1].headers["Recouvre-Signature"].startswith(f"t={int(T0.timestamp()) + 3600},")
    assert Event.objects.filter(organization=org, kind="webhooks.delivery_replayed").count() == 1


def test_a_test_event_goes_to_the_endpoint(org, receiver):  # type: ignore[no-untyped-def]
    endpoint = services.add_endpoint(org, ACTOR, url=receiver.url, event_types=["letter.posted"])
    delivery = services.queue_test(endpoint, ACTOR)
    assert services.deliver(delivery) == "delivered"
    body = json.loads(receiver.requests[0].body)
    assert body["type"] == "webhook.test" and body["data"]["message"] == "This is a test event from Recouvre."


def test_another_organization_s_events_are_never_sent(org, other_org, receiver):  # type: ignore[no-untyped-def]
    services.add_endpoint(org, ACTOR, url=receiver.url, event_types=["promise.made", "dispute.opened"])
    theirs = CustomerFactory(organization=other_org)
    _promise(other_org, theirs)
    invoice = InvoiceFactory(customer=theirs)
    open_dispute(other_org, invoice, reason_code="price", actor=ACTOR, today=date(2026, 4, 1))
    seal(other_org)
    services.run_pass()
    assert receiver.requests == [] and WebhookDelivery.objects.count() == 0
    ours = CustomerFactory(organization=org)
    open_dispute(org, InvoiceFactory(customer=ours), reason_code="price", actor=ACTOR, today=date(2026, 4, 1))
    seal(org)
    services.run_pass()
    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["dispute.opened"]


def test_refused_addresses_and_types(org, settings):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        services.add_endpoint(org, ACTOR, url="http://hooks.example.com/", event_types=["promise.made"])
    assert refused.value.message_dict == {"url": ["Address refused: only https:// addresses are allowed."]}
    with pytest.raises(ValidationError) as refused:
        services.add_endpoint(org, ACTOR, url="https://hooks.example.com/", event_types=["invoice.lost"])
    assert refused.value.message_dict == {"event_types": ["Unknown event types: invoice.lost."]}
    assert WebhookEndpoint.objects.count() == 0


def test_the_scheduler_queues_one_pass_for_the_worker_when_there_is_work(org, receiver, time_machine):  # type: ignore[no-untyped-def]
    from datetime import time

    from django_tasks_db.models import DBTaskResult

    from recouvre.collections import scheduler
    from recouvre.operations.worker import run_ready_tasks

    time_machine.move_to(T0, tick=False)
    window = (time(8, 0), time(19, 0))
    services.add_endpoint(org, ACTOR, url=receiver.url, event_types=["promise.made"])
    assert not scheduler.tick(run_at=time(23, 0), window=window, rates=False).webhooks  # nothing to collect
    _promise(org, CustomerFactory(organization=org))
    assert scheduler.tick(run_at=time(23, 0), window=window, rates=False).webhooks
    assert not scheduler.tick(run_at=time(23, 0), window=window, rates=False).webhooks  # one is already waiting
    assert DBTaskResult.objects.count() == 1
    assert run_ready_tasks() == 1
    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["promise.made"]
    assert not scheduler.tick(run_at=time(23, 0), window=window, rates=False).webhooks
