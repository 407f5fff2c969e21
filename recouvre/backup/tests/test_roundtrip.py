"""A backup holds everything: after ``recouvre restore`` into a fresh data folder (another ``RECOUVRE_DATA_DIR``; on
PostgreSQL, another database), a stored document downloads from the web app with the same bytes, and the evidence
dossier is built again, byte for byte the one built before the backup. Each step is the ``recouvre`` command (or
the web app) in a process of its own, as an operator would run it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

RECOUVRE = Path(sys.executable).with_name("recouvre")
AS_OF = "2026-03-31"

SETUP = "import os, sys, json, django\nos.environ['DJANGO_SETTINGS_MODULE'] = 'recouvre.settings'\ndjango.setup()\n"
LIST_DOCUMENTS = SETUP + (
    "from recouvre.documents.models import Document\n"
    "print(json.dumps([{'pk': d.pk, 'sha256': d.sha256, 'customer': d.customer.ref, 'path': d.storage_path}"
    " for d in Document.objects.select_related('customer').order_by('pk')]))\n"
)
WEB_DOWNLOAD = SETUP + (
    "from django.test import Client\n"
    "from django.test.utils import setup_test_environment\n"
    "from django.urls import reverse\n"
    "setup_test_environment()\n"
    "client = Client()\n"
    "assert client.login(username='demo', password='demo')\n"
    "response = client.get(reverse('document_download', args=[int(sys.argv[1])]))\n"
    "body = b''.join(response.streaming_content) if response.streaming else response.content\n"
    "open(sys.argv[2], 'wb').write(body)\n"
    "print(response.status_code)\n"
)


def _postgres_url() -> str | None:
    url = os.environ.get("RECOUVRE_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


class Site:
    """A place Recouvre runs from: a data folder and, on PostgreSQL, a database of its own."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RECOUVRE_")}
        env.update(RECOUVRE_DATA_DIR=str(self.data_dir), RECOUVRE_LANGUAGE="en", **extra)
        if self.database_url:
            env["RECOUVRE_DATABASE_URL"] = self.database_url
        return env

    def run(self, *args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(RECOUVRE), *map(str, args)],
            env=env or self.env(),
            capture_output=True,
            text=True,
            timeout=600,
            umask=0o022,
        )

    def python(self, script: str, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", script, *args], env=self.env(), capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture
def sites(tmp_path: Path) -> Iterator[dict[str, Site]]:
    """Three fresh sites: ``a`` (the source), ``b`` and ``c`` (restore targets). On PostgreSQL (when the tests run
    on it), each has its own database: the configured database's name followed by ``_a``, ``_b``, ``_c``."""
    url = _postgres_url()
    if url is None:
        yield {tag: Site(tmp_path / f"site-{tag}", None) for tag in "abc"}
        return
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed (Debian: apt-get install postgresql-client)")
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    base = url.rsplit("/", 1)[0]
    names = {tag: f"{config['NAME']}_{tag}" for tag in "abc"}

    def server() -> psycopg.Connection:
        return psycopg.connect(
            host=config["HOST"] or None,
            port=config["PORT"] or 5432,
            user=config["USER"] or None,
            password=config["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        )

    with server() as conn:
        for name in names.values():
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {tag: Site(tmp_path / f"site-{tag}", f"{base}/{name}") for tag, name in names.items()}
    finally:
        with server() as conn:
            for name in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_restored_backup_serves_the_same_documents_and_the_same_dossier(sites, tmp_path):  # type: ignore[no-untyped-def]
    a, b, c = sites["a"], sites["b"], sites["c"]
    engine = "postgresql" if a.database_url else "sqlite"

    done = a.run(
        "demo", "--customers", "4", "--invoices", "20", "--history-days", "0", "--invoice-pdfs", "2", "--as-of", AS_OF
    )
    assert done.returncode == 0, done.stderr
    documents = json.loads(a.python(LIST_DOCUMENTS))
    assert len(documents) == 2
    originals = {d["pk"]: (a.data_dir / "media" / d["path"]).read_bytes() for d in documents}
    customer = documents[0]["customer"]
    before = a.run("dossier", customer, "--as-of", AS_OF, "--out", tmp_path / "before.zip", "--json")
    assert before.returncode == 0, before.stderr

    backups = tmp_path / "backups"
    backups.mkdir()
    archive = backups / "recouvre.tar.gz"
    done = a.run("backup", "--out", archive, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert (report["ok"], report["file"], report["database_engine"], report["documents"]) == (
        True,
        str(archive),
        engine,
        2,
    )
    assert report["secret_key"] == "included"
    assert (report["size"], report["sha256"]) == (archive.stat().st_size, sha256(archive.read_bytes()))
    assert mode(archive) == 0o600
    assert os.listdir(backups) == ["recouvre.tar.gz"]  # no temporary file left beside it

    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        contents = {name: tar.extractfile(name).read() for name in members if name != "manifest.json"}  # type: ignore[union-attr]
    assert {m.mode for m in members.values()} == {0o600}
    database_file = {"sqlite": "database/recouvre.sqlite3", "postgresql": "database/recouvre.pgdump"}[engine]
    assert sorted(contents) == sorted([database_file, "secret_key", *(f"media/{d['path']}" for d in documents)])
    assert manifest["format"] == "recouvre-backup" and manifest["format_version"] == 1
    assert (manifest["recouvre_version"], manifest["database_engine"]) == ("0.1.0", engine)
    assert abs((datetime.fromisoformat(manifest["created_at"]) - datetime.now().astimezone()).total_seconds()) < 600
    assert manifest["files"] == [
        {"path": name, "sha256": sha256(data), "size": len(data)} for name, data in contents.items()
    ]
    assert contents["secret_key"] == (a.data_dir / "secret_key").read_bytes()
    for d in documents:
        assert contents[f"media/{d['path']}"] == originals[d["pk"]]
    on_disk = {
        p.name.removesuffix(".py")
        for p in (Path(__file__).resolve().parents[2] / "documents" / "migrations").glob("0*.py")
    }
    assert manifest["migrations"]["documents"] == max(on_disk)
    assert set(manifest["migrations"]) >= {"organizations", "ledger", "documents"}

    # Restore into a fresh data folder (on PostgreSQL, a fresh database).
    done = b.run("restore", archive, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    restored = json.loads(done.stdout)
    assert {k: restored[k] for k in ("ok", "database_engine", "organizations", "documents", "secret_key")} == {
        "ok": True,
        "database_engine": engine,
        "organizations": ["demo"],
        "documents": 2,
        "secret_key": "restored",
    }
    assert restored["migrations_applied"] == []
    assert (b.data_dir / "secret_key").read_bytes() == (a.data_dir / "secret_key").read_bytes()
    assert mode(b.data_dir) == 0o700 and mode(b.data_dir / "secret_key") == 0o600
    assert not [p for p in b.data_dir.iterdir() if p.name.startswith(".restore-")]

    # A stored document downloads through the web app, the very bytes stored before the backup.
    for pk, original in originals.items():
        target = tmp_path / f"download-{pk}.pdf"
        assert b.python(WEB_DOWNLOAD, str(pk), str(target)).strip() == "200"
        assert target.read_bytes() == original

    # The evidence dossier is built again, byte for byte, and its manifest checks.
    after = b.run("dossier", customer, "--as-of", AS_OF, "--out", tmp_path / "after.zip", "--json")
    assert after.returncode == 0, after.stdout + after.stderr
    assert (tmp_path / "after.zip").read_bytes() == (tmp_path / "before.zip").read_bytes()
    assert json.loads(after.stdout)["exhibits"] == json.loads(before.stdout)["exhibits"]
    verified = b.run("dossier", "verify", tmp_path / "after.zip")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # A target that holds an organization is refused, unless --force.
    again = b.run("restore", archive)
    assert again.returncode == 1
    assert again.stdout.startswith(
        "recouvre: refused: the database already holds organizations (demo): restore refused, nothing was changed; "
        "use --force to replace them with the backup\n"
    )
    forced = b.run("restore", archive, "--force", "--json")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert json.loads(forced.stdout)["organizations"] == ["demo"]
    assert b.python(WEB_DOWNLOAD, str(documents[0]["pk"]), str(tmp_path / "again.pdf")).strip() == "200"

    # With RECOUVRE_SECRET_KEY set where it is restored, that key stays in use: the backup's is not written.
    done = c.run("restore", archive, "--json", env=c.env(RECOUVRE_SECRET_KEY="the-key-of-the-new-server-" + "x" * 30))
    assert done.returncode == 0, done.stdout + done.stderr
    restored = json.loads(done.stdout)
    assert restored["secret_key"] == "environment"
    assert restored["notes"] == [
        "RECOUVRE_SECRET_KEY is set and is not the backup's secret key: it stays in use (everyone logs in again); "
        "the backup's key was not written to the data folder"
    ]
    assert not (c.data_dir / "secret_key").exists()

    # A backup made with RECOUVRE_SECRET_KEY set holds no key, and says so.
    keyless = backups / "keyless.tar.gz"
    done = a.run("backup", "--out", keyless, env=a.env(RECOUVRE_SECRET_KEY="the-key-in-use-" + "y" * 40))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The secret key is not in it (it comes from RECOUVRE_SECRET_KEY)" in done.stdout
    with tarfile.open(keyless) as tar:
        assert "secret_key" not in tar.getnames()
        assert json.loads(tar.extractfile("manifest.json").read())["secret_key"] == "environment"  # type: ignore[union-attr]
