"""Who a party is: SIREN, SIRET and VAT numbers from the identifiers an e-invoice gives, names compared the way
people write them, and the account reference of a customer created from an e-invoice.

Identifiers come with a scheme (ISO 6523 ICD codes): ``0002`` SIRENE (a SIREN, sometimes a SIRET), ``0009`` a SIRET,
``0225`` the French e-invoicing directory address (a SIREN, optionally followed by ``_`` and a suffix), ``9957`` a
French VAT number; a legal registration without a scheme is read as a SIREN or a SIRET when it has 9 or 14 digits.
A French VAT number (``FR`` + 2-character key + SIREN) and a SIRET (SIREN + 5 digits) also give the SIREN. Every
number is checked with python-stdnum: a number with wrong check digits is not used (a warning says so), but still
counts among what the party claims to be.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass

from stdnum.eu import vat as _vat
from stdnum.fr import siren as _siren
from stdnum.fr import siret as _siret

from ..i18n import _

SIREN_SCHEMES = frozenset({"0002"})
SIRET_SCHEMES = frozenset({"0009"})
DIRECTORY_SCHEMES = frozenset({"0225"})
VAT_SCHEMES = frozenset({"9957", "VA", "VAT"})
_SEPARATORS = re.compile(r"[\s.\-/]")
_DIRECTORY = re.compile(r"(\d{9})(?:$|[_\-.])")
# Words of a legal form, left out when names are compared and accounts are named.
LEGAL_FORMS = frozenset(
    {
        "sa", "sas", "sasu", "sarl", "eurl", "snc", "sci", "scop", "scp", "selarl", "selas", "sca", "gie", "ei",
        "eirl", "ltd", "limited", "llc", "inc", "plc", "gmbh", "ag", "bv", "nv", "as", "ab", "oy", "spa", "srl",
        "sl", "co", "cie",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Identifier:
    """One identifier as the document gives it: its scheme (empty when none) and the value."""

    scheme: str
    value: str
    legal: bool = False  # the party's legal registration (BT-30, BT-47): a SIREN or a SIRET without a scheme


@dataclass(frozen=True, slots=True)
class Identity:
    siren: str
    siret: str
    vat: str
    claimed_sirens: tuple[str, ...]
    claimed_vats: tuple[str, ...]
    warnings: tuple[str, ...]


def digits(value: str) -> str:
    return _SEPARATORS.sub("", value)


def compact_vat(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def siren_of_vat(vat: str) -> str:
    """The SIREN in a French VAT number (``FR`` + key + 9 digits), else ``""``."""
    vat = compact_vat(vat)
    if len(vat) == 13 and vat.startswith("FR") and vat[4:].isdigit():
        return vat[4:]
    return ""


def french_vat(siren: str) -> str:
    """The French VAT number of a SIREN (``FR`` + the key ``(12 + 3 × (SIREN mod 97)) mod 97`` + the SIREN)."""
    if len(siren) != 9 or not siren.isdigit():
        return ""
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def identify(identifiers: Sequence[Identifier], vat_numbers: Sequence[str], who: str) -> Identity:
    """The SIREN, SIRET and VAT number of a party from what the document gives (``who``: "the buyer", "the
    seller", for the warnings)."""
    sirens: list[str] = []
    sirets: list[str] = []
    vats = [compact_vat(v) for v in vat_numbers if compact_vat(v)]
    for ident in identifiers:
        scheme = ident.scheme.strip().upper()
        value = digits(ident.value)
        if scheme in SIREN_SCHEMES or (not scheme and ident.legal):
            if len(value) == 9 and value.isdigit():
                sirens.append(value)
            elif len(value) == 14 and value.isdigit():
                sirets.append(value)
        elif scheme in SIRET_SCHEMES:
            if len(value) == 14 and value.isdigit():
                sirets.append(value)
        elif scheme in DIRECTORY_SCHEMES:
            m = _DIRECTORY.match(ident.value.strip())
            if m is not None:
                sirens.append(m.group(1))
        elif scheme in VAT_SCHEMES and compact_vat(ident.value):
            vats.append(compact_vat(ident.value))
    claimed_sirens = _unique([*sirens, *(s[:9] for s in sirets), *(siren_of_vat(v) for v in vats)])
    claimed_vats = _unique(vats)
    warnings: list[str] = []
    valid_sirens = [s for s in claimed_sirens if _siren.is_valid(s)]
    for s in claimed_sirens:
        if s not in valid_sirens:
            warnings.append(
                _("%(who)s's SIREN %(value)s is not valid (wrong check digits): not used") % {"who": who, "value": s}
            )
    siren = valid_sirens[0] if valid_sirens else ""
    if len(set(valid_sirens)) > 1:
        warnings.append(
            _("%(who)s has several SIRENs (%(values)s): %(kept)s is kept")
            % {"who": who, "values": ", ".join(valid_sirens), "kept": siren}
        )
    siret = ""
    for candidate in _unique(sirets):
        if not _siret.is_valid(candidate):
            warnings.append(
                _("%(who)s's SIRET %(value)s is not valid (wrong check digits): not used")
                % {"who": who, "value": candidate}
            )
        elif not siret and (not siren or candidate.startswith(siren)):
            siret = candidate
    if siret and not siren:
        siren = siret[:9]
    vat = ""
    for candidate in claimed_vats:
        if _vat.is_valid(candidate):
            vat = vat or candidate
        else:
            warnings.append(
                _("%(who)s's VAT number %(value)s is not valid: not used") % {"who": who, "value": candidate}
            )
    return Identity(siren, siret, vat, claimed_sirens, claimed_vats, tuple(warnings))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def normal_name(name: str) -> str:
    """A name as compared: no accents, no case, no punctuation, no legal form (``Ma Jolie Boutique SARL`` and
    ``ma jolie boutique`` are the same name)."""
    words = re.sub(r"[^a-z0-9]+", " ", _ascii(name).lower().replace(".", "")).split()
    kept = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(kept or words)


def suggest_ref(name: str, taken: Container[str], *, prefix: str = "411") -> str:
    """An account reference for a new customer: ``411`` and up to 8 letters or digits of its name
    (``411MAJOLIEB``), numbered when taken (``411MAJOLI02``)."""
    core = re.sub(r"[^A-Z0-9]", "", normal_name(name).upper())[:8] or "CLIENT"
    ref, n = f"{prefix}{core}", 1
    while ref in taken:
        n += 1
        ref = f"{prefix}{core[:6]}{n:02d}"
    return ref
