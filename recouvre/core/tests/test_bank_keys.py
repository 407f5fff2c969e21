"""What every bank file shares: the format detected from the content, the size limit, the totals per currency,
and the stable entry keys that keep a re-imported entry from counting twice."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from recouvre.core.bank import (
    BankFileError,
    ParsedEntry,
    ParsedStatement,
    detect,
    entry_key,
    entry_keys,
    parse,
)
from recouvre.core.tests.test_bank_camt import V2_STATEMENT, document
from recouvre.core.tests.test_bank_cfonb import balance, cfonb, movement
from recouvre.core.tests.test_bank_mt940 import ENVELOPED
from recouvre.core.tests.test_bank_ofx import SGML

IBAN = "FR7630003012340123456789057"


def statement(*entries: ParsedEntry, iban: str = IBAN, account_id: str = "") -> ParsedStatement:
    return ParsedStatement(
        account_id=account_id or iban, account_iban=iban, account_number="", currency="EUR", entries=entries
    )


def entry(amount: str, text: str = "VIR ACME", reference: str = "", day: date = date(2024, 1, 5)) -> ParsedEntry:
    return ParsedEntry(
        booking_date=day, value_date=None, amount=Decimal(amount), currency="EUR", bank_reference=reference, text=text
    )


def test_the_key_is_the_documented_digest() -> None:
    with_reference = entry("1234.550", reference="B24010500001")
    assert (
        entry_key(statement(with_reference), with_reference, 0)
        == hashlib.sha256(
            f"1\x1fref\x1f{IBAN}\x1fEUR\x1fB24010500001\x1f2024-01-05\x1fC\x1f1234.55\x1f0".encode()
        ).hexdigest()
    )
    without = entry("-15.00", text="  FRAIS   TENUE DE COMPTE ")
    assert (
        entry_key(statement(without), without, 2)
        == hashlib.sha256(
            f"1\x1ftxt\x1f{IBAN}\x1fEUR\x1f2024-01-05\x1fD\x1f15\x1fFRAIS TENUE DE COMPTE\x1f2".encode()
        ).hexdigest()
    )


def test_what_changes_the_key_and_what_does_not() -> None:
    base = entry("8.85")
    key = entry_key(statement(base), base, 0)
    same = [
        entry("8.850"),  # trailing zeros
        entry("8.85", text=" VIR   ACME "),  # spacing
    ]
    for other in same:
        assert entry_key(statement(other), other, 0) == key
    assert entry_key(statement(base, iban="", account_id="fr76 3000 3012 3401 2345 6789 057"), base, 0) == key
    different = [
        entry("-8.85"),  # the sign
        entry("8.86"),
        entry("8.85", text="VIR ACME 2"),
        entry("8.85", day=date(2024, 1, 6)),
        replace(base, currency="CHF"),
        entry("8.85", reference="B1"),  # a bank reference keys the entry instead of its text
    ]
    for other in different:
        assert entry_key(statement(other), other, 0) != key
    assert entry_key(statement(base), base, 1) != key
    assert entry_key(statement(base, iban="FR1420041010050500013M02606"), base, 0) != key


def test_identical_entries_of_a_statement_are_numbered() -> None:
    fee = entry("-15.00", text="FRAIS")
    other = entry("-20.00", text="FRAIS")
    keys = entry_keys(statement(fee, other, fee, fee))
    assert len(set(keys)) == 4
    st = statement(fee, other, fee, fee)
    assert keys == [
        entry_key(st, fee, 0),
        entry_key(st, other, 0),
        entry_key(st, fee, 1),
        entry_key(st, fee, 2),
    ]


def test_a_file_read_twice_gives_the_same_keys() -> None:
    for content in (cfonb(*_DAY_ONE), ENVELOPED.encode(), SGML.encode(), document("02", V2_STATEMENT)):
        first, second = parse(content), parse(content)
        assert [entry_keys(s) for s in first.statements] == [entry_keys(s) for s in second.statements]


_DAY_ONE = [
    balance("01", "0000000010000{", "040124"),
    movement("0000000001500}", "050124", "FRAIS"),
    movement("0000000001500}", "050124", "FRAIS"),
    movement("0000000012345E", "050124", "VIR ACME"),
    balance("07", "0000000009345E", "050124"),
]


def test_an_overlapping_period_gives_the_same_keys_to_the_same_entries() -> None:
    """The statement of the 5th, then one of the 5th and 6th: the entries of the 5th keep their keys, the two
    identical fees included."""
    two_days = [
        balance("01", "0000000010000{", "040124"),
        *_DAY_ONE[1:4],
        movement("0000000000500}", "060124", "FRAIS"),
        balance("07", "0000000009295E", "060124"),
    ]
    daily = entry_keys(parse(cfonb(*_DAY_ONE)).statements[0])
    longer = entry_keys(parse(cfonb(*two_days)).statements[0])
    assert len(set(daily)) == 3
    assert longer[:3] == daily
    assert longer[3] not in daily


def test_totals_per_currency_over_all_statements() -> None:
    content = document(
        "02",
        V2_STATEMENT + V2_STATEMENT.replace('Ccy="EUR"', 'Ccy="CHF"').replace("<Ccy>EUR</Ccy>", "<Ccy>CHF</Ccy>"),
    )
    totals = parse(content).totals()
    assert list(totals) == ["CHF", "EUR"]
    assert {c: (t.entries, t.credits, t.debits) for c, t in totals.items()} == {
        "CHF": (2, Decimal("1234.55"), Decimal("11.04")),
        "EUR": (2, Decimal("1234.55"), Decimal("11.04")),
    }
    assert totals["EUR"].as_dict() == {"entries": 2, "credits": "1234.55", "debits": "11.04"}


def test_every_format_is_detected_from_the_content_alone() -> None:
    assert detect(cfonb(*_DAY_ONE)) == "cfonb120"
    assert detect(ENVELOPED.encode()) == "mt940"
    assert detect(SGML.encode()) == "ofx"
    assert detect(document("08", V2_STATEMENT)) == "camt.053"
    assert detect(b"\xef\xbb\xbf" + document("02", V2_STATEMENT)) == "camt.053"
    assert detect(b"Date;Montant;Libelle\n01/01/2024;1,00;X\n") == "csv"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"  \r\n\t", "the file is empty"),
        (
            b"\x00\x01\x02\x03binary",
            "not a bank statement format Recouvre reads (camt.053, camt.054, CFONB 120, MT940, OFX, or CSV)",
        ),
        (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
            "not a bank statement format Recouvre reads (camt.053, camt.054, CFONB 120, MT940, OFX, or CSV)",
        ),
    ],
)
def test_what_is_no_bank_file_is_refused(content: bytes, message: str) -> None:
    with pytest.raises(BankFileError) as refused:
        parse(content)
    assert (refused.value.line, refused.value.message) == (0, message)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read() -> None:
    content = cfonb(*_DAY_ONE)
    assert parse(content, max_bytes=len(content)).entry_count == 3
    with pytest.raises(BankFileError) as refused:
        parse(content, max_bytes=len(content) - 1)
    assert str(refused.value) == (
        f"the file is {len(content)} bytes, more than the {len(content) - 1} bytes a bank file may have"
    )
