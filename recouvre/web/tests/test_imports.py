"""The import page: upload, preview (nothing written), then confirm or cancel; errors named by line and field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recouvre.ledger.models import Customer
from recouvre.web.views.imports import SESSION_KEY

from .helpers import text

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    return tmp_path


def uploads(data_dir: Path) -> list[Path]:
    folder = data_dir / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def upload(client, name: str, kind: str, **extra: str):  # type: ignore[no-untyped-def]
    payload = SimpleUploadedFile(name, (FIXTURES / name).read_bytes(), content_type="text/csv")
    return client.post(reverse("import"), {"kind": kind, "file": payload, **extra})


def test_preview_writes_nothing_then_confirm_imports(logged_client, org, data_dir):
    page = logged_client.get(reverse("import"))
    assert page.status_code == 200
    assert "Correspondance des colonnes" in text(page)

    preview = upload(logged_client, "customers.csv", "customers")
    assert preview.status_code == 200
    body = text(preview)
    assert "Rien n’a encore été enregistré." in body
    assert "Clients 2 0 0" in body  # entity, created, updated, unchanged
    assert Customer.objects.filter(organization=org).count() == 0
    saved = uploads(data_dir)
    assert len(saved) == 1 and saved[0].suffix == ".csv" and saved[0].name != "customers.csv"
    token = preview.context["token"]
    assert logged_client.session[SESSION_KEY][token]["original_name"] == "customers.csv"

    result = logged_client.post(reverse("import_confirm"), {"token": token})
    assert result.status_code == 200
    assert "L’import est terminé." in text(result)
    assert sorted(Customer.objects.filter(organization=org).values_list("ref", "name", "city")) == [
        ("411AUTRE", "Autre Client SAS", "Nîmes"),
        ("411NOUV", "Nouvelle Épicerie SARL", "Sète"),
    ]
    assert uploads(data_dir) == []  # the uploaded copy is removed once imported

    # The same token cannot run twice.
    again = logged_client.post(reverse("import_confirm"), {"token": token}, follow=True)
    assert "Cet import a déjà été exécuté, annulé ou a expiré." in text(again)
    assert Customer.objects.filter(organization=org).count() == 2

    # The run is listed among the recent imports.
    history = text(logged_client.get(reverse("import")))
    assert "Imports récents" in history and "customers.csv" in history and "Importé" in history


def test_a_bad_file_shows_every_error_and_writes_nothing(logged_client, org, ledger, data_dir):
    preview = upload(logged_client, "invoices_bad.csv", "invoices")
    body = text(preview)
    assert "invoices_bad.csv est refusé : 2 erreurs. Rien n’a été enregistré." in body
    errors = [(e.line, e.field) for e in preview.context["errors"]]
    assert errors == [(2, "issue_date"), (3, "amount_incl_tax")]
    assert "Confirmer l’import" not in body
    assert uploads(data_dir) == []
    assert SESSION_KEY not in logged_client.session


def test_cancel_removes_the_file(logged_client, org, data_dir):
    preview = upload(logged_client, "customers.csv", "customers")
    response = logged_client.post(reverse("import_cancel"), {"token": preview.context["token"]}, follow=True)
    assert "Import annulé : rien n’a été enregistré." in text(response)
    assert uploads(data_dir) == []
    assert Customer.objects.filter(organization=org).count() == 0


def test_a_mapping_is_offered_and_applied(logged_client, org, data_dir):
    page = logged_client.get(reverse("import"))
    assert '<option value="generic-customers">generic-customers (Clients)</option>' in page.content.decode()
    preview = upload(logged_client, "customers.csv", "customers", mapping="generic-customers")
    assert preview.context["errors"] == []
    assert preview.context["result"].created == 2


def test_a_mapping_for_another_kind_of_file_is_reported(logged_client, org, data_dir):
    preview = upload(logged_client, "customers.csv", "customers", mapping="generic-invoices")
    assert "La correspondance generic-invoices concerne invoices, pas customers." in text(preview)
    assert "Confirmer l’import" not in text(preview)
    assert uploads(data_dir) == []


def test_a_name_that_is_not_offered_is_refused_by_the_form(logged_client, org, data_dir):
    response = upload(logged_client, "customers.csv", "customers", mapping="no-such-mapping")
    assert response.status_code == 400
    assert "Correspondance des colonnes :" in text(response)
    assert uploads(data_dir) == []
    assert Customer.objects.filter(organization=org).count() == 0


def test_a_preview_cannot_be_confirmed_in_another_organization(client, org, other_org, data_dir):
    from recouvre.organizations.middleware import SESSION_KEY as ORG_KEY
    from recouvre.testing.factories import MembershipFactory

    membership = MembershipFactory(organization=org, role="admin")
    MembershipFactory(organization=other_org, user=membership.user, role="admin")
    client.force_login(membership.user)
    session = client.session
    session[ORG_KEY] = org.pk
    session.save()
    preview = upload(client, "customers.csv", "customers")
    client.post(reverse("switch_organization"), {"organization": other_org.pk})

    response = client.post(reverse("import_confirm"), {"token": preview.context["token"]}, follow=True)
    assert "Cet import a déjà été exécuté, annulé ou a expiré." in text(response)
    assert Customer.objects.filter(organization__in=[org, other_org]).count() == 0
    assert uploads(data_dir) == []


def test_a_preview_left_for_more_than_a_day_expires(logged_client, org, data_dir):
    import os
    import time

    first = upload(logged_client, "customers.csv", "customers")
    [old_file] = uploads(data_dir)
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old_file, (two_days_ago, two_days_ago))
    upload(logged_client, "customers.csv", "customers")  # the next upload sweeps expired files
    assert old_file not in uploads(data_dir) and len(uploads(data_dir)) == 1
    response = logged_client.post(reverse("import_confirm"), {"token": first.context["token"]}, follow=True)
    assert "Cet import a déjà été exécuté, annulé ou a expiré." in text(response)
    assert Customer.objects.filter(organization=org).count() == 0


def test_viewers_cannot_import(member_of, data_dir):
    viewer = member_of("viewer")
    assert viewer.get(reverse("import")).status_code == 403
    assert upload(viewer, "customers.csv", "customers").status_code == 403
    assert viewer.post(reverse("import_confirm"), {"token": "x"}).status_code == 403
    assert viewer.post(reverse("import_cancel"), {"token": "x"}).status_code == 403
    assert uploads(data_dir) == []
    # The menu does not offer it; reading is allowed.
    home = viewer.get(reverse("home"))
    assert home.status_code == 200 and reverse("import") not in home.content.decode()
    assert viewer.get(reverse("aging")).status_code == 200


@pytest.mark.parametrize("role", ["admin", "credit_manager"])
def test_roles_with_the_import_permission_see_the_page(member_of, role):
    client = member_of(role)
    assert client.get(reverse("import")).status_code == 200
    assert reverse("import") in client.get(reverse("home")).content.decode()


def test_collectors_cannot_import(member_of):
    assert member_of("collector").get(reverse("import")).status_code == 403


def test_confirm_and_cancel_only_accept_post(logged_client):
    assert logged_client.get(reverse("import_confirm")).status_code == 405
    assert logged_client.get(reverse("import_cancel")).status_code == 405


def test_the_uploaded_file_waiting_for_confirmation_is_readable_by_recouvres_user_only(logged_client, org, data_dir):
    import stat

    upload(logged_client, "customers.csv", "customers")

    saved = uploads(data_dir)
    assert len(saved) == 1
    assert stat.S_IMODE(saved[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((data_dir / "uploads").stat().st_mode) == 0o700


def test_columns_not_recognised_are_chosen_on_the_preview_and_saved_as_a_mapping(logged_client, org, data_dir):
    from recouvre.imports.models import ImportMapping
    from recouvre.ledger.models import Invoice
    from recouvre.testing.factories import CustomerFactory

    CustomerFactory(organization=org, ref="411DUPONT")
    content = b"Cpte;Ref doc;Emise;Valeur\n411DUPONT;FA-77;12/03/2025;1 234,56\n"
    payload = SimpleUploadedFile("export.csv", content, content_type="text/csv")
    preview = logged_client.post(reverse("import"), {"kind": "invoices", "file": payload})
    assert preview.status_code == 200
    body = preview.content.decode()
    assert 'id="import-columns"' in body
    assert "Confirmer l’import" not in text(preview)  # refused as it is: no customer account column found
    token = preview.context["token"]
    assert len(uploads(data_dir)) == 1  # kept: only its columns are in question
    # Two fields given the same column are refused, nothing saved.
    twice = logged_client.post(
        reverse("import_columns"),
        {"token": token, "column_number": "Ref doc", "column_customer_ref": "Ref doc"},
    )
    assert "pour deux champs" in text(twice) or "for two fields" in text(twice)
    token = twice.context["token"]
    chosen = {
        "token": token,
        "column_number": "Ref doc",
        "column_customer_ref": "Cpte",
        "column_issued_on": "Emise",
        "column_total": "Valeur",
        "save_as": "mon-logiciel",
    }
    again = logged_client.post(reverse("import_columns"), chosen)
    assert again.status_code == 200 and not again.context["errors"]
    assert ImportMapping.objects.get(organization=org, name="mon-logiciel").columns == {
        "number": "Ref doc",
        "customer_ref": "Cpte",
        "issued_on": "Emise",
        "total": "Valeur",
    }
    assert Invoice.objects.filter(organization=org).count() == 0  # still a preview
    done = logged_client.post(reverse("import_confirm"), {"token": again.context["token"]})
    assert done.status_code == 200
    assert list(Invoice.objects.filter(organization=org).values_list("number", "total")) == [
        ("FA-77", Decimal("1234.56"))
    ]
    assert uploads(data_dir) == []


def test_a_header_not_of_the_file_is_not_accepted_as_a_column(logged_client, org, data_dir):
    payload = SimpleUploadedFile("export.csv", b"Cpte;Ref doc\nA;B\n", content_type="text/csv")
    token = logged_client.post(reverse("import"), {"kind": "invoices", "file": payload}).context["token"]
    response = logged_client.post(reverse("import_columns"), {"token": token, "column_number": "<script>"})
    assert response.status_code == 302 and uploads(data_dir) == []
