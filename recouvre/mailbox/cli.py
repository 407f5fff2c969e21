"""``recouvre mail fetch``: read the mailbox of replies now (``RECOUVRE_IMAP_URL``), as the scheduler does every
``RECOUVRE_IMAP_EVERY`` seconds: bounces turn e-mails into failures, replies reach the customers' timelines. Exit 0
done, 2 usage (no mailbox set, a URL that does not read), 3 the mailbox could not be reached (nothing taken)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from recouvre.cliutil import EXIT_OK, EXIT_SOURCE_UNREACHABLE, UsageError, emit_json


def cmd_mail_fetch(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .fetch import MailboxError, MailboxSettingError, fetch

    if not settings.RECOUVRE_IMAP_URL:
        raise UsageError(_("no mailbox to read: set RECOUVRE_IMAP_URL (see the README)"))
    try:
        result = fetch(actor=CLI)
    except MailboxSettingError as exc:
        raise UsageError(str(exc)) from exc
    except MailboxError as exc:
        if args.json:
            emit_json({"ok": False, "errors": [str(exc)], "unreachable": True})
        else:
            print(_("recouvre: error: the mailbox could not be read: %(error)s (nothing taken)") % {"error": exc})
        return EXIT_SOURCE_UNREACHABLE
    data = result.as_dict()
    if args.json:
        emit_json({"ok": True, **data})
        return EXIT_OK
    print(
        _(
            "%(read)d message(s) read: %(bounces)d delivery failure(s), %(replies)d reply(ies), %(not_matched)d not "
            "matched, %(ignored)d automatic, %(already_read)d already read."
        )
        % data
    )
    for taken in result.taken:
        if taken.outcome in ("bounce_recorded", "reply_recorded"):
            print(f"  {taken.organization} {taken.customer_ref}: {taken.kind}")
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    group = sub.add_parser("mail", help="the mailbox of replies and delivery failures").add_subparsers(
        dest="mail_command", required=True
    )
    sp = add(
        "fetch",
        cmd_mail_fetch,
        "read the mailbox now: delivery failures turn e-mails into failures, replies reach the timelines",
        parent=group,
    )
    json_flag(sp)
