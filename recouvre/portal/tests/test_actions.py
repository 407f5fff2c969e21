"""The customer's own actions on the portal: each records the same hold and timeline event as a collector would,
acting as the customer on the portal, opens a task for the customer's collector, and e-mails one confirmation to
the billing contact (a real SMTP server) saying exactly what was recorded. A refusal writes nothing."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recouvre.collections.models import CustomerCollection, Hold, Instalment, PaymentPlan
from recouvre.collections.tests.test_dispatch import Answer, Keep, smtp  # noqa: F401  (the real SMTP server fixture)
from recouvre.documents.models import Document
from recouvre.ledger.actors import CLI
from recouvre.ledger.models import Contact, Event
from recouvre.operations.worker import run_ready_tasks
from recouvre.portal import links
from recouvre.portal.models import PortalSettings
from recouvre.tasks.models import Task
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _fr(day) -> str:  # type: ignore[no-untyped-def]
    return day.strftime("%d/%m/%Y")


def _en(day) -> str:  # type: ignore[no-untyped-def]
    return f"{day.day} {day.strftime('%b')} {day.year}"


@pytest.fixture
def today():  # type: ignore[no-untyped-def]
    return timezone.localdate()


@pytest.fixture
def collector(org):  # type: ignore[no-untyped-def]
    return MembershipFactory(
        organization=org, user__username="marc", user__email="marc@acme.example", user__language="en"
    ).user


@pytest.fixture
def customer(org, collector):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(
        organization=org,
        ref="411DUPONT",
        name="Dupont Bâtiment SARL",
        language="fr",
        email="compta@dupont.example",
        address_line1="3 rue des Lilas",
        postal_code="69003",
        city="Lyon",
    )
    Contact.objects.create(
        organization=org, customer=customer, name="Direction", role="management", email="dg@dupont.example"
    )
    CustomerCollection.objects.create(organization=org, customer=customer, collector=collector)
    return customer


@pytest.fixture
def invoices(customer, today):  # type: ignore[no-untyped-def]
    due = today - timedelta(days=20)
    return [
        InvoiceFactory(customer=customer, number="FA-0142", issued_on=due, due_on=due, total=Decimal("1234.56")),
        InvoiceFactory(customer=customer, number="FA-0150", issued_on=due, due_on=due, total=Decimal("600.00")),
    ]


def portal_url_for(customer, page: str = "") -> str:  # type: ignore[no-untyped-def]
    """The address of the customer's portal (a page of it), as its documents carry it."""
    return links.path_of(links.link_for_document(customer, actor=CLI)) + page


def _sent(server) -> list[tuple[list[str], email.message.EmailMessage]]:  # type: ignore[no-untyped-def]
    assert run_ready_tasks() >= 0
    return [(to, email.message_from_bytes(raw, policy=email.policy.default)) for to, raw in server.messages]


