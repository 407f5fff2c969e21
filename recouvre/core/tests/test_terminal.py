"""Names from outside shown safely on a terminal: what the name holds, never an instruction to the terminal."""

from __future__ import annotations

import os

from recouvre.core.terminal import shown


def test_plain_names_are_shown_as_they_are():
    assert shown("Facture FA-2025-001.pdf") == "Facture FA-2025-001.pdf"
    assert shown("Relevé n° 12 – Société Générale.pdf") == "Relevé n° 12 – Société Générale.pdf"
    assert shown("Facture\u00a0FA-1.pdf") == "Facture\u00a0FA-1.pdf"  # a no-break space prints as a space


def test_control_characters_and_escape_sequences_are_escaped():
    assert shown("\x1b[2J\x1b[Hfacture.pdf") == "\\x1b[2J\\x1b[Hfacture.pdf"
    assert shown("\x1b]0;pwned\x07.pdf") == "\\x1b]0;pwned\\x07.pdf"
    assert shown("ligne\nsuivante\r\tfin") == "ligne\\nsuivante\\r\\tfin"
    assert shown("\x9b31m.pdf") == "\\x9b31m.pdf"  # the one-byte CSI of C1 controls
    assert shown("\x7f") == "\\x7f"


def test_bidirectional_overrides_and_invisible_characters_are_escaped():
    assert shown("facture\u202efdp.exe") == "facture\\u202efdp.exe"
    assert shown("a\u200bb\u2028c") == "a\\u200bb\\u2028c"
    assert shown("\U000e0041") == "\\U000e0041"  # a tag character, invisible


def test_bytes_that_are_not_utf8_are_shown_as_bytes():
    assert shown(os.fsdecode(b"relev\xe9.pdf")) == "relev\\xe9.pdf"


def test_a_backslash_is_doubled_so_that_what_is_shown_is_unambiguous():
    assert shown("a\\x1b.pdf") == "a\\\\x1b.pdf"
    assert shown("a\\x1b.pdf") != shown("a\x1b.pdf")
