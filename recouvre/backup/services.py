"""Making a backup archive, and restoring one (see the package for what an archive holds).

A backup is written to a temporary file beside ``--out`` (0600, like every file it holds) and renamed into place
once complete: ``--out`` is never a half-written archive.

A restore reads the whole archive into a private folder inside the data folder first, checking every file against
the manifest; only then, when the target is fresh (or ``force``), does it put the database back (SQLite: the file
renamed into place, the previous one kept aside until the end; PostgreSQL: ``pg_restore --clean`` in one
transaction), then the stored documents (the folder renamed into place), then the secret key, and finally applies
the migrations the backup lacks. A failure before the last step puts the previous database (SQLite) and documents
back; PostgreSQL's restore is a single transaction of its own.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core.terminal import shown
from recouvre.datadir import FILE_MODE

from . import database
from .database import DatabaseRefused
from .manifest import (
    DATABASE_FILES,
    DOCUMENTS,
    MANIFEST,
    SECRET_KEY,
    Entry,
    Manifest,
    ManifestError,
    allowed_name,
    parse,
)

CHUNK = 1024 * 1024
SECRET_KEY_ENV = "RECOUVRE_SECRET_KEY"


class Refused(Exception):
    """The backup or the restore did not happen; ``errors`` say why, for the user. Nothing was changed."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class RestoredButNotMigrated(Exception):
    """The backup was restored, but applying the migrations it lacks failed."""


def recouvre_version() -> str:
    try:
        return importlib.metadata.version("recouvre")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# --------------------------------------------------------------------------------------------- backup


@dataclass
class BackupResult:
    file: Path
    size: int
    sha256: str
    manifest: Manifest
    left_out: list[str] = field(default_factory=list)  # files in the documents folder that are not documents

    def as_dict(self) -> dict[str, Any]:
        documents = self.manifest.documents
        return {
            "ok": True,
            "file": str(self.file),
            "size": self.size,
            "sha256": self.sha256,
            "format_version": self.manifest.format_version,
            "recouvre_version": self.manifest.recouvre_version,
            "database_engine": self.manifest.database_engine,
            "created_at": self.manifest.created_at,
            "documents": len(documents),
            "documents_bytes": sum(e.size for e in documents),
            "secret_key": self.manifest.secret_key,
            "migrations": self.manifest.migrations,
            "left_out": self.left_out,
        }


