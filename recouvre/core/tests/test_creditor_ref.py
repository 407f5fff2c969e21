"""RF creditor references (ISO 11649), each customer's reference, and the EPC QR code of a SEPA transfer."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import segno
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649

from recouvre.core.creditor_ref import (
    CreditorReferenceError,
    EpcQrError,
    customer_rf,
    epc_qr_payload,
    epc_qr_svg,
    find_rf,
    format_rf,
    is_valid_rf,
    make_rf,
    normalize,
    parse_customer_rf,
)

IBAN = "FR76 3000 6000 0112 3456 7890 189"


def check_digits_by_hand(body: str) -> str:
    """ISO 7064 MOD 97-10 worked out the long way: body + "RF00", letters as 10..35, 98 - remainder."""
    digits = "".join(str(int(ch, 36)) for ch in body + "RF00")
    return f"{98 - int(digits) % 97:02d}"


def test_the_iso_example_and_a_short_one():
    assert check_digits_by_hand("539007547034") == "18"
    assert make_rf("539007547034") == "RF18539007547034"
    assert check_digits_by_hand("2348231") == "71"
    assert make_rf("2348231") == "RF712348231"
    assert make_rf("5390 0754 7034") == "RF18539007547034"
    assert make_rf("abc") == "RF" + check_digits_by_hand("ABC") + "ABC"


def test_validity():
    assert is_valid_rf("RF18539007547034")
    assert is_valid_rf("rf18 5390 0754 7034")
    assert is_valid_rf("RF712348231")
    assert not is_valid_rf("RF19539007547034")  # check digits off by one
    assert not is_valid_rf("RF18539007547035")  # body changed
    assert not is_valid_rf("RF18")
    assert not is_valid_rf("XX18539007547034")
    assert not is_valid_rf("RF18-5390-0754-7034")
    assert not is_valid_rf("RF" + "0" * 24)  # body of 22 characters
    assert not is_valid_rf("")


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=21))
def test_made_references_are_valid_here_and_for_stdnum(body):
    reference = make_rf(body)
    assert reference[2:4] == check_digits_by_hand(body)
    assert is_valid_rf(reference)
    assert iso11649.is_valid(reference)
    assert is_valid_rf(format_rf(reference).lower())


def test_bodies_that_cannot_make_a_reference():
    for body in ("", "A" * 22, "F-2026", "ÉTÉ"):
        with pytest.raises(CreditorReferenceError):
            make_rf(body)


def test_normalize_and_print_format():
    assert normalize(" rf18 5390\u00a00754\t7034 ") == "RF18539007547034"
    assert format_rf("RF18539007547034") == "RF18 5390 0754 7034"
    assert format_rf("rf712348231") == "RF71 2348 231"


def test_find_references_in_noisy_remittance_text():
    assert find_rf("VIR SEPA rf18 5390 0754 7034 facture F-2026-0042") == ["RF18539007547034"]
    assert find_rf("/RFB/RF18539007547034/ MERCI") == ["RF18539007547034"]
    assert find_rf("REF:RF712348231.") == ["RF712348231"]
    assert find_rf("RF71 2348 231 et RF18 5390 0754 7034") == ["RF712348231", "RF18539007547034"]
    # a wrong check digit, a reference glued to other letters, a reference cut in other groups: none
    assert find_rf("RF19 5390 0754 7034") == []
    assert find_rf("XRF18539007547034") == []
    assert find_rf("RF18 539 007 547 034") == []
    assert find_rf("nothing here, RF alone, RF12") == []


def test_find_gives_both_readings_when_a_following_group_also_validates():
    body = "539007547034"
    # a reference followed by a group of four that makes another valid reference
    for extra in (f"{n:04d}" for n in range(10000)):
        if is_valid_rf(make_rf(body)[:4] + body + extra):
            break
    text = f"{format_rf(make_rf(body))} {extra} MERCI"
    assert find_rf(text) == [make_rf(body)[:4] + body + extra, make_rf(body)]


def test_customer_reference_scheme():
    assert customer_rf(3, 42) == "RF6313000042"
    assert customer_rf(3, 42)[4:] == "1" + "3" + "000042"
    assert customer_rf(12, 1234567)[4:] == "2" + "12" + "1234567"
    assert customer_rf(3, 42) != customer_rf(31, 42)
    assert customer_rf(1, 300042) != customer_rf(13, 42)
    assert parse_customer_rf("rf63 1300 0042") == (3, 42)
    assert parse_customer_rf("RF18539007547034") == (39007, 547034)  # any such digits read as the scheme says
    assert parse_customer_rf(make_rf("ABC123")) is None  # valid references, not of this scheme
    assert parse_customer_rf(make_rf("9123456")) is None
    assert parse_customer_rf(make_rf("1300042")) is None  # customer in fewer than six digits
    assert parse_customer_rf(make_rf("130000042")) is None  # customer padded beyond six digits
    assert parse_customer_rf("RF6413000042") is None  # wrong check digits
    assert len(customer_rf(999_999_999, 10**11 - 1)) == 25
    for org, customer in ((0, 1), (-1, 1), (1, -1), (10**9, 1), (999_999_999, 10**11)):
        with pytest.raises(CreditorReferenceError):
            customer_rf(org, customer)


@given(st.integers(1, 999_999_999), st.integers(0, 10**11 - 1))
def test_customer_reference_round_trip(org, customer):
    reference = customer_rf(org, customer)
    assert is_valid_rf(reference)
    assert reference[4:].isdigit()
    assert parse_customer_rf(format_rf(reference)) == (org, customer)


def test_epc_payload_with_a_reference():
    payload = epc_qr_payload(
        "Recouvre Démo SAS", IBAN, "BNPAFRPP", Decimal("1234.5"), "EUR", reference_rf="RF63 1300 0042"
    )
    assert payload.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "BNPAFRPP",
        "Recouvre Démo SAS",
        "FR7630006000011234567890189",
        "EUR1234.50",
        "",
        "RF6313000042",
    ]
    assert not payload.endswith("\n")


def test_epc_payload_with_a_text_and_no_bic():
    payload = epc_qr_payload("Acme", IBAN, "", Decimal("0.01"), "eur", text="  Facture   F-2026-0042 ")
    assert payload == "BCD\n002\n1\nSCT\n\nAcme\nFR7630006000011234567890189\nEUR0.01\n\n\nFacture F-2026-0042"
    bare = epc_qr_payload("Acme", IBAN, "", Decimal("999999999.99"), "EUR")
    assert bare == "BCD\n002\n1\nSCT\n\nAcme\nFR7630006000011234567890189\nEUR999999999.99"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"currency": "USD"}, "an EPC QR code is for transfers in euros, not in USD"),
        ({"amount": Decimal("0.00")}, "an EPC QR code takes an amount from 0.01 to 999999999.99 euros, not 0.00"),
        ({"amount": Decimal("1000000000")}, "an EPC QR code takes an amount from 0.01 to 999999999.99 euros, not"),
        ({"amount": Decimal("10.005")}, "an EPC QR code takes an amount in cents at most, not 10.005"),
        ({"name": " "}, "an EPC QR code needs the beneficiary's name"),
        ({"name": "N" * 71}, "the beneficiary's name has 71 characters; an EPC QR code takes 70 at most"),
        ({"iban": "FR76 3000 6000 0112 3456 7890 188"}, "invalid IBAN 'FR76 3000 6000 0112 3456 7890 188'"),
        ({"bic": "BNPA"}, "invalid BIC 'BNPA' for an EPC QR code"),
        ({"reference_rf": "RF19539007547034"}, "'RF19539007547034' is not a valid RF creditor reference"),
        ({"reference_rf": "RF18539007547034", "text": "x"}, "either a structured reference or a text, not both"),
        ({"text": "t" * 141}, "the remittance text has 141 characters; an EPC QR code takes 140 at most"),
        (
            {"name": "é" * 70, "text": "€" * 140, "bic": "BNPAFRPPXXX"},
            "the EPC QR code's payload has 626 bytes; 331 at most are allowed",
        ),
    ],
)
def test_epc_payload_refusals(kwargs, message):
    args = {"name": "Acme", "iban": IBAN, "bic": "", "amount": Decimal("10"), "currency": "EUR"} | kwargs
    with pytest.raises(EpcQrError) as caught:
        epc_qr_payload(**args)
    assert message in str(caught.value)


def test_the_longest_payload_allowed():
    payload = epc_qr_payload("N" * 70, "FR76 3000 6000 0112 3456 7890 189", "BNPAFRPPXXX", Decimal("1"), "EUR",
                             text="t" * 140)  # fmt: skip
    assert len(payload.encode("utf-8")) <= 331
    svg = epc_qr_svg(payload)
    size = int(re.search(r'width="(\d+)"', svg).group(1))
    modules = size // 4 - 2 * 4
    assert modules <= 17 + 4 * 13  # version 13 at most


def test_svg_is_the_qr_code_of_the_payload_at_level_m():
    payload = epc_qr_payload("Acme", IBAN, "BNPAFRPP", Decimal("120.00"), "EUR", reference_rf=customer_rf(3, 42))
    svg = epc_qr_svg(payload, scale=2, border=4)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    qr = segno.make_qr(payload.encode("utf-8"), error="m", boost_error=False)
    assert qr.error == "M"
    assert svg == qr.svg_inline(scale=2, border=4)
    assert epc_qr_svg(payload, scale=2, border=4) == svg


@given(st.integers(1, 999_999_999), st.integers(0, 10**11 - 1))
def test_customer_reference_is_the_rf_reference_of_its_body(org_id: int, customer_id: int) -> None:
    body = f"{len(str(org_id))}{org_id}{customer_id:06d}"
    assert customer_rf(org_id, customer_id) == make_rf(body)
    assert is_valid_rf(customer_rf(org_id, customer_id))
