"""ZIP files that come from outside (an XLSX workbook to import, a dossier to verify), checked before they are read.

``zipfile`` reads the whole central directory when it opens a file, whatever its size, and inflates a member as
far as its stated size. So the checks come in two steps:

- ``directory_size``: from the end record alone, how many members the archive says it holds and how large its
  central directory is, so that an archive of millions of members is refused before it is opened;
- ``member_problem``: for one member, why it cannot be read safely (encrypted, an unknown compression method,
  larger than a limit), or ``None``.

A member is then read through ``zipfile``, which never inflates more than the member's stated size and checks
its CRC at the end: the stated sizes are an upper bound of what reading can cost.

Pure Python: no Django.
"""

from __future__ import annotations

import struct
import zipfile
from typing import BinaryIO

from .i18n import _
from .sizes import human_size

_END = b"PK\x05\x06"
_END_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_LOCATOR_SIZE = 20
_ZIP64_END = b"PK\x06\x06"
_ZIP64_END_SIZE = 56
_MAX_COMMENT = 0xFFFF

#: Compression methods ``zipfile`` can read.
READABLE_METHODS = frozenset(
    m
    for m in (
        zipfile.ZIP_STORED,
        zipfile.ZIP_DEFLATED,
        zipfile.ZIP_BZIP2,
        zipfile.ZIP_LZMA,
        getattr(zipfile, "ZIP_ZSTANDARD", None),
    )
    if m is not None
)


class ArchiveError(ValueError):
    """The file is not a ZIP archive that can be read; the message says why, for a person."""


def directory_size(fh: BinaryIO) -> tuple[int, int]:
    """``(members, central directory bytes)`` as the archive's end record states them (ZIP64 included). Raises
    ``ArchiveError`` when there is no end record: the file is not a ZIP archive, or it is cut short."""
    fh.seek(0, 2)
    size = fh.tell()
    start = max(0, size - _END_SIZE - _MAX_COMMENT)
    fh.seek(start)
    tail = fh.read()
    at = tail.rfind(_END)
    if at < 0 or len(tail) - at < _END_SIZE:
        raise ArchiveError(_("not a ZIP archive, or cut short (no end of central directory)"))
    members, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
    if members == 0xFFFF or directory == 0xFFFFFFFF:
        locator_at = start + at - _ZIP64_LOCATOR_SIZE
        if locator_at >= 0:
            fh.seek(locator_at)
            locator = fh.read(_ZIP64_LOCATOR_SIZE)
            if locator[:4] == _ZIP64_LOCATOR:
                (end64_at,) = struct.unpack("<Q", locator[8:16])
                fh.seek(end64_at)
                end64 = fh.read(_ZIP64_END_SIZE)
                if len(end64) == _ZIP64_END_SIZE and end64[:4] == _ZIP64_END:
                    members, directory = struct.unpack("<QQ", end64[32:48])
    return members, directory


def check_directory(fh: BinaryIO, *, max_members: int) -> None:
    """Refuse (``ArchiveError``) an archive stating more than ``max_members`` members, or a central directory
    larger than such a number of members can need."""
    members, directory = directory_size(fh)
    # a directory entry is 46 bytes and a name, a comment and extra fields of up to 64 KiB each; 1 KiB a member
    # is far more than any real archive uses
    if members > max_members or directory > max_members * 1024:
        raise ArchiveError(
            _("the archive holds %(count)s members or more; at most %(limit)s are read")
            % {"count": max(members, directory // 1024), "limit": max_members}
        )


def member_problem(info: zipfile.ZipInfo, *, max_bytes: int | None = None) -> str | None:
    """Why the member ``info`` cannot be read safely, for a person, or ``None``."""
    if info.flag_bits & 0x1:
        return _("encrypted: a password-protected member cannot be read")
    if info.compress_type not in READABLE_METHODS:
        return _("compressed with an unknown method (%(method)s)") % {"method": info.compress_type}
    if max_bytes is not None and info.file_size > max_bytes:
        return _("%(size)s once uncompressed, more than the %(limit)s accepted") % {
            "size": human_size(info.file_size),
            "limit": human_size(max_bytes),
        }
    return None
