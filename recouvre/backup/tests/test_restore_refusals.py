"""``recouvre restore`` refuses, changing nothing, an archive that is not a sound backup (a file altered or missing,
a name leading out of the data folder, a link, no manifest, a newer format or Recouvre, another database engine)
and a target that already holds organizations or documents; ``recouvre backup`` says clearly when pg_dump is
missing. Here the archives are made by hand, file by file, and the command runs in this process."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from recouvre.backup import database
from recouvre.backup.manifest import FORMAT, FORMAT_VERSION
from recouvre.cli import main

DOC = "media/documents/1/ab/ab" + "0" * 62 + ".pdf"


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def target(settings, tmp_path):  # type: ignore[no-untyped-def]
    """A fresh data folder to restore into."""
    settings.DATA_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = settings.DATA_DIR / "media"
    settings.DATA_DIR.mkdir(mode=0o700)
    return settings.DATA_DIR


def archive(
    path: Path,
    files: dict[str, bytes] | None = None,
    *,
    manifest: dict | None = None,
    listed: dict[str, bytes] | None = None,
    extra: list[tarfile.TarInfo] | None = None,
) -> Path:
    """A backup archive holding ``files``, with a manifest listing ``listed`` (default: the same files)."""
    if files is None:
        files = {
            f"database/recouvre.{'sqlite3' if database.engine() == 'sqlite' else 'pgdump'}": b"the database",
            "secret_key": b"k" * 67,
            DOC: b"%PDF-1.7 a stored invoice",
        }
    listed = files if listed is None else listed
    body = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "recouvre_version": "0.1.0",
        "database_engine": database.engine(),
        "created_at": "2026-03-31T18:00:00+00:00",
        "migrations": {},
        "secret_key": "included",
        "files": [
            {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in listed.items()
        ],
        **(manifest or {}),
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, data in [*files.items(), ("manifest.json", json.dumps(body).encode())]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra or []:
            tar.addfile(info)
    return path


def assert_nothing_changed(target: Path) -> None:
    assert sorted(p.name for p in target.iterdir() if p.name != ".permissions-private") == []


@pytest.mark.django_db
def test_a_file_altered_after_the_backup_is_named_and_nothing_is_restored(tmp_path, target, capsys):  # type: ignore[no-untyped-def]
    files = {
        f"database/recouvre.{'sqlite3' if database.engine() == 'sqlite' else 'pgdump'}": b"the database",
        "secret_key": b"k" * 67,
        DOC: b"%PDF-1.7 a stored invoice, altered",
    }
    listed = {**files, DOC: b"%PDF-1.7 a stored invoice"}
    path = archive(tmp_path / "backup.tar.gz", files, listed=listed)

    code, out, err = cli(capsys, "restore", path, "--json")

    assert (code, err) == (1, "")
    assert json.loads(out) == {
        "ok": False,
        "errors": [f"{DOC}: its content does not match the manifest (SHA-256 or size differs)"],
    }
    assert_nothing_changed(target)


@pytest.mark.django_db
def test_a_file_missing_from_the_archive_or_not_in_the_manifest_is_named(tmp_path, target, capsys):  # type: ignore[no-untyped-def]
    db = f"database/recouvre.{'sqlite3' if database.engine() == 'sqlite' else 'pgdump'}"
    files = {db: b"the database", "media/documents/1/cd/extra.pdf": b"%PDF-1.7 slipped in"}
    listed = {db: b"the database", DOC: b"%PDF-1.7 a stored invoice"}
    path = archive(tmp_path / "backup.tar.gz", files, listed=listed)

    code, out, err = cli(capsys, "restore", path)

    assert code == 1
    assert out.splitlines() == [
        f"recouvre: refused: {DOC}: listed in the manifest but missing from the archive",
        "recouvre: refused: media/documents/1/cd/extra.pdf: in the archive but not in the manifest",
    ]
    assert_nothing_changed(target)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["../../escaped.txt", "/etc/cron.d/recouvre", "media/documents/../../../secret_key", "media/other/x.pdf"],
)
def test_a_name_leading_out_of_the_data_folder_is_refused(tmp_path, target, capsys, name):  # type: ignore[no-untyped-def]
    db = f"database/recouvre.{'sqlite3' if database.engine() == 'sqlite' else 'pgdump'}"
    files = {db: b"the database", name: b"owned"}
    path = archive(tmp_path / "backup.tar.gz", files)

    code, out, err = cli(capsys, "restore", path, "--json")

    assert code == 1
    assert json.loads(out)["errors"] == [f"{path}: unexpected file in the archive: {name}"]
    assert not (tmp_path / "escaped.txt").exists()
    assert_nothing_changed(target)


@pytest.mark.django_db
def test_a_link_in_the_archive_is_refused(tmp_path, target, capsys):  # type: ignore[no-untyped-def]
    link = tarfile.TarInfo(DOC)
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    db = f"database/recouvre.{'sqlite3' if database.engine() == 'sqlite' else 'pgdump'}"
    path = archive(tmp_path / "backup.tar.gz", {db: b"the database"}, extra=[link])

    code, out, err = cli(capsys, "restore", path, "--json")

    assert code == 1
    assert json.loads(out)["errors"] == [f"{path}: {DOC} is not a plain file (a link or a device): refused"]
    assert_nothing_changed(target)


@pytest.mark.django_db
def test_what_is_not_a_backup_is_refused(tmp_path, target, capsys):  # type: ignore[no-untyped-def]
    garbage = tmp_path / "notes.tar.gz"
    garbage.write_bytes(b"these are not the droids")
    code, out, err = cli(capsys, "restore", garbage, "--json")
    assert code == 1
    assert json.loads(out)["errors"][0].startswith(f"{garbage} is not a Recouvre backup (not a tar archive): ")

    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive(tmp_path / "whole.tar.gz").read_bytes()[:-200])
    code, out, err = cli(capsys, "restore", cut, "--json")
    assert code == 1
    assert json.loads(out)["errors"][0].startswith(f"{cut} is damaged (cut short or altered): ")

    plain = tmp_path / "plain.tar"
    with tarfile.open(plain, "w") as tar:
        info = tarfile.TarInfo("secret_key")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    code, out, err = cli(capsys, "restore", plain, "--json")
    assert code == 1
    assert json.loads(out)["errors"] == [f"{plain} is not a Recouvre backup: it has no manifest.json"]

    code, out, err = cli(capsys, "restore", tmp_path / "nowhere.tar.gz")
    assert (code, out) == (2, "")
    assert err == f"recouvre: error: no such file: {tmp_path / 'nowhere.tar.gz'}\n"
    assert_nothing_changed(target)


@pytest.mark.django_db
def test_a_backup_of_a_newer_recouvre_is_refused(tmp_path, target, capsys):  # type: ignore[no-untyped-def]
    newer_format = archive(tmp_path / "format.tar.gz", manifest={"format_version": FORMAT_VERSION + 1})
    code, out, err = cli(capsys, "restore", newer_format, "--json")
    assert code == 1
    assert json.loads(out)["errors"] == [
        f"{newer_format}: the archive is in format {FORMAT_VERSION + 1}, made by a newer Recouvre "
        f"(this one reads format {FORMAT_VERSION})"
    ]

    newer_schema = archive(
        tmp_path / "schema.tar.gz",
        manifest={"migrations": {"documents": "0099_not_written_yet", "ledger": "0001_initial"}},
    )
    code, out, err = cli(capsys, "restore", newer_schema, "--json")
    assert code == 1
    assert json.loads(out)["errors"] == [
        "this backup was made by a newer version of Recouvre (migrations unknown here: "
        "documents.0099_not_written_yet): upgrade Recouvre, then restore"
    ]
    assert_nothing_changed(target)


@pytest.mark.django_db
def test_a_backup_of_another_database_engine_is_refused(tmp_path, target, capsys):  # type: ignore[no-untyped-def]
    other = "postgresql" if database.engine() == "sqlite" else "sqlite"
    other_file = {"sqlite": "database/recouvre.sqlite3", "postgresql": "database/recouvre.pgdump"}[other]
    path = archive(tmp_path / "other.tar.gz", {other_file: b"the database"}, manifest={"database_engine": other})

    code, out, err = cli(capsys, "restore", path, "--json")

    assert code == 1
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    this = names[database.engine()]
    assert json.loads(out)["errors"] == [
        f"this backup is of a {names[other]} database, and the configured database (RECOUVRE_DATABASE_URL) is "
        f"{this}: restore it into a {names[other]} database"
    ]
    assert_nothing_changed(target)


def test_a_target_holding_organizations_or_documents_is_refused_without_force(tmp_path, target, capsys, org, other_org):  # type: ignore[no-untyped-def]
    kept = target / "media" / "documents" / "7" / "ef" / "ef01.pdf"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"%PDF-1.7 a document of this data folder")
    path = archive(tmp_path / "backup.tar.gz")

    code, out, err = cli(capsys, "restore", path)

    assert code == 1
    assert out.splitlines() == [
        "recouvre: refused: the database already holds organizations (acme, rival): restore refused, nothing was "
        "changed; use --force to replace them with the backup",
        f"recouvre: refused: the data folder already holds stored documents ({target / 'media' / 'documents'}): "
        "restore refused, nothing was changed; use --force to replace them with the backup",
    ]
    assert kept.read_bytes() == b"%PDF-1.7 a document of this data folder"
    assert sorted(p.name for p in target.iterdir()) == ["media"]  # no restore folder left behind
    from recouvre.organizations.models import Organization

    assert Organization.objects.count() == 2


@pytest.mark.django_db
def test_backup_says_clearly_when_pg_dump_is_missing(tmp_path, settings, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    settings.DATABASES = {
        "default": {**settings.DATABASES["default"], "ENGINE": "django.db.backends.postgresql", "NAME": "recouvre"}
    }
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out_dir = tmp_path / "backups"
    out_dir.mkdir()

    code, out, err = cli(capsys, "backup", "--out", out_dir / "recouvre.tar.gz", "--json")

    assert code == 1
    assert json.loads(out) == {
        "ok": False,
        "errors": [
            "pg_dump was not found on PATH: install PostgreSQL's client programs (the version of the server or "
            "newer; Debian: apt-get install postgresql-client)"
        ],
    }
    assert os.listdir(out_dir) == []


@pytest.mark.django_db
def test_backup_usage_errors(tmp_path, capsys):  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, "backup", "--out", tmp_path / "missing" / "b.tar.gz")
    assert (code, err) == (2, f"recouvre: error: {tmp_path / 'missing'}: no such folder\n")
    code, out, err = cli(capsys, "backup", "--out", tmp_path)
    assert (code, err) == (2, f"recouvre: error: {tmp_path} is a folder: give the archive's file name with --out\n")
