"""The injonction de payer request drawn for Dupont after its formal notice went unpaid, and the hand-off package
for a commissaire de justice: what they say, checked on the PDF's text and against the published JSON Schema."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from recouvre.dossier.exhibits import exhibits
from recouvre.proceedings.handoff import HANDOFF_VERSION, JSON_NAME, REQUEST_NAME, build_handoff
from recouvre.proceedings.requete import NothingToClaim, injonction_request
from recouvre.proceedings.services import open_proceeding, update_proceeding
from recouvre.testing.factories import CustomerFactory

from .conftest import ACTOR, AFTER_DEADLINE, TOTAL, TRACKING, pdf_text


def flat_text(pdf: bytes) -> str:
    """The PDF's text on one line, every space a plain space (amounts use no-break spaces)."""
    return " ".join(pdf_text(pdf).replace("\u202f", " ").replace("\xa0", " ").split())


SCHEMA = Path(__file__).resolve().parents[3] / "docs" / "handoff.schema.json"


def test_the_request_names_the_court_the_parties_the_amounts_the_basis_and_the_exhibits(org, noticed):  # type: ignore[no-untyped-def]
    request = injonction_request(org, noticed, as_of=AFTER_DEADLINE)
    flat = flat_text(request.pdf)
    assert request.sha256 == hashlib.sha256(request.pdf).hexdigest()
    assert request.principal == TOTAL
    assert request.indemnity == Decimal("200.00")  # 5 invoices x 40 EUR
    assert request.total == request.principal + request.interest + request.indemnity
    assert request.interest > 0
    for mention in (
        "Requête en injonction de payer",
        "Articles 1405 à 1425 du Code de procédure civile",
        "Cerfa n° 12946",
        "Tribunal de commerce dans le ressort duquel est situé 34000 Montpellier",
        "article 1406 du Code de procédure civile",
        # creditor (CPC 57): name, legal form, seat, SIREN
        "ACME Distribution",
        "Forme juridique : SAS",
        "8 rue de la Paix",
        "SIREN : 552100554",
        # debtor
        "Dupont SARL",
        "12 rue des Lilas",
        "34000 Montpellier",
        "SIREN : 732829320",
        # amount and breakdown
        "principal 4 636,16 €",
        "indemnité forfaitaire pour frais de recouvrement 200,00 €",
        "12,15 % l'an, du 21/01/2026 au 20/04/2026",  # F-5: ECB 2.15 % + 10 points since the day after its due date
        # basis
        "Faits et fondement de la créance",
        "article L441-10 II et D441-5 du Code de commerce",
        # exhibits
        "Bordereau des pièces justificatives",
        # date and signature
        "Fait à Paris, le 20/04/2026.",
        "Signature du demandeur ou de son représentant légal",
    ):
        assert mention in flat, mention
    total = f"{request.total:,.2f}".replace(",", " ").replace(".", ",")
    assert f"total {total} €" in flat
    for number in ("F-1", "F-2", "F-3", "F-4", "F-5"):
        assert number in flat
    pieces = exhibits(org, noticed, as_of=AFTER_DEADLINE)
    assert len(request.exhibits) == len(pieces) >= 7  # 5 invoices, the formal notice, the statement
    assert [e.number for e in request.exhibits] == list(range(1, len(pieces) + 1))


def test_the_court_of_the_proceedings_is_used_once_known(org, noticed):  # type: ignore[no-untyped-def]
    p = open_proceeding(org, noticed, route="injonction", actor=ACTOR, today=AFTER_DEADLINE)
    update_proceeding(p, actor=ACTOR, court="Tribunal de commerce de Montpellier", reference="2026 R 00123")
    p.refresh_from_db()
    flat = flat_text(injonction_request(org, noticed, as_of=AFTER_DEADLINE, proceeding=p).pdf)
    assert "Président du Tribunal de commerce de Montpellier" in flat
    assert "Réf. 2026 R 00123" in flat


def test_a_consumer_s_request_goes_to_the_tribunal_judiciaire_without_indemnity(org, notice_policy):  # type: ignore[no-untyped-def]
    from .conftest import five_invoices, make_customer

    customer = make_customer(org, ref="411MARTIN", name="Jeanne Martin", kind="consumer")
    five_invoices(customer, prefix="C")
    request = injonction_request(org, customer, as_of=AFTER_DEADLINE)
    flat = flat_text(request.pdf)
    assert request.indemnity == Decimal("0.00")
    assert "Tribunal judiciaire dans le ressort duquel est situé 34000 Montpellier" in flat
    assert "Cerfa n° 12948" in flat
    assert "Seuls le principal et ces intérêts sont réclamés." in flat
    # no indemnity, no collection costs, not even to say none is claimed (LEGAL-FR §2.5, §7.4)
    assert "indemnité" not in flat.lower() and "frais de recouvrement" not in flat and "L441-10" not in flat


def test_nothing_overdue_nothing_to_request(org, other_org, noticed):  # type: ignore[no-untyped-def]
    with pytest.raises(NothingToClaim):
        injonction_request(org, noticed, as_of=date(2026, 1, 10))
    with pytest.raises(type(noticed).DoesNotExist):
        injonction_request(other_org, noticed, as_of=AFTER_DEADLINE)


