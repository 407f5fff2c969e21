"""The manifest of a backup archive (``manifest.json``) and the names an archive may hold."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

FORMAT = "recouvre-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SECRET_KEY = "secret_key"
DOCUMENTS = "media/documents"
DATABASE_FILES = {"sqlite": "database/recouvre.sqlite3", "postgresql": "database/recouvre.pgdump"}
_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


class ManifestError(Exception):
    """The manifest is missing, unreadable, or not one this version of Recouvre reads."""


@dataclass(frozen=True)
class Entry:
    path: str
    sha256: str
    size: int

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "size": self.size}


@dataclass
class Manifest:
    recouvre_version: str
    database_engine: str
    created_at: str
    migrations: dict[str, str]
    secret_key: str  # "included" or "environment" (the key was in RECOUVRE_SECRET_KEY: not in the archive)
    files: list[Entry] = field(default_factory=list)
    format_version: int = FORMAT_VERSION

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": self.format_version,
            "recouvre_version": self.recouvre_version,
            "database_engine": self.database_engine,
            "created_at": self.created_at,
            "migrations": dict(sorted(self.migrations.items())),
            "secret_key": self.secret_key,
            "files": [e.as_dict() for e in self.files],
        }

    def to_bytes(self) -> bytes:
        return (json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n").encode()

    @property
    def database_file(self) -> str:
        return DATABASE_FILES[self.database_engine]

    @property
    def documents(self) -> list[Entry]:
        return [e for e in self.files if e.path.startswith(DOCUMENTS + "/")]


def allowed_name(name: str) -> bool:
    """Whether an archive may hold a file called ``name``: the manifest, a database file, the secret key, or a
    document below ``media/documents/`` made of plain parts (no ``..``, no absolute path, no hidden file)."""
    if name in (MANIFEST, SECRET_KEY) or name in DATABASE_FILES.values():
        return True
    if not name.startswith(DOCUMENTS + "/"):
        return False
    parts = name[len(DOCUMENTS) + 1 :].split("/")
    return all(_PART.fullmatch(part) for part in parts)


def parse(data: bytes) -> Manifest:
    """Read ``manifest.json``; ``ManifestError`` says what is wrong."""
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(_("manifest.json is not valid JSON: %(error)s") % {"error": exc}) from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ManifestError(_("manifest.json is not the manifest of a Recouvre backup"))
    version = raw.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ManifestError(_("manifest.json has no valid format_version"))
    if version > FORMAT_VERSION:
        raise ManifestError(
            _("the archive is in format %(version)d, made by a newer Recouvre (this one reads format %(known)d)")
            % {"version": version, "known": FORMAT_VERSION}
        )
    try:
        engine = raw["database_engine"]
        if engine not in DATABASE_FILES:
            raise ManifestError(_("manifest.json names an unknown database engine: %(engine)r") % {"engine": engine})
        files = [Entry(str(f["path"]), str(f["sha256"]), int(f["size"])) for f in raw["files"]]
        migrations = {str(app): str(name) for app, name in dict(raw["migrations"]).items()}
        return Manifest(
            recouvre_version=str(raw["recouvre_version"]),
            database_engine=engine,
            created_at=str(raw["created_at"]),
            migrations=migrations,
            secret_key=str(raw.get("secret_key", "included")),
            files=files,
            format_version=version,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError(_("manifest.json is incomplete: %(error)s") % {"error": repr(exc)}) from None
