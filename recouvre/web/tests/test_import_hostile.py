"""The import page fed hostile files: too large, a workbook with a DTD, more errors than anyone reads, a database
that fails on confirmation, a data directory that cannot be written. Each gives a clear page, never a server
error, and no upload is left behind."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook  # type: ignore[import-untyped]

from recouvre.imports.models import ImportRun, ImportStatus
from recouvre.ledger.models import Customer, Invoice

from .helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return logged_client


def uploads(data_dir: Path) -> list[Path]:
    folder = data_dir / "uploads"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def post(client, name: str, data: bytes, kind: str = "customers", **extra: str):  # type: ignore[no-untyped-def]
    payload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(reverse("import"), {"kind": kind, "file": payload, **extra})


def customers_csv(count: int) -> bytes:
    return ("customer_id;name\n" + "".join(f"C{n:05d};Client {n}\n" for n in range(count))).encode()


def test_an_upload_over_the_limit_is_refused_by_the_form_and_not_kept(english, org, settings, data_dir) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORTS_MAX_UPLOAD_BYTES = 2048
    response = post(english, "customers.csv", customers_csv(300))
    assert response.status_code == 400
    assert response.context["form"].errors == {"file": ["The file is larger than the 2 KB accepted for an import."]}
    assert "File: The file is larger than the 2 KB accepted for an import." in text(response)
    assert uploads(data_dir) == []
    assert Customer.objects.count() == 0 and ImportRun.objects.count() == 0

    accepted = post(english, "customers.csv", customers_csv(100))  # 1.6 KB
    assert accepted.status_code == 200 and accepted.context["result"].created == 100


def test_the_default_limit_takes_a_100_000_line_csv(english, org, data_dir) -> None:  # type: ignore[no-untyped-def]
    rows = "".join(
        f"FAC-2025-{n:07d};C{n % 5000:05d};15/01/2025;15/02/2025;{n % 997 + 10},50;EUR;Client {n % 5000} SARL\n"
        for n in range(100_000)
    )
    data = ("invoice_number;customer_id;issue_date;due_date;amount_incl_tax;currency;customer_name\n" + rows).encode()
    assert len(data) > 7_000_000
    response = post(english, "invoices.csv", data, kind="invoices", create_customers="on")
    assert response.status_code == 200
    assert response.context["errors"] == [] and response.context["result"].created == 100_000
    assert "Confirm import" in text(response)
    assert Invoice.objects.count() == 0  # a preview


def test_the_page_still_checks_the_csrf_token(user, org, data_dir) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    assert post(client, "customers.csv", customers_csv(2)).status_code == 403
    assert uploads(data_dir) == []
    client.get(reverse("import"))
    token = client.cookies["csrftoken"].value
    response = post(client, "customers.csv", customers_csv(2), csrfmiddlewaretoken=token)
    assert response.status_code == 200 and response.context["result"].created == 2


def test_a_workbook_with_a_dtd_is_refused_and_not_kept(english, org, data_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    wb = Workbook()
    wb.active.append(["customer_id", "name"])
    wb.active.append(["C001", "ACME"])
    source = tmp_path / "source.xlsx"
    wb.save(source)
    path = tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaa">]>' + data
            out.writestr(info.filename, data)
    response = post(english, "dtd.xlsx", path.read_bytes())
    assert response.status_code == 200
    body = text(response)
    assert "dtd.xlsx is refused: 1 error. Nothing was written." in body
    assert "holds a document type declaration (<!DOCTYPE>), which a workbook never needs" in body
    assert uploads(data_dir) == []
    assert Customer.objects.count() == 0


def test_600_bad_lines_show_the_first_200_and_the_count(english, org, data_dir) -> None:  # type: ignore[no-untyped-def]
    data = ("customer_id;name;email\n" + "".join(f"C{n};Client {n};not-an-email\n" for n in range(600))).encode()
    response = post(english, "customers.csv", data)
    body = text(response)
    assert "customers.csv is refused: 600 errors. Nothing was written." in body
    assert "200 of 600 errors shown: correct these lines and check the file again to see the others." in body
    assert response.content.decode().count("not an e-mail address") == 200
    assert uploads(data_dir) == []


@pytest.fixture
def full_sqlite(org):  # type: ignore[no-untyped-def]
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's page limit")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA max_page_count")
        before = cursor.fetchone()[0]
    yield lambda: connection.cursor().execute(f"PRAGMA max_page_count = {pages + 30}")
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA max_page_count = {before}")


@pytest.mark.django_db(transaction=True)
def test_a_full_disk_on_confirmation_is_a_clear_page(english, org, full_sqlite, data_dir) -> None:  # type: ignore[no-untyped-def]
    data = "customer_id;name;city\n" + "".join(f"C{n:05d};Client {n} {'x' * 150};Paris\n" for n in range(3000))
    preview = post(english, "customers.csv", data.encode())
    assert preview.context["result"].created == 3000
    full_sqlite()
    response = english.post(reverse("import_confirm"), {"token": preview.context["token"]})
    assert response.status_code == 200
    body = text(response)
    assert "The import of customers.csv failed: nothing from the file was written." in body
    assert "the disk is full (database or disk is full)" in body
    assert uploads(data_dir) == []
    assert Customer.objects.count() == 0
    assert ImportRun.objects.get().status == ImportStatus.FAILED
    history = text(english.get(reverse("import")))
    assert "customers.csv" in history and "Failed the disk is full (database or disk is full)" in history


def test_an_upload_that_cannot_be_stored_is_a_clear_error(english, org, data_dir) -> None:  # type: ignore[no-untyped-def]
    (data_dir / "uploads").write_text("a file where the uploads folder should be")
    response = post(english, "customers.csv", customers_csv(2))
    assert response.status_code == 503
    assert "The file could not be stored: the file could not be read or written ([Errno 17] File exists:" in text(
        response
    )
    assert Customer.objects.count() == 0
