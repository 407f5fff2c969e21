"""Reading the answers of the two public company sources watched by Recouvre (no Django, no network):

- the French public company directory (``recherche-entreprises.api.gouv.fr``, ``/search?q=SIREN``): its answer is
  ``{"results": [{"siren", "nom_complet", "nom_raison_sociale", "nature_juridique", "activite_principale",
  "etat_administratif", "date_fermeture", "siege": {"adresse", ...}}, ...], "total_results", ...}``;
  ``directory_identity`` finds the company of one SIREN in it;
- the BODACC open-data API (opendatasoft, dataset ``annonces-commerciales``): ``{"total_count", "results": [...]}``,
  each record with ``id``, ``registre`` (the SIREN, as ``["123 456 789", "123456789"]``), ``familleavis`` /
  ``familleavis_lib`` (``collective`` "Procédures collectives", ``radiation`` "Radiations"...), ``jugement`` (a JSON
  text: ``{"nature", "date", "complementJugement", ...}``), ``dateparution``, ``tribunal``;
  ``bodacc_announcement`` reads one into an ``Announcement``.

Whatever does not read (a missing field, a wrong type, a date that is no date) raises ``AnswerError`` with a clear
reason: the caller writes nothing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from .i18n import _

# Kinds of BODACC announcements Recouvre acts on.
OPENING_SAFEGUARD = "opening_safeguard"
OPENING_RECEIVERSHIP = "opening_receivership"
OPENING_LIQUIDATION = "opening_liquidation"
CLOSURE = "closure"  # struck off the register (radiation)
OTHER = "other"
OPENINGS = {OPENING_SAFEGUARD: "safeguard", OPENING_RECEIVERSHIP: "receivership", OPENING_LIQUIDATION: "liquidation"}

# The codes of the legal forms most often met (INSEE's catégories juridiques, level III); others are shown by code.
LEGAL_FORMS = {
    "1000": "Entrepreneur individuel",
    "5202": "SNC",
    "5306": "SCS",
    "5308": "SCA",
    "5385": "SELAS",
    "5485": "SELARL",
    "5498": "EURL",
    "5499": "SARL",
    "5505": "SA",
    "5510": "SA",
    "5599": "SA",
    "5610": "SA",
    "5699": "SA",
    "5710": "SAS",
    "5720": "SASU",
    "5785": "SELAS",
    "6220": "GIE",
    "6540": "SCI",
    "9220": "Association déclarée",
}


class AnswerError(ValueError):
    """The answer does not read as the API's: nothing may be written from it."""


@dataclass(frozen=True, slots=True)
class DirectoryIdentity:
    siren: str
    legal_name: str
    legal_form: str
    registered_office: str
    naf_code: str
    active: bool
    closed_on: date | None


@dataclass(frozen=True, slots=True)
class Announcement:
    announcement_id: str
    sirens: tuple[str, ...]
    kind: str  # one of OPENING_*, CLOSURE, OTHER
    nature: str  # the judgment's nature as published, or the family's label
    judgment_on: date | None
    published_on: date
    court: str

    @property
    def procedure_kind(self) -> str | None:
        """The insolvency procedure an opening judgment starts (``safeguard``...), None for anything else."""
        return OPENINGS.get(self.kind)


