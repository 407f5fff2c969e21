"""French and European identifiers, validated with python-stdnum."""

from __future__ import annotations

from stdnum import iban as _iban
from stdnum.eu import vat as _vat
from stdnum.exceptions import ValidationError as _StdnumError
from stdnum.fr import siren as _siren
from stdnum.fr import siret as _siret


class IdentifierError(ValueError):
    pass


def _run(fn, value: str, label: str) -> str:  # type: ignore[no-untyped-def]
    try:
        return str(fn(value))
    except _StdnumError as exc:
        raise IdentifierError(f"invalid {label} {value!r}: {exc}") from exc


def validate_siren(value: str) -> str:
    """9 digits with a valid Luhn key; spaces are removed."""
    return _run(_siren.validate, value, "SIREN")


def validate_siret(value: str) -> str:
    """14 digits with a valid key (La Poste's SIRETs included)."""
    return _run(_siret.validate, value, "SIRET")


def validate_vat(value: str) -> str:
    """An EU VAT number (FR12345678901...), compacted."""
    return _run(_vat.validate, value, "VAT number")


def validate_iban(value: str) -> str:
    return _run(_iban.validate, value, "IBAN")


def siren_of_siret(siret: str) -> str:
    return siret[:9]
