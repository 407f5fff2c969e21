"""``recouvre backup --out FILE`` and ``recouvre restore FILE [--force]`` (see the package). Neither applies pending
migrations first: a backup copies the database as it is (before an upgrade's migrations, say), and a restore
applies the migrations the backup lacks once it is in place."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.cliutil import EXIT_OK, UsageError, emit_json, refused
from recouvre.core.terminal import shown


def _engine(engine: str) -> str:
    return _("the SQLite database") if engine == "sqlite" else _("the PostgreSQL database")


def _documents(count: int) -> str:
    return ngettext("%(count)d stored document", "%(count)d stored documents", count) % {"count": count}


def cmd_backup(args: argparse.Namespace) -> int:
    from recouvre.documents.storage import format_megabytes

    from .services import Refused, create_backup

    out = Path(args.out)
    if out.is_dir():
        raise UsageError(_("%(path)s is a folder: give the archive's file name with --out") % {"path": shown(args.out)})
    if not out.absolute().parent.is_dir():
        raise UsageError(_("%(path)s: no such folder") % {"path": shown(str(out.absolute().parent))})
    try:
        result = create_backup(out)
    except Refused as exc:
        return refused(args.json, exc.errors)
    if args.json:
        emit_json(result.as_dict())
        return EXIT_OK
    manifest = result.manifest
    parts = [_engine(manifest.database_engine), _documents(len(manifest.documents))]
    if manifest.secret_key == "included":
        parts.append(_("the secret key"))
    print(
        _("Backup written to %(file)s (%(size)s MB): %(contents)s.")
        % {"file": shown(str(result.file)), "size": format_megabytes(result.size), "contents": ", ".join(parts)}
    )
    print(_("SHA-256: %(sha256)s") % {"sha256": result.sha256})
    if manifest.secret_key == "included":
        print(
            _("Keep it safe, readable by you only: it holds the secret key and all the data, personal data included.")
        )
    else:
        print(
            _(
                "The secret key is not in it (it comes from RECOUVRE_SECRET_KEY): keep that value safe with the "
                "backup. Keep the archive safe too: it holds all the data, personal data included."
            )
        )
    for path in result.left_out:
        print("  " + _("left out, not a stored document: %(path)s") % {"path": shown(path)})
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from .services import Refused, RestoredButNotMigrated, restore_backup

    archive = Path(args.file)
    if not archive.is_file():
        raise UsageError(_("no such file: %(file)s") % {"file": shown(args.file)})
    try:
        result = restore_backup(archive, force=args.force)
    except Refused as exc:
        return refused(args.json, exc.errors)
    except RestoredButNotMigrated as exc:
        return refused(args.json, [str(exc)])
    if args.json:
        emit_json(result.as_dict())
        return EXIT_OK
    manifest = result.manifest
    parts = [_engine(manifest.database_engine), _documents(len(manifest.documents))]
    if result.secret_key == "restored":
        parts.append(_("the secret key"))
    print(
        _("Backup of %(created_at)s (Recouvre %(version)s) restored: %(contents)s.")
        % {"created_at": manifest.created_at, "version": manifest.recouvre_version, "contents": ", ".join(parts)}
    )
    print(
        _("Organizations: %(orgs)s.") % {"orgs": ", ".join(result.organizations) or _("none")},
    )
    if result.migrations_applied:
        print(
            ngettext(
                "%(count)d migration applied since the backup.",
                "%(count)d migrations applied since the backup.",
                len(result.migrations_applied),
            )
            % {"count": len(result.migrations_applied)}
        )
    for note in result.notes:
        print(_("note: %(note)s") % {"note": note}, file=sys.stderr)
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], json_flag: Callable[..., None]) -> None:
    sp = add(
        "backup",
        cmd_backup,
        "write a backup archive: the database, the stored documents and the secret key, with a SHA-256 manifest",
    )
    sp.add_argument(
        "--out", required=True, metavar="FILE", help="the archive to write (a .tar.gz), readable by you only"
    )
    sp.set_defaults(auto_migrate=False)
    json_flag(sp)

    sp = add(
        "restore",
        cmd_restore,
        "restore a backup archive into the configured database and data folder, then apply pending migrations",
    )
    sp.add_argument("file", metavar="FILE", help="an archive written by `recouvre backup`")
    sp.add_argument(
        "--force",
        action="store_true",
        help="replace the organizations and documents already there (otherwise only a fresh target is accepted)",
    )
    sp.set_defaults(auto_migrate=False)
    json_flag(sp)
