"""Text put as it is into an e-mail header (a sender's display name): one line, no control character.

A line break in a header value would end the header and start another one; the mail library refuses such a value,
so a sender name holding one would make every message of its organization fail. ``is_single_line`` is the check
made where the value is typed; ``one_line`` is what sending does with a value stored before that check existed."""

from __future__ import annotations

import re

# C0 and C1 control characters (CR, LF, tab, NUL...), DEL, and the Unicode line and paragraph separators.
_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BREAKING_RUN = re.compile(r"\s*[\x00-\x1f\x7f-\x9f\u2028\u2029][\s\x00-\x1f\x7f-\x9f\u2028\u2029]*")


def is_single_line(text: str) -> bool:
    """True when ``text`` holds no line break and no other control character."""
    return _BREAKING.search(text) is None


def one_line(text: str) -> str:
    """``text`` with each run of line breaks and control characters (and the spaces around it) made one space."""
    return _BREAKING_RUN.sub(" ", text).strip()
