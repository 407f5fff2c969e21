"""``recouvre import einvoice FILE...`` and ``recouvre import einvoice-status FILE``: exit codes 0/1/2, the JSON
shape; and the import page with several e-invoices at once, then a status file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from recouvre.cli import main
from recouvre.collections.models import Hold
from recouvre.ledger.models import CreditNote, Invoice
from recouvre.web.views.imports import SESSION_KEY

from .documents import cii, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def folders(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.DATA_DIR = tmp_path
    with translation.override("en"):
        yield


def cli(capsys, *argv: object) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_several_files_with_json(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    invoice = write(tmp_path, "FA-1001.pdf", pdf(cii()))
    note = write(
        tmp_path,
        "AV-1.xml",
        cii("AV-1", type_code="381", referenced="FA-1001", due=None, excl="100.00", tax="20.00", total="120.00"),
    )  # noqa: E501
    code, out, _err = cli(capsys, "import", "einvoice", invoice, note, "--org", "acme", "--json")
    assert code == 0
    payload = json.loads(out)
    assert list(payload) == ["created", "unchanged", "documents", "warnings", "errors"]
    assert (payload["created"], payload["unchanged"], payload["errors"]) == (2, 0, [])
    assert [(d["number"], d["kind"], d["due_date"], d["open_amount"]) for d in payload["documents"]] == [
        ("FA-1001", "invoice", "2026-02-04", "1200.00"),
        ("AV-1", "credit_note", None, "120.00"),
    ]
    assert Invoice.objects.get(number="FA-1001").open_amount == 1080
    code, out, _err = cli(capsys, "import", "einvoice", invoice, note, "--json")
    assert code == 0 and (json.loads(out)["created"], json.loads(out)["unchanged"]) == (0, 2)


def test_refused_exit_1_nothing_written(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    good = write(tmp_path, "good.xml", cii())
    bad = write(tmp_path, "plain.pdf", pdf())
    code, out, _err = cli(capsys, "import", "einvoice", good, bad, "--json")
    assert code == 1
    payload = json.loads(out)
    assert (payload["created"], payload["documents"]) == (0, [])
    assert payload["errors"] == [
        {
            "file": "plain.pdf",
            "line": 0,
            "field": "PDF",
            "message": "the PDF has no attached invoice XML (factur-x.xml): it is a plain PDF, not a Factur-X or "
            "ZUGFeRD invoice",
        }
    ]
    assert not Invoice.objects.exists()
    code, _out, err = cli(capsys, "import", "einvoice", bad)
    assert code == 1
    assert "refused, nothing was written (1 error):" in err and "plain.pdf, PDF: the PDF has no attached" in err


def test_human_output_and_dry_run(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "a.xml", cii(due=None))
    code, out, _err = cli(capsys, "import", "einvoice", path, "--dry-run")
    assert code == 0
    assert (
        "FA-1001 (invoice) Boulangerie Martin SARL [411BOULANGE], issued 2026-01-05, due 2026-02-04: 1200.00 EUR" in out
    )
    assert "1 file(s): 1 created, 0 unchanged (dry run: nothing written)" in out
    assert "warning: a.xml: FA-1001 gives no due date: due on 2026-02-04 from the organization's payment terms" in out
    assert not Invoice.objects.exists()


def test_usage_errors_exit_2(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "a.xml", cii())
    assert cli(capsys, "import", "einvoice", tmp_path / "missing.xml")[0] == 2
    assert cli(capsys, "import", "einvoice", path, "--mapping", "x")[0] == 2
    code, _out, err = cli(capsys, "import", "invoices", path, path)
    assert code == 2 and "invoices takes one file at a time" in err
    assert cli(capsys, "import", "einvoice-status", path, path)[0] == 2


def test_status_file_from_the_command_line(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cli(capsys, "import", "einvoice", write(tmp_path, "a.xml", cii()))
    rows = write(
        tmp_path, "statuts.json", json.dumps([{"invoice": "FA-1001", "status": 207, "date": "2026-01-20"}]).encode()
    )
    code, out, _err = cli(capsys, "import", "einvoice-status", rows, "--json")
    assert code == 0
    payload = json.loads(out)
    assert (payload["created"], payload["unchanged"], payload["errors"]) == (1, 0, [])
    assert payload["statuses"] == [
        {"number": "FA-1001", "code": 207, "status": "En litige", "date": "2026-01-20", "effect": "dispute",
         "outcome": "created", "note": ""}
    ]  # fmt: skip
    assert Hold.objects.get().kind == "dispute"
    code, out, _err = cli(capsys, "import", "einvoice-status", rows)
    assert code == 0 and "0 status(es) applied, 1 already received" in out
    bad = write(tmp_path, "bad.csv", b"invoice;status;date\nNOPE;207;2026-01-20\n")
    code, out, _err = cli(capsys, "import", "einvoice-status", bad, "--json")
    assert code == 1
    assert json.loads(out)["errors"] == [
        {"file": "bad.csv", "line": 2, "field": "invoice", "message": "unknown invoice NOPE"}
    ]


def test_the_import_page_takes_several_e_invoices(logged_client, org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    files = [
        SimpleUploadedFile("FA-1001.pdf", pdf(cii()), content_type="application/pdf"),
        SimpleUploadedFile(
            "AV-1.xml", cii("AV-1", type_code="381", referenced="FA-1001", due=None), content_type="text/xml"
        ),  # noqa: E501
    ]
    preview = logged_client.post(reverse("import"), {"kind": "einvoice", "file": files})
    assert preview.status_code == 200
    assert preview.context["errors"] == []
    assert [d.number for d in preview.context["result"].documents] == ["FA-1001", "AV-1"]
    assert 'data-number="AV-1"' in preview.content.decode()
    assert not Invoice.objects.exists()
    token = preview.context["token"]
    assert len(logged_client.session[SESSION_KEY][token]["files"]) == 2
    done = logged_client.post(reverse("import_confirm"), {"token": token})
    assert done.status_code == 200 and done.context["errors"] == []
    assert CreditNote.objects.get(number="AV-1").invoice.number == "FA-1001"
    assert list((tmp_path / "uploads").iterdir()) == []

    status = SimpleUploadedFile(
        "statuts.csv", b"invoice;status;date\nFA-1001;213;2026-01-10\n", content_type="text/csv"
    )
    preview = logged_client.post(reverse("import"), {"kind": "einvoice_status", "file": status})
    assert preview.context["errors"] == [] and preview.context["result"].created == 1
    logged_client.post(reverse("import_confirm"), {"token": preview.context["token"]})
    assert Hold.objects.get().kind == "einvoice_rejected"


def test_the_import_page_refuses_several_files_of_another_kind(logged_client, org) -> None:  # type: ignore[no-untyped-def]
    files = [SimpleUploadedFile(n, b"a;b\n1;2\n", content_type="text/csv") for n in ("a.csv", "b.csv")]
    page = logged_client.post(reverse("import"), {"kind": "customers", "file": files})
    assert page.status_code == 400
    assert page.context["form"].errors["file"]


def test_a_refused_e_invoice_on_the_import_page(logged_client, org) -> None:  # type: ignore[no-untyped-def]
    bad = SimpleUploadedFile("x.xml", b"<x/>", content_type="text/xml")
    preview = logged_client.post(reverse("import"), {"kind": "einvoice", "file": bad})
    (error,) = preview.context["errors"]
    assert (error.file, error.field) == ("x.xml", "XML")
    assert "x.xml: XML" in preview.content.decode()


def test_a_file_over_max_size_refuses_them_all_before_reading(org, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small = write(tmp_path, "small.xml", cii())
    large = write(tmp_path, "large.pdf", pdf(cii("FA-1002")))
    limit = large.stat().st_size - 1
    assert small.stat().st_size <= limit
    code, out, _err = cli(capsys, "import", "einvoice", small, large, "--max-size", limit, "--json")
    assert code == 1
    payload = json.loads(out)
    assert (payload["created"], payload["documents"]) == (0, [])
    assert [(e["file"], e["line"], e["field"]) for e in payload["errors"]] == [("large.pdf", 0, "file")]
    assert payload["errors"][0]["message"].startswith("the file is ")
    assert payload["errors"][0]["message"].endswith(" accepted for an import")
    assert not Invoice.objects.exists()
    code, out, err = cli(capsys, "import", "einvoice", large, "--max-size", "1K")
    assert (code, out) == (1, "")
    assert "refused, nothing was written (1 error):" in err and "more than the 1 KB accepted for an import" in err
    assert cli(capsys, "import", "einvoice", small, large, "--max-size", "10M", "--json")[0] == 0
    assert Invoice.objects.count() == 2
