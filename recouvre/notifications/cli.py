"""``recouvre digest send [--org SLUG] [--date DATE] [--dry-run] [--json]``: send the day's digest e-mails (once
per member and day; see ``recouvre.notifications.digest``).

``recouvre digest set USER --off|--on``: whether USER receives the daily digest."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.cliutil import EXIT_MAIL_UNREACHABLE, EXIT_OK, UsageError, command_group, emit_json, parse_cli_date


def cmd_digest_send(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from recouvre.organizations.models import Organization

    from .digest import DigestResult, send_digests

    if args.org:
        organizations = list(Organization.objects.filter(slug=args.org))
        if not organizations:
            raise UsageError(
                _("no organization with the short name %(slug)r (see `recouvre org list`)") % {"slug": args.org}
            )
    else:
        organizations = list(Organization.objects.order_by("slug"))
    day = args.date or timezone.localdate()
    result = DigestResult(day)
    for organization in organizations:
        send_digests(organization, day, dry_run=args.dry_run, result=result)
    if args.json:
        emit_json({**result.as_dict(), "dry_run": args.dry_run})
        return EXIT_OK
    for entry in result.sent:
        line = (
            _(
                "%(user)s <%(to)s>: tasks due %(tasks)s, promises due %(promises)s, replies %(replies)s, "
                "new disputes %(disputes)s"
            )
            % entry
        )
        print(("(" + _("dry run") + ") " if args.dry_run else "") + f"{entry['organization']}: {line}")
    count = len(result.sent)
    sent = (
        ngettext("%(count)d digest would be sent", "%(count)d digests would be sent", count)
        if args.dry_run
        else ngettext("%(count)d digest sent", "%(count)d digests sent", count)
    ) % {"count": count}
    print(
        sent
        + "; "
        + ngettext("%(count)d already sent that day", "%(count)d already sent that day", len(result.already))
        % {"count": len(result.already)}
        + "; "
        + ngettext("%(count)d with nothing to report", "%(count)d with nothing to report", len(result.nothing))
        % {"count": len(result.nothing)}
        + "."
    )
    for failure in result.failed:
        print(_("Not sent to %(user)s: %(error)s") % failure)
    return EXIT_OK if not result.failed else EXIT_MAIL_UNREACHABLE


def cmd_digest_set(args: argparse.Namespace) -> int:
    from recouvre.organizations.models import User

    from .services import set_daily_digest

    user = User.objects.filter(username=args.username).first()
    if user is None:
        raise UsageError(_("no user %(user)r") % {"user": args.username})
    set_daily_digest(user, args.on)
    if args.json:
        emit_json({"user": user.get_username(), "daily_digest": args.on})
    elif args.on:
        print(_("%(user)s will receive the daily digest e-mail.") % {"user": user.get_username()})
    else:
        print(_("%(user)s will no longer receive the daily digest e-mail.") % {"user": user.get_username()})
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = command_group(sub, "digest", "the daily digest e-mail of each collector", "digest_command")
    sp = add("send", cmd_digest_send, "send the day's digest e-mails (never twice to a member on the same day)", group)
    sp.add_argument("--org", help="organization short name (default: every organization)")
    sp.add_argument("--date", type=parse_cli_date, metavar="DATE", help="the digest's day (default: today)")
    sp.add_argument("--dry-run", action="store_true", help="say who would receive what, send and record nothing")
    json_flag(sp)
    sp = add("set", cmd_digest_set, "turn a user's daily digest e-mail on or off", group)
    sp.add_argument("username")
    switch = sp.add_mutually_exclusive_group(required=True)
    switch.add_argument("--on", dest="on", action="store_true", help="send it (the default)")
    switch.add_argument("--off", dest="on", action="store_false", help="do not send it")
    json_flag(sp)
