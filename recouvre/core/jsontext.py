"""JSON text as ``json.JSONEncoder(...).encode`` writes it, the encoder set up once.

The standard encoder sets up its C encoder again for every value it writes, which costs as much as writing a small
object; the timeline's events, the suggestions and the digests of a large import are hundreds of thousands of small
objects. ``encoder`` makes the C encoder once (without the check for circular references: these values are plain
data), checks that it writes the same text as the standard one, and otherwise gives the standard one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

_SAMPLES: tuple[Any, ...] = (
    {"b": [1, -2.5, None, True, False, '\u00e9\n"\u2028\U0001f600'], "a": {"c": {}, "d": []}, "e": 1e100, "f": ""},
    "x\u00e9",
    [],
    12,
)


def encoder(
    *,
    sort_keys: bool = False,
    separators: tuple[str, str] = (", ", ": "),
    ensure_ascii: bool = True,
    default: Callable[[Any], Any] | None = None,
) -> Callable[[Any], str]:
    """What ``json.JSONEncoder(sort_keys=..., separators=..., ensure_ascii=..., default=...).encode`` writes."""
    standard = json.JSONEncoder(sort_keys=sort_keys, separators=separators, ensure_ascii=ensure_ascii, default=default)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return standard.encode
    strings = json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring
    try:
        key_separator, item_separator = standard.key_separator, standard.item_separator
        chunks = make(None, standard.default, strings, None, key_separator, item_separator, sort_keys, False, True)
    except TypeError:  # another signature in another version of Python
        return standard.encode
    join = "".join

    def encode(value: Any) -> str:
        return join(chunks(value, 0))

    try:
        same = all(encode(sample) == standard.encode(sample) for sample in _SAMPLES)
    except Exception:  # noqa: BLE001 - any failure: the standard encoder
        same = False
    return encode if same else standard.encode
