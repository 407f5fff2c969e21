"""``recouvre webhook add|list|remove|deliveries|replay|send``: the organization's webhook endpoints from the command
line. Thin: the writes are ``recouvre.webhooks.services``. Exit 0 done, 1 refused (nothing written), 2 usage, 3 the
endpoint did not accept the delivery (``replay``, ``send``: the delivery stays in the log and is tried again).
``send`` without an endpoint does the worker's pass now: the new events collected, the deliveries due sent."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from recouvre.cliutil import EXIT_OK, EXIT_SOURCE_UNREACHABLE, UsageError, emit_json, field_errors, refused, resolve_org
from recouvre.core.webhooks import EVENT_TYPES


def _endpoint(org: Any, pk: int) -> Any:
    from .models import WebhookEndpoint
    from .selectors import endpoint

    try:
        return endpoint(org, pk)
    except WebhookEndpoint.DoesNotExist:
        raise UsageError(_("no webhook endpoint #%(id)s in %(org)s") % {"id": pk, "org": org.slug}) from None


def _types(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def cmd_webhook_add(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .selectors import endpoint_dict
    from .services import add_endpoint

    org = resolve_org(args.org)
    try:
        created = add_endpoint(org, CLI, url=args.url, event_types=_types(args.events), description=args.description)
    except ValidationError as exc:
        return refused(args.json, field_errors(exc))
    if args.json:
        emit_json({"ok": True, **endpoint_dict(created), "secret": created.secret})
        return EXIT_OK
    print(_("Webhook endpoint #%(id)s added: %(url)s") % {"id": created.pk, "url": created.url})
    print(_("Secret (shown once, keep it to check the signatures): %(secret)s") % {"secret": created.secret})
    return EXIT_OK


def cmd_webhook_list(args: argparse.Namespace) -> int:
    from .selectors import endpoint_dict, endpoints

    org = resolve_org(args.org)
    found = list(endpoints(org))
    if args.json:
        emit_json({"ok": True, "endpoints": [endpoint_dict(e) for e in found]})
        return EXIT_OK
    if not found:
        print(_("No webhook endpoint."))
    for e in found:
        state = _("enabled") if e.enabled else _("disabled: %(reason)s") % {"reason": e.disabled_reason}
        print(f"#{e.pk}  {e.url}  [{', '.join(e.event_types)}]  {state}")
    return EXIT_OK


def cmd_webhook_remove(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .services import remove_endpoint

    org = resolve_org(args.org)
    found = _endpoint(org, args.id)
    remove_endpoint(found, CLI)
    if args.json:
        emit_json({"ok": True, "removed": args.id})
    else:
        print(_("Webhook endpoint #%(id)s removed.") % {"id": args.id})
    return EXIT_OK


def cmd_webhook_deliveries(args: argparse.Namespace) -> int:
    from .selectors import deliveries, delivery_dict

    org = resolve_org(args.org)
    if args.endpoint is not None:
        _endpoint(org, args.endpoint)
    found = deliveries(org, endpoint_id=args.endpoint, limit=args.limit)
    if args.json:
        emit_json({"ok": True, "deliveries": [delivery_dict(d) for d in found]})
        return EXIT_OK
    if not found:
        print(_("No delivery."))
    for d in found:
        status = str(d.status_code) if d.status_code is not None else (d.error or "—")
        print(
            f"#{d.pk}  {d.created_at:%Y-%m-%d %H:%M}  {d.type:<18} {d.get_state_display():<28} {status}"
            f"  -> #{d.endpoint_id}"
        )
    return EXIT_OK


def _sent(args: argparse.Namespace, delivery: Any, state: str) -> int:
    from .selectors import delivery_dict

    delivery.refresh_from_db()
    ok = state == "delivered"
    if args.json:
        emit_json({"ok": ok, **delivery_dict(delivery)})
    elif ok:
        print(_("Delivery #%(id)s delivered (HTTP %(status)s).") % {"id": delivery.pk, "status": delivery.status_code})
    else:
        print(
            _("Delivery #%(id)s not accepted: %(error)s; it will be tried again.")
            % {"id": delivery.pk, "error": delivery.error}
        )
    return EXIT_OK if ok else EXIT_SOURCE_UNREACHABLE


def cmd_webhook_replay(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .models import WebhookDelivery
    from .selectors import delivery
    from .services import deliver, replay

    org = resolve_org(args.org)
    try:
        original = delivery(org, args.id)
    except WebhookDelivery.DoesNotExist:
        raise UsageError(_("no webhook delivery #%(id)s in %(org)s") % {"id": args.id, "org": org.slug}) from None
    if not original.endpoint.enabled:
        return refused(args.json, [_("the endpoint is disabled: enable it first")])
    copy = replay(original, CLI)
    return _sent(args, copy, deliver(copy))


def cmd_webhook_send(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .services import deliver, queue_test

    org = resolve_org(args.org)
    if args.id is None:
        return _send_due(args, org)
    found = _endpoint(org, args.id)
    if not found.enabled:
        return refused(args.json, [_("the endpoint is disabled: enable it first")])
    test = queue_test(found, CLI)
    return _sent(args, test, deliver(test))


def _send_due(args: argparse.Namespace, org: Any) -> int:
    from .services import run_pass

    result = run_pass(org)
    failed = result["failed"] + result["given_up"]
    if args.json:
        emit_json({"ok": not failed, **result})
    else:
        print(
            _("%(collected)d new deliveries, %(delivered)d delivered, %(failed)d failed (tried again later).")
            % {"collected": result["collected"], "delivered": result["delivered"], "failed": failed}
        )
    return EXIT_SOURCE_UNREACHABLE if failed else EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = sub.add_parser("webhook", help="webhook endpoints: events posted, signed, to other systems").add_subparsers(
        dest="webhook_command", required=True
    )
    org_help = "organization short name (may be left out when there is only one)"
    sp = add("add", cmd_webhook_add, "add an endpoint (https) and print its secret, shown once", parent=group)
    sp.add_argument("url", metavar="URL")
    sp.add_argument("--events", required=True, help="comma-separated event types: " + ", ".join(EVENT_TYPES))
    sp.add_argument("--description", default="")
    sp.add_argument("--org", help=org_help)
    json_flag(sp)

    sp = add("list", cmd_webhook_list, "list the endpoints", parent=group)
    sp.add_argument("--org", help=org_help)
    json_flag(sp)

    sp = add("remove", cmd_webhook_remove, "remove an endpoint and its deliveries' log", parent=group)
    sp.add_argument("id", type=int, metavar="ID")
    sp.add_argument("--org", help=org_help)
    json_flag(sp)

    sp = add("deliveries", cmd_webhook_deliveries, "the latest deliveries, newest first", parent=group)
    sp.add_argument("--endpoint", type=int, metavar="ID")
    sp.add_argument("--limit", type=int, default=50)
    sp.add_argument("--org", help=org_help)
    json_flag(sp)

    sp = add("replay", cmd_webhook_replay, "send a delivery's body again now (exit 3 if not accepted)", parent=group)
    sp.add_argument("id", type=int, metavar="DELIVERY_ID")
    sp.add_argument("--org", help=org_help)
    json_flag(sp)

    sp = add(
        "send",
        cmd_webhook_send,
        "send a test event to endpoint ID now; without ID, collect the new events and send every delivery due now "
        "(exit 3 if one is not accepted)",
        parent=group,
    )
    sp.add_argument("id", type=int, metavar="ID", nargs="?")
    sp.add_argument("--org", help=org_help)
    json_flag(sp)
