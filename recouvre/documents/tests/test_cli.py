"""``recouvre documents import DIR``: a folder of invoice PDFs attached to their invoices, all or nothing."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from recouvre.cli import main
from recouvre.documents.bulk import candidates
from recouvre.documents.models import Document
from recouvre.ledger.models import Event
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

from .conftest import png_bytes

pytestmark = pytest.mark.django_db


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def invoices(org, other_org):  # type: ignore[no-untyped-def]
    dupont = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")
    martin = CustomerFactory(organization=org, ref="411MARTIN", name="Martin SA")
    made = {
        number: InvoiceFactory(customer=customer, number=number)
        for number, customer in (
            ("FA-2025-001", dupont),
            ("FA-2025-002", dupont),
            ("FA-2025-003", martin),
            ("2025-004", martin),
        )
    }
    InvoiceFactory(customer=CustomerFactory(organization=other_org), number="FA-2025-009")  # another organization's
    return made


@pytest.fixture
def folder(tmp_path, pdf):  # type: ignore[no-untyped-def]
    """Four PDFs named after invoices: as written, with a word before it, in small letters, with a prefix."""
    d = tmp_path / "factures"
    d.mkdir()
    (d / "FA-2025-001.pdf").write_bytes(pdf("Facture FA-2025-001"))
    (d / "Facture FA-2025-002.PDF").write_bytes(pdf("Facture FA-2025-002"))
    (d / "fa-2025-003.pdf").write_bytes(pdf("Facture FA-2025-003"))
    (d / "FA-2025-004.pdf").write_bytes(pdf("Facture 2025-004"))
    (d / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # hidden files are not documents
    (d / "archives").mkdir()  # nor are sub-folders
    return d


def test_a_folder_of_invoice_pdfs_is_attached_once(org, invoices, folder, capsys):  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, "documents", "import", folder, "--org", "acme", "--json")

    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "dry_run": False,
        "attached": 4,
        "unchanged": 0,
        "files": [
            {"file": "FA-2025-001.pdf", "invoice": "FA-2025-001", "status": "attached"},
            {"file": "FA-2025-004.pdf", "invoice": "2025-004", "status": "attached"},
            {"file": "Facture FA-2025-002.PDF", "invoice": "FA-2025-002", "status": "attached"},
            {"file": "fa-2025-003.pdf", "invoice": "FA-2025-003", "status": "attached"},
        ],
        "skipped": [],
        "errors": [],
    }
    for name, number in (("FA-2025-001.pdf", "FA-2025-001"), ("fa-2025-003.pdf", "FA-2025-003")):
        doc = Document.objects.get(invoice=invoices[number])
        content = (folder / name).read_bytes()
        assert (doc.kind, doc.file_name, doc.sha256) == ("invoice_pdf", name, hashlib.sha256(content).hexdigest())
        assert doc.uploaded_by_label == "cli"
    assert Event.objects.filter(kind="document.attached").count() == 4

    code, out, err = cli(capsys, "documents", "import", folder, "--org", "acme")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "  FA-2025-001.pdf: invoice FA-2025-001, already on file",
        "  FA-2025-004.pdf: invoice 2025-004, already on file",
        "  Facture FA-2025-002.PDF: invoice FA-2025-002, already on file",
        "  fa-2025-003.pdf: invoice FA-2025-003, already on file",
        f"{folder}: 0 invoice PDFs attached, 4 already on file",
    ]
    assert Document.objects.count() == 4
    assert Event.objects.filter(kind="document.attached").count() == 4


def test_a_dry_run_writes_nothing(org, invoices, folder, capsys, media_root):  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, "documents", "import", folder, "--org", "acme", "--dry-run")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == f"{folder}: 4 invoice PDFs attached, 0 already on file (dry run: nothing written)"
    assert Document.objects.count() == 0
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_one_bad_file_refuses_the_whole_folder_and_names_each_bad_file(org, invoices, folder, capsys):  # type: ignore[no-untyped-def]
    (folder / "FA-2025-999.pdf").write_bytes((folder / "FA-2025-001.pdf").read_bytes())
    (folder / "FA-2025-009.pdf").write_bytes((folder / "FA-2025-001.pdf").read_bytes())  # the rival's number
    (folder / "notes.pdf").write_text("Facture FA-2025-002: appeler le client")
    (folder / "FA-2025-002.png").write_bytes(png_bytes())
    (folder / "Copie FA-2025-001.pdf").write_bytes(b"%PDF-1.4 another file for the same invoice")

    code, out, err = cli(capsys, "documents", "import", folder, "--org", "acme")

    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"{folder}: refused, nothing was written (5 files refused):",
        "  FA-2025-001.pdf: Copie FA-2025-001.pdf is already the PDF of invoice FA-2025-001 in this folder: "
        "keep one file per invoice",
        "  FA-2025-002.png: not a PDF file (its content says otherwise, whatever its name)",
        "  FA-2025-009.pdf: no invoice of ACME Distribution SAS has the number FA-2025-009, nor does the name end "
        "with one",
        "  FA-2025-999.pdf: no invoice of ACME Distribution SAS has the number FA-2025-999, nor does the name end "
        "with one",
        "  notes.pdf: not a PDF file (its content says otherwise, whatever its name)",
        "  notes.pdf: no invoice of ACME Distribution SAS has the number notes, nor does the name end with one",
    ]
    assert Document.objects.count() == 0
    assert Event.objects.filter(kind="document.attached").count() == 0


def test_refusal_in_json(org, invoices, tmp_path, capsys):  # type: ignore[no-untyped-def]
    (tmp_path / "FA-2025-001.pdf").write_bytes(b"")
    code, out, err = cli(capsys, "documents", "import", tmp_path, "--org", "acme", "--json")
    assert (code, err) == (1, "")
    assert json.loads(out) == {
        "dry_run": False,
        "attached": 0,
        "unchanged": 0,
        "files": [],
        "skipped": [],
        "errors": [{"file": "FA-2025-001.pdf", "reason": "the file is empty"}],
    }


def test_symbolic_links_are_skipped_never_followed(org, other_org, invoices, tmp_path, capsys, pdf):  # type: ignore[no-untyped-def]
    from recouvre.documents.services import attach_document
    from recouvre.documents.storage import absolute_path
    from recouvre.ledger.actors import CLI
    from recouvre.ledger.models import Invoice

    rival_invoice = Invoice.objects.get(organization=other_org, number="FA-2025-009")
    rival_pdf = pdf("Facture confidentielle du concurrent")
    stored = attach_document(
        other_org, CLI, kind="invoice_pdf", file_name="FA-2025-009.pdf", content=rival_pdf, invoice=rival_invoice
    ).document
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "FA-2025-002.pdf").write_bytes(pdf("Facture FA-2025-002"))
    folder = tmp_path / "factures"
    folder.mkdir()
    (folder / "FA-2025-001.pdf").write_bytes(pdf("Facture FA-2025-001"))
    (folder / "FA-2025-003.pdf").symlink_to(absolute_path(stored.storage_path))  # another organization's stored PDF
    (folder / "FA-2025-002.pdf").symlink_to(elsewhere / "FA-2025-002.pdf")
    (folder / "anciennes").symlink_to(elsewhere, target_is_directory=True)
    capsys.readouterr()  # what drawing the PDFs logged

    code, out, err = cli(capsys, "documents", "import", folder, "--org", "acme", "--json")

    assert (code, err) == (0, "")
    link = "a symbolic link: not followed"
    assert json.loads(out) == {
        "dry_run": False,
        "attached": 1,
        "unchanged": 0,
        "files": [{"file": "FA-2025-001.pdf", "invoice": "FA-2025-001", "status": "attached"}],
        "skipped": [
            {"file": "FA-2025-002.pdf", "reason": link},
            {"file": "FA-2025-003.pdf", "reason": link},
            {"file": "anciennes", "reason": link},
        ],
        "errors": [],
    }
    assert list(Document.objects.filter(organization=org).values_list("invoice__number", flat=True)) == ["FA-2025-001"]
    assert not Document.objects.filter(organization=org, sha256=stored.sha256).exists()

    code, out, err = cli(capsys, "documents", "import", folder, "--org", "acme")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "  FA-2025-001.pdf: invoice FA-2025-001, already on file",
        "  FA-2025-002.pdf: skipped, a symbolic link: not followed",
        "  FA-2025-003.pdf: skipped, a symbolic link: not followed",
        "  anciennes: skipped, a symbolic link: not followed",
        f"{folder}: 0 invoice PDFs attached, 1 already on file",
    ]


def test_file_names_are_printed_escaped_never_sent_raw_to_the_terminal(org, invoices, tmp_path, capsys, pdf):  # type: ignore[no-untyped-def]
    folder = tmp_path / "factures"
    folder.mkdir()
    clear_screen = "\x1b[Hfacture FA-2025-001.pdf"  # cursor home, then a name ending with the invoice number
    (folder / clear_screen).write_bytes(pdf("Facture FA-2025-001"))
    capsys.readouterr()  # what drawing the PDFs logged

    code, out, err = cli(capsys, "documents", "import", folder, "--org", "acme")

    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "  \\x1b[Hfacture FA-2025-001.pdf: invoice FA-2025-001, attached"
    assert "\x1b" not in out
    assert Document.objects.get(invoice=invoices["FA-2025-001"]).file_name == "[Hfacture FA-2025-001.pdf"

    title = "\x1b]0;pwned\x07\u202efdp.pdf"  # sets the window title, then reverses what follows
    (folder / title).write_bytes(pdf("Autre"))
    (folder / os.fsdecode(b"relev\xe9.pdf")).write_bytes(pdf("Relevé"))  # a Latin-1 name, not UTF-8
    capsys.readouterr()
    code, out, err = cli(capsys, "documents", "import", folder, "--org", "acme")

    assert (code, out) == (1, "")
    no_invoice = "no invoice of ACME Distribution SAS has the number %s, nor does the name end with one"
    assert err.splitlines()[1:] == [
        "  \\x1b]0;pwned\\x07\\u202efdp.pdf: " + no_invoice % "\\x1b]0;pwned\\x07\\u202efdp",
        "  relev\\xe9.pdf: " + no_invoice % "relev\\xe9",
    ]
    assert "\x1b" not in err and "\x07" not in err and "\u202e" not in err

    code, out, err = cli(capsys, "documents", "import", folder, "--org", "acme", "--json")
    assert (code, err) == (1, "")
    assert [e["file"] for e in json.loads(out)["errors"]] == [title, os.fsdecode(b"relev\xe9.pdf")]


def test_a_missing_folder_is_a_usage_error(org, tmp_path, capsys):  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, "documents", "import", tmp_path / "nowhere", "--org", "acme")
    assert code == 2
    assert err == f"recouvre: error: {tmp_path / 'nowhere'}: no such folder\n"


def test_which_numbers_a_file_name_may_stand_for():  # type: ignore[no-untyped-def]
    assert candidates("FA-2025-001") == ["FA-2025-001", "2025-001"]
    assert candidates("Facture fa-2025-001") == [
        "Facture fa-2025-001",
        "FACTURE FA-2025-001",
        "fa-2025-001",
        "FA-2025-001",
        "2025-001",
    ]
    # after a prefix with digits, no shorter number is tried: "2025-001" does not stand for invoice "001"
    assert candidates("2025-001") == ["2025-001"]
