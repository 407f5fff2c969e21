"""The customer page's button downloads the same dossier as ``recouvre dossier``; only for the organization's own
customers."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from recouvre.dossier.bundle import build_dossier, verify
from recouvre.ledger.chain import seal
from recouvre.ledger.models import Event

from .conftest import AS_OF, make_customer, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages_in_english(client):  # type: ignore[no-untyped-def]
    """These stories read the pages in English (the web app's default is French)."""
    client.cookies["django_language"] = "en"


def test_the_customer_page_downloads_the_dossier(org, story, logged_client):  # type: ignore[no-untyped-def]
    page = logged_client.get(reverse("customer_detail", args=[story.customer.pk]))
    url = reverse("customer_dossier", args=[story.customer.pk])
    assert f'action="{url}"' in page.content.decode()
    assert "Download the evidence dossier (ZIP)" in page.content.decode()

    seal(org)  # what the download does first: every event of the dossier is in the chain
    expected = build_dossier(org, story.customer, as_of=AS_OF)
    response = logged_client.post(url, {"as_of": "2026-04-15"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="dossier-411DUPONT-2026-04-15.zip"'
    assert response.content == expected.content
    result = verify(io.BytesIO(response.content))
    assert result.ok and result.checked == 13
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "07-mise-en-demeure-2026-03-16.pdf" in archive.namelist()
        # for a court: in French, although the person who clicked reads the app in English
        bordereau = " ".join(pdf_text(archive.read("00-bordereau-des-pieces.pdf")).split())
        timeline = " ".join(pdf_text(archive.read("chronologie.pdf")).split())
    assert "Bordereau des 8 pièces communiquées à l’appui de la demande, au 15/04/2026." in bordereau
    assert "Créancier" in bordereau and "Creditor" not in bordereau and "List of exhibits" not in bordereau
    assert "Historique du compte" in timeline and "Timeline of the account" not in timeline
    (event,) = Event.objects.filter(kind="dossier.exported")
    assert event.actor.username == "claire" and event.data["exhibits"] == 8


def test_another_organizations_customer_is_404(other_org, story, logged_client):  # type: ignore[no-untyped-def]
    theirs = make_customer(other_org, ref="411THEIRS", name="Theirs SA")
    assert logged_client.post(reverse("customer_dossier", args=[theirs.pk])).status_code == 404
    assert logged_client.get(reverse("customer_detail", args=[theirs.pk])).status_code == 404
    assert not Event.objects.filter(kind="dossier.exported").exists()


def test_download_is_a_post_of_a_member(story, client, logged_client):  # type: ignore[no-untyped-def]
    url = reverse("customer_dossier", args=[story.customer.pk])
    assert logged_client.get(url).status_code == 405
    anonymous = client.__class__().post(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]


def test_a_document_missing_on_disk_is_said_and_nothing_is_exported(org, story, logged_client, capsys):  # type: ignore[no-untyped-def]
    from recouvre.cli import main
    from recouvre.documents.models import Document
    from recouvre.documents.storage import absolute_path

    absolute_path(Document.objects.get(kind="contract").storage_path).unlink()
    url = reverse("customer_dossier", args=[story.customer.pk])
    response = logged_client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("customer_detail", args=[story.customer.pk]), 302)]
    assert (
        "The evidence dossier could not be made: the file of the document “Contrat cadre.pdf” is missing from the "
        "server or no longer has the content put on file; withdraw the document or put the file on file again."
    ) in response.content.decode()

    assert main(["dossier", "411DUPONT", "--org", "acme", "--out", "/dev/null"]) == 1
    assert "“Contrat cadre.pdf” is missing from the server" in capsys.readouterr().err
    assert not Event.objects.filter(kind="dossier.exported").exists()
