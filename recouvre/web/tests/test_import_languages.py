"""The import page names a bad file's errors in the reader's language: French by default or when the browser
asks for it, English when the browser or the language switcher asks for it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from .helpers import text

pytestmark = pytest.mark.django_db

BAD_INVOICES = (
    "invoice_number;customer_id;issue_date;amount_incl_tax\nF-1;411A;31/02/2025;100,00\nF-2;411A;01/03/2025;12,3a\n"
)
NO_AMOUNT = "invoice_number;customer_id;issue_date\nF-1;411A;01/03/2025\n"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    return tmp_path


def upload(client, name: str, content: str, **headers: str):  # type: ignore[no-untyped-def]
    payload = SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")
    data = {"kind": "invoices", "file": payload, "create_customers": "on"}
    return client.post(reverse("import"), data, **headers)


def test_errors_in_french_when_the_browser_asks_for_french(logged_client, org):
    page = upload(logged_client, "factures.csv", BAD_INVOICES, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")

    assert page.status_code == 200
    errors = [(e.line, e.field, e.message) for e in page.context["errors"]]
    assert errors == [
        (2, "issue_date", "date invalide : '31/02/2025'"),
        (3, "amount_incl_tax", "pas un montant : '12,3a'"),
    ]
    body = text(page)
    assert "factures.csv est refusé : 2 erreurs. Rien n’a été enregistré." in body
    assert "2 issue_date date invalide : '31/02/2025'" in body
    assert "3 amount_incl_tax pas un montant : '12,3a'" in body


def test_errors_in_french_by_default_and_for_a_missing_column(logged_client, org):
    page = upload(logged_client, "sans_montant.csv", NO_AMOUNT)

    assert [(e.line, e.field, e.message) for e in page.context["errors"]] == [
        (
            1,
            "total",
            "aucune colonne pour « montant TTC » (un en-tête tel que 'amount_incl_tax', 'amount incl tax', "
            "'amount including tax', 'total') ; colonnes trouvées : 'invoice_number', 'customer_id', 'issue_date'",
        )
    ]


def test_errors_in_english_when_the_browser_or_the_switcher_asks_for_english(logged_client, org):
    page = upload(logged_client, "invoices.csv", BAD_INVOICES, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert [(e.line, e.message) for e in page.context["errors"]] == [
        (2, "not a valid date: '31/02/2025'"),
        (3, "not an amount: '12,3a'"),
    ]
    assert "invoices.csv is refused: 2 errors. Nothing was written." in text(page)

    logged_client.post(reverse("set_language"), {"language": "en", "next": reverse("import")})
    page = upload(logged_client, "invoices.csv", BAD_INVOICES, HTTP_ACCEPT_LANGUAGE="fr")  # the choice wins
    assert [(e.line, e.message) for e in page.context["errors"]] == [
        (2, "not a valid date: '31/02/2025'"),
        (3, "not an amount: '12,3a'"),
    ]
