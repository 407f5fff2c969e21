"""The purge: what has outlived its legal duration is anonymised, one customer at a time; an open claim, or a
matter still in its archive period, is never touched; invoices and their amounts always stay.

On 7 December 2026: a consumer who paid 3 years ago is past the 2-year consumer archive (anonymised); a business
that paid 3 years ago is within its 5-year archive (kept); a customer with an open invoice is never purged."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from recouvre.cli import main
from recouvre.collections.models import Action, Hold
from recouvre.documents.models import Document
from recouvre.documents.services import attach_document
from recouvre.documents.storage import absolute_path
from recouvre.ledger.actors import Actor
from recouvre.ledger.digests import content_digest
from recouvre.ledger.models import Contact, Customer, Event, Invoice, Payment
from recouvre.ledger.services import add_contact, allocate, record_payment
from recouvre.ledger.timeline import describe
from recouvre.privacy.models import Erasure
from recouvre.privacy.services import ANONYMISED, plan_purge, purge, save_settings
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
AS_OF = date(2026, 12, 7)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def _paid_customer(org, ref, kind, *, name, paid_on, number):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(
        organization=org,
        email="",
        ref=ref,
        name=name,
        kind=kind,
        address_line1="12 rue des Lilas",
        postal_code="34000",
        city="Montpellier",
        domicile="12 rue des Lilas\n34000 Montpellier" if kind == "consumer" else "",
        representative="" if kind == "consumer" else "Mme Claire Martin, présidente",
    )
    add_contact(customer, ACTOR, name=f"Contact {name}", email=f"{ref.lower()}@example.org", phone="+33 6 12 34 56 78")
    invoice = InvoiceFactory(
        customer=customer, number=number, issued_on=date(2023, 10, 1), due_on=date(2023, 11, 1), total=Decimal("480.00")
    )
    payment = record_payment(
        org,
        ACTOR,
        customer=customer,
        received_on=paid_on,
        amount=Decimal("480.00"),
        source_key=f"bank-{ref}",
        payer_name=name,
        payer_iban="FR7612345678901234567890123",
        reference=f"VIR {number}",
    )
    allocate(ACTOR, invoice=invoice, amount=Decimal("480.00"), payment=payment, allocated_on=paid_on)
    return customer, invoice


@pytest.fixture
def story(org):  # type: ignore[no-untyped-def]
    consumer, consumer_invoice = _paid_customer(
        org, "411MARTIN", "consumer", name="Paul Martin", paid_on=date(2023, 12, 5), number="F-2023-001"
    )
    business, _ = _paid_customer(
        org, "411DUPONT", "business", name="Dupont SARL", paid_on=date(2023, 12, 5), number="F-2023-002"
    )
    open_customer, _ = _paid_customer(
        org, "411OPEN", "consumer", name="Jeanne Open", paid_on=date(2021, 1, 5), number="F-2020-003"
    )
    InvoiceFactory(
        customer=open_customer,
        number="F-2021-004",
        issued_on=date(2021, 1, 1),
        due_on=date(2021, 2, 1),
        total=Decimal("90"),
    )
    # documents of the consumer: the invoice's PDF (an accounting document, kept 10 years) and a delivery proof
    invoice_pdf = attach_document(
        org, ACTOR, kind="invoice_pdf", file_name="F-2023-001.pdf", content=PDF, invoice=consumer_invoice
    )
    proof = attach_document(
        org,
        ACTOR,
        kind="delivery_proof",
        file_name="bon-livraison-Paul-Martin.pdf",
        content=PDF + b"proof",
        customer=consumer,
    )
    # a stored e-mail to the consumer
    Action.objects.create(
        organization=org,
        customer=consumer,
        channel="email",
        send_on=date(2023, 11, 10),
        template="reminder",
        state="sent",
        sent_at="2023-11-10T09:00:00+01:00",
        content="To: Paul Martin <411martin@example.org>\r\nSubject: Relance\r\n\r\nBonjour Paul Martin",
        content_sha256="a" * 64,
    )
    return {
        "consumer": consumer,
        "business": business,
        "open": open_customer,
        "invoice_pdf": invoice_pdf.document,
        "proof": proof.document,
    }


def _snapshot():  # type: ignore[no-untyped-def]
    return (
        list(Customer.objects.order_by("pk").values()),
        list(Contact.objects.order_by("pk").values()),
        list(Event.objects.order_by("pk").values()),
        list(Payment.objects.order_by("pk").values()),
        list(Document.objects.order_by("pk").values()),
        list(Action.objects.order_by("pk").values()),
    )


def test_the_dry_run_lists_what_would_be_done_and_writes_nothing(org, story, capsys):  # type: ignore[no-untyped-def]
    before = _snapshot()
    code = main(["purge", "--org", org.slug, "--as-of", "2026-12-07", "--dry-run", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert _snapshot() == before and not Erasure.objects.exists()
    [result] = out["results"]
    assert result["dry_run"] is True
    assert result["customers"] == [
        {
            "customer": "411MARTIN",
            "basis": "consumer",
            "archive_until": "2025-12-05",
            "anonymise": True,
            "documents_deleted": 1,
            "documents_kept": 1,
        }
    ]
    assert result["kept"] == {"in_archive": 1, "open_invoice": 1}
    assert absolute_path(story["proof"].storage_path).exists()


def test_the_real_run_anonymises_the_consumer_paid_three_years_ago(  # type: ignore[no-untyped-def]
    org, story, capsys, django_capture_on_commit_callbacks
):
    consumer = story["consumer"]
    events_before = {e.pk: (e.kind, content_digest(e)) for e in Event.objects.filter(customer=consumer)}
    with django_capture_on_commit_callbacks(execute=True):  # files are deleted once the transaction is committed
        assert main(["purge", "--org", org.slug, "--as-of", "2026-12-07", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True and out["results"][0]["anonymised"] == 1 and out["results"][0]["documents_deleted"] == 1

    consumer.refresh_from_db()
    assert (consumer.name, consumer.address_line1, consumer.postal_code, consumer.city, consumer.domicile) == (
        ANONYMISED,
        "",
        "",
        "",
        "",
    )
    assert consumer.ref == "411MARTIN"  # the accounting account stays
    assert not Contact.objects.filter(customer=consumer).exists()
    payment = Payment.objects.get(customer=consumer)
    assert (payment.payer_name, payment.payer_iban, payment.amount) == ("", "", Decimal("480.00"))
    # the invoice and its amounts stay (accounting retention, C. com. L123-22)
    invoice = Invoice.objects.get(number="F-2023-001")
    assert (invoice.total, invoice.open_amount, invoice.customer_id) == (
        Decimal("480.00"),
        Decimal("0.00"),
        consumer.pk,
    )
    # the timeline: each event kept, its digest that of its original content, its data without the person
    for event in Event.objects.filter(customer=consumer, pk__in=events_before):
        assert event.digest == events_before[event.pk][1]
        text = json.dumps(event.data, ensure_ascii=False)
        assert "Paul Martin" not in text and "411martin@example.org" not in text and "+33 6 12 34 56 78" not in text
    added = Event.objects.get(customer=consumer, kind="contact.added")
    assert added.data == {"name": ANONYMISED, "email": ANONYMISED, "phone": ANONYMISED}
    # the stored e-mail: its text goes, its SHA-256 stays
    action = Action.objects.get(customer=consumer)
    assert (action.content, action.content_sha256) == ("", "a" * 64)
    # documents: the delivery proof deleted with its file, the invoice's PDF kept (10 years from 2023-10-01)
    assert not Document.objects.filter(pk=story["proof"].pk).exists()
    assert not absolute_path(story["proof"].storage_path).exists()
    assert Document.objects.filter(pk=story["invoice_pdf"].pk).exists()
    assert absolute_path(story["invoice_pdf"].storage_path).exists()
    # the audit record and the timeline say what was done
    erasure = Erasure.objects.get(customer=consumer)
    assert (erasure.as_of, erasure.anonymised, erasure.summary["contacts"], erasure.summary["documents"]) == (
        AS_OF,
        True,
        1,
        1,
    )
    record = Event.objects.get(customer=consumer, kind="privacy.anonymised")
    assert describe(record) == (
        "Personal data anonymised at the end of its retention period (archived until 2025-12-05): 1 contacts "
        "removed, 1 documents deleted. Invoices and amounts are kept."
    )


def test_the_purge_erases_the_pdf_of_the_consumer_s_letters_and_keeps_their_sha256(org, story, logged_client):  # type: ignore[no-untyped-def]
    from recouvre.letters.models import Letter

    consumer = story["consumer"]
    action = Action.objects.create(
        organization=org,
        customer=consumer,
        channel="letter",
        send_on=date(2023, 11, 20),
        template="reminder",
        state="sent",
        sent_at="2023-11-20T09:00:00+01:00",
    )
    letter = Letter.objects.create(
        organization=org,
        customer=consumer,
        action=action,
        language="fr",
        subject="Relance",
        pdf=PDF + b"Paul Martin, 3 rue des Pins",
        pdf_sha256="b" * 64,
        pages=1,
        produced_at="2023-11-20T09:00:00+01:00",
        posted_on=date(2023, 11, 20),
        posted_recorded_at="2023-11-20T10:00:00+01:00",
    )
    purge(org, AS_OF, ACTOR)
    letter.refresh_from_db()
    assert bytes(letter.pdf) == b"" and letter.pdf_sha256 == "b" * 64
    response = logged_client.get(reverse("letter_pdf", args=[action.pk]))
    assert response.status_code == 410
    assert "b" * 64 in response.content.decode()


def test_the_business_paid_three_years_ago_and_the_open_customer_are_kept(org, story):  # type: ignore[no-untyped-def]
    purge(org, AS_OF, ACTOR)
    business, open_customer = story["business"], story["open"]
    business.refresh_from_db()
    open_customer.refresh_from_db()
    assert (business.name, business.representative) == ("Dupont SARL", "Mme Claire Martin, présidente")
    assert Contact.objects.filter(customer=business).count() == 1
    assert (open_customer.name, Contact.objects.filter(customer=open_customer).count()) == ("Jeanne Open", 1)
    assert not Erasure.objects.filter(customer__in=[business, open_customer]).exists()
    # five years after the business paid (5 December 2028), it is anonymised; a business keeps its name
    result = purge(org, date(2028, 12, 5), ACTOR)
    assert [p.ref for p in result.purged] == ["411DUPONT"]
    business.refresh_from_db()
    assert (business.name, business.representative, business.address_line1) == ("Dupont SARL", "", "12 rue des Lilas")
    assert not Contact.objects.filter(customer=business).exists()
    # the customer with an open invoice is never purged, however late
    assert "411OPEN" not in [p.ref for p in plan_purge(org, date(2060, 1, 1)).purged]


def test_a_running_hold_or_open_proceedings_keep_everything(org, story):  # type: ignore[no-untyped-def]
    Hold.objects.create(organization=org, customer=story["consumer"], kind="manual", starts_on=date(2026, 1, 1))
    assert plan_purge(org, AS_OF).purged == []
    assert plan_purge(org, AS_OF).refused["active_hold"] == 1


def test_longer_archive_settings_are_obeyed(org, story):  # type: ignore[no-untyped-def]
    save_settings(org, ACTOR, consumer_years=5)
    assert plan_purge(org, AS_OF).purged == []


def test_the_invoice_pdf_goes_when_its_accounting_retention_ends(org, story):  # type: ignore[no-untyped-def]
    purge(org, AS_OF, ACTOR)
    assert [p.ref for p in plan_purge(org, date(2033, 9, 30)).purged] == ["411DUPONT"]  # its 5 years are over
    result = purge(org, date(2033, 10, 1), ACTOR)
    consumer = [p for p in result.purged if p.ref == "411MARTIN"][0]
    assert (consumer.decision.anonymise, consumer.decision.delete_documents) == (False, (story["invoice_pdf"].pk,))
    assert not Document.objects.filter(customer=story["consumer"]).exists()
    assert Invoice.objects.filter(number="F-2023-001").exists()
    assert describe(Event.objects.filter(kind="privacy.documents_deleted").get()) == (
        "1 documents deleted at the end of their retention period."
    )


def test_a_day_after_today_is_refused_and_a_bad_date_is_a_usage_error(org, story, capsys):  # type: ignore[no-untyped-def]
    assert main(["purge", "--org", org.slug, "--as-of", "2999-01-01"]) == 1
    assert "nothing was done" in capsys.readouterr().out
    assert not Erasure.objects.exists()
    with pytest.raises(SystemExit) as usage:
        main(["purge", "--as-of", "yesterday-ish"])
    assert usage.value.code == 2
    assert main(["purge", "--org", "nobody"]) == 2


def test_the_scheduler_purges_only_when_the_setting_is_on(org, story):  # type: ignore[no-untyped-def]
    from recouvre.privacy.services import scheduled_purge

    assert scheduled_purge(org, AS_OF, ACTOR) is None
    assert not Erasure.objects.exists()
    save_settings(org, ACTOR, purge_by_scheduler=True)
    assert scheduled_purge(org, AS_OF, ACTOR) == {"anonymised": 1, "documents_deleted": 1, "failed": 0}


def test_the_daily_run_records_the_purge_in_its_summary(org, story):  # type: ignore[no-untyped-def]
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from recouvre.collections.models import ScheduledRun
    from recouvre.collections.scheduler import tick

    now = datetime(2026, 12, 7, 7, 30, tzinfo=ZoneInfo("Europe/Paris"))
    save_settings(org, ACTOR, purge_by_scheduler=True)
    tick(now, run_at=time(7, 0), window=(time(8, 0), time(18, 0)))
    run = ScheduledRun.objects.get(organization=org, as_of=AS_OF)
    assert run.summary["privacy_purge"] == {"anonymised": 1, "documents_deleted": 1, "failed": 0}
    assert Erasure.objects.get().customer_id == story["consumer"].pk


def test_the_purge_of_one_organization_never_touches_another(org, other_org, story):  # type: ignore[no-untyped-def]
    theirs, _ = _paid_customer(
        other_org, "411MARTIN", "consumer", name="Paul Martin", paid_on=date(2023, 12, 5), number="F-2023-001"
    )
    assert main(["purge", "--org", org.slug, "--as-of", "2026-12-07"]) == 0
    theirs.refresh_from_db()
    assert (theirs.name, Contact.objects.filter(customer=theirs).count()) == ("Paul Martin", 1)
    assert not Erasure.objects.filter(organization=other_org).exists()
    assert [p.ref for p in plan_purge(other_org, AS_OF).purged] == ["411MARTIN"]


def test_the_purge_keeps_the_timeline_chain_intact_and_marks_what_it_anonymised(org, story, capsys):  # type: ignore[no-untyped-def]
    from recouvre.ledger.chain import local_time, seal

    seal(org)
    before = dict(Event.objects.filter(organization=org).values_list("id", "hash"))
    assert main(["purge", "--org", org.slug, "--as-of", "2026-12-07"]) == 0
    seal(org)  # the purge's own events

    # each event sealed before keeps its place and link; those whose data the purge changed are marked
    assert dict(Event.objects.filter(pk__in=before).values_list("id", "hash")) == before
    anonymised = Event.objects.filter(anonymised_at__isnull=False)
    assert sorted(anonymised.values_list("kind", flat=True)) == ["contact.added"]
    assert anonymised.get().customer == story["consumer"]
    added = anonymised.get()
    assert added.data == {"name": ANONYMISED, "email": ANONYMISED, "phone": ANONYMISED}
    assert added.digest != content_digest(added)  # by design: the digest is that of the content before the purge

    capsys.readouterr()
    assert main(["verify", "--org", org.slug]) == 0
    total = Event.objects.filter(organization=org).count()
    head = Event.objects.filter(organization=org).order_by("-seq").first()
    assert capsys.readouterr().out == (
        f"acme: chain intact, {total} events checked (1 anonymised by the purge); head: no. {head.seq}, "  # type: ignore[union-attr]
        f"link {head.hash}.\n"  # type: ignore[union-attr]
    )

    # an event the purge did not anonymise, changed afterwards in the database, is still found
    kept = Event.objects.get(customer=story["business"], kind="contact.added")
    Event.objects.filter(pk=kept.pk).update(data={**kept.data, "email": "someone-else@example.org"})
    assert main(["verify", "--org", org.slug]) == 1
    assert (
        f"First broken link: Event {kept.pk} (no. {kept.seq}, {local_time(kept.occurred_at)}): its content no longer "
        "matches its digest and the purge did not anonymise it" in capsys.readouterr().err
    )


def test_the_consumer_s_linked_accounts_and_the_payer_s_name_in_bank_matches_go(org, story):  # type: ignore[no-untyped-def]
    from recouvre.bank.models import BankApplication, CustomerIban
    from recouvre.bank.services import import_statement
    from recouvre.bank.tests.test_matching import Credit, camt

    consumer = story["consumer"]
    CustomerIban.objects.create(organization=org, customer=consumer, iban="FR7630006000011234567890189")
    # a second payment, matched from the bank by the account linked to the consumer
    InvoiceFactory(customer=consumer, number="F-2023-009", issued_on=date(2023, 10, 1), due_on=date(2023, 11, 1))
    import_statement(
        org,
        camt(Credit("1200.00", "2023-12-05", "Paul Martin", "FR7630006000011234567890189", "F-2023-009")),
        "a.xml",
        actor=ACTOR,
    )
    application = BankApplication.objects.get(customer=consumer)
    assert "Paul Martin" in json.dumps(application.reasons)

    purge(org, AS_OF, ACTOR)

    assert not CustomerIban.objects.filter(customer=consumer).exists()
    application.refresh_from_db()
    assert "Paul Martin" not in json.dumps(application.reasons)


def test_contacts_removed_or_renamed_and_accounts_unlinked_leave_no_trace_after_the_purge(org, story):  # type: ignore[no-untyped-def]
    from recouvre.bank.ibans import link_iban, unlink_iban
    from recouvre.ledger.customers import add_customer_contact, edit_contact, remove_contact

    consumer = story["consumer"]
    former = add_customer_contact(consumer, ACTOR, name="Julie Martin", email="julie.martin@example.org")
    edit_contact(former, ACTOR, name="Julie Martin-Durand", phone="+33 6 98 76 54 32")
    remove_contact(former, ACTOR)
    link_iban(consumer, ACTOR, "FR76 3000 6000 0112 3456 7890 189")
    unlink_iban(consumer, ACTOR, "FR7630006000011234567890189")
    purge(org, AS_OF, ACTOR)
    for event in Event.objects.filter(customer=consumer):
        text = json.dumps(event.data, ensure_ascii=False)
        for trace in ("Julie Martin", "Martin-Durand", "julie.martin@example.org", "98 76 54 32", "FR7630006000"):
            assert trace not in text, (event.kind, text)
