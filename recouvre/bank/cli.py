"""``recouvre import statement FILE``: a bank file imported from the command line (``recouvre.cli`` sends the
``statement`` kind of ``recouvre import`` here)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.cliutil import EXIT_OK, EXIT_REFUSED, UsageError, emit_json, resolve_org


def cmd_import_statement(args: argparse.Namespace) -> int:
    from recouvre.imports.services import UnknownMapping
    from recouvre.ledger.actors import CLI

    from .services import StatementRefused, account_display, import_statement_file

    if args.create_customers:
        raise UsageError(_("--create-customers does not apply to bank statements"))
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(_("%(path)s: no such file") % {"path": path})
    org = resolve_org(args.org)
    try:
        result = import_statement_file(
            org, path, actor=CLI, dry_run=args.dry_run, account=args.account, mapping=args.mapping
        )
    except UnknownMapping as exc:
        raise UsageError(str(exc)) from exc
    except StatementRefused as exc:
        if args.json:
            emit_json(exc.result.as_dict())
        else:
            print(
                _("%(file)s: refused, nothing was written: %(error)s") % {"file": path.name, "error": exc.error},
                file=sys.stderr,
            )
        return EXIT_REFUSED
    if args.json:
        emit_json(result.as_dict())
        return EXIT_OK
    statements = ngettext("%(n)d statement", "%(n)d statements", result.statements) % {"n": result.statements}
    entries = ngettext("%(n)d entry", "%(n)d entries", result.entries) % {"n": result.entries}
    print(
        _("%(file)s (%(format)s): %(statements)s, %(entries)s: %(created)d created, %(duplicates)d already imported")
        % {
            "file": path.name,
            "format": result.format,
            "statements": statements,
            "entries": entries,
            "created": result.created,
            "duplicates": result.duplicates,
        }
        + (" " + _("(dry run: nothing written)") if args.dry_run else "")
    )
    for code, totals in result.totals.items():
        print(
            "  "
            + _("%(currency)s: credits %(credits)s, debits %(debits)s")
            % {"currency": code, "credits": totals.credits, "debits": totals.debits}
        )
    print(
        "  "
        + ngettext(
            "%(matched)d applied, %(suggested)d suggested, %(unmatched)d credit to match",
            "%(matched)d applied, %(suggested)d suggested, %(unmatched)d credits to match",
            result.unmatched,
        )
        % {"matched": result.matched, "suggested": result.suggested, "unmatched": result.unmatched}
    )
    for warning in result.warnings:
        where = []
        if warning["account"] and warning["code"] != "account_added":
            where.append(account_display(warning["account"]))
        if warning["line"]:
            where.append(_("line %(line)s") % {"line": warning["line"]})
        text = ", ".join(where) + ": " + warning["message"] if where else warning["message"]
        print("  " + _("warning: %(warning)s") % {"warning": text})
    return EXIT_OK
