from __future__ import annotations

import pytest

from recouvre.core.envparse import env_seconds
from recouvre.core.headers import is_single_line, one_line


@pytest.mark.parametrize(
    ("text", "single", "cleaned"),
    [
        ("ACME Crédit – Relances", True, "ACME Crédit – Relances"),
        ("ACME\u00a0SAS", True, "ACME\u00a0SAS"),  # a no-break space is a space, not a break
        ("ACME\r\nBcc: boss@evil.example", False, "ACME Bcc: boss@evil.example"),
        ("ACME \n\n Credit", False, "ACME Credit"),
        ("ACME\tCredit", False, "ACME Credit"),
        ("ACME\u2028Credit\u2029", False, "ACME Credit"),
        ("\x00ACME\x7f\x85", False, "ACME"),
        ("", True, ""),
    ],
)
def test_header_text_on_one_line(text: str, single: bool, cleaned: str) -> None:
    assert is_single_line(text) is single
    assert one_line(text) == cleaned


def test_seconds_from_the_environment() -> None:
    assert env_seconds(None, name="X", default=20) == 20
    assert env_seconds(" ", name="X", default=20) == 20
    assert env_seconds("2.5", name="X", default=20) == 2.5
    for wrong in ("0", "-1", "abc", "inf", "nan"):
        with pytest.raises(ValueError) as refused:
            env_seconds(wrong, name="RECOUVRE_SMTP_TIMEOUT", default=20)
        assert str(refused.value) == f"RECOUVRE_SMTP_TIMEOUT: not a number of seconds above 0: {wrong!r}"