def _text(record: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = record.get(key)
    if value is None or value == "":
        if required:
            raise AnswerError(_("the field %(field)s is missing") % {"field": key})
        return ""
    if not isinstance(value, str | int):
        raise AnswerError(_("the field %(field)s is not text") % {"field": key})
    return str(value).strip()


def _date(text: str, key: str) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise AnswerError(_("the field %(field)s is not a date: %(value)r") % {"field": key, "value": text}) from None


def _object(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise AnswerError(_("%(what)s is not a JSON object") % {"what": what})
    return body


def load(text: str | bytes) -> dict[str, Any]:
    """The JSON object of an answer, or ``AnswerError``."""
    try:
        body = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise AnswerError(_("the answer is not JSON")) from None
    return _object(body, _("the answer"))


def results(body: dict[str, Any]) -> list[dict[str, Any]]:
    rows = body.get("results")
    if not isinstance(rows, list):
        raise AnswerError(_("the answer has no list of results"))
    return [_object(row, _("a result")) for row in rows]


def legal_form_name(code: str) -> str:
    return LEGAL_FORMS.get(code, f"catégorie juridique {code}" if code else "")


def directory_identity(body: dict[str, Any], siren: str) -> DirectoryIdentity | None:
    """The company of ``siren`` in a directory answer, or None when the directory does not know it."""
    for row in results(body):
        if _text(row, "siren") != siren:
            continue
        seat = _object({} if row.get("siege") is None else row["siege"], "siege")
        state = _text(row, "etat_administratif") or _text(seat, "etat_administratif")
        if state not in ("A", "C"):
            raise AnswerError(
                _("the field %(field)s is not A or C: %(value)r") % {"field": "etat_administratif", "value": state}
            )
        closed_text = _text(row, "date_fermeture")
        return DirectoryIdentity(
            siren=siren,
            legal_name=(_text(row, "nom_raison_sociale") or _text(row, "nom_complet", required=True))[:200],
            legal_form=legal_form_name(_text(row, "nature_juridique"))[:80],
            registered_office=_text(seat, "adresse")[:500],
            naf_code=(_text(row, "activite_principale") or _text(seat, "activite_principale"))[:10],
            active=state == "A",
            closed_on=_date(closed_text, "date_fermeture") if closed_text and state == "C" else None,
        )
    return None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _sirens(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise AnswerError(_("the field %(field)s is not a list") % {"field": "registre"})
    found = []
    for item in value:
        if not isinstance(item, str):
            raise AnswerError(_("the field %(field)s is not a list") % {"field": "registre"})
        digits = re.sub(r"\s", "", item)
        if re.fullmatch(r"\d{9}", digits) and digits not in found:
            found.append(digits)
    return tuple(found)


def _judgment(value: Any) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise AnswerError(_("the field %(field)s is not JSON") % {"field": "jugement"}) from None
    return _object(value, "jugement")


def judgment_kind(family: str, nature: str) -> str:
    """The kind of an announcement from its family (``collective``, ``radiation``...) and its judgment's nature."""
    family = _fold(family)
    nature = _fold(nature)
    if family.startswith("radiation"):
        return CLOSURE
    if not (family == "collective" or family.startswith("procedure")):
        return OTHER
    if "ouverture" not in nature and "prononcant" not in nature and "conversion" not in nature:
        return OTHER
    if "liquidation" in nature:
        return OPENING_LIQUIDATION
    if "redressement" in nature:
        return OPENING_RECEIVERSHIP
    if "sauvegarde" in nature:
        return OPENING_SAFEGUARD
    return OTHER


def bodacc_announcement(record: dict[str, Any]) -> Announcement:
    """One BODACC record read (see the module description), or ``AnswerError``."""
    record = _object(record, _("a result"))
    announcement_id = _text(record, "id", required=True)[:100]
    family = _text(record, "familleavis") or _text(record, "familleavis_lib")
    judgment = _judgment(record.get("jugement"))
    nature = _text(judgment, "nature") if judgment else ""
    kind = judgment_kind(family, nature)
    judgment_text = _text(judgment, "date") if judgment else ""
    published_on = _date(_text(record, "dateparution", required=True), "dateparution")
    judgment_on = _date(judgment_text, "jugement.date") if judgment_text else None
    if kind in OPENINGS and judgment_on is None:
        judgment_on = published_on
    return Announcement(
        announcement_id=announcement_id,
        sirens=_sirens(record.get("registre") or []),
        kind=kind,
        nature=(nature or _text(record, "familleavis_lib") or family)[:300],
        judgment_on=judgment_on,
        published_on=published_on,
        court=_text(record, "tribunal")[:200],
    )


def bodacc_where(sirens: list[str], since: date) -> str:
    """The ODSQL filter asking for the insolvency and closure announcements of ``sirens`` published since ``since``."""
    ors = " or ".join(f'registre:"{s}"' for s in sirens)
    return f'({ors}) and familleavis in ("collective", "radiation") and dateparution >= date\'{since.isoformat()}\''
