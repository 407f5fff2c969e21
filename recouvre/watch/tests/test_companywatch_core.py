"""Reading the answers of the company directory and of the BODACC (``recouvre.core.companywatch``): the fields
Recouvre keeps, and a clear error for what does not read."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from recouvre.core import companywatch as core

ANSWERS = Path(__file__).parent / "answers"


def test_the_directory_answer_gives_the_identity_of_the_siren() -> None:
    body = core.load((ANSWERS / "directory_552100554.json").read_bytes())
    identity = core.directory_identity(body, "552100554")
    assert identity == core.DirectoryIdentity(
        siren="552100554",
        legal_name="BOULANGERIE MARTIN",
        legal_form="SAS",
        registered_office="12 RUE DES LILAS 69003 LYON",
        naf_code="10.71C",
        active=True,
        closed_on=None,
    )
    assert core.directory_identity(body, "732829320") is None


def test_a_closed_company_and_an_unknown_legal_form() -> None:
    body = {
        "results": [
            {"siren": "552100554", "nom_complet": "X", "nature_juridique": "1234", "etat_administratif": "C",
             "date_fermeture": "2025-12-31", "siege": {"adresse": "1 RUE A"}}
        ]
    }  # fmt: skip
    identity = core.directory_identity(body, "552100554")
    assert identity is not None
    assert (identity.active, identity.closed_on, identity.legal_form) == (
        False,
        date(2025, 12, 31),
        "catégorie juridique 1234",
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"total_results": 0}, "the answer has no list of results"),
        ({"results": ["x"]}, "a result is not a JSON object"),
        ({"results": [{"siren": "552100554", "etat_administratif": "A"}]}, "the field nom_complet is missing"),
        ({"results": [{"siren": "552100554", "nom_complet": "X", "etat_administratif": "Z"}]}, "is not A or C"),
        ({"results": [{"siren": "552100554", "nom_complet": "X", "etat_administratif": "A", "siege": []}]},
         "siege is not a JSON object"),
    ],
)  # fmt: skip
def test_a_directory_answer_that_does_not_read_is_a_clear_error(body, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(core.AnswerError, match=reason):
        core.directory_identity(body, "552100554")


def test_bodacc_records_read_into_announcements() -> None:
    rows = core.results(core.load((ANSWERS / "bodacc_receivership.json").read_bytes()))
    found = [core.bodacc_announcement(row) for row in rows]
    assert [(a.announcement_id, a.sirens, a.kind, a.judgment_on, a.published_on) for a in found] == [
        ("A202600612345", ("552100554",), core.OPENING_RECEIVERSHIP, date(2026, 3, 20), date(2026, 3, 24)),
        ("A202600612399", ("443061841",), core.OPENING_LIQUIDATION, date(2026, 3, 19), date(2026, 3, 24)),
        ("B202600580001", ("542051180",), core.CLOSURE, None, date(2026, 3, 23)),
    ]
    assert found[0].procedure_kind == "receivership"
    assert found[0].court == "GREFFE DU TRIBUNAL DES ACTIVITES ECONOMIQUES DE LYON"
    assert found[0].nature == "Jugement d'ouverture d'une procédure de redressement judiciaire"
    assert found[2].nature == "Radiations" and found[2].procedure_kind is None


@pytest.mark.parametrize(
    ("family", "nature", "kind"),
    [
        ("collective", "Jugement d'ouverture d'une procédure de sauvegarde", core.OPENING_SAFEGUARD),
        ("collective", "Jugement prononçant la liquidation judiciaire", core.OPENING_LIQUIDATION),
        ("collective", "Jugement de conversion en liquidation judiciaire", core.OPENING_LIQUIDATION),
        ("collective", "Jugement arrêtant le plan de redressement", core.OTHER),
        ("collective", "Jugement de clôture pour insuffisance d'actif", core.OTHER),
        ("Procédures collectives", "Jugement d'ouverture d'une procédure de redressement judiciaire",
         core.OPENING_RECEIVERSHIP),
        ("radiation", "", core.CLOSURE),
        ("creation", "", core.OTHER),
    ],
)  # fmt: skip
def test_the_kind_of_an_announcement(family, nature, kind) -> None:  # type: ignore[no-untyped-def]
    assert core.judgment_kind(family, nature) == kind


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"dateparution": "2026-03-24"}, "the field id is missing"),
        ({"id": "A1"}, "the field dateparution is missing"),
        ({"id": "A1", "dateparution": "24/03/2026"}, "the field dateparution is not a date"),
        ({"id": "A1", "dateparution": "2026-03-24", "registre": 552100554}, "the field registre is not a list"),
        ({"id": "A1", "dateparution": "2026-03-24", "jugement": "{nature"}, "the field jugement is not JSON"),
        ({"id": "A1", "dateparution": "2026-03-24", "familleavis": "collective",
          "jugement": json.dumps({"nature": "Jugement d'ouverture de sauvegarde", "date": "le 20 mars"})},
         "the field jugement.date is not a date"),
        ({"id": ["A1"], "dateparution": "2026-03-24"}, "the field id is not text"),
    ],
)  # fmt: skip
def test_a_bodacc_record_that_does_not_read_is_a_clear_error(record, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(core.AnswerError, match=reason):
        core.bodacc_announcement(record)


def test_the_filter_asks_for_the_sirens_and_the_families_since_a_day() -> None:
    assert core.bodacc_where(["552100554", "542051180"], date(2026, 3, 1)) == (
        '(registre:"552100554" or registre:"542051180") and familleavis in ("collective", "radiation") '
        "and dateparution >= date'2026-03-01'"
    )
