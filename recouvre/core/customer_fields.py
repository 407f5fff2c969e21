"""A customer's and a contact's fields as typed by a person (a form, the command line), checked and put in the form
they are stored in: numbers compact (no spaces), codes in capitals, text on one line and within its length.

``clean_customer(values, languages=...)`` and ``clean_contact(values)`` take only the fields given (an edit changes
some of them) and return ``(cleaned, errors)``: the stored values, and for each refused field why, in words. The
checks that need two fields (a SIRET of the SIREN, a French VAT number carrying it) are
``identifiers.siren_errors``, run by the caller on the customer's values once changed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

from .i18n import _
from .identifiers import IdentifierError, validate_country, validate_siren, validate_siret, validate_vat
from .importing import control_character

# The longest value of each text field (the columns' lengths).
CUSTOMER_LENGTHS = {
    "ref": 40,
    "name": 200,
    "address_line1": 200,
    "address_line2": 200,
    "postal_code": 20,
    "city": 100,
}
CONTACT_LENGTHS = {"name": 200, "email": 254, "phone": 40}
MAX_TERMS_DAYS = 365
MAX_TAGS, MAX_TAG_LENGTH = 20, 50
# 15 digits, 2 after the point: the amount columns.
MAX_CREDIT_LIMIT = Decimal("9999999999999.99")

_LINE_BREAKS = re.compile("[\u2028\u2029\x85]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_PHONE = re.compile(r"\+?[0-9 .()/-]+")


class FieldError(ValueError):
    pass


def single_line(value: Any, max_length: int, *, required: bool = False) -> str:
    """``value`` as text without its surrounding spaces: one line (no line break, tab or other control character),
    at most ``max_length`` characters; ``FieldError`` otherwise."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise FieldError(_("this field is required"))
    char = control_character(text)
    if char is None and _LINE_BREAKS.search(text):
        char = f"U+{ord(_LINE_BREAKS.search(text).group()):04X}"  # type: ignore[union-attr]
    if char is not None:
        raise FieldError(
            _("line breaks, tabs and other control characters are not accepted here (found %(char)s)") % {"char": char}
        )
    if len(text) > max_length:
        raise FieldError(
            _("at most %(max)s characters (this one has %(length)s)") % {"max": max_length, "length": len(text)}
        )
    return text


def _identifier(value: Any, validate: Any) -> str:
    text = single_line(value, 40)
    if not text:
        return ""
    try:
        return str(validate(text.upper()))
    except IdentifierError as exc:
        raise FieldError(str(exc)) from None


def _terms_days(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        days = int(str(value).strip())
    except ValueError:
        raise FieldError(_("%(value)r is not a number of days") % {"value": value}) from None
    if not 0 <= days <= MAX_TERMS_DAYS:
        raise FieldError(_("payment terms are from 0 to %(max)s days") % {"max": MAX_TERMS_DAYS})
    return days


def _amount(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Decimal):
        amount = value
    else:
        from .money import AmountError, parse_amount

        try:
            amount = parse_amount(str(value))
        except AmountError as exc:
            raise FieldError(str(exc)) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_CREDIT_LIMIT:
        raise FieldError(_("a credit limit is an amount from 0 to %(max)s") % {"max": MAX_CREDIT_LIMIT})
    if amount != amount.quantize(Decimal("0.01")):
        raise FieldError(_("an amount has at most 2 decimals"))
    return amount.quantize(Decimal("0.01"))


def _tags(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    tags: list[str] = []
    for item in items:
        tag = single_line(item, MAX_TAG_LENGTH)
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise FieldError(_("at most %(max)s tags") % {"max": MAX_TAGS})
    return tags


def _boolean(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "oui")
    return bool(value)


def clean_customer(values: Mapping[str, Any], *, languages: Collection[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The customer's fields given in ``values``, cleaned: ``(cleaned, errors by field)``. The kind and the
    segment are left as given (their choices are the model's)."""
    cleaners: dict[str, Any] = {
        "siren": lambda v: _identifier(v, validate_siren),
        "siret": lambda v: _identifier(v, validate_siret),
        "vat_number": lambda v: _identifier(v, validate_vat),
        "country": lambda v: validate_country(single_line(v, 2, required=True)),
        "language": lambda v: _language(v, languages),
        "payment_terms_days": _terms_days,
        "payment_terms_end_of_month": _boolean,
        "credit_limit": _amount,
        "tags": _tags,
    }
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, value in values.items():
        try:
            if field in CUSTOMER_LENGTHS:
                cleaned[field] = single_line(value, CUSTOMER_LENGTHS[field], required=field in ("ref", "name"))
            elif field in cleaners:
                cleaned[field] = cleaners[field](value)
            else:
                cleaned[field] = value
        except (FieldError, IdentifierError) as exc:
            errors[field] = str(exc)
    return cleaned, errors


def _language(value: Any, languages: Collection[str]) -> str:
    code = single_line(value, 8, required=True).lower()
    if code not in languages:
        raise FieldError(
            _("%(value)r is not a language of the letters and e-mails (%(languages)s)")
            % {"value": value, "languages": ", ".join(sorted(languages))}
        )
    return code


def clean_contact(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A contact's fields given in ``values``, cleaned: ``(cleaned, errors by field)``. An e-mail address in small
    letters; a phone number of digits, spaces, dots, dashes, brackets and a leading +."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, value in values.items():
        try:
            if field == "email":
                email = single_line(value, CONTACT_LENGTHS["email"])
                if email and not _EMAIL.fullmatch(email):
                    raise FieldError(_("%(value)r is not an e-mail address") % {"value": email})
                cleaned[field] = email.lower()
            elif field == "phone":
                phone = single_line(value, CONTACT_LENGTHS["phone"])
                if phone and not (_PHONE.fullmatch(phone) and any(c.isdigit() for c in phone)):
                    raise FieldError(_("%(value)r is not a phone number") % {"value": phone})
                cleaned[field] = phone
            elif field == "name":
                cleaned[field] = single_line(value, CONTACT_LENGTHS["name"])
            elif field == "is_primary":
                cleaned[field] = _boolean(value)
            else:
                cleaned[field] = value
        except FieldError as exc:
            errors[field] = str(exc)
    return cleaned, errors
