"""A dossier is for a court: the documents it draws (list of exhibits, statement of the claim, invoice copies,
timeline) carry no link to the customer portal, even when the reminders sent to the customer did; the reminders
and the formal notice are exhibits exactly as they were sent."""

from __future__ import annotations

import email
import email.policy
import zipfile

import pytest

from recouvre.cli import main

from .conftest import pdf_text

pytestmark = pytest.mark.django_db

BASE = "https://pay.acme.example"


@pytest.fixture
def public_url(settings):  # type: ignore[no-untyped-def]
    settings.RECOUVRE_PUBLIC_URL = BASE
    return BASE


def test_the_documents_the_dossier_draws_carry_no_link(public_url, story, tmp_path, capsys):  # type: ignore[no-untyped-def]
    [(_rcpt, sent)] = story.received
    reminder = email.message_from_bytes(sent, policy=email.policy.default)
    assert f"{BASE}/p/" in str(reminder.get_body(("plain",)).get_content())  # the customer was given its link
    assert f"{BASE}/p/" in "".join(pdf_text(bytes(story.letter.pdf)).split())

    out = tmp_path / "dupont.zip"
    assert main(["dossier", "411DUPONT", "--org", "acme", "--as-of", "2026-04-15", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    assert contents["06-relance-2026-03-02.eml"] == sent  # as sent
    assert contents["07-mise-en-demeure-2026-03-16.pdf"] == bytes(story.letter.pdf)
    drawn = [
        "00-bordereau-des-pieces.pdf",
        "05-facture-FA-2026-002-copie.pdf",
        "08-decompte.pdf",
        "chronologie.pdf",
    ]
    for name in drawn:
        flat = "".join(pdf_text(contents[name]).split())
        # The timeline says a link was created (an event), never the link itself.
        needles = (
            ("/p/", "pay.acme.example") if name == "chronologie.pdf" else ("/p/", "pay.acme.example", "espaceclient")
        )
        for needle in needles:
            assert needle not in flat, (name, needle)
    for name in ("00-bordereau-des-pieces.csv", "chronologie.csv", "README.txt", "MANIFEST.sha256"):
        assert b"/p/" not in contents[name] and BASE.encode() not in contents[name], name