class _Hashing:
    """A file read through, its SHA-256 and size counted as it goes."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data


def _document_files(media_root: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """The stored documents as (name in the archive, file), sorted; and the files left out (links, files being
    received, names that are not a stored document's)."""
    found: list[tuple[str, Path]] = []
    left_out: list[str] = []
    base = media_root / "documents"
    if not base.is_dir():
        return found, left_out
    for folder, dirs, files in os.walk(base):  # symbolic links to folders are listed, never entered
        dirs.sort()
        for name in sorted(files) + [d for d in dirs if (Path(folder) / d).is_symlink()]:
            path = Path(folder) / name
            arcname = "media/" + path.relative_to(media_root).as_posix()
            if name.startswith(".incoming-"):  # a file being received: not a document yet
                continue
            if path.is_symlink() or not path.is_file() or not allowed_name(arcname):
                left_out.append(str(path))
                continue
            found.append((arcname, path))
    return found, left_out


def _add_file(tar: tarfile.TarFile, arcname: str, path: Path) -> Entry:
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            info = tarfile.TarInfo(arcname)
            info.size, info.mtime, info.mode = st.st_size, int(st.st_mtime), FILE_MODE
            reader = _Hashing(f)
            tar.addfile(info, reader)  # type: ignore[arg-type]  # tarfile only calls read()
    except OSError as exc:
        raise Refused(
            [_("cannot read %(path)s: %(error)s") % {"path": shown(str(path)), "error": exc.strerror or exc}]
        ) from exc
    return Entry(arcname, reader.digest.hexdigest(), reader.size)


def _add_bytes(tar: tarfile.TarFile, arcname: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(arcname)
    info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), FILE_MODE
    tar.addfile(info, io.BytesIO(data))


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def create_backup(out: Path) -> BackupResult:
    """Write the backup archive to ``out`` (see the package); ``Refused`` when it cannot be made, leaving nothing
    behind."""
    try:
        engine = database.engine()
        if engine == "postgresql":
            database.check_clients("pg_dump")
    except DatabaseRefused as exc:
        raise Refused([str(exc)]) from exc
    out = out.absolute()
    created_at = timezone.now().replace(microsecond=0).isoformat()
    staging = Path(tempfile.mkdtemp(prefix=".recouvre-backup-", dir=out.parent))
    partial: Path | None = None
    try:
        db_copy = staging / "database"
        try:
            if engine == "sqlite":
                database.snapshot_sqlite(db_copy)
                migrations = database.migrations_in_sqlite(db_copy)
            else:
                migrations = database.latest_migrations()
                database.dump_postgresql(db_copy)
        except DatabaseRefused as exc:
            raise Refused([str(exc)]) from exc
        members = [(DATABASE_FILES[engine], db_copy)]
        key_source = "environment" if os.environ.get(SECRET_KEY_ENV) else "included"
        if key_source == "included":
            members.append((SECRET_KEY, Path(settings.DATA_DIR) / "secret_key"))
        documents, left_out = _document_files(Path(settings.MEDIA_ROOT))
        members += documents
        manifest = Manifest(
            recouvre_version=recouvre_version(),
            database_engine=engine,
            created_at=created_at,
            migrations=migrations,
            secret_key=key_source,
        )
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
        partial = Path(name)
        try:
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                    for arcname, path in members:
                        manifest.files.append(_add_file(tar, arcname, path))
                    _add_bytes(tar, MANIFEST, manifest.to_bytes())
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, out)
        except OSError as exc:
            raise Refused(
                [_("cannot write %(file)s: %(error)s") % {"file": shown(str(out)), "error": exc.strerror or exc}]
            ) from exc
        partial = None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if partial is not None:
            partial.unlink(missing_ok=True)
    return BackupResult(out, out.stat().st_size, _sha256_of(out), manifest, left_out)


# --------------------------------------------------------------------------------------------- restore


@dataclass
class RestoreResult:
    file: Path
    manifest: Manifest
    organizations: list[str]
    secret_key: str  # "restored", "environment" (RECOUVRE_SECRET_KEY set: kept), "absent" (not in the backup)
    migrations_applied: list[str]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "file": str(self.file),
            "created_at": self.manifest.created_at,
            "recouvre_version": self.manifest.recouvre_version,
            "database_engine": self.manifest.database_engine,
            "organizations": self.organizations,
            "documents": len(self.manifest.documents),
            "secret_key": self.secret_key,
            "migrations_applied": self.migrations_applied,
            "notes": self.notes,
        }


def _write_private(dest: Path, source: BinaryIO) -> tuple[str, int]:
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as f:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            f.write(chunk)
    return digest.hexdigest(), size


