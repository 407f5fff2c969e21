"""The Webhooks settings page: an administrator adds an endpoint (the secret shown once), sends a test event that
the worker delivers, sees the delivery with its answer and replays it; a member who is not an administrator is
refused; another organization's endpoint and delivery are 404."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.urls import reverse

from recouvre.ledger.actors import Actor
from recouvre.operations.worker import run_ready_tasks
from recouvre.testing.factories import MembershipFactory
from recouvre.web.tests.helpers import text
from recouvre.webhooks import services
from recouvre.webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return logged_client


def test_add_test_replay(english, org, receiver):  # type: ignore[no-untyped-def]
    page = reverse("webhook_settings")
    assert "No webhook endpoint." in text(english.get(page))
    response = english.post(page, {"url": "http://hooks.example.com/in", "event_types": ["promise.made"]})
    assert "Address: Address refused: only https:// addresses are allowed." in text(response)
    response = english.post(
        page, {"url": receiver.url, "description": "ERP", "event_types": ["promise.made", "invoice.paid"]}
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.context["new_secret"] == endpoint.secret
    shown = text(response)
    assert "Keep this secret now: it is shown only once." in shown and endpoint.secret in shown
    assert endpoint.secret not in text(english.get(page))  # once
    assert "Invoice paid (nothing left open), Promise to pay made" in text(english.get(page))

    response = english.post(reverse("webhook_test", args=[endpoint.pk]), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Test event queued: the background worker sends it; its status shows below."
    ]
    assert receiver.requests == []
    run_ready_tasks()
    assert json.loads(receiver.requests[0].body)["type"] == "webhook.test"
    shown = text(english.get(reverse("webhook_endpoint", args=[endpoint.pk])))
    assert "Test event" in shown and "delivered" in shown and "HTTP 200" in shown

    delivery = WebhookDelivery.objects.get()
    english.post(reverse("webhook_replay", args=[delivery.pk]))
    run_ready_tasks()
    assert len(receiver.requests) == 2 and receiver.requests[1].body == receiver.requests[0].body

    english.post(reverse("webhook_toggle", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_reason == "Disabled by claire."


def test_only_administrators_and_only_their_organization(client, org, other_org, receiver):  # type: ignore[no-untyped-def]
    theirs = services.add_endpoint(other_org, Actor.system("test"), url=receiver.url, event_types=["letter.posted"])
    delivery = services.queue_test(theirs, Actor.system("test"))
    admin = MembershipFactory(organization=org).user
    client.force_login(admin)
    assert client.get(reverse("webhook_endpoint", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("webhook_test", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("webhook_replay", args=[delivery.pk])).status_code == 404
    assert client.post(reverse("webhook_remove", args=[theirs.pk])).status_code == 404
    assert str(theirs.secret) not in text(client.get(reverse("webhook_settings")))
    viewer = MembershipFactory(organization=org, role="viewer").user
    client.force_login(viewer)
    assert client.get(reverse("webhook_settings")).status_code == 403
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists() and WebhookDelivery.objects.count() == 1
