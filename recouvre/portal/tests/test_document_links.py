"""The customer's link to the portal in what is sent to the customer: the reminder e-mails (text and HTML, built-in
and custom wordings), the letters (printed and as a QR code) and the statement of account. The link is created when
the document is produced to be sent, never by a preview; without a public address or with the portal off, no
document says anything about it."""

from __future__ import annotations

import email
import email.policy
import io
import re
import subprocess

import pypdf
import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import override_settings

from recouvre.cli import main
from recouvre.collections.dispatch import build_email, dispatch_due
from recouvre.collections.models import Action, MessageTemplate
from recouvre.collections.rendering import built_in_wording
from recouvre.collections.services import run_collections
from recouvre.collections.tests.test_dispatch import (  # noqa: F401  (the real SMTP server fixture)
    ACTOR,
    AS_OF,
    NOW,
    Keep,
    _customer,
    _five,
    smtp,
    three_emails,
)
from recouvre.letters.models import Letter
from recouvre.letters.rendering import letter_context, render_letter_pdf
from recouvre.letters.services import produce_due_letters
from recouvre.letters.tests.conftest import (  # noqa: F401  (fixtures)
    five_invoices,
    letterhead,
    make_customer,
    notice_policy,
)
from recouvre.portal import links
from recouvre.portal.models import PortalLink, PortalSettings

pytestmark = pytest.mark.django_db

BASE = "https://pay.acme.example"
LINK = re.compile(re.escape(BASE) + r"/p/[A-Za-z0-9_.:-]+/")
FR_SENTENCE = "Votre relevé de compte et vos factures sont consultables dans votre espace client (lien personnel) :"
EN_SENTENCE = "Your statement of account and your invoices are in your customer area (personal link):"


def _sent(server):  # type: ignore[no-untyped-def]
    [(_rcpt, raw)] = server.messages
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text = str(msg.get_body(("plain",)).get_content()).replace("\r\n", "\n")
    html = str(msg.get_body(("html",)).get_content())
    return text, html


