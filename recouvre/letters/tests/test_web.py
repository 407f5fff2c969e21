"""The letters page: a credit manager downloads the letters to print, records them as posted with their tracking
numbers, then the acknowledgment of receipt; another organization's letters are out of reach."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from recouvre.collections.models import Action
from recouvre.collections.services import run_collections
from recouvre.ledger.actors import Actor
from recouvre.letters.models import Letter
from recouvre.letters.services import produce_due_letters
from recouvre.testing.factories import MembershipFactory

from .conftest import AS_OF, NOW, PARIS, five_invoices, make_customer, pdf_pages, pdf_text

ACTOR = Actor.system("test")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def on_the_day():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 3, 27, 15, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def two_letters(org, notice_policy, on_the_day):  # type: ignore[no-untyped-def]
    """A registered formal notice to Dupont (five invoices) and one to Martin (five invoices), ready to post."""
    dupont = make_customer(org)
    five_invoices(dupont)
    martin = make_customer(org, ref="411MARTIN", name="Martin et Fils")
    five_invoices(martin, prefix="M")
    run_collections(org, AS_OF, actor=ACTOR)
    assert produce_due_letters(org, now=NOW, actor=ACTOR) == 2
    return {letter.customer.ref: letter for letter in Letter.objects.select_related("customer")}


def _client(org, role):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(MembershipFactory(organization=org, role=role).user)
    return client


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_letters_page_lists_the_letters_ready_to_post(logged_client, two_letters):  # type: ignore[no-untyped-def]
    response = logged_client.get(reverse("letter_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = _text(response)
    assert "2 letters ready to post." in text
    assert "Dupont SARL" in text and "Martin et Fils" in text
    assert text.count("Mise en demeure de payer") == 2
    assert reverse("letter_pdf", args=[two_letters["411DUPONT"].action_id]) in response.content.decode()
    assert reverse("letter_print") in response.content.decode()
    # Filters: nothing posted yet; a search narrows to one customer.
    assert "No letter matches." in _text(
        logged_client.get(reverse("letter_list"), {"status": "posted"}, HTTP_ACCEPT_LANGUAGE="en")
    )
    found = _text(logged_client.get(reverse("letter_list"), {"q": "MARTIN"}))
    assert "Martin et Fils" in found and "Dupont SARL" not in found


def test_one_letter_and_all_the_ready_letters_as_pdf(logged_client, two_letters):  # type: ignore[no-untyped-def]
    dupont = two_letters["411DUPONT"]
    response = logged_client.get(reverse("letter_pdf", args=[dupont.action_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == bytes(dupont.pdf)
    # Shown by the browser's own PDF viewer: no page policy to break it; still never sniffed as something else.
    assert "Content-Security-Policy" not in response and response["X-Content-Type-Options"] == "nosniff"
    download = logged_client.get(reverse("letter_pdf", args=[dupont.action_id]), {"download": "1"})
    assert download["Content-Disposition"] == f'attachment; filename="recommande-411DUPONT-{dupont.action_id}.pdf"'

    merged = logged_client.get(reverse("letter_print"))
    assert merged.status_code == 200 and merged["Content-Type"] == "application/pdf"
    assert pdf_pages(merged.content) == sum(letter.pages for letter in two_letters.values())
    text = pdf_text(merged.content)
    assert text.index("Dupont SARL") < text.index("Martin et Fils")  # in the order of the list
    assert "\nF-1 " in text and "MF-1 " in text


def test_recording_several_letters_as_posted_with_their_tracking_numbers(logged_client, two_letters):  # type: ignore[no-untyped-def]
    dupont, martin = two_letters["411DUPONT"], two_letters["411MARTIN"]
    response = logged_client.post(
        reverse("letter_post"),
        {
            "posted_on": "2026-03-27",
            "letters": [dupont.action_id, martin.action_id],
            f"tracking_{dupont.action_id}": "1A 123 456 7890 1",
            f"tracking_{martin.action_id}": "",
        },
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    text = _text(response)
    assert "1 letter recorded as posted on 27 Mar 2026." in text
    assert "Martin et Fils: a registered letter needs its tracking number (on the proof of posting)" in text
    dupont.refresh_from_db()
    martin.refresh_from_db()
    assert (dupont.posted_on, dupont.tracking_number) == (AS_OF, "1A12345678901")
    assert (martin.posted_on, martin.tracking_number) == (None, "")
    assert Action.objects.get(pk=dupont.action_id).state == "sent"
    assert Action.objects.get(pk=martin.action_id).state == "ready"
    # Still to post: Martin only.
    assert "1 letter ready to post." in text and "Martin et Fils" in text

    ack = logged_client.post(
        reverse("letter_acknowledge", args=[dupont.action_id]),
        {"acknowledged_on": "2026-03-27"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "Dupont SARL received the registered letter on 27 Mar 2026." in _text(ack)
    dupont.refresh_from_db()
    assert dupont.acknowledged_on == AS_OF


def test_the_first_presentation_is_recorded_and_moves_the_deadline(logged_client, two_letters):  # type: ignore[no-untyped-def]
    dupont = two_letters["411DUPONT"]
    logged_client.post(
        reverse("letter_post"),
        {"posted_on": "2026-03-27", "letters": [dupont.action_id], f"tracking_{dupont.action_id}": "1A12345678901"},
    )
    assert Action.objects.get(pk=dupont.action_id).deadline_on == date(2026, 4, 16)  # posted + 3 business days + 15
    response = logged_client.post(
        reverse("letter_present", args=[dupont.action_id]),
        {"presented_on": "2026-03-27"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "The registered letter to Dupont SARL was first presented on 27 Mar 2026." in _text(response)
    dupont.refresh_from_db()
    assert dupont.first_presented_on == AS_OF
    assert Action.objects.get(pk=dupont.action_id).deadline_on == date(2026, 4, 13)  # 15 days from 27 March
    again = logged_client.post(
        reverse("letter_present", args=[dupont.action_id]),
        {"presented_on": "2026-03-27"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "Dupont SARL: the first presentation was already recorded (2026-03-27)" in _text(again)


def test_the_customer_timeline_links_to_the_letter(logged_client, two_letters):  # type: ignore[no-untyped-def]
    dupont = two_letters["411DUPONT"]
    response = logged_client.get(reverse("customer_detail", args=[dupont.customer_id]), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert "Registered letter ready to post: Mise en demeure de payer." in _text(response)
    assert reverse("letter_pdf", args=[dupont.action_id]) in body
    assert reverse("letter_pdf", args=[two_letters["411MARTIN"].action_id]) not in body


def test_the_preview_of_a_letter_awaiting_approval(org, letterhead, logged_client, on_the_day):  # type: ignore[no-untyped-def]
    customer = make_customer(org)
    five_invoices(customer)
    # A formal notice waiting in the approval queue (as the default policy plans it).
    action = Action.objects.create(
        organization=org,
        customer=customer,
        channel="registered_letter",
        send_on=AS_OF,
        state="awaiting_approval",
        template="formal_notice",
        needs_approval=True,
        deadline_on=AS_OF,
        lines=[{"invoice_id": inv.pk} for inv in customer.invoices.order_by("due_on", "number")],
    )
    response = logged_client.get(reverse("letter_preview", args=[action.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Mise en demeure de payer" in text and "Lettre recommandée avec accusé de réception" in text
    assert Letter.objects.count() == 0
    action.refresh_from_db()
    assert action.state == "awaiting_approval"
    # An e-mail action has no letter to preview.
    email = Action.objects.create(
        organization=org, customer=customer, channel="email", send_on=AS_OF, template="reminder", lines=action.lines
    )
    assert logged_client.get(reverse("letter_preview", args=[email.pk])).status_code == 404


def test_another_organizations_letters_are_404(org, other_org, two_letters):  # type: ignore[no-untyped-def]
    rival = _client(other_org, "admin")
    action_id = two_letters["411DUPONT"].action_id
    assert rival.get(reverse("letter_pdf", args=[action_id])).status_code == 404
    assert rival.get(reverse("letter_preview", args=[action_id])).status_code == 404
    assert (
        rival.post(reverse("letter_acknowledge", args=[action_id]), {"acknowledged_on": "2026-03-27"}).status_code
        == 404
    )
    assert (
        rival.post(
            reverse("letter_post"),
            {"posted_on": "2026-03-27", "letters": [action_id], f"tracking_{action_id}": "1A12345678901"},
        ).status_code
        == 404
    )
    page = rival.get(reverse("letter_list"))
    assert "Dupont SARL" not in page.content.decode()
    assert rival.get(reverse("letter_print")).status_code == 302  # nothing of theirs to print
    assert Letter.objects.filter(posted_on__isnull=False).count() == 0


def test_a_viewer_sees_and_downloads_letters_but_records_nothing(org, two_letters):  # type: ignore[no-untyped-def]
    viewer = _client(org, "viewer")
    action_id = two_letters["411DUPONT"].action_id
    assert viewer.get(reverse("letter_list")).status_code == 200
    assert 'name="letters"' not in viewer.get(reverse("letter_list")).content.decode()
    assert viewer.get(reverse("letter_pdf", args=[action_id])).status_code == 200
    response = viewer.post(
        reverse("letter_post"),
        {"posted_on": "2026-03-27", "letters": [action_id], f"tracking_{action_id}": "1A12345678901"},
    )
    assert response.status_code == 403
    assert Letter.objects.get(action_id=action_id).posted_on is None


def test_posting_with_a_letter_of_another_organization_records_none(org, other_org, logged_client, two_letters):  # type: ignore[no-untyped-def]
    from recouvre.collections.models import Policy, Step

    policy = Policy.objects.create(organization=other_org, key="letters", name="Letters", segment="standard")
    Step.objects.create(policy=policy, position=1, key="r", offset_days=5, channel="letter", template="reminder")
    five_invoices(make_customer(other_org, ref="411SEC", name="Rival Secret Client"), prefix="R")
    run_collections(other_org, AS_OF, actor=ACTOR)
    assert produce_due_letters(other_org, now=NOW, actor=ACTOR) == 1
    theirs = Letter.objects.get(organization=other_org)
    ours = two_letters["411DUPONT"]
    response = logged_client.post(
        reverse("letter_post"),
        {
            "posted_on": "2026-03-27",
            "letters": [ours.action_id, theirs.action_id],
            f"tracking_{ours.action_id}": "1A12345678901",
        },
    )
    assert response.status_code == 404
    assert Letter.objects.filter(posted_on__isnull=False).count() == 0


def test_letters_planned_but_not_produced_are_listed_with_when_they_will_be(logged_client, org, notice_policy):  # type: ignore[no-untyped-def]
    dupont = make_customer(org)
    five_invoices(dupont)
    run_collections(org, AS_OF, actor=ACTOR)
    [action] = Action.objects.filter(customer=dupont, channel="registered_letter")
    assert action.state == "planned" and action.send_on == AS_OF
    # Friday 27 March 2026 at 20:00, after the send window (08:00-19:00): produced on Monday 30 at 08:00.
    with time_machine.travel(datetime(2026, 3, 27, 20, 0, tzinfo=PARIS), tick=False):
        text = _text(logged_client.get(reverse("letter_list"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "1 letter approved, to be produced" in text
    assert "Dupont SARL" in text and "30 Mar 2026 from 08:00" in text
    # Within the window of a business day: at the next sending.
    with time_machine.travel(datetime(2026, 3, 27, 15, 0, tzinfo=PARIS), tick=False):
        text = _text(logged_client.get(reverse("letter_list"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "at the next sending, in a few minutes" in text
    # Once produced, it is a letter ready to post, no longer "to be produced".
    assert produce_due_letters(org, now=NOW, actor=ACTOR) == 1
    text = _text(logged_client.get(reverse("letter_list"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "to be produced" not in text and "1 letter ready to post." in text
