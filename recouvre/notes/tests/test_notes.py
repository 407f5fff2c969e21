"""Notes with @mentions: who is told, what the pages show, the timeline, the command."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from recouvre.cli import main
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.notes import services
from recouvre.notes.models import Note
from recouvre.notifications.models import Notification
from recouvre.notifications.texts import text
from recouvre.organizations.models import Role
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org, other_org):  # type: ignore[no-untyped-def]
    claire = MembershipFactory(
        organization=org, user__username="claire", user__first_name="Claire", user__last_name="Martin"
    ).user
    paul = MembershipFactory(
        organization=org,
        role=Role.COLLECTOR,
        user__username="paul",
        user__first_name="Paul",
        user__last_name="Durand",
    ).user
    # a member of another organization only, with a user name written in the note
    rival = MembershipFactory(organization=other_org, user__username="rita").user
    return claire, paul, rival


def test_a_note_tells_the_members_it_mentions_and_only_them(org, people) -> None:  # type: ignore[no-untyped-def]
    claire, paul, rival = people
    customer = CustomerFactory(organization=org, ref="411DUP", name="Dupont SARL")
    note = services.add_note(
        org,
        customer,
        'Call back Friday, @"paul durand" and @rita; @ghost cannot be told. cc @claire',
        actor=Actor.of(claire),
    )
    told = Notification.objects.filter(kind="mention")
    assert [(n.user.username, n.organization_id) for n in told] == [("paul", org.pk)]
    n = told.get()
    assert n.link == f"/customers/{customer.pk}/#notes"
    assert text(n.kind, n.data) == (
        'Claire Martin mentioned you in a note on Dupont SARL: Call back Friday, @"paul durand" and @rita; '
        "@ghost cannot be told. cc @claire"
    )
    assert not Notification.objects.filter(user=rival).exists()
    event = Event.objects.get(kind="note.added")
    assert event.customer_id == customer.pk and event.data["note"] == note.pk
    assert event.data["mentions"] == "Paul Durand, Claire Martin"  # in the order written
    assert describe(event).startswith("Note: Call back Friday")


def test_only_the_author_changes_or_deletes_a_note_and_each_leaves_an_event(org, people) -> None:  # type: ignore[no-untyped-def]
    claire, paul, _rival = people
    customer = CustomerFactory(organization=org)
    invoice = InvoiceFactory(customer=customer, number="F-77")
    note = services.add_note(org, customer, "Invoice sent twice?", actor=Actor.of(claire), invoice=invoice)
    with pytest.raises(PermissionDenied):
        services.edit_note(note, "hacked", actor=Actor.of(paul))
    with pytest.raises(PermissionDenied):
        services.delete_note(note, actor=Actor.of(paul))
    services.edit_note(note, "Invoice sent twice, @paul please check", actor=Actor.of(claire))
    assert Notification.objects.filter(user=paul, kind="mention").count() == 1
    services.edit_note(note, "Invoice sent twice, @paul please check today", actor=Actor.of(claire))
    assert Notification.objects.filter(user=paul, kind="mention").count() == 1  # once per note
    services.delete_note(note, actor=Actor.of(claire))
    assert not Note.objects.exists()
    kinds = [describe(e) for e in Event.objects.filter(kind__startswith="note.").order_by("id")]
    assert kinds == [
        "Note on invoice F-77: Invoice sent twice?",
        "Note on invoice F-77 changed: Invoice sent twice, @paul please check",
        "Note on invoice F-77 changed: Invoice sent twice, @paul please check today",
        "Note on invoice F-77 deleted: Invoice sent twice, @paul please check today",
    ]


def test_an_empty_or_too_long_note_is_refused(org, people) -> None:  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org)
    with pytest.raises(ValidationError, match="the note is empty"):
        services.add_note(org, customer, "   ", actor=Actor.of(people[0]))
    with pytest.raises(ValidationError, match="A note holds at most 4000 characters; this one has 4001."):
        services.add_note(org, customer, "x" * 4001, actor=Actor.of(people[0]))
    assert not Note.objects.exists()


def test_the_pages_show_the_note_escaped_with_mentions_highlighted(client, org, people) -> None:  # type: ignore[no-untyped-def]
    claire, paul, _rival = people
    customer = CustomerFactory(organization=org, name="Dupont SARL")
    invoice = InvoiceFactory(customer=customer, number="F-9")
    client.force_login(claire)
    response = client.post(
        f"/customers/{customer.pk}/notes/add/",
        {"text": "<script>alert(1)</script> @paul", "invoice": invoice.pk, "next": f"/invoices/{invoice.pk}/"},
    )
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/"
    for url in (f"/invoices/{invoice.pk}/", f"/customers/{customer.pk}/"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "<script>alert(1)</script>" not in page
        assert '&lt;script&gt;alert(1)&lt;/script&gt; <mark class="mention">@paul</mark>' in page
    client.force_login(paul)
    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 unread notification" in page
    assert "Claire Martin mentioned you in a note on invoice F-9 of Dupont SARL: &lt;script&gt;" in page


def test_another_organizations_customer_or_note_is_out_of_reach(client, org, other_org, people) -> None:  # type: ignore[no-untyped-def]
    claire = people[0]
    theirs = CustomerFactory(organization=other_org)
    rita = people[2]
    note = services.add_note(other_org, theirs, "ours", actor=Actor.of(rita))
    client.force_login(claire)
    assert client.post(f"/customers/{theirs.pk}/notes/add/", {"text": "x"}).status_code == 404
    assert client.post(f"/notes/{note.pk}/delete/").status_code == 404
    assert Note.objects.get().text == "ours"


def test_the_command_adds_and_lists_notes(capsys, org, people) -> None:  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUP")
    InvoiceFactory(customer=customer, number="F-1")
    assert (
        main(
            [
                "note",
                "add",
                "--org",
                "acme",
                "--customer",
                "411DUP",
                "--invoice",
                "F-1",
                "--as",
                "claire",
                "Promised by phone, @paul follow up",
                "--json",
            ]
        )
        == 0
    )
    added = json.loads(capsys.readouterr().out)
    assert added["invoice"] == "F-1" and added["author"] == "claire" and added["mentioned"] == ["paul"]
    assert main(["note", "list", "--org", "acme", "--customer", "411DUP", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [n["text"] for n in listed] == ["Promised by phone, @paul follow up"]
    assert main(["note", "add", "--org", "acme", "--customer", "411DUP", " "]) == 1
    assert "the note is empty" in capsys.readouterr().out
    assert main(["note", "add", "--org", "acme", "--customer", "NOPE", "x"]) == 2
