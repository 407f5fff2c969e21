"""The customer portal's links and statement page: a link opens its own customer's page and nothing else; a
forged, expired or revoked link opens nothing; requests are rate-limited with counters in the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from recouvre.cli import main
from recouvre.documents.services import attach_document
from recouvre.ledger.actors import CLI
from recouvre.ledger.models import Event
from recouvre.portal import links
from recouvre.portal.models import PortalCounter, PortalLink, PortalSettings
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def customer(org):  # type: ignore[no-untyped-def]
    return CustomerFactory(organization=org, ref="411DUPONT", name="Dupont Bâtiment SARL", language="fr")


def test_a_document_reuses_the_newest_link_until_half_of_its_validity_has_passed(customer) -> None:  # type: ignore[no-untyped-def]
    PortalSettings.objects.create(organization=customer.organization, link_days=60)
    first = links.link_for_document(customer, actor=CLI, now=NOW)
    assert first.expires_at == NOW + timedelta(days=60)
    assert links.link_for_document(customer, actor=CLI, now=NOW + timedelta(days=29)).pk == first.pk
    second = links.link_for_document(customer, actor=CLI, now=NOW + timedelta(days=31))
    assert second.pk != first.pk
    assert second.expires_at == NOW + timedelta(days=91)
    # The first link still works until it expires.
    assert links.resolve(links.token_of(first), now=NOW + timedelta(days=59)).pk == first.pk
    with pytest.raises(links.LinkRefused) as refused:
        links.resolve(links.token_of(first), now=NOW + timedelta(days=60))
    assert refused.value.reason == "expired"
    assert Event.objects.filter(customer=customer, kind="portal.link_issued").count() == 2


def test_a_forged_or_replaced_link_is_refused(customer) -> None:  # type: ignore[no-untyped-def]
    link = links.issue_link(customer, actor=CLI, now=NOW)
    token = links.token_of(link)
    pk, nonce, signature = token.split(".")
    for forged in (f"{pk}.{nonce}.{signature[:-1]}x", f"{int(pk) + 1}.{nonce}.{signature}", "1.2", "x" * 300):
        with pytest.raises(links.LinkRefused):
            links.resolve(forged, now=NOW)
    # The same id with another nonce (the row's nonce changed) is refused even though the signature is right.
    PortalLink.objects.filter(pk=link.pk).update(nonce="other")
    with pytest.raises(links.LinkRefused):
        links.resolve(token, now=NOW)


def test_revoking_refuses_every_live_link_and_says_so_on_the_timeline(customer) -> None:  # type: ignore[no-untyped-def]
    one = links.issue_link(customer, actor=CLI, now=NOW)
    two = links.issue_link(customer, actor=CLI, now=NOW)
    other = links.issue_link(CustomerFactory(organization=customer.organization), actor=CLI, now=NOW)
    assert links.revoke_links(customer, actor=CLI, now=NOW + timedelta(hours=1)) == 2
    for link in (one, two):
        with pytest.raises(links.LinkRefused) as refused:
            links.resolve(links.token_of(link), now=NOW + timedelta(hours=2))
        assert refused.value.reason == "revoked"
    assert links.resolve(links.token_of(other), now=NOW + timedelta(hours=2)).pk == other.pk
    event = Event.objects.get(customer=customer, kind="portal.links_revoked")
    assert event.data["count"] == 2


def test_the_page_shows_the_customers_statement_in_its_language(client, customer, other_org) -> None:  # type: ignore[no-untyped-def]
    InvoiceFactory(customer=customer, number="FA-2026-0142", total=Decimal("1234.56"))
    InvoiceFactory(customer=CustomerFactory(organization=customer.organization), number="FA-OTHER-1")
    InvoiceFactory(customer=CustomerFactory(organization=other_org), number="FA-RIVAL-1")
    link = links.issue_link(customer, actor=CLI)
    response = client.get(links.path_of(link))
    assert response.status_code == 200
    page = response.content.decode()
    assert "FA-2026-0142" in page
    assert "1\u202f234,56\u00a0€" in page
    assert "Compte de Dupont Bâtiment SARL" in page
    assert "FA-OTHER-1" not in page and "FA-RIVAL-1" not in page
    assert response["Cache-Control"] == "no-store, private"
    assert response["Referrer-Policy"] == "same-origin"
    english = client.get(links.path_of(link) + "?lang=en").content.decode()
    assert "Account of Dupont Bâtiment SARL" in english and "€1,234.56" in english
    link.refresh_from_db()
    assert link.opened_count == 2
    assert Event.objects.filter(customer=customer, kind="portal.link_opened").count() == 1


def test_an_invalid_link_gets_one_page_whatever_the_reason(client, customer) -> None:  # type: ignore[no-untyped-def]
    link = links.issue_link(customer, actor=CLI)
    links.revoke_links(customer, actor=CLI)
    revoked = client.get(links.path_of(link))
    forged = client.get("/p/1.abc.def/")
    assert revoked.status_code == forged.status_code == 404
    assert "FA-" not in revoked.content.decode()
    assert revoked.content == forged.content


def test_invoice_pdfs_only_of_the_links_own_customer(client, customer, org) -> None:  # type: ignore[no-untyped-def]
    mine = InvoiceFactory(customer=customer, number="FA-1")
    theirs = InvoiceFactory(customer=CustomerFactory(organization=org), number="FA-2")
    attach_document(org, CLI, kind="invoice_pdf", file_name="FA-1.pdf", content=PDF, invoice=mine)
    attach_document(org, CLI, kind="invoice_pdf", file_name="FA-2.pdf", content=PDF, invoice=theirs)
    token = links.token_of(links.issue_link(customer, actor=CLI))
    ok = client.get(f"/p/{token}/invoices/{mine.pk}.pdf")
    assert ok.status_code == 200 and b"".join(ok.streaming_content) == PDF
    assert 'filename="FA-1.pdf"' in ok["Content-Disposition"]
    assert client.get(f"/p/{token}/invoices/{theirs.pk}.pdf").status_code == 404


def test_requests_over_the_limit_are_refused_with_the_count_in_the_database(client, customer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from recouvre.core import portal as core

    monkeypatch.setattr(core, "PER_LINK", 3)
    path = links.path_of(links.issue_link(customer, actor=CLI))
    assert [client.get(path).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert PortalCounter.objects.filter(key__startswith="l:").get().count == 4


def test_cli_link_revoke_and_list(customer, settings, capsys) -> None:  # type: ignore[no-untyped-def]
    settings.RECOUVRE_PUBLIC_URL = "https://recouvre.example.com"
    assert main(["portal", "link", "--org", "acme", "--customer", "411DUPONT", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["url"].startswith("https://recouvre.example.com/p/") and out["customer"] == "411DUPONT"
    assert main(["portal", "link", "--org", "acme", "--customer", "411DUPONT", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == out["id"]
    assert main(["portal", "revoke", "--org", "acme", "--customer", "411DUPONT", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"customer": "411DUPONT", "revoked": 1}
    assert main(["portal", "list", "--org", "acme", "--customer", "NOPE", "--json"]) == 1


def test_customer_page_shows_and_revokes_links(logged_client, customer) -> None:  # type: ignore[no-untyped-def]
    page = logged_client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-portal-live="0"' in page
    shown = logged_client.post(f"/customers/{customer.pk}/portal/link/", follow=True).content.decode()
    link = PortalLink.objects.get(customer=customer)
    assert links.token_of(link) in shown
    assert 'data-portal-live="1"' in shown
    logged_client.post(f"/customers/{customer.pk}/portal/revoke/")
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_because == "user"