def _unpack(archive: Path, staging: Path) -> Manifest:
    """Extract ``archive`` into ``staging``, accepting only the files a backup holds, and check each against the
    manifest; ``Refused`` listing every problem."""
    label = shown(str(archive))
    try:
        tar = tarfile.open(archive, mode="r:*")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise Refused(
            [_("%(file)s is not a Recouvre backup (not a tar archive): %(error)s") % {"file": label, "error": exc}]
        ) from exc
    found: dict[str, tuple[str, int]] = {}
    manifest_bytes: bytes | None = None
    with tar:
        try:
            for member in tar:
                name = member.name
                if member.isdir():
                    continue
                if not member.isreg():
                    raise Refused(
                        [
                            _("%(file)s: %(name)s is not a plain file (a link or a device): refused")
                            % {"file": label, "name": shown(name)}
                        ]
                    )
                if not allowed_name(name):
                    raise Refused(
                        [_("%(file)s: unexpected file in the archive: %(name)s") % {"file": label, "name": shown(name)}]
                    )
                if name in found or (name == MANIFEST and manifest_bytes is not None):
                    raise Refused(
                        [_("%(file)s: %(name)s is in the archive twice") % {"file": label, "name": shown(name)}]
                    )
                source = tar.extractfile(member)
                assert source is not None  # a regular file
                if name == MANIFEST:
                    manifest_bytes = source.read()
                else:
                    found[name] = _write_private(staging / name, source)
        except (tarfile.TarError, EOFError, zlib.error) as exc:
            raise Refused(
                [_("%(file)s is damaged (cut short or altered): %(error)s") % {"file": label, "error": exc}]
            ) from exc
        except OSError as exc:
            raise Refused(
                [_("%(file)s cannot be read: %(error)s") % {"file": label, "error": exc.strerror or exc}]
            ) from exc
    if manifest_bytes is None:
        raise Refused([_("%(file)s is not a Recouvre backup: it has no manifest.json") % {"file": label}])
    try:
        manifest = parse(manifest_bytes)
    except ManifestError as exc:
        raise Refused([f"{label}: {exc}"]) from exc
    problems: list[str] = []
    listed = {e.path: e for e in manifest.files}
    if manifest.database_file not in listed:
        problems.append(_("%(file)s: the archive holds no database") % {"file": label})
    for path, entry in listed.items():
        got = found.get(path)
        if got is None:
            problems.append(_("%(name)s: listed in the manifest but missing from the archive") % {"name": shown(path)})
        elif got != (entry.sha256, entry.size):
            problems.append(
                _("%(name)s: its content does not match the manifest (SHA-256 or size differs)") % {"name": shown(path)}
            )
    for path in found:
        if path not in listed:
            problems.append(_("%(name)s: in the archive but not in the manifest") % {"name": shown(path)})
    if problems:
        raise Refused(problems)
    return manifest


def _unknown_migrations(manifest: Manifest) -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [f"{app}.{name}" for app, name in sorted(manifest.migrations.items()) if (app, name) not in known]


def _holds_documents(folder: Path) -> bool:
    for _dir, _dirs, files in os.walk(folder):
        if any(not name.startswith(".") for name in files):
            return True
    return False


def _pending_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return [f"{m.app_label}.{m.name}" for m, _backwards in executor.migration_plan(executor.loader.graph.leaf_nodes())]