# ------------------------------------------------------------------------------------------------ hand-off


def _check(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """The subset of JSON Schema the published schema uses: type, const, enum, pattern, required, properties,
    items, minItems."""
    errors: list[str] = []
    types = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict, "null": type(None)}
    if "type" in schema:
        wanted = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(isinstance(value, types[t]) and not (t == "integer" and isinstance(value, bool)) for t in wanted):
            return [f"{where}: {value!r} is not {wanted}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: {value!r} != {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        errors.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, dict):
        errors += [f"{where}: missing {key}" for key in schema.get("required", []) if key not in value]
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                errors += _check(value[key], sub, f"{where}.{key}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{where}: fewer than {schema['minItems']} items")
        for i, item in enumerate(value):
            errors += _check(item, schema.get("items", {}), f"{where}[{i}]")
    return errors


def test_the_schema_checker_refuses_what_the_schema_refuses():
    schema = json.loads(SCHEMA.read_text())
    assert _check({}, schema)  # every key missing
    assert any("missing claims" in e for e in _check({"format": "recouvre-handoff"}, schema))


def test_the_hand_off_package_holds_the_json_and_every_pdf_with_their_hashes(org, noticed):  # type: ignore[no-untyped-def]
    p = open_proceeding(org, noticed, route="injonction", actor=ACTOR, today=AFTER_DEADLINE)
    update_proceeding(p, actor=ACTOR, status="filed", filed_on=date(2026, 4, 20))
    handoff = build_handoff(org, noticed, as_of=AFTER_DEADLINE)
    assert handoff.sha256 == hashlib.sha256(handoff.content).hexdigest()
    with zipfile.ZipFile(io.BytesIO(handoff.content)) as zf:
        names = zf.namelist()
        data = json.loads(zf.read(JSON_NAME))
        contents = {name: zf.read(name) for name in names}
    assert data == json.loads(json.dumps(handoff.data))
    assert _check(data, json.loads(SCHEMA.read_text())) == []
    assert (data["format"], data["version"], data["as_of"]) == ("recouvre-handoff", HANDOFF_VERSION, "2026-04-20")
    assert (data["creditor"]["siren"], data["debtor"]["siren"], data["debtor"]["debtor_kind"]) == (
        "552100554",
        "732829320",
        "trader",
    )
    assert [c["name"] for c in data["contacts"]] == ["Sophie Martin"]
    assert [c["invoice"] for c in data["claims"]] == ["F-5", "F-3", "F-4", "F-1", "F-2"]
    assert data["totals"]["principal"] == "4636.16"
    assert data["totals"]["indemnity"] == "200.00"
    assert Decimal(data["totals"]["total"]) == sum(
        Decimal(data["totals"][k]) for k in ("principal", "interest", "indemnity")
    )
    [notice] = data["reminders"]
    assert (notice["on"], notice["channel"], notice["step"], notice["tracking_number"], notice["pay_by"]) == (
        "2026-03-27",
        "registered_letter",
        "formal_notice",
        TRACKING,
        "2026-04-16",  # posted 27 March, taken as received 1 April: 15 days from then
    )
    [proceeding] = data["proceedings"]
    assert (proceeding["route"], proceeding["status"], proceeding["filed_on"]) == ("injonction", "filed", "2026-04-20")
    # every file listed, with its hash; the request and the formal notice among them
    assert sorted(names) == sorted([JSON_NAME] + [f["name"] for f in data["files"]])
    for f in data["files"]:
        assert hashlib.sha256(contents[f["name"]]).hexdigest() == f["sha256"]
    assert REQUEST_NAME in names
    assert "Requête en injonction de payer" in pdf_text(contents[REQUEST_NAME])
    assert any(f["kind"] == "formal_notice" for f in data["files"])
    assert build_handoff(org, noticed, as_of=AFTER_DEADLINE).content == handoff.content  # same data, same bytes


def test_no_hand_off_of_another_organizations_customer(org, other_org, noticed):  # type: ignore[no-untyped-def]
    foreign = CustomerFactory(organization=other_org)
    with pytest.raises(type(foreign).DoesNotExist):
        build_handoff(org, foreign, as_of=AFTER_DEADLINE)


def test_the_hand_off_says_which_interest_is_to_be_completed_and_by_which_rule(org, noticed):  # type: ignore[no-untyped-def]
    # 7 December 2026: the rates of 2026 S2 are not published, the interest of its days is claimed by its rule
    handoff = build_handoff(org, noticed, as_of=date(2026, 12, 7))
    assert _check(handoff.data, json.loads(SCHEMA.read_text())) == []
    claim = next(c for c in handoff.data["claims"] if c["invoice"] == "F-5")
    assert claim["interest_complete"] is False
    assert claim["interest_to_complete"] == [
        "taux de refinancement de la BCE en vigueur le 1er juillet 2026 majoré de 10 points, à compter du 1er juillet "
        "2026"
    ]
    assert claim["not_computed"] == ""
