"""``recouvre watch refresh CUSTOMER_REF``, ``recouvre watch bodacc [--since DATE]``, ``recouvre watch confirm ID``
and ``recouvre watch dismiss ID``: the company watch from the command line, as the scheduler and the customer page
do it. Thin: the writes are ``recouvre.watch.services``; exit 0 done, 1 refused (nothing written), 2 usage, 3 the
company directory or the BODACC could not be reached or answered what does not read (nothing written)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from recouvre.cliutil import (
    EXIT_OK,
    EXIT_SOURCE_UNREACHABLE,
    UsageError,
    customer_by_ref,
    emit_json,
    parse_cli_date,
    refused,
    resolve_org,
)


def _unreachable(json_output: bool, exc: Exception) -> int:
    if json_output:
        emit_json({"ok": False, "errors": [str(exc)], "unreachable": True})
    else:
        print(_("recouvre: error: %(error)s (nothing written)") % {"error": exc})
    return EXIT_SOURCE_UNREACHABLE


def cmd_watch_refresh(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .services import WatchError, refresh_customer

    org = resolve_org(args.org)
    customer, missing = customer_by_ref(org, args.ref)
    if customer is None:
        raise UsageError(missing)
    try:
        result = refresh_customer(customer, actor=CLI)
    except ValidationError as exc:
        return refused(args.json, exc.messages)
    except WatchError as exc:
        return _unreachable(args.json, exc)
    if args.json:
        emit_json({"ok": True, **result.as_dict()})
        return EXIT_OK
    c = result.customer
    status = c.get_company_status_display() + (
        f" ({c.company_closed_on.isoformat()})" if c.company_closed_on is not None else ""
    )
    print(f"{c.ref}  {c.name}  {c.legal_form}  NAF {c.naf_code or '—'}  {status}")
    if c.registered_name and c.registered_name != c.name:
        print(_("Registered name: %(name)s") % {"name": c.registered_name})
    if c.registered_office:
        print(c.registered_office)
    if result.changes:
        print(_("Changed: %(fields)s.") % {"fields": ", ".join(sorted(result.changes))})
        if result.replaced:
            print(_("Replaced what was there: %(fields)s.") % {"fields": ", ".join(result.replaced)})
    else:
        print(_("Nothing changed."))
    return EXIT_OK


def cmd_watch_bodacc(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .services import WatchError, check_bodacc

    org = resolve_org(args.org)
    try:
        result = check_bodacc(org, since=args.since, actor=CLI)
    except WatchError as exc:
        return _unreachable(args.json, exc)
    if args.json:
        emit_json({"ok": True, **result.as_dict()})
        return EXIT_OK
    print(
        _("BODACC checked since %(since)s for %(count)d customers with a SIREN: %(found)d new announcements.")
        % {"since": result.since.isoformat(), "count": result.customers, "found": len(result.announcements)}
    )
    for a in result.announcements:
        print(
            f"#{a.pk}  {a.customer.ref:<14} {a.published_on.isoformat()}  {a.get_state_display():<12} {a.nature[:80]}"
        )
    return EXIT_OK


def _decide(args: argparse.Namespace, confirming: bool) -> int:
    from recouvre.ledger.actors import CLI

    from .models import Announcement
    from .services import announcement, announcement_dict, confirm, dismiss

    org = resolve_org(args.org)
    try:
        found = announcement(org, args.id)
    except Announcement.DoesNotExist:
        raise UsageError(_("no BODACC announcement #%(id)s in %(org)s") % {"id": args.id, "org": org.slug}) from None
    try:
        done = confirm(found, actor=CLI) if confirming else dismiss(found, actor=CLI, note=args.note or "")
    except ValidationError as exc:
        return refused(args.json, exc.messages)
    done.refresh_from_db()
    if args.json:
        emit_json({"ok": True, **announcement_dict(done)})
        return EXIT_OK
    if confirming:
        print(
            _("Confirmed: %(nature)s (%(ref)s). Collection stays stopped.")
            % {"nature": done.nature, "ref": done.customer.ref}
        )
    else:
        print(
            _("Dismissed: %(nature)s (%(ref)s). Collection resumes.")
            % {"nature": done.nature, "ref": done.customer.ref}
        )
    return EXIT_OK


def cmd_watch_confirm(args: argparse.Namespace) -> int:
    return _decide(args, True)


def cmd_watch_dismiss(args: argparse.Namespace) -> int:
    return _decide(args, False)


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = sub.add_parser(
        "watch", help="the company watch: the public company directory and the BODACC"
    ).add_subparsers(dest="watch_command", required=True)
    org_help = "organization short name (may be left out when there is only one)"
    sp = add(
        "refresh",
        cmd_watch_refresh,
        "refresh a customer's legal name, legal form, registered office, NAF code and status from the public "
        "company directory (by its SIREN)",
        parent=group,
    )
    sp.add_argument("ref", metavar="CUSTOMER_REF", help="the customer's account, e.g. 411DUPONT")
    sp.add_argument("--org", help=org_help)
    json_flag(sp)

    sp = add(
        "bodacc",
        cmd_watch_bodacc,
        "look for insolvency judgments and closures of the customers at the BODACC: each new one is proposed and "
        "stops collection until confirmed or dismissed",
        parent=group,
    )
    sp.add_argument(
        "--since",
        type=parse_cli_date,
        metavar="DATE",
        help="announcements published since this day (default: a week before the last check, else 90 days back)",
    )
    sp.add_argument("--org", help=org_help)
    json_flag(sp)

    for name, func, text in (
        ("confirm", cmd_watch_confirm, "confirm a proposed BODACC announcement: collection stays stopped"),
        ("dismiss", cmd_watch_dismiss, "dismiss a proposed BODACC announcement: the hold is released"),
    ):
        sp = add(name, func, text, parent=group)
        sp.add_argument("id", type=int, metavar="ID", help="the announcement's number (#ID in `recouvre watch bodacc`)")
        if name == "dismiss":
            sp.add_argument("--note", help="why it is dismissed")
        sp.add_argument("--org", help=org_help)
        json_flag(sp)
