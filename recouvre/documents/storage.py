"""Where the content of documents lives: files under ``MEDIA_ROOT``, named by organization and content.

``documents/<organization id>/<first two hex digits>/<sha256>.<pdf|png|jpg>``: the same content of the same
organization is stored once, whatever its name and however many documents point at it, and a file, once in
place, is never written again (the final name is taken with a hard link, which fails rather than replace an
existing file) nor deleted, except by the purge of personal data (``recouvre.privacy.services``) once no document
points at it.

An incoming file is first copied to a temporary file beside its final place while its SHA-256 and size are
computed and its first bytes are checked (``spool``); it is moved into place only when the document is recorded
(``keep``). A refused file leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _

from .models import JPEG, PDF, PNG

CHUNK = 1024 * 1024
HEAD = 1024  # a PDF header may follow a few bytes of junk: readers look for it in the first kilobyte
_EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}
_NAMES = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG"}


class DocumentRefused(Exception):
    """The file cannot be put on file; ``str()`` says why, in the reader's language."""


class DocumentMissing(Exception):
    """The file of a document is no longer on disk, or no longer has the content recorded."""


def sniff(head: bytes) -> str | None:
    """The content type told by the first bytes of a file (not by its name): PDF, PNG, JPEG, or ``None``."""
    if b"%PDF-" in head[:HEAD]:
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def describe_types(content_types: Iterable[str]) -> str:
    names = [_NAMES[t] for t in content_types]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " " + _("or") + " " + names[-1]


def format_megabytes(size: int) -> str:
    mb = size / (1024 * 1024)
    return f"{mb:.0f}" if mb == int(mb) else f"{mb:.1f}"


@dataclass
class Spooled:
    """An incoming file copied aside, with what was learnt while copying it."""

    organization_id: int
    path: Path
    sha256: str
    size: int
    content_type: str

    @property
    def relative_path(self) -> str:
        return relative_path(self.organization_id, self.sha256, self.content_type)


def root() -> Path:
    return Path(settings.MEDIA_ROOT)


def relative_path(organization_id: int, sha256: str, content_type: str) -> str:
    return f"documents/{organization_id}/{sha256[:2]}/{sha256}{_EXTENSIONS[content_type]}"


def absolute_path(relative: str) -> Path:
    return root() / relative


def _chunks(content: bytes | BinaryIO | Any) -> Iterator[bytes]:
    if isinstance(content, bytes | bytearray):
        yield bytes(content)
        return
    if hasattr(content, "chunks"):  # a Django UploadedFile
        yield from content.chunks(CHUNK)
        return
    while chunk := content.read(CHUNK):
        yield chunk


def spool(content: bytes | BinaryIO | Any, *, organization_id: int, accepted: tuple[str, ...], limit: int) -> Spooled:
    """Copy ``content`` (bytes, a binary file or an uploaded file) aside, refusing an empty file, a file larger
    than ``limit`` bytes, or one whose first bytes are not of an ``accepted`` content type."""
    folder = root() / "documents" / str(organization_id)
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".incoming-", dir=folder)
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(content):
                size += len(chunk)
                if size > limit:
                    raise DocumentRefused(
                        _("the file is larger than the %(limit)s MB allowed") % {"limit": format_megabytes(limit)}
                    )
                if len(head) < HEAD:
                    head += chunk[: HEAD - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise DocumentRefused(_("the file is empty"))
        content_type = sniff(head)
        if content_type not in accepted:
            raise DocumentRefused(
                _("not a %(types)s file (its content says otherwise, whatever its name)")
                % {"types": describe_types(accepted)}
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Spooled(organization_id, path, digest.hexdigest(), size, content_type)


def keep(spooled: Spooled) -> str:
    """Move the spooled file to its content-addressed place (unless the same content is already there) and
    return its path relative to ``MEDIA_ROOT``."""
    relative = spooled.relative_path
    final = absolute_path(relative)
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(spooled.path, final)  # fails if the name is taken: an existing file is never replaced
    except FileExistsError:
        if _sha256_of(final) != spooled.sha256:  # a damaged copy: keep it for inspection, store beside it
            final = final.with_name(f"{final.stem}.{secrets.token_hex(4)}{final.suffix}")
            os.link(spooled.path, final)
            relative = str(final.relative_to(root()))
    finally:
        discard(spooled)
    return relative


def discard(spooled: Spooled) -> None:
    with contextlib.suppress(FileNotFoundError):
        spooled.path.unlink()


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_bytes(relative: str, sha256: str) -> bytes:
    """The content stored at ``relative``, checked against its recorded SHA-256."""
    try:
        data = absolute_path(relative).read_bytes()
    except OSError as exc:
        raise DocumentMissing(
            _("the file %(path)s cannot be read: %(error)s") % {"path": relative, "error": exc}
        ) from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DocumentMissing(_("the file %(path)s no longer has the content recorded") % {"path": relative})
    return data
