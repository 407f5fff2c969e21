"""The data folder is private: 0700, its files 0600, whatever the umask Recouvre is started with; loose permissions
left by an earlier version are fixed at start-up; the secret key is never readable by others, and two processes
starting together on a fresh folder agree on one key; static files for a proxy live outside the data folder."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

RECOUVRE = Path(sys.executable).with_name("recouvre")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOUVRE_")}
    env.update(RECOUVRE_DATA_DIR=str(data_dir), RECOUVRE_LANGUAGE="en", **extra)
    return env


def recouvre(data_dir: Path, *args: str, umask: int = 0o022, **extra: str) -> subprocess.CompletedProcess[str]:
    """The ``recouvre`` command in a fresh process started with ``umask`` (a usual login's 022 by default), on a
    SQLite database in ``data_dir``."""
    return subprocess.run(
        [str(RECOUVRE), *args],
        env=env_for(data_dir, **extra),
        capture_output=True,
        text=True,
        timeout=300,
        umask=umask,
    )


def tree_modes(root: Path) -> dict[str, int]:
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            out[str(path.relative_to(root))] = mode(path)
    return out


def test_the_process_umask_is_private():
    from django.conf import settings

    settings.DATA_DIR  # noqa: B018 - the settings are loaded
    current = os.umask(0o077)
    os.umask(current)
    assert current == 0o077


@pytest.fixture
def open_parent():  # type: ignore[no-untyped-def]
    """A folder every local user may enter (like /srv or a home folder), to put a data folder in."""
    folder = Path(tempfile.mkdtemp(prefix="recouvre-perm-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_fresh_data_folder_its_database_and_stored_documents_are_private(tmp_path, open_parent, pdf_file):
    data = open_parent / "var"
    done = recouvre(data, "org", "create", "acme", "--name", "ACME SAS")
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "factures"
    folder.mkdir()
    (folder / "F-1.pdf").write_bytes(pdf_file)
    invoices = tmp_path / "invoices.csv"
    invoices.write_text(
        "number,customer_ref,customer_name,issued_on,due_on,total\nF-1,411A,Client A,2026-01-05,2026-02-05,120.00\n"
    )
    done = recouvre(data, "import", "invoices", str(invoices), "--create-customers")
    assert done.returncode == 0, done.stdout + done.stderr
    done = recouvre(data, "documents", "import", str(folder), "--json")
    assert done.returncode == 0, done.stdout + done.stderr

    assert mode(data) == 0o700
    for name in ("recouvre.sqlite3", "secret_key"):
        assert mode(data / name) == 0o600, name
    for name in ("recouvre.sqlite3-wal", "recouvre.sqlite3-shm"):
        if (data / name).exists():
            assert mode(data / name) == 0o600, name
    stored = tree_modes(data / "media")
    assert any(p.endswith(".pdf") for p in stored)
    assert stored == {p: 0o600 if p.endswith(".pdf") else 0o700 for p in stored}
    assert (data / "static").exists() is False  # static files are not kept in the data folder

    if os.geteuid() == 0:  # run as root: check for real that another local user reads nothing
        for target in (data / "recouvre.sqlite3", data / "secret_key"):
            probe = subprocess.run(
                ["head", "-c", "1", str(target)], user=65534, group=65534, capture_output=True, text=True
            )
            assert probe.returncode != 0 and "Permission denied" in probe.stderr, target


def test_loose_permissions_left_by_an_earlier_version_are_fixed_at_start_up(tmp_path):
    data = tmp_path / "var"
    documents = data / "media" / "documents" / "1" / "ab"
    documents.mkdir(parents=True)
    (data / "uploads").mkdir()
    (data / "outbox").mkdir()
    files = {
        "secret_key": b"an-old-key-written-then-chmoded",
        "media/documents/1/ab/ab12.pdf": b"%PDF-1.7 stored",
        "uploads/3f2a.csv": b"number,total\n",
        "outbox/20260105-1.log": b"Subject: Relance\n",
    }
    for name, content in files.items():
        (data / name).write_bytes(content)
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("not Recouvre's")
    (data / "link-to-elsewhere").symlink_to(outside)
    for path in [data, *data.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    outside.chmod(0o644)

    done = recouvre(data, "org", "list", "--json")
    assert (done.returncode, done.stderr) == (0, "")

    assert mode(data) == 0o700
    modes = tree_modes(data)
    expected_files = {*files, "recouvre.sqlite3", ".permissions-private"}
    for name, value in modes.items():
        if name == "link-to-elsewhere":
            continue
        if name in expected_files or name.startswith("recouvre.sqlite3"):
            assert value == 0o600, name
        else:
            assert value == 0o700, name
    assert mode(outside) == 0o644  # a symbolic link is not followed
    assert (data / "secret_key").read_bytes() == files["secret_key"]  # the key in use is kept

    # Once done (the marker is there), a start-up only checks the top level: a few stat calls, however many
    # documents. Everything below a private folder is out of other users' reach anyway.
    (data / "media/documents/1/ab/ab12.pdf").chmod(0o644)
    (data / "secret_key").chmod(0o644)
    (data / "media").chmod(0o755)
    done = recouvre(data, "org", "list", "--json")
    assert done.returncode == 0
    assert (mode(data / "secret_key"), mode(data / "media")) == (0o600, 0o700)
    assert mode(data / "media/documents/1/ab/ab12.pdf") == 0o644  # below a private folder: left as it is


def test_the_secret_key_is_created_private_and_one_key_wins_when_processes_start_together(tmp_path):
    data = tmp_path / "var"
    data.mkdir(mode=0o700)
    start_at = time.time() + 2.0
    script = (
        "import os, sys, time\n"
        f"time.sleep(max(0, {start_at} - time.time()))\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'recouvre.settings'\n"
        "from django.conf import settings\n"
        "print(settings.SECRET_KEY)\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env=env_for(data),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            umask=0,  # even with nothing masked, the key is never readable by others
        )
        for _ in range(6)
    ]
    keys = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        keys.append(out.strip())
    assert len(set(keys)) == 1 and len(keys[0]) >= 50
    assert (data / "secret_key").read_text() == keys[0]
    assert mode(data / "secret_key") == 0o600
    assert sorted(p.name for p in data.iterdir() if "secret_key" in p.name) == ["secret_key"]  # no leftover


def test_an_empty_secret_key_file_is_a_clear_error(tmp_path):
    data = tmp_path / "var"
    data.mkdir()
    (data / "secret_key").write_text("")
    done = recouvre(data, "org", "list")
    assert done.returncode == 2
    assert done.stderr.startswith(f"recouvre: error: {data / 'secret_key'} is empty: remove it")
    assert "Traceback" not in done.stderr


def test_static_files_for_a_proxy_are_collected_outside_the_data_folder_readable_by_all(tmp_path):
    from django.conf import settings

    assert settings.STATIC_ROOT is None or not Path(settings.STATIC_ROOT).is_relative_to(settings.DATA_DIR)

    data, static = tmp_path / "var", tmp_path / "static"
    manage = Path(__file__).resolve().parent.parent / "manage.py"
    done = subprocess.run(
        [sys.executable, str(manage), "collectstatic", "--noinput", "-v0"],
        env=env_for(data, RECOUVRE_STATIC_ROOT=str(static)),
        capture_output=True,
        text=True,
        timeout=300,
        umask=0o022,
    )
    assert done.returncode == 0, done.stderr
    collected = tree_modes(static)
    assert collected and all(
        value == (0o755 if (static / name).is_dir() else 0o644) for name, value in collected.items()
    )
    assert mode(static) == 0o755
    assert mode(data) == 0o700

    inside = recouvre(data, "org", "list", RECOUVRE_STATIC_ROOT=str(data / "static"))
    assert inside.returncode == 2
    assert "RECOUVRE_STATIC_ROOT" in inside.stderr and "inside the data folder" in inside.stderr
    assert "Traceback" not in inside.stderr


@pytest.fixture
def pdf_file() -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string="<h1>Facture F-1</h1>").write_pdf())
