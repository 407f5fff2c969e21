"""@mentions in a note: ``@username`` or ``@"Full Name"``. Pure: finding them, and cutting a text into plain and
mentioned parts once the caller has said which mentions name someone (``recouvre.notes``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# ``@"Full Name"`` (no quote or line break inside), or ``@username`` with Django's user name characters, not
# preceded by one of them (so ``compta@dupont.fr`` is an address, not a mention).
_MENTION = re.compile(r'(?<![\w.@+-])@(?:"([^"\n]{1,150})"|([\w.@+-]{1,150}))')


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    value: str  # the user name or the full name, as written
    quoted: bool  # written ``@"Full Name"``


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    user_id: int | None = None  # the member mentioned, None for plain text


def find(text: str) -> list[Mention]:
    """The mentions written in ``text``, in order. A user name's trailing dots are punctuation (``@claire.``)."""
    out = []
    for m in _MENTION.finditer(text):
        if m.group(1) is not None:
            value = m.group(1).strip()
            if value:
                out.append(Mention(m.start(), m.end(), value, True))
            continue
        value = m.group(2).rstrip(".")
        if value:
            out.append(Mention(m.start(), m.start() + 1 + len(value), value, False))
    return out


def split(text: str, resolve: Callable[[Mention], int | None]) -> list[Segment]:
    """``text`` cut into plain parts and mentions of someone (``resolve`` gives the user's id, or None: an unknown
    name stays plain text). Joining the parts' texts gives ``text`` back."""
    out: list[Segment] = []
    pos = 0
    for mention in find(text):
        user_id = resolve(mention)
        if user_id is None:
            continue
        if mention.start > pos:
            out.append(Segment(text[pos : mention.start]))
        out.append(Segment(text[mention.start : mention.end], user_id))
        pos = mention.end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out
