"""``recouvre injonction`` and ``recouvre handoff`` as a user runs them for Dupont after its formal notice."""

from __future__ import annotations

import json
import zipfile

from recouvre.cli import main
from recouvre.ledger.models import Event

from .conftest import pdf_text


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_recouvre_injonction_writes_the_request(capsys, tmp_path, org, noticed):  # type: ignore[no-untyped-def]
    out = tmp_path / "requete.pdf"
    code, text, err = cli(capsys, "injonction", "411DUPONT", "--org", org.slug, "--as-of", "2026-04-20", "--out", out)
    assert (code, err) == (0, "")
    assert "Injonction de payer request for Dupont SARL (411DUPONT) on 2026-04-20" in text
    assert "Requête en injonction de payer" in pdf_text(out.read_bytes())
    assert Event.objects.filter(kind="proceedings.injonction_generated", customer=noticed).count() == 1

    code, text, _ = cli(capsys, "injonction", "411DUPONT", "--as-of", "2026-04-20", "--out", out, "--json")
    payload = json.loads(text)
    assert (code, payload["principal"], payload["indemnity"]) == (0, "4636.16", "200.00")


def test_recouvre_injonction_refuses_when_nothing_is_overdue(capsys, tmp_path, org, noticed):  # type: ignore[no-untyped-def]
    out = tmp_path / "requete.pdf"
    code, text, _ = cli(capsys, "injonction", "411DUPONT", "--as-of", "2026-01-10", "--out", out)
    assert code == 1
    assert "Dupont SARL has no overdue invoice in euros to claim." in text
    assert not out.exists()


def test_recouvre_handoff_writes_the_package(capsys, tmp_path, org, noticed):  # type: ignore[no-untyped-def]
    out = tmp_path / "handoff.zip"
    code, text, err = cli(capsys, "handoff", "411DUPONT", "--as-of", "2026-04-20", "--out", out, "--json")
    assert (code, err) == (0, "")
    payload = json.loads(text)
    with zipfile.ZipFile(out) as zf:
        data = json.loads(zf.read("handoff.json"))
        assert sorted(zf.namelist()) == sorted(["handoff.json"] + [f["name"] for f in data["files"]])
    assert payload["totals"] == data["totals"]
    assert data["debtor"]["ref"] == "411DUPONT"


def test_an_unknown_account_is_a_usage_error(capsys, tmp_path, org):  # type: ignore[no-untyped-def]
    code, _, err = cli(capsys, "handoff", "411NOBODY", "--out", tmp_path / "x.zip")
    assert code == 2
    assert "no customer with the account '411NOBODY'" in err
