"""``recouvre payments configure --org SLUG --provider stripe --secret-key KEY --webhook-secret SECRET [--on|--off]``:
the organization's account at the payment provider (a secret given as ``-`` is read from standard input, one line
each, so that it stays out of the shell's history); a secret left out of a change is kept.

``recouvre payments show [--org SLUG]`` prints the account: the provider, whether customers are offered it, the
secrets masked, and the webhook address to register at the provider. Exit codes: 0 done, 1 refused (nothing
written), 2 usage error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from recouvre.cliutil import EXIT_OK, UsageError, command_group, emit_json, field_errors, refused, resolve_org


def _secret(value: str | None) -> str | None:
    if value != "-":
        return value
    line = sys.stdin.readline()
    if not line:
        raise UsageError(_("a secret given as - is read from standard input, which is empty"))
    return line.strip()


def _print_account(data: dict[str, Any]) -> None:
    print(_("Provider: %(provider)s") % {"provider": data["provider"]})
    print(_("Offered to customers: %(yes)s") % {"yes": _("yes") if data["offered"] else _("no")})
    print(_("Secret key: %(key)s") % {"key": data["secret_key"]})
    print(_("Webhook signing secret: %(secret)s") % {"secret": data["webhook_secret"]})
    print(_("Webhook address to register: %(url)s") % {"url": data["webhook_url"]})
    if not data["webhook_url_absolute"]:
        print(_("RECOUVRE_PUBLIC_URL is not set: put the server's public address before this path."), file=sys.stderr)


def cmd_configure(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from recouvre.ledger.actors import CLI

    from .selectors import account_dict
    from .services import configure

    org = resolve_org(args.org)
    try:
        account = configure(
            org,
            CLI,
            provider=args.provider,
            secret_key=_secret(args.secret_key),
            webhook_secret=_secret(args.webhook_secret),
            enabled=args.enabled,
        )
    except ValidationError as exc:
        return refused(args.json, field_errors(exc))
    data = account_dict(account)
    if args.json:
        emit_json({"ok": True, **data})
        return EXIT_OK
    print(_("Payment provider account of %(org)s saved.") % {"org": org.slug})
    _print_account(data)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from .models import ProviderAccount
    from .selectors import account_dict

    org = resolve_org(args.org)
    found = [account_dict(a) for a in ProviderAccount.objects.filter(organization=org).select_related("organization")]
    if args.json:
        emit_json({"ok": True, "accounts": found})
        return EXIT_OK
    if not found:
        print(_("No payment provider account for %(org)s.") % {"org": org.slug})
    for data in found:
        _print_account(data)
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = command_group(sub, "payments", "online payment through a payment provider", "payments_command")
    sp = add("configure", cmd_configure, "set the organization's account at the payment provider", group)
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--provider", required=True, choices=["stripe"], help="the payment provider")
    sp.add_argument("--secret-key", help="the provider's secret API key (sk_live_...; - reads it from stdin)")
    sp.add_argument("--webhook-secret", help="the webhook's signing secret (whsec_...; - reads it from stdin)")
    on_off = sp.add_mutually_exclusive_group()
    on_off.add_argument("--on", dest="enabled", action="store_const", const=True, help="offer it to customers")
    on_off.add_argument("--off", dest="enabled", action="store_const", const=False, help="stop offering it")
    sp.set_defaults(enabled=None)
    json_flag(sp)
    sp = add("show", cmd_show, "show the organization's payment provider account (secrets masked)", group)
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    json_flag(sp)