@override_settings(RECOUVRE_PUBLIC_URL=BASE)
def test_the_reminder_sent_carries_one_link_that_opens_the_customers_portal(client, org, three_emails, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    server = smtp(Keep())
    customer = _customer(org)
    _five(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    # The approval page's preview shows where the link will be and creates none.
    _message, preview, _to = build_email(Action.objects.get(), now=NOW)
    assert "[lien personnel vers votre espace client, créé à l’envoi]" in preview.text
    assert BASE not in preview.text and BASE not in preview.html
    assert PortalLink.objects.count() == 0

    assert dispatch_due(org, now=NOW, actor=ACTOR).sent == 1
    link = PortalLink.objects.get()
    assert link.customer == customer
    url = f"{BASE}/p/{links.token_of(link)}/"
    text, html = _sent(server)
    assert LINK.findall(text) == [url]
    assert f"\n\n{FR_SENTENCE}\n{url}\n\nSi votre règlement a été effectué entre-temps" in text
    assert LINK.findall(html) == [url, url]  # the address of the one link, and its text
    assert html.count("<a ") == 1
    assert f'<p class="portal">{FR_SENTENCE} <a href="{url}">{url}</a></p>' in html
    # The link opens the customer's own page of the portal (the day it was sent).
    with time_machine.travel(NOW, tick=False):
        response = client.get(url.removeprefix(BASE))
    assert response.status_code == 200
    assert "Dupont SARL" in response.content.decode()


@override_settings(RECOUVRE_PUBLIC_URL=BASE)
def test_the_next_document_reuses_the_same_link(org, three_emails, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    server = smtp(Keep())
    customer = _customer(org, language="en")
    _five(customer)
    first = links.document_link(customer, actor=ACTOR, now=NOW)
    run_collections(org, AS_OF, actor=ACTOR)
    assert dispatch_due(org, now=NOW, actor=ACTOR).sent == 1
    text, _html = _sent(server)
    assert f"\n\n{EN_SENTENCE}\n{first}\n\nIf you have paid in the meantime" in text
    assert PortalLink.objects.count() == 1


@pytest.mark.parametrize("why", ["no public address", "portal off"])
def test_no_link_and_no_sentence_without_a_public_address_or_with_the_portal_off(org, three_emails, smtp, why):  # type: ignore[no-untyped-def]  # noqa: F811
    server = smtp(Keep())
    customer = _customer(org)
    _five(customer)
    if why == "portal off":
        PortalSettings.objects.create(organization=org, enabled=False)
    with override_settings(RECOUVRE_PUBLIC_URL=BASE if why == "portal off" else ""):
        run_collections(org, AS_OF, actor=ACTOR)
        _message, preview, _to = build_email(Action.objects.get(), now=NOW)
        assert dispatch_due(org, now=NOW, actor=ACTOR).sent == 1
    text, html = _sent(server)
    for part in (text, html, preview.text, preview.html):
        assert "espace client" not in part and "/p/" not in part and "lien personnel" not in part
    assert PortalLink.objects.count() == 0


@override_settings(RECOUVRE_PUBLIC_URL=BASE)
def test_a_custom_wording_places_the_link_where_it_says_or_else_ends_with_it(org, three_emails, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    server = smtp(Keep())
    customer = _customer(org)
    _five(customer)
    MessageTemplate.objects.create(
        organization=org,
        key="reminder",
        language="fr",
        subject="Factures {{ customer.ref }}",
        body="Bonjour,\n\n{{ invoice_table }}\n\n"
        "{% if portal_link %}Votre espace : {{ portal_link }}{% endif %}\n\nMerci.",
    )
    run_collections(org, AS_OF, actor=ACTOR)
    assert dispatch_due(org, now=NOW, actor=ACTOR).sent == 1
    url = links.document_link(customer, actor=ACTOR, now=NOW)
    text, html = _sent(server)
    assert LINK.findall(text) == [url]
    assert f"Votre espace : {url}\n\nMerci." in text
    assert f'Votre espace : <a href="{url}">{url}</a>' in html and html.count("<a ") == 1


@override_settings(RECOUVRE_PUBLIC_URL=BASE)
def test_a_custom_wording_that_does_not_mention_the_link_ends_with_it(org, three_emails, smtp):  # type: ignore[no-untyped-def]  # noqa: F811
    server = smtp(Keep())
    customer = _customer(org)
    _five(customer)
    MessageTemplate.objects.create(
        organization=org,
        key="reminder",
        language="fr",
        subject="Factures {{ customer.ref }}",
        body="Bonjour,\n\n{{ invoice_table }}\n\nMerci.",
    )
    run_collections(org, AS_OF, actor=ACTOR)
    assert dispatch_due(org, now=NOW, actor=ACTOR).sent == 1
    url = links.document_link(customer, actor=ACTOR, now=NOW)
    text, html = _sent(server)
    assert LINK.findall(text) == [url]
    assert f"Merci.\n\n{FR_SENTENCE}\n{url}\n" in text
    assert html.count(f'<a href="{url}">') == 1 and html.count("<a ") == 1


def test_the_wording_editor_starts_from_the_built_in_wording_with_the_link_and_lists_it():  # type: ignore[no-untyped-def]
    from recouvre.collections.rendering import MERGE_FIELDS

    body = built_in_wording("reminder", "fr").body
    assert f"{{% if portal_link %}}\n\n{FR_SENTENCE}\n{{{{ portal_link }}}}{{% endif %}}" in body
    assert any("portal_link" in code for code, _meaning in MERGE_FIELDS)


# ------------------------------------------------------------------------------------------------------- letters


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@override_settings(RECOUVRE_PUBLIC_URL=BASE)
def test_the_formal_notice_prints_the_link_and_its_qr_code_when_produced_not_in_its_preview(org, notice_policy):  # type: ignore[no-untyped-def]  # noqa: F811
    customer = make_customer(org)
    five_invoices(customer)
    assert run_collections(org, AS_OF, actor=ACTOR).letters == 1
    action = Action.objects.get()
    preview = _pdf_text(render_letter_pdf(action, today=AS_OF, preview=True))
    assert "[lien personnel vers votre espace client, créé à l’envoi]" in " ".join(preview.split())
    assert PortalLink.objects.count() == 0

    assert produce_due_letters(org, now=NOW, actor=ACTOR) == 1
    link = PortalLink.objects.get()
    url = f"{BASE}/p/{links.token_of(link)}/"
    letter = Letter.objects.get()
    flat = "".join(_pdf_text(bytes(letter.pdf)).split())  # the address may wrap: compared without spaces
    assert flat.count(url) == 1
    assert "scannezcecodeousaisissezl’adresseci-dessous(lienpersonnel)" in flat
    # The QR code drawn is the address's (the letter's HTML as WeasyPrint draws it).
    context = letter_context(action, today=AS_OF, portal_url=url)
    html = render_to_string("letters/formal_notice_fr.html", {**context, "subject": "x", "numbered": False})
    block = html.split('<div class="portal">')[1].split("</table>")[0]
    assert block.count("<svg") == 1 and url in block
    import segno

    assert str(context["portal"]["qr_svg"]) == segno.make_qr(url, error="m", boost_error=False).svg_inline(
        scale=3, border=2
    )


def test_a_letter_without_a_public_address_has_no_portal_paragraph(org, notice_policy):  # type: ignore[no-untyped-def]  # noqa: F811
    customer = make_customer(org)
    five_invoices(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    assert produce_due_letters(org, now=NOW, actor=ACTOR) == 1
    text = _pdf_text(bytes(Letter.objects.get().pdf))
    assert "espace client" not in text and "/p/" not in text
    assert PortalLink.objects.count() == 0


@override_settings(RECOUVRE_PUBLIC_URL=BASE)
def test_the_statement_to_send_carries_the_link_the_copy_to_keep_does_not(org, letterhead, tmp_path, capsys):  # type: ignore[no-untyped-def]  # noqa: F811
    customer = make_customer(org)
    five_invoices(customer)
    out = tmp_path / "releve.pdf"
    assert main(["statement", "411DUPONT", "--org", org.slug, "--as-of", "2026-03-27", "--out", str(out)]) == 0
    url = links.document_link(customer, actor=ACTOR)
    assert "".join(_pdf_text(out.read_bytes()).split()).count(url) == 1
    kept = tmp_path / "copie.pdf"
    assert (
        main(["statement", "411DUPONT", "--org", org.slug, "--as-of", "2026-03-27", "--no-link", "--out", str(kept)])
        == 0
    )
    assert "/p/" not in _pdf_text(kept.read_bytes()) and "espace client" not in _pdf_text(kept.read_bytes())
    assert PortalLink.objects.count() == 1


@override_settings(RECOUVRE_PUBLIC_URL=BASE)
def test_the_letter_as_its_reader_sees_it(org, notice_policy, tmp_path):  # type: ignore[no-untyped-def]  # noqa: F811
    """pdftotext -layout of the formal notice: the sentence, then the address on a line of its own."""
    customer = make_customer(org)
    five_invoices(customer)
    run_collections(org, AS_OF, actor=ACTOR)
    produce_due_letters(org, now=NOW, actor=ACTOR)
    path = tmp_path / "notice.pdf"
    path.write_bytes(bytes(Letter.objects.get().pdf))
    layout = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    token = links.token_of(PortalLink.objects.get())
    lines = [line.strip() for line in layout.stdout.splitlines()]
    start = lines.index("Votre relevé de compte et vos factures sont consultables dans votre espace client :")
    assert lines[start + 1] == "scannez ce code ou saisissez l’adresse ci-dessous (lien personnel)."
    # The address on the next lines, whole (it wraps where the line ends), then a blank line.
    end = lines.index("", start + 2)
    assert "".join(lines[start + 2 : end]) == f"{BASE}/p/{token}/"
