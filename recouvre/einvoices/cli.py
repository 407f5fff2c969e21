"""``recouvre import einvoice FILE...`` and ``recouvre import einvoice-status FILE`` (called by ``cmd_import``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from recouvre.cliutil import EXIT_OK, EXIT_REFUSED, UsageError, emit_json, resolve_org


def _read(paths: list[str], max_bytes: int | None = None) -> list[tuple[str, bytes]]:
    """The files' names and bytes; a file larger than ``max_bytes`` refuses them all before any is read."""
    from recouvre.core.sizes import human_size

    from .services import EInvoicesRefused, FileError

    checked = []
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise UsageError(_("%(path)s: no such file") % {"path": path})
        checked.append(path)
    if max_bytes is not None:
        too_large = [
            FileError(
                path.name,
                0,
                "file",
                _("the file is %(size)s, more than the %(limit)s accepted for an import")
                % {"size": human_size(size), "limit": human_size(max_bytes)},
            )
            for path in checked
            if (size := path.stat().st_size) > max_bytes
        ]
        if too_large:
            raise EInvoicesRefused(too_large)
    return [(path.name, path.read_bytes()) for path in checked]


def _refused(count: int) -> str:
    return ngettext(
        "refused, nothing was written (%(n)d error):",
        "refused, nothing was written (%(n)d errors):",
        count,
    ) % {"n": count}


def import_einvoices_command(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .services import EInvoicesRefused, import_einvoices

    org = resolve_org(args.org)
    try:
        files = _read(args.file, getattr(args, "max_size", None))
        result = import_einvoices(org, files, actor=CLI, dry_run=args.dry_run)
    except EInvoicesRefused as exc:
        if args.json:
            emit_json(exc.as_dict())
        else:
            print(_refused(len(exc.errors)), file=sys.stderr)
            for e in exc.errors:
                print(f"  {e}", file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        emit_json(result.as_dict())
        return EXIT_OK
    for d in result.documents:
        outcome = (
            pgettext("e-invoice import", "created")
            if d.outcome == "created"
            else pgettext("e-invoice import", "unchanged")
        )
        kind = _("credit note") if d.kind == "credit_note" else _("invoice")
        due = _(", due %(due)s") % {"due": d.due_date.isoformat()} if d.due_date else ""
        print(
            _("%(number)s (%(kind)s) %(customer)s [%(ref)s], issued %(issued)s%(due)s: %(total)s %(currency)s, open "
              "%(open)s: %(outcome)s")
            % {
                "number": d.number,
                "kind": kind,
                "customer": d.customer_name,
                "ref": d.customer_ref,
                "issued": d.issue_date.isoformat(),
                "due": due,
                "total": d.total,
                "currency": d.currency,
                "open": d.open_amount,
                "outcome": outcome,
            }
        )  # fmt: skip
    line = _("%(files)d file(s): %(created)d created, %(unchanged)d unchanged") % {
        "files": len(files),
        "created": result.created,
        "unchanged": result.unchanged,
    }
    print(line + (" " + _("(dry run: nothing written)") if args.dry_run else ""))
    for w in result.warnings:
        print("  " + _("warning: %(warning)s") % {"warning": w})
    return EXIT_OK


def import_statuses_command(args: argparse.Namespace) -> int:
    from recouvre.ledger.actors import CLI

    from .statuses import StatusesRefused, import_statuses

    if len(args.file) != 1:
        raise UsageError(_("einvoice-status takes one file at a time"))
    ((name, content),) = _read(args.file)
    org = resolve_org(args.org)
    try:
        result = import_statuses(org, name, content, actor=CLI, dry_run=args.dry_run)
    except StatusesRefused as exc:
        if args.json:
            emit_json(exc.as_dict())
        else:
            print(f"{name}: " + _refused(len(exc.errors)), file=sys.stderr)
            for e in exc.errors:
                print(f"  {e}", file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        emit_json(result.as_dict())
        return EXIT_OK
    from recouvre.core.einvoice.status import french_name

    for s in result.statuses:
        outcome = pgettext("e-invoice status", "applied") if s.outcome == "created" else _("already received")
        print(
            f"{s.number}\t{s.code} {french_name(s.code)}\t{s.on.isoformat()}\t{outcome}"
            + (f"\t{s.note}" if s.note else "")
        )
    line = _("%(file)s: %(created)d status(es) applied, %(unchanged)d already received") % {
        "file": name,
        "created": result.created,
        "unchanged": result.unchanged,
    }
    print(line + (" " + _("(dry run: nothing written)") if args.dry_run else ""))
    for w in result.warnings:
        print("  " + _("warning: %(warning)s") % {"warning": w})
    return EXIT_OK
