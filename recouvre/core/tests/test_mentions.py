from recouvre.core.mentions import Segment, find, split


def test_user_names_and_quoted_full_names_are_found_and_addresses_are_not() -> None:
    text = 'Ask @claire. Then @"Paul  Durand", and write to compta@dupont.fr or @nobody'
    assert [(m.value, m.quoted) for m in find(text)] == [("claire", False), ("Paul  Durand", True), ("nobody", False)]
    mention = find(text)[0]
    assert text[mention.start : mention.end] == "@claire"


def test_split_keeps_the_text_and_leaves_unknown_names_plain() -> None:
    text = "<b>@claire</b> and @ghost"
    parts = split(text, lambda m: 7 if m.value == "claire" else None)
    assert parts == [Segment("<b>"), Segment("@claire", 7), Segment("</b> and @ghost")]
    assert "".join(p.text for p in parts) == text
