"""``recouvre portal link --org SLUG --customer REF [--new] [--json]``: the customer's link to the portal (the
newest live one while it has more than half of its validity ahead, else a new one; ``--new`` always a new one).

``recouvre portal revoke --org SLUG --customer REF`` revokes every live link of the customer; ``recouvre portal
list --org SLUG --customer REF`` lists its links.

``recouvre portal settings --org SLUG [--promise-max-days N] [--plan-max-instalments N] [--plan-max-days N]
[--plan-min-instalment AMOUNT]`` shows the organization's rules for what a customer may do on the portal without a
collector, and changes those given (an event on the organization's timeline).

Exit codes: 0 done, 1 refused (nothing written), 2 usage error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from recouvre.cliutil import EXIT_OK, command_group, customer_by_ref, emit_json, refused, resolve_org


def _as_dict(link: Any, *, url: str = "") -> dict[str, Any]:
    return {
        "id": link.pk,
        "customer": link.customer.ref,
        "created_at": link.created_at.isoformat(),
        "expires_at": link.expires_at.isoformat(),
        "revoked_at": link.revoked_at.isoformat() if link.revoked_at else None,
        "revoked_because": link.revoked_because or None,
        "last_opened_at": link.last_opened_at.isoformat() if link.last_opened_at else None,
        "opened": link.opened_count,
        **({"url": url} if url else {}),
    }


def _customer(args: argparse.Namespace) -> tuple[Any, Any]:
    org = resolve_org(args.org)
    customer, message = customer_by_ref(org, args.customer)
    return customer, message


def cmd_link(args: argparse.Namespace) -> int:
    from django.conf import settings

    from recouvre.ledger.actors import CLI

    from .links import issue_link, link_for_document, path_of, public_url

    customer, message = _customer(args)
    if customer is None:
        return refused(args.json, [message])
    link = issue_link(customer, actor=CLI) if args.new else link_for_document(customer, actor=CLI)
    url = public_url(link) if settings.RECOUVRE_PUBLIC_URL else path_of(link)
    if args.json:
        emit_json({**_as_dict(link, url=url), "absolute": bool(settings.RECOUVRE_PUBLIC_URL)})
        return EXIT_OK
    print(url)
    if not settings.RECOUVRE_PUBLIC_URL:
        print(
            _("RECOUVRE_PUBLIC_URL is not set: put the server's public address before this path."),
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .links import revoke_links

    customer, message = _customer(args)
    if customer is None:
        return refused(args.json, [message])
    count = revoke_links(customer, actor=CLI)
    if args.json:
        emit_json({"customer": customer.ref, "revoked": count})
        return EXIT_OK
    print(_("%(count)s link(s) revoked for %(ref)s.") % {"count": count, "ref": customer.ref})
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from .models import PortalLink

    customer, message = _customer(args)
    if customer is None:
        return refused(args.json, [message])
    rows = [_as_dict(link) for link in PortalLink.objects.filter(customer=customer).select_related("customer")]
    if args.json:
        emit_json(rows)
        return EXIT_OK
    if not rows:
        print(_("No link."))
    for r in rows:
        state = _("revoked") if r["revoked_at"] else _("until %(date)s") % {"date": r["expires_at"][:10]}
        print(f"{r['id']}  {r['created_at'][:10]}  {state}  {r['opened']}")
    return EXIT_OK


SETTINGS = ("promise_max_days", "plan_max_instalments", "plan_max_days", "plan_min_instalment")


def cmd_settings(args: argparse.Namespace) -> int:
    from decimal import Decimal

    from django.core.exceptions import ValidationError
    from django.db import transaction

    from recouvre.core.money import AmountError, parse_amount
    from recouvre.ledger.actors import CLI
    from recouvre.ledger.services import record_event

    from .models import link_settings

    org = resolve_org(args.org)
    found = link_settings(org)
    changed = []
    for name in SETTINGS:
        given = getattr(args, name)
        if given is None:
            continue
        if name == "plan_min_instalment":
            try:
                given = parse_amount(given)
            except AmountError:
                return refused(args.json, [_("Not an amount: %(text)s") % {"text": given}])
        if getattr(found, name) != given:
            setattr(found, name, given)
            changed.append(name)
    if changed:
        try:
            found.full_clean()
        except ValidationError as exc:
            return refused(args.json, [f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()])
        with transaction.atomic():
            found.save()
            record_event(org, None, "portal.settings_changed", CLI, fields=", ".join(changed))
    values = {name: getattr(found, name) for name in SETTINGS}
    if args.json:
        emit_json(
            {
                "organization": org.slug,
                "changed": changed,
                **{k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()},
            }
        )
        return EXIT_OK
    for name, value in values.items():
        print(f"{found._meta.get_field(name).verbose_name}: {value}")
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = command_group(sub, "portal", "links to the customer portal", "portal_command")
    for name, fn, text in (
        ("link", cmd_link, "print the customer's link to the portal"),
        ("revoke", cmd_revoke, "revoke every live link of the customer"),
        ("list", cmd_list, "list the customer's links"),
    ):
        sp = add(name, fn, text, group)
        sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
        sp.add_argument("--customer", required=True, help="the customer's account (ref)")
        if name == "link":
            sp.add_argument("--new", action="store_true", help="always issue a new link")
        json_flag(sp)
    sp = add("settings", cmd_settings, "show or change what customers may do on the portal on their own", group)
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--promise-max-days", type=int, help="a promise to pay: at most this many days ahead")
    sp.add_argument(
        "--plan-max-instalments",
        type=int,
        help="a payment plan granted at once: at most this many instalments (0: never)",
    )
    sp.add_argument(
        "--plan-max-days", type=int, help="a payment plan granted at once: last instalment at most this many days ahead"
    )
    sp.add_argument("--plan-min-instalment", help="a payment plan granted at once: smallest instalment (e.g. 100,00)")
    json_flag(sp)
