"""``recouvre documents import DIR``: attach a folder of invoice PDFs to their invoices (see ``bulk.py``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.cliutil import EXIT_OK, EXIT_REFUSED, UsageError, emit_json, resolve_org
from recouvre.core.terminal import shown


def _print_skipped(skipped: list[Any], *, file: Any = None) -> None:
    for s in skipped:
        print("  " + _("%(file)s: skipped, %(reason)s") % {"file": shown(s.file), "reason": s.reason}, file=file)


def cmd_documents_import(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .bulk import FilesRefused, import_invoice_pdfs

    directory = Path(args.directory)
    if not directory.is_dir():
        raise UsageError(_("%(path)s: no such folder") % {"path": shown(str(directory))})
    org = resolve_org(args.org)
    try:
        result = import_invoice_pdfs(org, directory, actor=CLI, dry_run=args.dry_run)
    except FilesRefused as exc:
        if args.json:
            emit_json(
                {
                    "dry_run": args.dry_run,
                    "attached": 0,
                    "unchanged": 0,
                    "files": [],
                    "skipped": [s.as_dict() for s in exc.skipped],
                    "errors": [e.as_dict() for e in exc.errors],
                }
            )
        else:
            print(
                ngettext(
                    "%(dir)s: refused, nothing was written (%(n)d file refused):",
                    "%(dir)s: refused, nothing was written (%(n)d files refused):",
                    len({e.file for e in exc.errors}),
                )
                % {"dir": shown(str(directory)), "n": len({e.file for e in exc.errors})},
                file=sys.stderr,
            )
            for e in exc.errors:
                print(f"  {shown(e.file)}: {e.reason}", file=sys.stderr)
            _print_skipped(exc.skipped, file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        emit_json(result.as_dict())
        return EXIT_OK
    for f in result.files:
        line = (
            _("%(file)s: invoice %(invoice)s, attached")
            if f.status == "attached"
            else _("%(file)s: invoice %(invoice)s, already on file")
        )
        print("  " + line % {"file": shown(f.file), "invoice": shown(f.invoice)})
    _print_skipped(result.skipped)
    summary = _("%(dir)s: %(attached)d invoice PDFs attached, %(unchanged)d already on file") % {
        "dir": shown(str(directory)),
        "attached": result.attached,
        "unchanged": result.unchanged,
    }
    print(summary + (" " + _("(dry run: nothing written)") if args.dry_run else ""))
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    docs = sub.add_parser("documents", help="documents on file (invoice PDFs...)").add_subparsers(
        dest="documents_command", required=True
    )
    sp = add("import", cmd_documents_import, "attach a folder of invoice PDFs, each named after its invoice", docs)
    sp.add_argument("directory", metavar="DIR")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    json_flag(sp)
