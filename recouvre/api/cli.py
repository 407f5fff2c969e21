"""``recouvre apikey create --org SLUG --name NAME --scopes read,write [--json]``: a new API key, printed once.

``recouvre apikey revoke --org SLUG KEY`` (the key's id or the prefix ``rcv_...`` shown by ``list``) and
``recouvre apikey list --org SLUG``. ``recouvre apikey purge-idempotency [--days N] [--json]`` deletes the
answers kept for the API's ``Idempotency-Key`` that are older than ``RECOUVRE_API_IDEMPOTENCY_DAYS`` (or ``N``)
days, of every organization, as the scheduler does once a day. Exit codes: 0 done, 1 refused (nothing written),
2 usage error."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.cliutil import EXIT_OK, command_group, emit_json, refused, resolve_org


def _as_dict(key: Any) -> dict[str, Any]:
    return {
        "id": key.pk,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": list(key.scopes),
        "created_at": key.created_at.isoformat(),
        "created_by": key.created_by_label,
        "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


def cmd_create(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from recouvre.ledger.actors import CLI

    from .services import create_api_key

    org = resolve_org(args.org)
    try:
        api_key, key = create_api_key(org, CLI, name=args.name, scopes=args.scopes)
    except ValidationError as exc:
        return refused(args.json, exc.messages)
    if args.json:
        emit_json({"key": key, **_as_dict(api_key), "organization": org.slug})
        return EXIT_OK
    print(key)
    print(
        _("API key %(name)s created for %(org)s (scopes: %(scopes)s). It is shown only now: keep it safe.")
        % {"name": api_key.name, "org": org.slug, "scopes": ", ".join(api_key.scopes)}
    )
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .selectors import api_key
    from .services import revoke_api_key

    org = resolve_org(args.org)
    found = api_key(org, args.key)
    if found is None:
        return refused(args.json, [_("no API key %(key)s in %(org)s") % {"key": args.key, "org": org.slug}])
    done = revoke_api_key(found, CLI)
    if args.json:
        emit_json(_as_dict(done))
        return EXIT_OK
    print(_("API key %(name)s (%(prefix)s) revoked.") % {"name": done.name, "prefix": done.prefix})
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from .selectors import api_keys

    org = resolve_org(args.org)
    rows = [_as_dict(k) for k in api_keys(org)]
    if args.json:
        emit_json(rows)
        return EXIT_OK
    if not rows:
        print(_("No API key."))
    for r in rows:
        state = _("revoked") if r["revoked_at"] else _("active")
        print(f"{r['id']}  {r['prefix']}  {state}  {','.join(r['scopes'])}  {r['name']}")
    return EXIT_OK


def _days(text: str) -> int:
    try:
        days = int(text.strip())
    except ValueError:
        days = 0
    if not 1 <= days <= 36500:
        raise argparse.ArgumentTypeError(_("%(text)r is not a number of days from 1 to 36500") % {"text": text})
    return days


def cmd_purge_idempotency(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from .idempotency import purge_expired

    done = purge_expired(days=args.days)
    if args.json:
        emit_json(done.as_dict())
        return EXIT_OK
    print(
        ngettext(
            "%(count)s answer kept for an Idempotency-Key deleted (kept before %(before)s, over %(days)s days).",
            "%(count)s answers kept for an Idempotency-Key deleted (kept before %(before)s, over %(days)s days).",
            done.deleted,
        )
        % {
            "count": done.deleted,
            "before": timezone.localtime(done.before).strftime("%Y-%m-%d %H:%M"),
            "days": done.days,
        }
    )
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = command_group(sub, "apikey", "API keys of an organization", "apikey_command")
    sp = add("create", cmd_create, "create an API key (printed once)", group)
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--name", required=True, help="what uses the key")
    sp.add_argument("--scopes", default="read", help="comma-separated: read, write, run (default read)")
    json_flag(sp)
    sp = add("revoke", cmd_revoke, "revoke an API key", group)
    sp.add_argument("key", help="the key's id or its prefix (rcv_...)")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
    sp = add("list", cmd_list, "list the API keys (never the keys themselves)", group)
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
    sp = add(
        "purge-idempotency",
        cmd_purge_idempotency,
        "delete the answers kept for an Idempotency-Key past their retention (every organization's)",
        group,
    )
    sp.add_argument(
        "--days", type=_days, metavar="N", help="keep the last N days (default RECOUVRE_API_IDEMPOTENCY_DAYS, 7)"
    )
    json_flag(sp)
