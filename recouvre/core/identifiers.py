"""French and European identifiers, validated with python-stdnum."""

from __future__ import annotations

from stdnum import bic as _bic
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


def validate_bic(value: str) -> str:
    """A BIC (SWIFT code) of 8 or 11 characters, compacted, in capitals."""
    return _run(_bic.validate, value, gettext_noop("BIC"))


def compact_iban(value: str) -> str:
    """An IBAN without spaces, in capitals (as stored)."""
    return _iban.compact(value)


def format_iban(value: str) -> str:
    """An IBAN in groups of four, as printed (``FR76 3000 6000 0112 3456 7890 189``)."""
    compact = compact_iban(value)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def format_siren(value: str) -> str:
    """A SIREN in groups of three (``732 829 320``); anything else as given."""
    return _siren.format(value) if len(value) == 9 and value.isdigit() else value


def format_siret(value: str) -> str:
    """A SIRET as printed (``732 829 320 00074``); anything else as given."""
    return _siret.format(value) if len(value) == 14 and value.isdigit() else value


def siren_errors(siren: str, siret: str, vat: str) -> dict[str, str]:
    """How compact, valid SIREN, SIRET and VAT numbers of one customer contradict each other, by field: a SIRET
    that is not an establishment of the SIREN, a French VAT number that does not carry it (``FRkk`` + SIREN)."""
    errors: dict[str, str] = {}
    if siren and siret and siret[:9] != siren:
        errors["siret"] = _("the SIRET %(siret)s is not an establishment of the SIREN %(siren)s") % {
            "siret": siret,
            "siren": siren,
        }
    carried = siren or siret[:9]
    if carried and vat.startswith("FR") and vat[4:] != carried:
        errors["vat_number"] = _("the French VAT number %(vat)s does not carry the SIREN %(siren)s") % {
            "vat": vat,
            "siren": carried,
        }
    return errors


# ISO 3166-1 alpha-2: the countries an address may name (the 249 codes assigned).
COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA
    CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA
    GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP
    KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS
    MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS
    RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW
    TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()
)


def validate_country(value: str) -> str:
    """An ISO 3166-1 alpha-2 country code (``FR``, ``be``), in capitals."""
    code = value.strip().upper()
    if code not in COUNTRIES:
        raise IdentifierError(
            _("%(value)r is not a country code (two letters, ISO 3166: FR, BE, DE...)") % {"value": value}
        )
    return code
