"""``recouvre dossier``: Dupont's dossier as a ZIP a court can check with ``sha256sum -c``, and its verification."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
import shutil
import subprocess
import zipfile

import pytest

from recouvre.cli import main
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe

from .conftest import ACTOR, AS_OF, TRACKING, make_customer, pdf_text

pytestmark = pytest.mark.django_db

NAMES = [
    "00-bordereau-des-pieces.pdf",
    "00-bordereau-des-pieces.csv",
    "01-contrat.pdf",
    "02-cgv.pdf",
    "03-preuve-de-livraison.pdf",
    "04-facture-FA-2026-001.pdf",
    "05-facture-FA-2026-002-copie.pdf",
    "06-relance-2026-03-02.eml",
    "07-mise-en-demeure-2026-03-16.pdf",
    "08-decompte.pdf",
    "chronologie.pdf",
    "chronologie.csv",
    "README.txt",
    "MANIFEST.sha256",
]


@pytest.fixture
def dossier(story, tmp_path, capsys):  # type: ignore[no-untyped-def]
    out = tmp_path / "dupont.zip"
    assert main(["dossier", "411DUPONT", "--org", "acme", "--as-of", "2026-04-15", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "8 exhibits written to" in printed
    return out


def test_the_dossier_holds_the_exhibits_and_sha256sum_agrees_with_its_manifest(story, dossier, tmp_path, capsys):  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(dossier) as archive:
        assert archive.namelist() == NAMES
        dates = {i.filename: i.date_time[:3] for i in archive.infolist()}
        archive.extractall(tmp_path / "x")
    assert dates["01-contrat.pdf"] == (2026, 2, 1)
    assert dates["06-relance-2026-03-02.eml"] == (2026, 3, 2)
    assert dates["MANIFEST.sha256"] == (2026, 4, 15)
    folder = tmp_path / "x"
    manifest = (folder / "MANIFEST.sha256").read_text().splitlines()
    assert len(manifest) == len(NAMES) - 1
    assert manifest[2].endswith("  01-contrat.pdf") and len(manifest[2].split("  ")[0]) == 64

    sha256sum = shutil.which("sha256sum")
    assert sha256sum, "coreutils' sha256sum is needed to check the manifest as a court would"
    done = subprocess.run([sha256sum, "-c", "MANIFEST.sha256"], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": OK") == len(NAMES) - 1

    assert main(["dossier", "verify", str(dossier)]) == 0
    assert "13 files checked: every file matches the manifest." in capsys.readouterr().out

    # The same bytes the SMTP server received, and the documents on file byte for byte.
    assert (folder / "06-relance-2026-03-02.eml").read_bytes() == story.received[0][1]
    message = email.message_from_bytes(story.received[0][1], policy=email.policy.default)
    assert message["To"] == "compta@dupont.example"
    assert (folder / "01-contrat.pdf").read_bytes() == story.files["contract"]
    assert (folder / "04-facture-FA-2026-001.pdf").read_bytes() == story.files["invoice_pdf"]
    assert (folder / "07-mise-en-demeure-2026-03-16.pdf").read_bytes() == bytes(story.letter.pdf)

    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert "DOSSIER DE RECOUVREMENT – ACME Distribution SAS contre Dupont SARL (compte 411DUPONT)" in readme
    assert "sha256sum -c MANIFEST.sha256" in readme and "recouvre dossier verify FICHIER.zip" in readme

    rows = (folder / "00-bordereau-des-pieces.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("N°;Pièce;Type;Date;Fichier;SHA-256;Envoyé le;Posté le;Numéro de suivi;Réceptionné le")
    assert rows[6].startswith(
        "6;E-mail de relance envoyé le 02/03/2026;reminder_email;2026-03-02;06-relance-2026-03-02.eml;"
    )
    assert rows[6].endswith(";2026-03-02T09:00:00+01:00;;;")
    assert rows[7].endswith(f";;2026-03-16;{TRACKING};2026-03-19")

    (event,) = Event.objects.filter(kind="dossier.exported")
    assert event.customer == story.customer
    assert describe(event).startswith(
        "Evidence dossier on 2026-04-15 exported (8 exhibits): dossier-411DUPONT-2026-04-15.zip, SHA-256 "
    )


def test_the_timeline_gives_each_event_its_place_in_the_chain_and_the_readme_the_head(story, dossier, tmp_path):  # type: ignore[no-untyped-def]
    from recouvre.ledger.chain import verify

    head = Event.objects.filter(organization=story.customer.organization, seq__isnull=False).order_by("-seq").first()
    assert head is not None  # the export sealed the organization's events first
    with zipfile.ZipFile(dossier) as archive:
        readme = archive.read("README.txt").decode("utf-8")
        rows = archive.read("chronologie.csv").decode("utf-8-sig").splitlines()
        timeline = " ".join(pdf_text(archive.read("chronologie.pdf")).split())
    assert f"Tête de la chaîne au 15/04/2026 :\n  événement n° {head.seq}\n  maillon {head.hash}\n" in readme
    assert "printf '%s%s%s' MAILLON_PRÉCÉDENT EMPREINTE NUMÉRO | sha256sum" in readme
    assert head.hash in timeline.replace(" ", "")  # the head, above the events
    header, *events = list(csv.reader(rows, delimiter=";"))
    # the date, the sentence, the kind, who; then the number in the chain, the digest, the previous link, the link
    assert header[:4] == ["Date et heure", "Événement", "Type", "Par"] and len(header) == 8
    assert len(events) == Event.objects.filter(customer=story.customer, seq__isnull=False).count()
    for _at, _text, _kind, _by, seq, digest, previous, link in events:
        # the check README.txt gives, as a court would run it
        done = subprocess.run(
            ["sh", "-c", 'printf "%s%s%s" "$0" "$1" "$2" | sha256sum', previous, digest, seq],
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout.split()[0] == link
        assert Event.objects.get(organization=story.customer.organization, seq=int(seq)).hash == link
    assert verify(story.customer.organization, expect={head.seq: head.hash}).intact


def test_every_generated_pdf_carries_its_mentions(story, dossier):  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(dossier) as archive:
        bordereau = pdf_text(archive.read("00-bordereau-des-pieces.pdf"))
        timeline = pdf_text(archive.read("chronologie.pdf"))
        statement = pdf_text(archive.read("08-decompte.pdf"))
        copy = pdf_text(archive.read("05-facture-FA-2026-002-copie.pdf"))
    for text in (bordereau, timeline, statement, copy):
        for party in ("Créancier", "ACME Distribution SAS", "SIREN 552100554", "Débiteur", "Dupont SARL", "411DUPONT"):
            assert party in text, party
        assert "Page 1 / " in text
    flat = " ".join(bordereau.split())
    assert "Bordereau de pièces" in flat
    assert "Bordereau des 8 pièces communiquées à l’appui de la demande, au 15/04/2026." in flat
    assert "Facture FA-2026-002 du 20/01/2026 (copie générée à partir de la comptabilité)" in flat
    assert f"(numéro de suivi {TRACKING}), réceptionnée le 19/03/2026" in flat
    assert "E-mail de relance envoyé le 02/03/2026 Envoyé le 09:00:00 (heure de Paris)" in flat
    assert "sha256sum -c MANIFEST.sha256" in flat
    flat = " ".join(timeline.split())
    assert "Historique du compte" in flat
    assert "Facture FA-2026-001 de 1200.00 EUR" in flat
    assert f"Lettre recommandée (numéro de suivi {TRACKING}) reçue par le client le 2026-03-19." in flat
    assert "COPIE – générée à partir des écritures comptables ; ce n’est pas la facture originale." in copy
    assert "ACME Distribution SAS – 411DUPONT – Facture FA-2026-002 Page 1 / 1" in copy  # the foot of every page


def test_a_changed_file_is_named_by_verify_and_by_sha256sum(dossier, tmp_path, capsys):  # type: ignore[no-untyped-def]
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(dossier) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "08-decompte.pdf":
                data = data.replace(b"%%EOF", b"%%EOF\n% one more line")
                assert data != src.read(info.filename)
            dst.writestr(info, data)
    capsys.readouterr()
    assert main(["dossier", "verify", str(tampered)]) == 1
    err = capsys.readouterr().err
    assert "08-decompte.pdf: its SHA-256 differs from the manifest: the file was changed" in err
    assert "1 problem(s) found" in err

    assert main(["dossier", "verify", str(tampered), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and [p["file"] for p in report["problems"]] == ["08-decompte.pdf"]

    with zipfile.ZipFile(tampered) as archive:
        archive.extractall(tmp_path / "t")
    done = subprocess.run(["sha256sum", "-c", "MANIFEST.sha256"], cwd=tmp_path / "t", capture_output=True, text=True)
    assert done.returncode == 1
    assert "08-decompte.pdf: FAILED" in done.stdout


def test_the_same_data_gives_the_same_zip(story, tmp_path):  # type: ignore[no-untyped-def]
    from recouvre.dossier.bundle import build_dossier

    first = build_dossier(story.customer.organization, story.customer, as_of=AS_OF)
    second = build_dossier(story.customer.organization, story.customer, as_of=AS_OF)
    assert first.content == second.content


def test_nothing_of_another_customer_or_organization(org, other_org, story, tmp_path, capsys):  # type: ignore[no-untyped-def]
    from recouvre.testing.factories import InvoiceFactory

    martin = make_customer(org, ref="411MARTIN", name="Martin SA")
    InvoiceFactory(customer=martin, number="FA-MARTIN-1")
    rival = make_customer(other_org, ref="411DUPONT", name="Dupont SARL (rival)")
    InvoiceFactory(customer=rival, number="FA-RIVAL-1")
    out = tmp_path / "d.zip"
    assert main(["dossier", "411DUPONT", "--org", "acme", "--as-of", "2026-04-15", "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["file"] == str(out) and printed["customer"] == "411DUPONT" and printed["as_of"] == "2026-04-15"
    assert [e["file_name"] for e in printed["exhibits"]] == NAMES[2:10]
    email_exhibit = printed["exhibits"][5]
    assert email_exhibit["sent_at"] == "2026-03-02T09:00:00+01:00"
    assert email_exhibit["sha256"] == email_exhibit["recorded_sha256"]  # the bytes are those hashed when sent
    assert printed["exhibits"][6]["tracking_number"] == TRACKING
    assert sorted(printed["files"]) == sorted(NAMES[:-1])
    with zipfile.ZipFile(out) as archive:
        texts = [
            pdf_text(archive.read(n)) if n.endswith(".pdf") else archive.read(n).decode("utf-8", "replace")
            for n in archive.namelist()
        ]
    for text in texts:
        assert "MARTIN" not in text and "Martin SA" not in text and "RIVAL" not in text and "rival" not in text


def test_usage_errors(story, tmp_path, capsys):  # type: ignore[no-untyped-def]
    assert main(["dossier", "411NOBODY", "--org", "acme", "--out", str(tmp_path / "x.zip")]) == 2
    assert "no customer with the account '411NOBODY' in acme" in capsys.readouterr().err
    assert main(["dossier", "411DUPONT", "--org", "acme"]) == 2
    assert "--out FILE.zip" in capsys.readouterr().err
    not_zip = tmp_path / "n.zip"
    not_zip.write_bytes(b"hello")
    assert main(["dossier", "verify", str(not_zip)]) == 1
    assert "not a ZIP file" in capsys.readouterr().err


def test_the_statement_of_the_claim_lists_a_disputed_invoice_apart_and_does_not_claim_it(org, story):  # type: ignore[no-untyped-def]
    from datetime import date

    from recouvre.collections.holds import open_dispute
    from recouvre.dossier.bundle import build_dossier

    open_dispute(org, story.invoices["FA-2026-002"], reason_code="quality", actor=ACTOR, today=date(2026, 4, 1))
    with zipfile.ZipFile(io.BytesIO(build_dossier(org, story.customer, as_of=AS_OF).content)) as archive:
        name = next(n for n in archive.namelist() if n.endswith("-decompte.pdf"))
        flat = " ".join(pdf_text(archive.read(name)).split())
    assert "Factures non réclamées" in flat
    assert "FA-2026-002 19/02/2026 en litige 400,00 €" in flat  # 480.00 less the 80.00 paid
    assert "FA-2026-002 20/01/2026" not in flat  # not among the invoices claimed
