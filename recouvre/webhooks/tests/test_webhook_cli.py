"""``recouvre webhook`` as an operator runs it against a loopback endpoint: add (the secret shown once), list,
send a test, the deliveries with their status, replay, remove; refused input is exit 1 with nothing written, an
unknown endpoint exit 2, an endpoint that does not accept exit 3."""

from __future__ import annotations

import json

import pytest

from recouvre.cli import main
from recouvre.ledger.models import Event
from recouvre.webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_send_deliveries_replay_remove(org, receiver, capsys):  # type: ignore[no-untyped-def]
    code, out, _err = cli(capsys, "webhook", "add", receiver.url, "--events", "promise.made,invoice.paid", "--json")
    assert code == 0
    added = json.loads(out)
    endpoint = WebhookEndpoint.objects.get()
    assert added["secret"] == endpoint.secret and added["event_types"] == ["invoice.paid", "promise.made"]

    code, out, _err = cli(capsys, "webhook", "list")
    assert (code, out) == (0, f"#{endpoint.pk}  {receiver.url}  [invoice.paid, promise.made]  enabled\n")

    code, out, _err = cli(capsys, "webhook", "send", endpoint.pk)
    test = WebhookDelivery.objects.get()
    assert (code, out) == (0, f"Delivery #{test.pk} delivered (HTTP 200).\n")
    assert json.loads(receiver.requests[0].body)["type"] == "webhook.test"

    code, out, _err = cli(capsys, "webhook", "deliveries", "--json")
    [listed] = json.loads(out)["deliveries"]
    assert (listed["id"], listed["state"], listed["status_code"], listed["response"]) == (
        test.pk,
        "delivered",
        200,
        '{"received": true}',
    )

    receiver.statuses = [500]
    code, out, _err = cli(capsys, "webhook", "replay", test.pk)
    copy = WebhookDelivery.objects.exclude(pk=test.pk).get()
    assert (code, out) == (
        3,
        f"Delivery #{copy.pk} not accepted: the endpoint answered HTTP 500; it will be tried again.\n",
    )
    assert receiver.requests[1].body == receiver.requests[0].body

    code, out, _err = cli(capsys, "webhook", "remove", endpoint.pk)
    assert (code, out) == (0, f"Webhook endpoint #{endpoint.pk} removed.\n")
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    assert list(
        Event.objects.filter(organization=org, kind__startswith="webhooks.")
        .order_by("id")
        .values_list("kind", flat=True)
    ) == ["webhooks.endpoint_added", "webhooks.delivery_replayed", "webhooks.endpoint_removed"]


def test_refused_and_unknown(org, other_org, receiver, capsys):  # type: ignore[no-untyped-def]
    code, out, _err = cli(
        capsys, "webhook", "add", "http://hooks.example.com/x", "--events", "promise.made", "--org", "acme"
    )
    assert (code, out) == (1, "recouvre: refused: url: Address refused: only https:// addresses are allowed.\n")
    code, out, _err = cli(capsys, "webhook", "add", receiver.url, "--events", "nothing", "--org", "acme", "--json")
    assert code == 1 and json.loads(out) == {"ok": False, "errors": ["event_types: Unknown event types: nothing."]}
    assert not WebhookEndpoint.objects.exists()
    cli(capsys, "webhook", "add", receiver.url, "--events", "promise.made", "--org", "acme")
    theirs = WebhookEndpoint.objects.get()
    code, _out, err = cli(capsys, "webhook", "send", theirs.pk, "--org", other_org.slug)
    assert code == 2 and f"no webhook endpoint #{theirs.pk} in {other_org.slug}" in err
    assert receiver.requests == []


def test_send_without_an_endpoint_does_the_pass_now(org, receiver, capsys):  # type: ignore[no-untyped-def]
    from datetime import date
    from decimal import Decimal

    from recouvre.collections.holds import record_promise
    from recouvre.ledger.actors import Actor
    from recouvre.testing.factories import CustomerFactory

    cli(capsys, "webhook", "add", receiver.url, "--events", "promise.made")
    record_promise(
        org,
        CustomerFactory(organization=org),
        amount=Decimal("80.00"),
        promised_on=date(2026, 5, 4),
        actor=Actor.system("test"),
        today=date(2026, 4, 1),
    )
    receiver.statuses = [500]
    code, out, _err = cli(capsys, "webhook", "send")
    assert (code, out) == (3, "1 new deliveries, 0 delivered, 1 failed (tried again later).\n")
    code, out, _err = cli(capsys, "webhook", "send", "--json")
    assert code == 0 and json.loads(out) == {
        "ok": True,
        "collected": 0,
        "delivered": 0,
        "failed": 0,
        "given_up": 0,
        "disabled": [],
    }
