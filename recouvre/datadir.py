"""The data folder kept private: its permissions, and the secret key created safely.

Everything in the data folder (``RECOUVRE_DATA_DIR``) belongs to the user who runs Recouvre and no one else: the
SQLite database holds password hashes and sessions, the stored documents are customers' invoices and contracts,
``secret_key`` signs sessions. ``settings`` calls ``make_private`` at start-up, before anything is written:

- the process umask becomes 077: every file Recouvre creates from then on is 0600 and every folder 0700
  (the SQLite database's ``-wal`` and ``-shm`` files take the database file's permissions);
- the data folder is set to 0700, each entry directly in it to 0600 (a file) or 0700 (a folder), and so are the
  SQLite database and its ``-wal`` and ``-shm`` files when they live elsewhere;
- once, the first time (when the ``.permissions-private`` marker is not in the data folder yet), the whole tree is
  walked and fixed the same way, then the marker is written. Afterwards only the top level is checked, a few
  ``stat`` calls: a folder that is 0700 keeps everything below it out of other users' reach, so start-up does not
  grow with the number of stored documents.

Symbolic links are neither followed nor changed. An entry whose permissions cannot be changed (it belongs to
another user) is reported, and the one-time walk is tried again at the next start.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
DIR_MODE = 0o700
MARKER = ".permissions-private"


class SecretKeyError(Exception):
    """The stored secret key cannot be used; ``str()`` says why and what to do."""


def restrict_umask() -> None:
    """Files and folders created by this process from now on are the owner's only."""
    os.umask(PRIVATE_UMASK)


def _restrict(path: Path, st: os.stat_result) -> str | None:
    """Give ``path`` (described by its ``lstat``) its private mode; a problem as text, or ``None``."""
    if stat.S_ISDIR(st.st_mode):
        wanted = DIR_MODE
    elif stat.S_ISREG(st.st_mode):
        wanted = FILE_MODE
    else:  # symbolic links (never followed), sockets, pipes: left alone
        return None
    if stat.S_IMODE(st.st_mode) == wanted:
        return None
    try:
        os.chmod(path, wanted)
    except OSError as exc:
        return f"cannot make {path} private ({oct(wanted)[2:]}): {exc.strerror or exc}"
    return None


def _walk(folder: Path, problems: list[str]) -> None:
    """Restrict every entry below ``folder`` (already private), without following symbolic links."""
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        problems.append(f"cannot read {folder}: {exc.strerror or exc}")
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:  # removed meanwhile
            continue
        problem = _restrict(path, st)
        if problem:
            problems.append(problem)
        elif stat.S_ISDIR(st.st_mode):
            _walk(path, problems)


def make_private(data_dir: Path, *, files: Iterable[Path] = ()) -> list[str]:
    """Create ``data_dir`` if needed and make it and what it holds private (see the module), together with
    ``files`` (the SQLite database and its companions, wherever they are) when they exist. Returns the problems
    met, as text (an empty list when all is well)."""
    restrict_umask()
    data_dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    problems: list[str] = []
    problem = _restrict(data_dir, data_dir.lstat())
    if problem:
        problems.append(problem)
    marker = data_dir / MARKER
    if marker.exists():
        for entry in os.scandir(data_dir):
            with contextlib.suppress(FileNotFoundError):
                problem = _restrict(Path(entry.path), entry.stat(follow_symlinks=False))
                if problem:
                    problems.append(problem)
    else:
        _walk(data_dir, problems)
    for path in files:
        with contextlib.suppress(FileNotFoundError):
            problem = _restrict(path, path.lstat())
            if problem:
                problems.append(problem)
    if not problems and not marker.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    return problems


def write_private_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path``, which must not exist yet, created 0600 at once (never readable by others,
    not even for a moment)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # whatever the umask
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def secret_key(path: Path) -> str:
    """The secret key stored in ``path``, created there the first time.

    The new key is written to a file of its own, created 0600, then given its final name with a hard link, which
    fails when the name is taken: when two processes start together on a fresh data folder, one key wins and both
    use it; no process ever reads a file half written.
    """
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        key = None
    if key is None:
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        write_private_file(candidate, secrets.token_urlsafe(50).encode())
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another process made one first: use it
        finally:
            candidate.unlink()
        key = path.read_text().strip()
    if not key:
        raise SecretKeyError(
            f"{path} is empty: remove it to have a new secret key made (everyone will have to log in again), "
            "or set RECOUVRE_SECRET_KEY"
        )
    return key
