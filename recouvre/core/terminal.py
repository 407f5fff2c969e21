"""Text from outside (file names, mostly) shown safely on a terminal.

A file name may hold anything but ``/`` and NUL: escape sequences that move the cursor, change the title or clear the
screen, carriage returns that overwrite the line, bidirectional overrides that reverse what follows, bytes that are
not UTF-8. ``shown`` writes every such character the way Python's ``repr`` does (``\\x1b``, ``\\n``, ``\\u202e``;
a byte that is not UTF-8 as ``\\xff``), and a backslash as ``\\\\``, so what is printed is what the name holds,
never an instruction to the terminal.
"""

from __future__ import annotations

import unicodedata

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\"}
# control, format (bidirectional overrides...), surrogate, private use, unassigned; line and paragraph separators
_UNSAFE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def _escaped(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by the file system encoding's surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def shown(text: str) -> str:
    """``text`` with its non-printable characters escaped (see the module)."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(_escaped(ch) if ch in _NAMED or unicodedata.category(ch) in _UNSAFE else ch for ch in text)
