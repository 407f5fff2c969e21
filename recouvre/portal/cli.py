"""``recouvre portal link --org SLUG --customer REF [--new] [--json]``: the customer's link to the portal (the
newest live one while it has more than half of its validity ahead, else a new one; ``--new`` always a new one).

``recouvre portal revoke --org SLUG --customer REF`` revokes every live link of the customer; ``recouvre portal
list --org SLUG --customer REF`` lists its links. Exit codes: 0 done, 1 refused (nothing written), 2 usage error."""

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
