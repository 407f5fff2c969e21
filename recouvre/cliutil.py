"""What every ``recouvre`` command shares: the exit codes, the usage error, the organization named by ``--org``,
dates and amounts as typed on the command line, JSON output. ``recouvre.cli`` and each app's ``cli`` module import
these, so no app's command module imports the command itself."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
# The mail server could not be reached (or stopped answering): the e-mails due stay queued for the next dispatch.
EXIT_MAIL_UNREACHABLE = 3
# A public source (the company directory, the BODACC) could not be reached or its answer did not read: nothing written.
EXIT_SOURCE_UNREACHABLE = 3

# The words an on/off option takes (``--scheduler on``, ``--alsace-moselle off``): ``choices=sorted(SWITCH)``.
SWITCH = {"on": True, "yes": True, "oui": True, "off": False, "no": False, "non": False}


class UsageError(Exception):
    pass


def resolve_org(slug: str | None) -> Any:
    from recouvre.organizations.models import Organization

    if slug:
        org = Organization.objects.filter(slug=slug).first()
        if org is None:
            raise UsageError(
                _("no organization with the short name %(slug)r (see `recouvre org list`)") % {"slug": slug}
            )
        return org
    orgs = list(Organization.objects.all()[:2])
    if len(orgs) == 1:
        return orgs[0]
    if not orgs:
        raise UsageError(_("no organization yet: create one with `recouvre org create SLUG --name NAME`"))
    raise UsageError(_("several organizations: say which one with --org SLUG"))


def customer_by_ref(org: Any, ref: str) -> tuple[Any, str]:
    """The customer of ``org`` with the account ``ref`` (None when there is none) and the message saying there is
    none, for the command to refuse with (exit 1) or to take as a usage error (exit 2)."""
    from recouvre.ledger.selectors import customers

    found = customers(org).filter(ref=ref).first()
    return found, _("no customer with the account %(ref)r in %(org)s") % {"ref": ref, "org": org.slug}


def parse_cli_date(text: str) -> date:
    from recouvre.core.dates import DateError, parse_date

    try:
        return parse_date(text)
    except DateError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def parse_cli_amount(text: str) -> Decimal:
    """An amount written the French or the English way (``1 234,56``, ``1234.56``), exact."""
    from recouvre.core.money import AmountError, parse_amount

    try:
        return parse_amount(text)
    except AmountError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


DEFAULT_IMPORT_MAX_SIZE = 2 << 30  # 2 GB: a FEC of several million lines
_SIZE = re.compile(r"(?P<number>\d+(?:[.,]\d+)?)\s*(?P<unit>[kmgt]?)(?:i?[bo])?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text: str) -> int:
    """A size as typed on the command line: ``500M``, ``2G``, ``1.5G``, ``800K``, ``2GB``, ``2Go``, or bytes;
    units of 1 024 bytes."""
    found = _SIZE.fullmatch(text.strip())
    if found is None:
        raise argparse.ArgumentTypeError(
            _("%(text)r is not a size (write e.g. 500M, 2G, 800K, or a number of bytes)") % {"text": text}
        )
    value = Decimal(found["number"].replace(",", ".")) * _UNITS[found["unit"].lower()]
    if value < 1:
        raise argparse.ArgumentTypeError(_("%(text)r is not a size larger than zero") % {"text": text})
    return int(value)


def count_text(n: int) -> str:
    """A count with the thousands grouped as the language writes them (``599,800``, ``599 800``)."""
    from django.utils.formats import number_format

    return number_format(n, force_grouping=True)


def emit_json(payload: Any) -> None:
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a file name that is not UTF-8 (its bytes kept as surrogates): escaped, \udcXX
        text = json.dumps(payload, ensure_ascii=True, indent=2, default=str)
    sys.stdout.write(text + "\n")


def refused(json_output: bool, errors: list[str]) -> int:
    """Report input refused (nothing written): ``{"ok": false, "errors": [...]}`` with ``--json``, else one
    ``recouvre: refused:`` line per error; the exit code to return."""
    if json_output:
        emit_json({"ok": False, "errors": errors})
    else:
        for error in errors:
            print(_("recouvre: refused: %(error)s") % {"error": error})
    return EXIT_REFUSED


def field_errors(exc: Any) -> list[str]:
    """A Django ``ValidationError`` as ``field: message`` lines."""
    return [f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()]


def command_group(sub: Any, name: str, help: str, dest: str) -> Any:
    """The subcommands of ``recouvre NAME``: created by the first module registering one, found by the others (the
    ``contact`` commands come from two apps)."""
    parser = sub.choices.get(name)
    if parser is None:
        parser = sub.add_parser(name, help=help)
        parser.recouvre_group = parser.add_subparsers(dest=dest, required=True)
    return parser.recouvre_group
