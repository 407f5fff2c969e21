"""The link of an event, and what checking a chain finds when one thing in it is changed."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from recouvre.core.chain import GENESIS, Checker, Link, Problem, link_hash, seal


def digest(n: int) -> str:
    return hashlib.sha256(f"event {n}".encode()).hexdigest()


def chain(n: int) -> list[Link]:
    links = seal(0, GENESIS, [digest(i) for i in range(1, n + 1)])
    return [Link(100 + seq, seq, prev, h, digest(seq)) for seq, prev, h in links]


def check(links: list[Link], head: tuple[int, str] | None = None, **kw: object) -> Checker:
    checker = Checker(**kw)  # type: ignore[arg-type]
    for link in links:
        checker.feed(link)
    if head is None:
        head = (links[-1].seq, links[-1].hash) if links else (0, "")
    checker.finish(*head)
    return checker


def test_a_link_is_the_sha256_of_the_previous_link_the_digest_and_the_number_written_one_after_the_other() -> None:
    d = "ab" * 32
    assert link_hash(GENESIS, d, 1) == hashlib.sha256(("0" * 64 + d + "1").encode()).hexdigest()
    first, second = seal(0, GENESIS, [d, d])
    assert first == (1, GENESIS, link_hash(GENESIS, d, 1))
    assert second == (2, first[2], link_hash(first[2], d, 2))
    # sealing continues after a head: the same links as sealing everything at once
    assert seal(1, first[2], [d]) == [second]


def test_an_intact_chain_and_an_empty_one() -> None:
    assert check(chain(5)).intact
    assert check([]).intact


def test_a_deleted_event_is_named_at_the_event_after_the_gap() -> None:
    links = chain(6)
    del links[2]  # no. 3
    result = check(links)
    (b,) = result.breaks
    assert (b.problem, b.event_id, b.seq, b.first_missing, b.last_missing) == (Problem.MISSING, 104, 4, 3, 3)


def test_the_last_events_deleted_are_found_by_the_head() -> None:
    links = chain(6)
    head = (6, links[-1].hash)
    result = check(links[:4], head=head)
    (b,) = result.breaks
    assert (b.problem, b.event_id, b.seq, b.first_missing, b.last_missing) == (Problem.HEAD, None, 6, 5, 6)


def test_two_events_swapped_break_the_link_where_the_order_changes() -> None:
    links = chain(5)
    a, b = links[1], links[2]  # no. 2 and 3 exchange their numbers
    links[1] = Link(b.event_id, 2, b.prev_hash, b.hash, b.digest)
    links[2] = Link(a.event_id, 3, a.prev_hash, a.hash, a.digest)
    result = check(links)
    assert [(x.problem, x.event_id) for x in result.breaks][:2] == [(Problem.LINK, 103), (Problem.HASH, 103)]


def test_a_changed_content_is_tampering_unless_anonymised() -> None:
    links = chain(3)
    changed = Link(**{**links[1].__dict__, "content_ok": False})
    result = check([links[0], changed, links[2]])
    assert not result.breaks and [(t.problem, t.event_id) for t in result.tampered] == [(Problem.CONTENT, 102)]
    anonymised = Link(**{**links[1].__dict__, "content_ok": False, "anonymised": True})
    result = check([links[0], anonymised, links[2]])
    assert result.intact and result.anonymised == 1


def test_a_link_noted_elsewhere_must_still_be_there() -> None:
    links = chain(4)
    assert check(links, expect={2: links[1].hash}).intact
    result = check(links, expect={2: "f" * 64, 9: "e" * 64})
    assert [(b.problem, b.seq, bool(b.found)) for b in result.breaks] == [
        (Problem.EXPECTED, 2, True),
        (Problem.EXPECTED, 9, False),
    ]


@given(
    size=st.integers(min_value=1, max_value=12),
    data=st.data(),
)
def test_any_one_stored_value_changed_is_found(size: int, data: st.DataObject) -> None:
    """Whatever value of whichever event is changed (its number, either link or its digest), the check fails."""
    links = chain(size)
    i = data.draw(st.integers(min_value=0, max_value=size - 1))
    what = data.draw(st.sampled_from(["seq", "prev_hash", "hash", "digest"]))
    fields = dict(links[i].__dict__)
    if what == "seq":
        fields["seq"] = data.draw(st.integers(min_value=0, max_value=50).filter(lambda s: s != links[i].seq))
    else:
        hexadecimal = st.text("0123456789abcdef", min_size=64, max_size=64)
        fields[what] = data.draw(hexadecimal.filter(lambda v: v != fields[what]))
    changed = [*links[:i], Link(**fields), *links[i + 1 :]]
    changed.sort(key=lambda link: link.seq)
    original_head = (links[-1].seq, links[-1].hash)
    assert not check(changed, head=original_head).intact