def _body(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_body(preferencelist=("plain",)).get_content()


def _nothing_written(customer) -> None:  # type: ignore[no-untyped-def]
    assert not Hold.objects.filter(customer=customer).exists()
    assert not Task.objects.filter(customer=customer).exists()
    assert not PaymentPlan.objects.filter(customer=customer).exists()
    assert not DBTaskResult.objects.exists()
    assert not Event.objects.filter(customer=customer, kind__startswith="collections.").exists()


def test_a_promise_holds_the_invoices_tells_the_collector_and_confirms_by_e_mail(
    client,
    customer,
    invoices,
    collector,
    today,
    smtp,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    page = client.get(portal_url_for(customer, "promise/"))
    assert page.status_code == 200
    html = page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"  # a form posted from a "no-referrer" page says "Origin: null"
    assert "csrfmiddlewaretoken" in html and "FA-0142 · 1\u202f234,56\u00a0€" in html
    by = today + timedelta(days=12)
    response = client.post(
        portal_url_for(customer, "promise/"),
        {"invoices": [inv.pk for inv in invoices], "amount": "1 500,00", "promised_on": by.isoformat()},
    )
    assert response.status_code == 302 and response["Location"] == portal_url_for(customer)
    hold = Hold.objects.get(customer=customer)
    assert (hold.kind, hold.amount, hold.currency, hold.promised_on, hold.starts_on) == (
        "promise",
        Decimal("1500.00"),
        "EUR",
        by,
        today,
    )
    assert sorted(hold.invoices.values_list("number", flat=True)) == ["FA-0142", "FA-0150"]
    assert hold.author_label == "portal:customer"
    event = Event.objects.get(customer=customer, kind="collections.promise_recorded")
    assert event.actor_label == "portal:customer" and event.data["amount"] == "1500.00"
    task = Task.objects.get(customer=customer)
    assert task.assignee == collector and task.due_on == today and task.state == "open"
    assert task.title == f"Dupont Bâtiment SARL promises to pay €1,500.00 by {_en(by)} (customer portal)"
    assert task.details == "Invoices: FA-0142, FA-0150."
    assert sorted(task.invoices.values_list("number", flat=True)) == ["FA-0142", "FA-0150"]
    home = client.get(portal_url_for(customer)).content.decode()
    assert "1\u202f500,00\u00a0€" in home and _fr(by) in home  # the message of success
    sent = _sent(server)
    assert len(sent) == 1
    to, message = sent[0]
    assert to == ["compta@dupont.example"]
    assert message["Reply-To"] == "marc@acme.example"
    assert "ACME Distribution SAS" in message["Subject"]
    body = _body(message)
    assert "1\u202f500,00\u00a0€" in body and _fr(by) in body and "FA-0142, FA-0150" in body
    assert Event.objects.filter(customer=customer, kind="portal.confirmation_sent").get().data["to"] == (
        "compta@dupont.example"
    )


def test_a_promise_beyond_the_rules_is_refused_with_nothing_written(client, customer, invoices, today) -> None:  # type: ignore[no-untyped-def]
    PortalSettings.objects.create(organization=customer.organization, promise_max_days=10)
    url = portal_url_for(customer, "promise/?lang=en")
    ids = [inv.pk for inv in invoices]
    soon = (today + timedelta(days=5)).isoformat()
    cases = [
        (
            {"amount": "1834,57", "promised_on": soon},
            "The amount cannot be more than what is open on these invoices (€1,834.56).",
        ),
        (
            {"amount": "100", "promised_on": (today + timedelta(days=11)).isoformat()},
            f"The date can be at most 10 days from today ({_en(today + timedelta(days=10))}).",
        ),
        (
            {"amount": "100", "promised_on": (today - timedelta(days=1)).isoformat()},
            "The date has already passed: give today or a later day.",
        ),
        ({"amount": "0", "promised_on": soon}, "The amount must be more than zero."),
        ({"amount": "douze", "promised_on": soon}, "Not an amount: douze"),
        ({"amount": "100", "promised_on": "31/02/2027"}, "Enter a valid date."),
    ]
    for data, said in cases:
        response = client.post(url, {"invoices": ids, **data})
        assert response.status_code == 400
        page = response.content.decode()
        assert 'class="errors"' in page and "Traceback" not in page
        assert said in page.replace("&#x27;", "'"), (data, said)
    _nothing_written(customer)


def test_invoices_of_another_customer_are_refused(client, customer, invoices, org, other_org, today) -> None:  # type: ignore[no-untyped-def]
    neighbour = InvoiceFactory(customer=CustomerFactory(organization=org), number="FA-NEIGHBOUR")
    rival = InvoiceFactory(customer=CustomerFactory(organization=other_org), number="FA-RIVAL")
    by = (today + timedelta(days=5)).isoformat()
    for foreign in (neighbour, rival):
        promise = client.post(
            portal_url_for(customer, "promise/?lang=en"),
            {"invoices": [invoices[0].pk, foreign.pk], "amount": "100", "promised_on": by},
        )
        dispute = client.post(
            portal_url_for(customer, "dispute/?lang=en"),
            {"invoice": foreign.pk, "reason_code": "price", "message": "x"},
        )
        paid = client.post(
            portal_url_for(customer, "already-paid/?lang=en"),
            {"invoices": [foreign.pk], "amount": "100", "paid_on": today.isoformat()},
        )
        plan = client.post(
            portal_url_for(customer, "plan/?lang=en"), {"invoices": [foreign.pk], "count": "2", "first_on": by}
        )
        for response in (promise, dispute, paid, plan):
            assert response.status_code == 400
            page = response.content.decode()
            assert "Choose among your open invoices." in page
            assert "FA-NEIGHBOUR" not in page and "FA-RIVAL" not in page
    _nothing_written(customer)
    assert not Hold.objects.exists()


def test_a_dispute_with_a_document_stops_the_invoice_and_files_the_document(
    client,
    customer,
    invoices,
    collector,
    today,
    smtp,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    upload = SimpleUploadedFile("bon de livraison.pdf", PDF, content_type="application/pdf")
    response = client.post(
        portal_url_for(customer, "dispute/"),
        {
            "invoice": invoices[0].pk,
            "reason_code": "quantity",
            "message": "Livré 8 palettes, facturé 10.",
            "attachment": upload,
        },
    )
    assert response.status_code == 302
    hold = Hold.objects.get(customer=customer)
    assert (hold.kind, hold.invoice, hold.reason_code, hold.amount, hold.reason) == (
        "dispute",
        invoices[0],
        "quantity",
        Decimal("1234.56"),
        "Livré 8 palettes, facturé 10.",
    )
    assert Event.objects.get(kind="collections.dispute_opened").actor_label == "portal:customer"
    document = Document.objects.get(customer=customer)
    assert (document.invoice, document.file_name, document.kind) == (invoices[0], "bon de livraison.pdf", "other")
    task = Task.objects.get(customer=customer)
    assert task.assignee == collector
    assert task.title == "Dupont Bâtiment SARL disputes invoice FA-0142 (customer portal)"
    assert task.details == (
        "Reason: Wrong quantity.\n\nMessage from the customer:\nLivré 8 palettes, facturé 10.\n\n"
        "File sent: bon de livraison.pdf (in the invoice's documents)."
    )
    assert "Livré 8 palettes, facturé 10." in task.details and "bon de livraison.pdf" in task.details
    [(to, message)] = _sent(server)
    assert to == ["compta@dupont.example"]
    body = _body(message)
    assert "FA-0142" in body and "1\u202f234,56\u00a0€" in body and "Livré 8 palettes, facturé 10." in body


def test_a_dispute_with_a_file_of_the_wrong_kind_writes_nothing(client, customer, invoices) -> None:  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile("script.pdf", b"#!/bin/sh\necho hi\n", content_type="application/pdf")
    response = client.post(
        portal_url_for(customer, "dispute/"),
        {"invoice": invoices[0].pk, "reason_code": "price", "message": "Trop cher", "attachment": upload},
    )
    assert response.status_code == 400
    assert 'class="errors"' in response.content.decode()
    _nothing_written(customer)
    assert not Document.objects.exists()
    long = client.post(
        portal_url_for(customer, "dispute/"), {"invoice": invoices[0].pk, "reason_code": "price", "message": "x" * 2001}
    )
    assert long.status_code == 400
    _nothing_written(customer)


def test_already_paid_pauses_the_invoices_while_the_payment_is_looked_for(
    client,
    customer,
    invoices,
    collector,
    today,
    smtp,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    paid_on = today - timedelta(days=2)
    response = client.post(
        portal_url_for(customer, "already-paid/"),
        {
            "invoices": [invoices[1].pk],
            "paid_on": _fr(paid_on),
            "amount": "600,00",
            "message": "Virement réf. 8812",
            "proof": SimpleUploadedFile("avis.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    hold = Hold.objects.get(customer=customer)
    assert (hold.kind, hold.starts_on, hold.ends_on) == ("already_paid", today, today + timedelta(days=9))
    assert list(hold.invoices.values_list("number", flat=True)) == ["FA-0150"]
    assert hold.reason == f"Paid €600.00 on {_en(paid_on)}, says the customer on the portal.\nVirement réf. 8812"
    assert Event.objects.get(kind="collections.already_paid_declared").actor_label == "portal:customer"
    assert Document.objects.get(customer=customer).invoice == invoices[1]
    task = Task.objects.get(customer=customer)
    assert task.assignee == collector
    assert task.title == (
        f"Dupont Bâtiment SARL says it paid €600.00 on {_en(paid_on)}: look for the payment (customer portal)"
    )
    assert task.details.startswith(
        f"Invoices: FA-0150.\n\nPaid €600.00 on {_en(paid_on)}, says the customer on the portal.\nVirement réf. 8812"
    )
    [(to, message)] = _sent(server)
    assert to == ["compta@dupont.example"]
    body = _body(message)
    assert "600,00\u00a0€" in body and _fr(paid_on) in body and "FA-0150" in body
    assert _fr(today + timedelta(days=9)) in body


def test_a_plan_within_the_rules_is_agreed_at_once(client, customer, invoices, collector, today, smtp) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    server = smtp(Keep())
    PortalSettings.objects.create(
        organization=customer.organization, plan_max_instalments=3, plan_max_days=90, plan_min_instalment=Decimal("100")
    )
    first = today + timedelta(days=5)
    response = client.post(
        portal_url_for(customer, "plan/"),
        {"invoices": [inv.pk for inv in invoices], "count": "3", "first_on": first.isoformat()},
    )
    assert response.status_code == 302
    plan = PaymentPlan.objects.get(customer=customer)
    assert (plan.status, plan.total, plan.signed_on) == ("active", Decimal("1834.56"), today)
    rows = list(Instalment.objects.filter(plan=plan).order_by("position").values_list("due_on", "amount"))
    from recouvre.core.interest import add_months

    assert rows == [
        (first, Decimal("611.52")),
        (add_months(first, 1), Decimal("611.52")),
        (add_months(first, 2), Decimal("611.52")),
    ]
    assert Event.objects.get(kind="collections.plan_created").actor_label == "portal:customer"
    task = Task.objects.get(customer=customer)
    assert task.assignee == collector
    assert task.title == "Dupont Bâtiment SARL: payment plan granted on the portal, 3 instalments, €1,834.56"
    [(to, message)] = _sent(server)
    assert to == ["compta@dupont.example"]
    body = _body(message)
    assert f"1. {_fr(first)} : 611,52\u00a0€" in body or f"1. {_fr(first)}: 611,52\u00a0€" in body
    assert _fr(add_months(first, 2)) in body and "FA-0142, FA-0150" in body


def test_a_plan_beyond_the_rules_is_passed_on_and_nothing_is_granted(
    client,
    customer,
    invoices,
    collector,
    today,
    smtp,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    first = today + timedelta(days=5)
    response = client.post(
        portal_url_for(customer, "plan/"),
        {
            "invoices": [invoices[0].pk],
            "on_1": first.isoformat(),
            "amount_1": "1000",
            "on_2": (first + timedelta(days=120)).isoformat(),
            "amount_2": "234,56",
        },
    )
    assert response.status_code == 302
    assert not PaymentPlan.objects.exists() and not Hold.objects.exists()
    task = Task.objects.get(customer=customer)
    assert task.assignee == collector
    assert task.title == "Dupont Bâtiment SARL asks for a payment plan: 2 instalments, €1,234.56 (customer portal)"
    assert task.details == (
        "Not granted on the portal: last instalment more than 90 days ahead. Nothing is agreed until you answer the "
        "customer.\nInvoices: FA-0142, €1,234.56 open.\nSchedule asked for:\n"
        f"1. {_en(first)}: €1,000.00\n2. {_en(first + timedelta(days=120))}: €234.56"
    )
    [(to, message)] = _sent(server)
    body = _body(message)
    assert _fr(first) in body and "234,56\u00a0€" in body
    assert "FA-0142" in body


def test_contact_details_are_never_changed_only_passed_on(client, customer, collector, today, smtp) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    server = smtp(Keep())
    page = client.get(portal_url_for(customer, "contact/")).content.decode()
    assert 'value="compta@dupont.example"' in page and 'value="3 rue des Lilas"' in page
    response = client.post(
        portal_url_for(customer, "contact/"),
        {
            "name": "Comptabilité",
            "email": "factures@dupont.example",
            "phone": "04 72 00 00 00",
            "address_line1": "12 avenue Foch",
            "address_line2": "",
            "postal_code": "69003",
            "city": "Lyon",
        },
    )
    assert response.status_code == 302
    billing = Contact.objects.get(customer=customer, role="billing")
    assert billing.email == "compta@dupont.example"  # unchanged
    customer.refresh_from_db()
    assert customer.address_line1 == "3 rue des Lilas"
    task = Task.objects.get(customer=customer)
    assert task.assignee == collector
    assert task.title == "Dupont Bâtiment SARL asks to change its contact details (customer portal)"
    assert task.details == (  # the fields unchanged are not listed
        "Change asked for by the customer on the portal, not applied:\n\n"
        "E-mail: compta@dupont.example → factures@dupont.example\n"
        "Phone: (empty) → 04 72 00 00 00\n"
        "Address: 3 rue des Lilas → 12 avenue Foch"
    )
    [(to, message)] = _sent(server)
    assert to == ["compta@dupont.example"]  # the address on file, not the one proposed
    assert "factures@dupont.example" in _body(message)
    nothing = client.post(
        portal_url_for(customer, "contact/"),
        {
            "name": "Comptabilité",
            "email": "compta@dupont.example",
            "address_line1": "3 rue des Lilas",
            "postal_code": "69003",
            "city": "Lyon",
        },
    )
    assert nothing.status_code == 400 and Task.objects.filter(customer=customer).count() == 1

    # The collector applies them with one click from the customer page: the same events as an edit by hand.
    from django.test import Client

    desk = Client()
    desk.force_login(collector)
    page = desk.get(f"/customers/{customer.pk}/").content.decode()
    [proposal] = customer.contact_proposals.all()
    assert f'data-contact-proposal="{proposal.pk}"' in page and "factures@dupont.example" in page
    desk.post(f"/customers/{customer.pk}/portal/contact/{proposal.pk}/", {"decision": "apply"})
    billing.refresh_from_db()
    customer.refresh_from_db()
    assert (billing.email, billing.phone, customer.address_line1) == (
        "factures@dupont.example",
        "04 72 00 00 00",
        "12 avenue Foch",
    )
    assert Event.objects.filter(customer=customer, kind="contact.updated").count() == 1
    assert Event.objects.filter(customer=customer, kind="customer.updated").count() == 1
    task.refresh_from_db()
    assert task.state == "done" and task.outcome_note == "Coordonnées appliquées."  # the collector reads French
    again = desk.post(f"/customers/{customer.pk}/portal/contact/{proposal.pk}/", {"decision": "apply"}, follow=True)
    assert "déjà été appliquées ou écartées" in again.content.decode()
    assert 'data-contact-proposal="' not in again.content.decode()


def test_forms_need_the_csrf_token(customer, invoices, today) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        portal_url_for(customer, "promise/"),
        {"invoices": [invoices[0].pk], "amount": "100", "promised_on": today.isoformat()},
    )
    assert response.status_code == 403
    _nothing_written(customer)


def test_the_timeline_says_it_was_the_customer_on_the_portal(client, logged_client, customer, invoices, today) -> None:  # type: ignore[no-untyped-def]
    client.post(
        portal_url_for(customer, "promise/"),
        {"invoices": [invoices[0].pk], "amount": "100", "promised_on": today.isoformat()},
    )
    page = logged_client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The customer, on the portal" in page


def test_the_language_chosen_is_kept_from_the_account_to_the_form_and_back(client, customer, invoices, today) -> None:  # type: ignore[no-untyped-def]
    home = client.get(portal_url_for(customer, "?lang=en")).content.decode()
    assert f'href="{portal_url_for(customer, "promise/?lang=en")}"' in home
    assert 'id="action-dispute"' in home and 'id="action-contact"' in home
    response = client.post(
        portal_url_for(customer, "promise/?lang=en"),
        {"invoices": [invoices[0].pk], "amount": "100", "promised_on": today.isoformat()},
    )
    assert response["Location"] == portal_url_for(customer, "?lang=en")
    assert "Your promise to pay €100.00 by" in client.get(response["Location"]).content.decode()
    plain = client.get(portal_url_for(customer)).content.decode()
    assert f'href="{portal_url_for(customer, "promise/")}"' in plain


@pytest.mark.parametrize(("reply", "again"), [("550 5.1.1 no such mailbox", False), ("451 4.3.0 try later", True)])
def test_a_confirmation_refused_by_the_mail_server_is_on_the_timeline(
    client,
    customer,
    invoices,
    today,
    smtp,  # noqa: F811
    reply,
    again,
) -> None:  # type: ignore[no-untyped-def]
    smtp(Answer(reply))
    client.post(
        portal_url_for(customer, "promise/"),
        {"invoices": [invoices[0].pk], "amount": "100", "promised_on": today.isoformat()},
    )
    assert Hold.objects.filter(customer=customer).count() == 1  # the promise stands
    assert run_ready_tasks() == 1
    event = Event.objects.get(customer=customer, kind="portal.confirmation_failed")
    assert event.data["to"] == "compta@dupont.example" and reply.split()[0] in event.data["error"]
    assert event.data["again"] is again
    later = DBTaskResult.objects.filter(status="READY")
    assert later.count() == (1 if again else 0)
    if again:
        assert later.get().run_after > timezone.now() + timedelta(minutes=4)
        assert later.get().args_kwargs["kwargs"] == {"attempt": 1}


def test_proposed_contact_details_are_listed_and_decided_from_the_command_line(
    client,
    customer,
    collector,
    other_org,
    capsys,
    smtp,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    import json

    from recouvre.cli import main

    smtp(Keep())
    client.post(
        portal_url_for(customer, "contact/"),
        {
            "name": "Comptabilité",
            "email": "factures@dupont.example",
            "address_line1": "3 rue des Lilas",
            "postal_code": "69003",
            "city": "Lyon",
        },
    )
    capsys.readouterr()
    assert main(["portal", "proposals", "--org", "acme", "--customer", "411DUPONT", "--json"]) == 0
    [shown] = json.loads(capsys.readouterr().out)
    assert shown["changes"] == {"email": {"old": "compta@dupont.example", "new": "factures@dupont.example"}}
    assert shown["decided_at"] is None and shown["applied"] is None
    # Another organization cannot reach it, even knowing its number; nothing is written.
    assert main(["portal", "proposal", "--org", other_org.slug, str(shown["id"]), "--apply", "--json"]) == 1
    assert Contact.objects.get(customer=customer, role="billing").email == "compta@dupont.example"
    capsys.readouterr()
    assert main(["portal", "proposal", "--org", "acme", str(shown["id"]), "--apply", "--json"]) == 0
    decided = json.loads(capsys.readouterr().out)
    assert decided["applied"] is True and decided["decided_by"]
    assert Contact.objects.get(customer=customer, role="billing").email == "factures@dupont.example"
    assert Event.objects.filter(customer=customer, kind="contact.updated").count() == 1
    assert Task.objects.get(customer=customer).state == "done"
    # Decided once only; the pending list is empty, --all shows it.
    assert main(["portal", "proposal", "--org", "acme", str(shown["id"]), "--set-aside"]) == 1
    capsys.readouterr()
    assert main(["portal", "proposals", "--org", "acme", "--customer", "411DUPONT"]) == 0
    assert capsys.readouterr().out.strip() == "No contact details proposed."
    assert main(["portal", "proposals", "--org", "acme", "--customer", "411DUPONT", "--all", "--json"]) == 0
    assert [p["applied"] for p in json.loads(capsys.readouterr().out)] == [True]
    with pytest.raises(SystemExit) as usage:
        main(["portal", "proposal", "--org", "acme", str(shown["id"])])
    assert usage.value.code == 2
