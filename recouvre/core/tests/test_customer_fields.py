"""A customer's and a contact's fields as typed, checked and put in their stored form, without a database: real
SIREN, SIRET, VAT numbers and IBANs, and their look-alikes with a wrong key."""

from __future__ import annotations

from decimal import Decimal

import pytest

from recouvre.core.customer_fields import clean_contact, clean_customer
from recouvre.core.identifiers import (
    IdentifierError,
    compact_iban,
    format_iban,
    format_siren,
    format_siret,
    siren_errors,
    validate_bic,
    validate_country,
    validate_iban,
)

LANGUAGES = ("fr", "en")


def test_numbers_are_stored_compact_and_in_capitals():  # type: ignore[no-untyped-def]
    cleaned, errors = clean_customer(
        {"siren": "732 829 320", "siret": "732 829 320 00074", "vat_number": "fr 44 732829320", "country": "be"},
        languages=LANGUAGES,
    )
    assert errors == {}
    assert cleaned == {"siren": "732829320", "siret": "73282932000074", "vat_number": "FR44732829320", "country": "BE"}


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("siren", "732829321", "check digits"),  # the Luhn key of 732829320 changed
        ("siren", "73282932", "wrong length"),
        ("siret", "73282932000075", "check digits"),
        ("vat_number", "FR45732829320", "check digits"),
        ("vat_number", "XX123", "invalid"),
        ("country", "FX", "not a country code"),
        ("country", "FRA", "at most 2 characters"),
        ("language", "de", "not a language"),
        ("payment_terms_days", "400", "from 0 to 365"),
        ("payment_terms_days", "thirty", "not a number of days"),
        ("credit_limit", "-5", "from 0 to"),
        ("credit_limit", "12,345", "ambiguous"),
        ("name", "", "required"),
        ("name", "Dupont\nSARL", "line breaks"),
        ("city", "Ly\u2028on", "line breaks"),
        ("postal_code", "1" * 21, "at most 20 characters"),
    ],
)
def test_a_wrong_value_is_refused_on_its_field(field, value, reason):  # type: ignore[no-untyped-def]
    cleaned, errors = clean_customer({field: value}, languages=LANGUAGES)
    assert list(errors) == [field]
    assert reason in errors[field]


def test_terms_amounts_and_tags():  # type: ignore[no-untyped-def]
    cleaned, errors = clean_customer(
        {
            "payment_terms_days": " 45 ",
            "payment_terms_end_of_month": "yes",
            "credit_limit": "5 000,50",
            "tags": "bakery, export,bakery, ",
        },
        languages=LANGUAGES,
    )
    assert errors == {}
    assert cleaned == {
        "payment_terms_days": 45,
        "payment_terms_end_of_month": True,
        "credit_limit": Decimal("5000.50"),
        "tags": ["bakery", "export"],
    }
    cleaned, errors = clean_customer({"payment_terms_days": "", "credit_limit": ""}, languages=LANGUAGES)
    assert cleaned == {"payment_terms_days": None, "credit_limit": None}


def test_a_siret_of_another_siren_and_a_french_vat_number_of_another_company():  # type: ignore[no-untyped-def]
    assert siren_errors("732829320", "73282932000074", "FR44732829320") == {}
    errors = siren_errors("552100554", "73282932000074", "FR44732829320")
    assert errors["siret"] == "the SIRET 73282932000074 is not an establishment of the SIREN 552100554"
    assert errors["vat_number"] == "the French VAT number FR44732829320 does not carry the SIREN 552100554"
    # a foreign VAT number carries no SIREN; the SIRET alone gives it
    assert siren_errors("732829320", "", "BE0403170701") == {}
    assert siren_errors("", "55210055400013", "FR44732829320") == {
        "vat_number": "the French VAT number FR44732829320 does not carry the SIREN 552100554"
    }


def test_ibans_bics_and_countries():  # type: ignore[no-untyped-def]
    assert validate_iban("fr76 3000 6000 0112 3456 7890 189") == "FR7630006000011234567890189"
    assert format_iban("FR7630006000011234567890189") == "FR76 3000 6000 0112 3456 7890 189"
    assert compact_iban(" de89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    with pytest.raises(IdentifierError, match="check digits"):
        validate_iban("FR7630006000011234567890188")
    assert validate_bic("bnpa fr pp") == "BNPAFRPP"
    with pytest.raises(IdentifierError):
        validate_bic("BNPA")
    assert validate_country(" fr") == "FR"
    with pytest.raises(IdentifierError):
        validate_country("EU")
    assert format_siren("732829320") == "732 829 320"
    assert format_siret("73282932000074") == "732 829 320 00074"
    assert format_siren("abc") == "abc"


def test_contacts():  # type: ignore[no-untyped-def]
    cleaned, errors = clean_contact(
        {
            "name": " Marie Dupont ",
            "email": "Compta@Dupont.example",
            "phone": "+33 (0)4 67-00.00/01",
            "is_primary": "on",
        }
    )
    assert errors == {}
    assert cleaned == {
        "name": "Marie Dupont",
        "email": "compta@dupont.example",
        "phone": "+33 (0)4 67-00.00/01",
        "is_primary": True,
    }
    cleaned, errors = clean_contact({"email": "compta@dupont", "phone": "call me", "name": "a\tb"})
    assert set(errors) == {"email", "phone", "name"}
    assert "not an e-mail address" in errors["email"]
    assert "not a phone number" in errors["phone"]
