"""``recouvre letters``: list the letters to post, print them all into one PDF, record posting and receipt."""

from __future__ import annotations

import json

import pytest

from recouvre.cli import main
from recouvre.collections.models import Action
from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.letters.models import Letter

from .conftest import AS_OF, NOW, five_invoices, make_customer, pdf_pages, pdf_text

ACTOR = Actor.system("test")
pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(org, notice_policy):  # type: ignore[no-untyped-def]
    five_invoices(make_customer(org))
    run_collections(org, AS_OF, actor=ACTOR)
    from recouvre.letters.services import produce_due_letters

    produce_due_letters(org, now=NOW, actor=ACTOR)
    return Letter.objects.get()


def test_list_print_post_and_acknowledge_from_the_command_line(ready, capsys, tmp_path):  # type: ignore[no-untyped-def]
    assert main(["letters", "--org", "acme", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(x["action_id"], x["customer"], x["registered"], x["subject"]) for x in listed] == [
        (ready.action_id, "411DUPONT", True, "Mise en demeure de payer")
    ]
    assert listed[0]["sha256"] == ready.pdf_sha256 and listed[0]["posted_on"] is None

    out = tmp_path / "a-poster.pdf"
    assert main(["letters", "print", "--out", str(out)]) == 0
    assert "1 letter (2 pages) written to" in capsys.readouterr().out  # a formal notice: two pages
    assert pdf_pages(out.read_bytes()) == 2
    assert "Dupont SARL" in pdf_text(out.read_bytes())

    assert main(["letters", "posted", str(ready.action_id), "--on", "2026-03-27"]) == 1
    assert "a registered letter needs its tracking number" in capsys.readouterr().err
    assert Action.objects.get().state == "ready"

    args = ["letters", "posted", str(ready.action_id), "--on", "27/03/2026", "--tracking", "1A12345678901", "--json"]
    assert main(args) == 0
    posted = json.loads(capsys.readouterr().out)
    assert (posted["posted_on"], posted["tracking_number"]) == ("2026-03-27", "1A12345678901")
    assert Action.objects.get().state == "sent"

    assert main(["letters", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["letters", "print", "--out", str(tmp_path / "none.pdf")]) == 0
    assert "No letter to post: nothing written." in capsys.readouterr().out
    assert not (tmp_path / "none.pdf").exists()

    assert main(["letters", "acknowledged", str(ready.action_id), "--on", "2026-03-30"]) == 0
    assert "Registered letter" in capsys.readouterr().out
    ready.refresh_from_db()
    assert str(ready.acknowledged_on) == "2026-03-30"


def test_an_unknown_action_is_a_usage_error(ready, capsys):  # type: ignore[no-untyped-def]
    assert main(["letters", "posted", "999999", "--on", "2026-03-27", "--tracking", "1A12345678901"]) == 2
    assert "no letter produced for action 999999" in capsys.readouterr().err


def test_another_organizations_letter_is_not_found_with_its_slug(ready, other_org, capsys):  # type: ignore[no-untyped-def]
    args = ["letters", "posted", str(ready.action_id), "--on", "2026-03-27", "--tracking", "1A12345678901"]
    assert main([*args, "--org", "rival"]) == 2
    assert "no letter produced for action" in capsys.readouterr().err
    assert main(["letters", "--org", "rival", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert Letter.objects.get().posted_on is None


def test_recouvre_run_produces_the_letters_due_and_dispatch_says_how_many(org, notice_policy, capsys):  # type: ignore[no-untyped-def]
    five_invoices(make_customer(org))
    assert main(["run", "--org", "acme", "--as-of", AS_OF.isoformat(), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["letters"] == 1
    assert Action.objects.get().state == "ready"
    assert main(["letters", "--json"]) == 0
    assert [x["customer"] for x in json.loads(capsys.readouterr().out)] == ["411DUPONT"]
    assert main(["dispatch", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["letters_ready"] == 0  # produced once, by the run
    assert Letter.objects.count() == 1
