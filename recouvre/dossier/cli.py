"""``recouvre dossier``: a customer's evidence dossier as a ZIP (``recouvre dossier REF --out FILE.zip``), and the
check of a dossier's manifest (``recouvre dossier verify FILE.zip``). Registered on the ``recouvre`` command by
``add_commands``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.cliutil import EXIT_OK, EXIT_REFUSED, UsageError, customer_by_ref, emit_json, parse_cli_date, resolve_org

VERIFY = "verify"


def cmd_dossier(args: argparse.Namespace) -> int:
    if args.ref == VERIFY and args.file:
        return _verify(args)
    if args.file:
        raise UsageError(_("one customer account at a time (or `recouvre dossier verify FILE.zip`)"))
    if not args.out:
        raise UsageError(_("say where to write the dossier with --out FILE.zip"))
    from recouvre.dossier.exhibits import DossierRefused
    from recouvre.dossier.services import export_dossier
    from recouvre.ledger.actors import CLI

    org = resolve_org(args.org)
    customer, missing = customer_by_ref(org, args.ref)
    if customer is None:
        raise UsageError(missing)
    as_of = args.as_of or timezone.localdate()
    try:
        bundle = export_dossier(org, customer, as_of=as_of, actor=CLI)
    except DossierRefused as exc:
        if args.json:
            emit_json({"ok": False, "error": str(exc)})
        else:
            print(_("recouvre: error: %(error)s") % {"error": exc}, file=sys.stderr)
        return EXIT_REFUSED
    out = Path(args.out)
    out.write_bytes(bundle.content)
    if args.json:
        emit_json(
            {
                "file": str(out),
                "customer": customer.ref,
                "as_of": as_of.isoformat(),
                "sha256": bundle.sha256,
                "exhibits": [
                    {
                        **e.details,
                        "number": e.number,
                        "title": e.title,
                        "kind": e.kind,
                        "date": e.date.isoformat(),
                        "file_name": e.file_name,
                        "sha256": e.sha256,
                    }
                    for e in bundle.exhibits
                ],
                "files": bundle.files,
                "chain_head": bundle.head.as_dict() if bundle.head is not None else None,
            }
        )
        return EXIT_OK
    for e in bundle.exhibits:
        print(f"{e.number:>3}  {e.file_name}  {e.title}")
    print(
        _("Dossier of %(name)s (%(ref)s) on %(as_of)s: %(count)d exhibits written to %(file)s (SHA-256 %(sha256)s).")
        % {
            "name": customer.name,
            "ref": customer.ref,
            "as_of": as_of.isoformat(),
            "count": len(bundle.exhibits),
            "file": out,
            "sha256": bundle.sha256,
        }
    )
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from recouvre.core.importing import escape_controls
    from recouvre.dossier.bundle import NotADossier, verify

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(_("no such file: %(file)s") % {"file": path})
    try:
        result = verify(str(path))
    except NotADossier as exc:
        if args.json:
            emit_json({"ok": False, "error": str(exc)})
        else:
            print(_("recouvre: error: %(error)s") % {"error": escape_controls(str(exc))}, file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        emit_json(
            {
                "ok": result.ok,
                "checked": result.checked,
                "problems": [{"file": f, "problem": p} for f, p in result.problems],
            }
        )
    else:
        for file, problem in result.problems:
            print(f"{escape_controls(file)}: {problem}", file=sys.stderr)
        if result.ok:
            print(_("%(count)d files checked: every file matches the manifest.") % {"count": result.checked})
        else:
            print(
                _("%(count)d problem(s) found: this dossier was changed after it was made.")
                % {"count": len(result.problems)},
                file=sys.stderr,
            )
    return EXIT_OK if result.ok else EXIT_REFUSED


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    sp = add(
        "dossier",
        cmd_dossier,
        "a customer's evidence dossier as a ZIP (exhibits, bordereau, timeline, statement, SHA-256 manifest); "
        "`recouvre dossier verify FILE.zip` checks one",
    )
    sp.add_argument("ref", metavar="CUSTOMER_REF", help="the customer's account, or `verify`")
    sp.add_argument("file", nargs="?", metavar="FILE.zip", help="with `verify`: the dossier to check")
    sp.add_argument("--org", help="organization short name (may be left out when there is only one)")
    sp.add_argument("--as-of", type=parse_cli_date, metavar="DATE", help="the dossier's date (default: today)")
    sp.add_argument("--out", metavar="FILE.zip", help="where to write the dossier")
    json_flag(sp)