def restore_backup(archive: Path, *, force: bool = False) -> RestoreResult:
    """Restore ``archive`` into the configured database and data folder (see the module). ``Refused`` (nothing
    changed) when the archive is not a sound backup, is of another database engine or a newer Recouvre, or when
    the target already holds organizations or documents and ``force`` is not given."""
    try:
        engine = database.engine()
        if engine == "postgresql":
            database.check_clients("pg_restore")
    except DatabaseRefused as exc:
        raise Refused([str(exc)]) from exc
    data_dir = Path(settings.DATA_DIR)
    media_root = Path(settings.MEDIA_ROOT)
    documents = media_root / "documents"
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
    keep_staging = False
    try:
        manifest = _unpack(archive, staging)
        if manifest.database_engine != engine:
            raise Refused(
                [
                    _(
                        "this backup is of a %(archived)s database, and the configured database "
                        "(RECOUVRE_DATABASE_URL) is %(configured)s: restore it into a %(archived)s database"
                    )
                    % {"archived": _engine_label(manifest.database_engine), "configured": _engine_label(engine)}
                ]
            )
        unknown = _unknown_migrations(manifest)
        if unknown:
            raise Refused(
                [
                    _(
                        "this backup was made by a newer version of Recouvre (migrations unknown here: %(names)s): "
                        "upgrade Recouvre, then restore"
                    )
                    % {"names": ", ".join(unknown)}
                ]
            )
        try:
            existing = database.organizations()
        except DatabaseRefused as exc:
            raise Refused([str(exc)]) from exc
        if not force:
            refusals = []
            if existing:
                refusals.append(
                    _(
                        "the database already holds organizations (%(orgs)s): restore refused, nothing was changed; "
                        "use --force to replace them with the backup"
                    )
                    % {"orgs": ", ".join(existing)}
                )
            if _holds_documents(documents):
                refusals.append(
                    _(
                        "the data folder already holds stored documents (%(folder)s): restore refused, nothing was "
                        "changed; use --force to replace them with the backup"
                    )
                    % {"folder": shown(str(documents))}
                )
            if refusals:
                raise Refused(refusals)

        env_key = os.environ.get(SECRET_KEY_ENV)
        notes: list[str] = []
        swap: database.SqliteSwap | None = None
        previous_documents = staging / "documents-before-restore"
        moved_previous = placed_new = database_replaced = False
        try:
            if engine == "sqlite":
                swap = database.SqliteSwap(staging / DATABASE_FILES["sqlite"], staging.name)
                swap.apply()
            else:
                database.restore_postgresql(staging / DATABASE_FILES["postgresql"])
                database_replaced = True  # in its own transaction, committed: it cannot be taken back
            if documents.exists() or documents.is_symlink():
                shutil.move(documents, previous_documents)
                moved_previous = True
            if (staging / DOCUMENTS).is_dir():
                media_root.mkdir(parents=True, exist_ok=True)
                shutil.move(staging / DOCUMENTS, documents)
                placed_new = True
            if manifest.secret_key != "included":
                secret_key = "absent"
                notes.append(
                    _(
                        "the backup holds no secret key (it came from RECOUVRE_SECRET_KEY when the backup was made): "
                        "set RECOUVRE_SECRET_KEY to that same value, or everyone logs in again"
                    )
                )
            elif env_key:
                secret_key = "environment"
                archived = (staging / SECRET_KEY).read_text().strip()
                if archived != env_key:
                    notes.append(
                        _(
                            "RECOUVRE_SECRET_KEY is set and is not the backup's secret key: it stays in use (everyone "
                            "logs in again); the backup's key was not written to the data folder"
                        )
                    )
            else:
                secret_key = "restored"
                os.replace(staging / SECRET_KEY, data_dir / "secret_key")
        except BaseException as exc:
            try:
                if placed_new:
                    shutil.move(documents, staging / "documents-from-backup")
                if moved_previous:
                    shutil.move(previous_documents, documents)
                if swap is not None:
                    swap.rollback()
            except OSError:
                keep_staging = True
                raise
            if isinstance(exc, DatabaseRefused):
                raise Refused([str(exc)]) from exc
            if isinstance(exc, OSError) and database_replaced:
                raise Refused(
                    [
                        _(
                            "the database was restored, but the documents and the secret key could not be put in "
                            "place (the previous ones are kept): %(error)s"
                        )
                        % {"error": exc.strerror or exc}
                    ]
                ) from exc
            if isinstance(exc, OSError):
                raise Refused(
                    [_("the restore failed, nothing was changed: %(error)s") % {"error": exc.strerror or exc}]
                ) from exc
            raise
        if swap is not None:
            swap.commit()
        try:
            applied = _pending_migrations()
            from django.core.management import call_command

            call_command("migrate", interactive=False, verbosity=0)
        except Exception as exc:
            raise RestoredButNotMigrated(
                _(
                    "the backup was restored, but applying its migrations failed: %(error)s; "
                    "fix the cause and run `recouvre migrate`"
                )
                % {"error": exc}
            ) from exc
        return RestoreResult(
            file=archive,
            manifest=manifest,
            organizations=database.organizations(),
            secret_key=secret_key,
            migrations_applied=applied,
            notes=notes,
        )
    finally:
        if not keep_staging:
            shutil.rmtree(staging, ignore_errors=True)


def _engine_label(engine: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(engine, engine)
