"""The customer portal and the claim's way to court: the injonction de payer request and the hand-off package carry
no link to the portal (their own documents; the reminders and the formal notice are exhibits as they were sent),
and a hand-off or an injonction de payer revokes the customer's links, in the same transaction as its event."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

import pypdf
import pytest
import time_machine
from django.db import transaction

from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.letters.models import Letter
from recouvre.portal import links
from recouvre.portal.models import PortalLink
from recouvre.proceedings import services
from recouvre.proceedings.handoff import JSON_NAME, REQUEST_NAME

from .conftest import ACTOR, AFTER_DEADLINE

pytestmark = pytest.mark.django_db

BASE = "https://pay.acme.example"
LATER = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def public_url(settings):  # type: ignore[no-untyped-def]
    """The server's public address set, and the clock on the day the claim goes further (20 April 2026: the
    link the formal notice carried on 27 March is still valid)."""
    settings.RECOUVRE_PUBLIC_URL = BASE
    with time_machine.travel(LATER, tick=False):
        yield BASE


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _no_link(text: str) -> None:
    flat = "".join(text.split())
    assert "/p/" not in flat and "espaceclient" not in flat and "pay.acme.example" not in flat


def test_the_formal_notice_sent_carried_the_link_the_request_does_not_and_revokes_it(public_url, org, noticed):  # type: ignore[no-untyped-def]
    link = PortalLink.objects.get(customer=noticed)
    url = f"{BASE}/p/{links.token_of(link)}/"
    assert "".join(_text(bytes(Letter.objects.get().pdf)).split()).count(url) == 1

    request = services.export_injonction_request(org, noticed, as_of=AFTER_DEADLINE, actor=ACTOR)
    _no_link(_text(request.pdf))
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_because == "injonction"
    [event] = Event.objects.filter(customer=noticed, kind="portal.links_revoked")
    assert describe(event) == "1 link to the customer portal revoked (an injonction de payer was requested)."
    with pytest.raises(links.LinkRefused):
        links.resolve(links.token_of(link), now=LATER)


def test_the_hand_off_package_s_own_documents_carry_no_link_and_it_revokes_them(public_url, org, noticed):  # type: ignore[no-untyped-def]
    link = PortalLink.objects.get(customer=noticed)
    letter = Letter.objects.get()
    handoff = services.export_handoff(org, noticed, as_of=AFTER_DEADLINE, actor=ACTOR)
    with zipfile.ZipFile(io.BytesIO(handoff.content)) as zf:
        contents = {name: zf.read(name) for name in zf.namelist()}
    data = json.loads(contents[JSON_NAME])
    assert "/p/" not in contents[JSON_NAME].decode() and BASE not in contents[JSON_NAME].decode()
    _no_link(_text(contents[REQUEST_NAME]))
    kinds = {f["name"]: f["kind"] for f in data["files"]}
    for name, kind in kinds.items():
        if kind == "formal_notice":
            assert contents[name] == bytes(letter.pdf)  # the letter as it was sent, unchanged
        elif name.endswith(".pdf"):
            _no_link(_text(contents[name]))
    assert sorted(set(kinds.values())) == ["formal_notice", "injonction_request", "invoice_copy", "statement"]
    link.refresh_from_db()
    assert (link.revoked_because, link.revoked_by_label) == ("handoff", ACTOR.name)


def test_opening_an_injonction_de_payer_revokes_the_links_other_routes_do_not(public_url, org, noticed):  # type: ignore[no-untyped-def]
    link = PortalLink.objects.get(customer=noticed)
    proceeding = services.open_proceeding(org, noticed, route="small_claims", actor=ACTOR, today=AFTER_DEADLINE)
    link.refresh_from_db()
    assert link.revoked_at is None
    services.close_proceeding(proceeding, actor=ACTOR, outcome="paid", today=AFTER_DEADLINE)
    services.open_proceeding(org, noticed, route="injonction", actor=ACTOR, today=AFTER_DEADLINE)
    link.refresh_from_db()
    assert link.revoked_because == "injonction"


def test_the_revocation_is_undone_with_the_hand_off_when_its_transaction_fails(public_url, org, noticed):  # type: ignore[no-untyped-def]
    link = PortalLink.objects.get(customer=noticed)
    assert link.expires_at > LATER

    class Stop(Exception):
        pass

    with pytest.raises(Stop), transaction.atomic():
        services.export_handoff(org, noticed, as_of=AFTER_DEADLINE, actor=ACTOR)
        raise Stop
    link.refresh_from_db()
    assert link.revoked_at is None
    assert not Event.objects.filter(kind__in=("portal.links_revoked", "proceedings.handoff_exported")).exists()
