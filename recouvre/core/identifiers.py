"""French and European identifiers, validated with python-stdnum."""

from __future__ import annotations

from stdnum import iban as _iban
from stdnum.eu import vat as _vat
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as _StdnumError
from stdnum.fr import siren as _siren
from stdnum.fr import siret as _siret

from .i18n import _, gettext_noop


class IdentifierError(ValueError):
    pass


def _reason(exc: _StdnumError) -> str:
    if isinstance(exc, InvalidLength):
        return _("the number has the wrong length")
    if isinstance(exc, InvalidChecksum):
        return _("its check digits are wrong")
    if isinstance(exc, InvalidFormat):
        return _("the number has an invalid format")
    if isinstance(exc, InvalidComponent):
        return _("a part of the number is invalid or unknown")
    return _("the number is not valid")


def _run(fn, value: str, label: str) -> str:  # type: ignore[no-untyped-def]
    try:
        return str(fn(value))
    except _StdnumError as exc:
        raise IdentifierError(
            _("invalid %(label)s %(value)r: %(reason)s") % {"label": _(label), "value": value, "reason": _reason(exc)}
        ) from exc


def validate_siren(value: str) -> str:
    """9 digits with a valid Luhn key; spaces are removed."""
    return _run(_siren.validate, value, gettext_noop("SIREN"))


def validate_siret(value: str) -> str:
    """14 digits with a valid key (La Poste's SIRETs included)."""
    return _run(_siret.validate, value, gettext_noop("SIRET"))


def validate_vat(value: str) -> str:
    """An EU VAT number (FR12345678901...), compacted."""
    return _run(_vat.validate, value, gettext_noop("VAT number"))


def validate_iban(value: str) -> str:
    return _run(_iban.validate, value, gettext_noop("IBAN"))


def siren_of_siret(siret: str) -> str:
    return siret[:9]
