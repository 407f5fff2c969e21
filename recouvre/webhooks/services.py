"""Webhooks, the writes: endpoints added, changed, removed, their secret rotated; the organization's new events
turned into deliveries (``collect``); deliveries sent, tried again with backoff, given up (``send_due``); an endpoint
failing for days disabled, its administrators told; a delivery replayed, a test sent. See ``docs/webhooks.md``.

Every change of an endpoint leaves an event on the organization's timeline.
"""

from __future__ import annotations

import http.client
import json
import logging
import secrets
import socket
import ssl
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core import webhooks as core
from recouvre.ledger.actors import Actor
from recouvre.ledger.chain import seal
from recouvre.ledger.models import ChainHead, Event, Invoice
from recouvre.ledger.services import record_event
from recouvre.organizations.models import Membership, Organization, Role

from .models import DeliveryState, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

# the most of a response's body kept with a delivery (characters)
RESPONSE_EXCERPT = 1000
# how long a delivery claimed by a sender stays its own (a sender that died leaves it to the next pass after that)
CLAIM = timedelta(minutes=5)
# deliveries sent in one pass at most, and events read at once
SEND_BATCH = 200
CHUNK = 1000
USER_AGENT = "Recouvre-Webhooks/1"


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def check_url(url: str) -> str:
    """The address, stripped, or a ValidationError saying why it is refused (https only; see ``core.url_problem``)."""
    url = url.strip()
    problem = core.url_problem(url, allow_loopback=settings.RECOUVRE_WEBHOOK_ALLOW_LOOPBACK)
    if problem:
        raise ValidationError({"url": [_("Address refused: %(problem)s.") % {"problem": problem}]})
    return url


