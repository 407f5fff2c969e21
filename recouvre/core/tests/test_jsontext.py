"""The JSON encoders made once write what ``json.dumps`` writes with the same settings."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from recouvre.core.jsontext import encoder

VALUES = [
    {"entry": 12, "amount": "1234.50", "payer": "Société Générale d'Études", "note": 'a "quoted"\nline\u2028'},
    {"z": [{"b": 2, "a": 1}], "a": {"empty": {}, "list": [], "none": None, "false": False}, "big": 1e100, "n": -2.5},
    {"emoji": "\U0001f600", "tab": "\t", "nul": "\x00"},
    [],
    {},
    "plain text, é",
    42,
]


def test_the_default_encoder_writes_what_json_dumps_writes() -> None:
    encode = encoder()
    for value in VALUES:
        assert encode(value) == json.dumps(value)


def test_the_canonical_encoder_writes_what_json_dumps_writes_with_the_same_settings() -> None:
    settings = {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False, "default": str}
    encode = encoder(**settings)  # type: ignore[arg-type]
    for value in [*VALUES, {"amount": Decimal("10.50"), "on": date(2026, 12, 7)}]:
        assert encode(value) == json.dumps(value, **settings)  # type: ignore[arg-type]
    assert encode({"b": "é", "a": Decimal("1.50")}) == '{"a":"1.50","b":"é"}'