def check_types(types: Iterable[str]) -> list[str]:
    chosen = sorted(set(types))
    unknown = [t for t in chosen if t not in core.EVENT_TYPES]
    if unknown:
        raise ValidationError({"event_types": [_("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)}]})
    if not chosen:
        raise ValidationError({"event_types": [_("Choose at least one event type.")]})
    return chosen


def _head(organization: Organization) -> int:
    head = ChainHead.objects.filter(organization=organization).values_list("seq", flat=True).first()
    return int(head or 0)


@transaction.atomic
def add_endpoint(
    organization: Organization,
    actor: Actor,
    *,
    url: str,
    event_types: Iterable[str],
    description: str = "",
) -> WebhookEndpoint:
    """A new enabled endpoint with a new secret; the events from now on are sent to it, none from before."""
    url, types = check_url(url), check_types(event_types)
    seal(organization)
    endpoint = WebhookEndpoint.objects.create(
        organization=organization,
        url=url,
        description=description.strip()[:200],
        event_types=types,
        secret=new_secret(),
        last_seq=_head(organization),
        created_by=actor.user,
    )
    record_event(
        organization, None, "webhooks.endpoint_added", actor, endpoint=endpoint.pk, url=url, types=", ".join(types)
    )
    return endpoint


@transaction.atomic
def update_endpoint(
    endpoint: WebhookEndpoint,
    actor: Actor,
    *,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint; enabling it again forgets its failures (the events since it stopped are then sent)."""
    changes: dict[str, Any] = {}
    if url is not None and check_url(url) != endpoint.url:
        changes["url"] = check_url(url)
    if event_types is not None:
        types = check_types(event_types)
        if types != endpoint.event_types:
            changes["event_types"] = types
    if description is not None and description.strip()[:200] != endpoint.description:
        changes["description"] = description.strip()[:200]
    if enabled is not None and enabled != endpoint.enabled:
        changes["enabled"] = enabled
    if not changes:
        return endpoint
    for name, value in changes.items():
        setattr(endpoint, name, value)
    if changes.get("enabled") is True:
        endpoint.disabled_reason, endpoint.failing_since = "", None
    if changes.get("enabled") is False:
        endpoint.disabled_reason = _("Disabled by %(who)s.") % {"who": actor.label}
    endpoint.save()
    shown = {k: ", ".join(v) if k == "event_types" else v for k, v in changes.items()}
    record_event(
        endpoint.organization,
        None,
        "webhooks.endpoint_changed",
        actor,
        endpoint=endpoint.pk,
        url=endpoint.url,
        fields=", ".join(f"{k}: {v}" for k, v in shown.items()),
    )
    return endpoint


@transaction.atomic
def rotate_secret(endpoint: WebhookEndpoint, actor: Actor) -> str:
    """A new secret for the endpoint (the old one signs nothing from now on): the new one, to show once."""
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    record_event(endpoint.organization, None, "webhooks.secret_rotated", actor, endpoint=endpoint.pk, url=endpoint.url)
    return endpoint.secret


@transaction.atomic
def remove_endpoint(endpoint: WebhookEndpoint, actor: Actor) -> None:
    """Remove an endpoint and its deliveries' log."""
    organization, pk, url = endpoint.organization, endpoint.pk, endpoint.url
    endpoint.delete()
    record_event(organization, None, "webhooks.endpoint_removed", actor, endpoint=pk, url=url)


# ---------------------------------------------------------------------------------------------------------- payloads


def _customer(event: Event) -> dict[str, str] | None:
    c = event.customer
    return None if c is None else {"ref": c.ref, "name": c.name}


def _payload(
    organization: Organization,
    key: str,
    type_: str,
    event: Event | None,
    data: dict[str, Any],
    customer: dict[str, str] | None,
    at: datetime,
) -> dict[str, Any]:
    return {
        "id": key,
        "type": type_,
        "created_at": at.isoformat(),
        "organization": organization.slug,
        "customer": customer,
        "event": None if event is None else {"id": event.pk, "seq": event.seq, "kind": event.kind},
        "data": data,
    }


def _paid_numbers(event: Event) -> list[str]:
    """The invoices an event applies money to, by number."""
    if event.kind == "allocation.created":
        return [str(event.data.get("invoice", ""))]
    return [str(a.get("invoice", "")) for a in event.data.get("allocations") or [] if isinstance(a, dict)]


@dataclass
class CollectResult:
    endpoints: int = 0
    deliveries: int = 0


def collect(organization: Organization, *, now: datetime | None = None) -> CollectResult:
    """Turn the organization's events sealed since each enabled endpoint's cursor into deliveries of the types it
    subscribes to, and move the cursors to the chain's head. One read of the events for all the endpoints, in chunks;
    a delivery is unique per endpoint and key, so a second pass (or two at once) adds nothing.

    ``invoice.paid``: an event applying money to invoices (``allocation.created``, ``bank.payment_applied``) makes
    one delivery per invoice it names whose open amount is zero when the pass reads it, once per invoice and
    endpoint."""
    seal(organization)  # what a stopped process left unsealed
    result = CollectResult()
    endpoints = list(WebhookEndpoint.objects.filter(organization=organization, enabled=True))
    if not endpoints:
        return result
    head = _head(organization)
    endpoints = [e for e in endpoints if e.last_seq < head]
    result.endpoints = len(endpoints)
    if not endpoints:
        return result
    kinds = core.kinds_for(t for e in endpoints for t in e.event_types)
    start = min(e.last_seq for e in endpoints)
    subscribed = {e.pk: core.kinds_for(e.event_types) for e in endpoints}
    while start < head:
        stop = min(start + CHUNK, head)
        events = list(
            Event.objects.filter(organization=organization, seq__gt=start, seq__lte=stop, kind__in=kinds)
            .select_related("customer")
            .order_by("seq")
        )
        paid = _paid_invoices(organization, [e for e in events if e.kind in core.PAYING_KINDS])
        rows: list[WebhookDelivery] = []
        now = now or timezone.now()
        for endpoint in endpoints:
            wanted, seen = subscribed[endpoint.pk], set()
            for event in events:
                if event.seq <= endpoint.last_seq or event.kind not in wanted:  # type: ignore[operator]
                    continue
                if event.kind in core.PAYING_KINDS:
                    for number in _paid_numbers(event):
                        invoice = paid.get(number)
                        if invoice is None or invoice.pk in seen:
                            continue
                        seen.add(invoice.pk)
                        key = f"invoice.paid:{invoice.pk}"
                        data = {
                            "invoice": invoice.number,
                            "total": str(invoice.total),
                            "currency": invoice.currency,
                            "due_on": invoice.due_on.isoformat(),
                            "open_amount": str(invoice.open_amount),
                        }
                        rows.append(_delivery(endpoint, "invoice.paid", key, event, data, now))
                    continue
                rows.append(
                    _delivery(
                        endpoint, core.TYPE_OF_KIND[event.kind], f"event:{event.pk}", event, dict(event.data), now
                    )
                )
        with transaction.atomic():
            WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
            WebhookEndpoint.objects.filter(pk__in=[e.pk for e in endpoints], last_seq__lt=stop).update(last_seq=stop)
        for endpoint in endpoints:
            endpoint.last_seq = max(endpoint.last_seq, stop)
        result.deliveries += len(rows)
        start = stop
    return result


def _delivery(
    endpoint: WebhookEndpoint, type_: str, key: str, event: Event, data: dict[str, Any], now: datetime
) -> WebhookDelivery:
    return WebhookDelivery(
        organization_id=endpoint.organization_id,
        endpoint=endpoint,
        event=event,
        type=type_,
        key=key,
        payload=_payload(endpoint.organization, key, type_, event, data, _customer(event), event.occurred_at),
        next_attempt_at=now,
    )


def _paid_invoices(organization: Organization, events: Sequence[Event]) -> dict[str, Invoice]:
    numbers = {n for e in events for n in _paid_numbers(e) if n}
    if not numbers:
        return {}
    return {
        i.number: i
        for i in Invoice.objects.filter(organization=organization, number__in=numbers, open_amount=0).only(
            "pk", "number", "total", "currency", "due_on", "open_amount"
        )
    }


# ----------------------------------------------------------------------------------------------------------- sending


@dataclass
class Response:
    status: int | None
    excerpt: str
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _Pinned(http.client.HTTPConnection):
    """A connection to the address that was checked, whatever the name resolves to afterwards."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _address_for(host: str, port: int) -> str:
    """The first address of ``host`` that may be called, or a ValueError saying why none may."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ValueError(_("the host name does not resolve: %(error)s") % {"error": exc}) from None
    problem = ""
    for info in infos:
        address = str(info[4][0])
        found = core.address_problem(
            address,
            allow_private=settings.RECOUVRE_WEBHOOK_ALLOW_PRIVATE,
            allow_loopback=settings.RECOUVRE_WEBHOOK_ALLOW_LOOPBACK,
        )
        if found is None:
            return address
        problem = found
    raise ValueError(_("refused: the host name leads to %(problem)s") % {"problem": problem})


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Response:
    """POST ``body`` to ``url`` once: no redirect followed (a 3xx is a failure), ``timeout`` seconds for the
    connection and each read; the response's first characters kept."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        problem = core.url_problem(url, allow_loopback=settings.RECOUVRE_WEBHOOK_ALLOW_LOOPBACK)
        if problem:
            raise ValueError(problem)
        address = _address_for(host, port)
        conn_class = _PinnedTLS if parts.scheme == "https" else _Pinned
        conn = conn_class(host, port, address, timeout)
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read(RESPONSE_EXCERPT * 4).decode("utf-8", "replace")[:RESPONSE_EXCERPT]
            return Response(response.status, text, "", took())
        finally:
            conn.close()
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return Response(None, "", (str(exc) or type(exc).__name__)[:300], took())


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def headers_for(delivery: WebhookDelivery, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Recouvre-Event": delivery.type,
        "Recouvre-Delivery": str(delivery.pk),
        core.SIGNATURE_HEADER: core.signature_header(delivery.endpoint.secret, timestamp, body),
    }


@dataclass
class SendResult:
    delivered: int = 0
    failed: int = 0
    given_up: int = 0
    disabled: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "failed": self.failed,
            "given_up": self.given_up,
            "disabled": self.disabled,
        }


def _claim(organization: Organization | None, now: datetime, ids: Sequence[int] | None = None) -> list[int]:
    """Take the due deliveries of enabled endpoints for this sender: their next try moved past the claim, so that
    another sender leaves them; a sender that dies leaves them to a pass after the claim."""
    due = WebhookDelivery.objects.filter(
        state__in=[DeliveryState.PENDING, DeliveryState.FAILED], next_attempt_at__lte=now, endpoint__enabled=True
    )
    if organization is not None:
        due = due.filter(organization=organization)
    if ids is not None:
        due = due.filter(pk__in=ids)
    with transaction.atomic():
        taken = list(
            due.order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:SEND_BATCH]
        )
        WebhookDelivery.objects.filter(pk__in=taken).update(next_attempt_at=now + CLAIM)
    return taken


def send_due(
    organization: Organization | None = None, *, now: datetime | None = None, ids: Sequence[int] | None = None
) -> SendResult:
    """Send the deliveries due (of ``organization``, or of all), each once; a failure is tried again later
    (``core.retry_delay``), given up after ``core.MAX_ATTEMPTS`` tries; an endpoint whose deliveries have all
    failed for ``RECOUVRE_WEBHOOK_DISABLE_AFTER_DAYS`` days is disabled and its administrators told."""
    now = now or timezone.now()
    result = SendResult()
    for pk in _claim(organization, now, ids):
        delivery = WebhookDelivery.objects.select_related("endpoint", "endpoint__organization").get(pk=pk)
        outcome = attempt(delivery, now=now)
        if outcome == DeliveryState.DELIVERED:
            result.delivered += 1
        elif outcome == DeliveryState.GIVEN_UP:
            result.given_up += 1
        else:
            result.failed += 1
        endpoint = delivery.endpoint
        if outcome != DeliveryState.DELIVERED and _failing_too_long(endpoint, now):
            disable_failing(endpoint, now=now)
            result.disabled.append(endpoint.pk)
    return result


def attempt(delivery: WebhookDelivery, *, now: datetime) -> str:
    """Send one delivery now and record how it went (on it, and on its endpoint's failing streak): its new state."""
    body = body_of(delivery)
    timestamp = int(now.timestamp())
    response = post(
        delivery.endpoint.url, body, headers_for(delivery, body, timestamp), timeout=settings.RECOUVRE_WEBHOOK_TIMEOUT
    )
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.status_code = response.status
    delivery.response_excerpt = response.excerpt
    delivery.error = response.error if response.status is None else ""
    delivery.duration_ms = response.duration_ms
    endpoint = delivery.endpoint
    if response.ok:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = DeliveryState.DELIVERED, now, None
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        endpoint.failing_since = None
    else:
        if response.status is not None:
            delivery.error = _("the endpoint answered HTTP %(status)s") % {"status": response.status}
        if delivery.attempts >= core.MAX_ATTEMPTS:
            delivery.state, delivery.next_attempt_at = DeliveryState.GIVEN_UP, None
        else:
            delivery.state = DeliveryState.FAILED
            delivery.next_attempt_at = now + core.retry_delay(delivery.attempts)
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
        endpoint.refresh_from_db(fields=["failing_since", "enabled"])
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "status_code",
            "response_excerpt",
            "error",
            "duration_ms",
            "state",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    return delivery.state


def _failing_too_long(endpoint: WebhookEndpoint, now: datetime) -> bool:
    days = settings.RECOUVRE_WEBHOOK_DISABLE_AFTER_DAYS
    return (
        endpoint.enabled and endpoint.failing_since is not None and now - endpoint.failing_since >= timedelta(days=days)
    )


SYSTEM = Actor.system("webhooks")


def disable_failing(endpoint: WebhookEndpoint, *, now: datetime) -> None:
    """Disable an endpoint that has failed since ``failing_since``: an event on the timeline, and an e-mail to the
    organization's administrators (a failure to send it is logged)."""
    since = timezone.localtime(endpoint.failing_since).date().isoformat()  # type: ignore[arg-type]
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=True).update(
            enabled=False,
            disabled_reason=_("Disabled automatically: every delivery has failed since %(since)s.") % {"since": since},
        )
        if not changed:
            return
        endpoint.refresh_from_db()
        record_event(
            endpoint.organization,
            None,
            "webhooks.endpoint_disabled",
            SYSTEM,
            endpoint=endpoint.pk,
            url=endpoint.url,
            since=since,
        )
    tell_administrators(endpoint, since)


def administrators_emails(organization: Organization) -> list[str]:
    return sorted(
        set(
            Membership.objects.filter(organization=organization, role=Role.ADMIN, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def tell_administrators(endpoint: WebhookEndpoint, since: str) -> int:
    to = administrators_emails(endpoint.organization)
    if not to:
        return 0
    subject = _("Webhook disabled: %(url)s") % {"url": endpoint.url}
    body = _(
        "Every delivery to the webhook endpoint %(url)s of %(org)s has failed since %(since)s, so it has been "
        "disabled: no more events are sent to it. Once the endpoint answers again, enable it in the webhooks "
        "settings; the events since it stopped are then sent, and the failed deliveries can be replayed."
    ) % {"url": endpoint.url, "org": endpoint.organization.name, "since": since}
    try:
        return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    except Exception:  # noqa: BLE001 - the endpoint stays disabled, the event says so
        log.exception("telling the administrators of %s that a webhook was disabled failed", endpoint.organization)
        return 0


# ------------------------------------------------------------------------------------------------ replay and tests


@transaction.atomic
def replay(delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """A new delivery of the same body (same ``id``: a receiver may ignore what it already has) to the same
    endpoint, due now."""
    copy = WebhookDelivery.objects.create(
        organization_id=delivery.organization_id,
        endpoint=delivery.endpoint,
        event=delivery.event,
        type=delivery.type,
        key=f"replay:{uuid.uuid4().hex}",
        payload=delivery.payload,
        replay_of=delivery,
        next_attempt_at=timezone.now(),
    )
    record_event(
        delivery.endpoint.organization,
        None,
        "webhooks.delivery_replayed",
        actor,
        endpoint=delivery.endpoint_id,
        url=delivery.endpoint.url,
        delivery=delivery.pk,
        type=delivery.type,
    )
    return copy


def queue_test(endpoint: WebhookEndpoint, actor: Actor) -> WebhookDelivery:
    """A ``webhook.test`` delivery to the endpoint, due now (whatever the types it subscribes to)."""
    key = f"test:{uuid.uuid4().hex}"
    now = timezone.now()
    data = {"message": "This is a test event from Recouvre.", "requested_by": actor.label}
    return WebhookDelivery.objects.create(
        organization_id=endpoint.organization_id,
        endpoint=endpoint,
        type=core.TEST_TYPE,
        key=key,
        payload=_payload(endpoint.organization, key, core.TEST_TYPE, None, data, None, now),
        next_attempt_at=now,
    )


def deliver(delivery: WebhookDelivery, *, now: datetime | None = None) -> str:
    """Send this one delivery now if it is still to send (the command line's ``send`` and ``replay``): its state."""
    send_due(now=now or timezone.now(), ids=[delivery.pk])
    delivery.refresh_from_db()
    return delivery.state


def run_pass(organization: Organization | None = None, *, now: datetime | None = None) -> dict[str, Any]:
    """What the worker does: collect every organization's new events (or ``organization``'s), then send what is
    due."""
    now = now or timezone.now()
    organizations = (
        [organization]
        if organization is not None
        else list(
            Organization.objects.filter(pk__in=WebhookEndpoint.objects.filter(enabled=True).values("organization"))
        )
    )
    collected = 0
    for org in organizations:
        collected += collect(org, now=now).deliveries
    sent = send_due(organization, now=now)
    return {"collected": collected, **sent.as_dict()}


def has_work(now: datetime) -> bool:
    """Whether a pass would do anything: an enabled endpoint behind its chain's head, or a delivery due."""
    due = WebhookDelivery.objects.filter(
        Q(state__in=[DeliveryState.PENDING, DeliveryState.FAILED]), next_attempt_at__lte=now, endpoint__enabled=True
    )
    if due.exists():
        return True
    from django.db.models import F, OuterRef, Subquery

    heads = ChainHead.objects.filter(organization=OuterRef("organization")).values("seq")[:1]
    return (
        WebhookEndpoint.objects.filter(enabled=True)
        .annotate(head=Subquery(heads))
        .filter(last_seq__lt=F("head"))
        .exists()
    )
