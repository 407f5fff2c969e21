"""``recouvre demo``: the demo organization in the database, its login, and a second run that changes nothing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from recouvre.cli import main
from recouvre.demo.generator import DISPUTE_TAG, INSOLVENCY_TAG, generate
from recouvre.demo.services import create_demo
from recouvre.ledger.models import Allocation, Contact, CreditNote, Customer, Event, Invoice, Payment
from recouvre.ledger.timeline import describe
from recouvre.notifications.models import Notification
from recouvre.organizations.models import Membership, Organization, Role, User
from recouvre.organizations.services import create_user
from recouvre.reports.selectors import aged_balance

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 16)
SMALL = {"customers": 30, "invoices": 300, "seed": 7, "as_of": AS_OF}


def _counts(org: Organization) -> dict[str, int]:
    return {
        model.__name__: model.objects.filter(organization=org).count()
        for model in (Customer, Contact, Invoice, CreditNote, Payment, Allocation, Event)
    }


def test_demo_organization_is_created_with_its_data():
    info = create_demo(slug="demo", reset=False, **SMALL)
    org = Organization.objects.get(slug="demo")
    data = generate(seed=7, as_of=AS_OF, customers=30, invoices=300)
    assert info == {
        "org": "demo",
        "name": data.organization.name,
        "customers": 30,
        "invoices": 300,
        "payments": len(data.payments),
        "username": "demo",
        "password": "demo",
        "existed": False,
    }
    assert org.name == data.organization.name and org.siren == data.organization.siren
    assert org.iban == data.organization.iban and "RCS" in org.legal_mentions
    counts = _counts(org)
    assert counts["Customer"] == counts["Contact"] == 30
    assert counts["Invoice"] == 300
    assert counts["CreditNote"] == 3
    assert counts["Allocation"] == len(data.allocations)
    assert set(Invoice.objects.filter(organization=org).values_list("source", flat=True)) == {"demo"}


def test_triggers_settle_invoices_exactly_as_generated():
    create_demo(slug="demo", reset=False, **SMALL)
    org = Organization.objects.get(slug="demo")
    data = generate(seed=7, as_of=AS_OF, customers=30, invoices=300)
    expected = data.open_amounts()
    stored = dict(Invoice.objects.filter(organization=org).values_list("number", "open_amount"))
    assert {n: Decimal(v).quantize(Decimal("0.01")) for n, v in stored.items()} == expected
    on_account = {p.key: p.amount for p in data.unallocated_payments()}
    stored_unallocated = dict(
        Payment.objects.filter(organization=org, unallocated_amount__gt=0).values_list(
            "source_key", "unallocated_amount"
        )
    )
    assert {k: Decimal(v).quantize(Decimal("0.01")) for k, v in stored_unallocated.items()} == on_account


def test_aged_balance_shows_amounts_in_every_bucket():
    create_demo(slug="demo", reset=False, **SMALL)
    report = aged_balance(Organization.objects.get(slug="demo"), AS_OF)
    assert all(v > 0 for v in report.buckets.values()), report.buckets
    assert report.unapplied > 0  # payments on account and the credit note waiting to be applied
    assert 10 <= len(report.lines) <= 30


def test_tags_and_timeline_events():
    create_demo(slug="demo", reset=False, **SMALL)
    org = Organization.objects.get(slug="demo")
    customers = list(Customer.objects.filter(organization=org))
    assert len([c for c in customers if INSOLVENCY_TAG in c.tags]) == 1
    assert any(DISPUTE_TAG in c.tags for c in customers)
    events = Event.objects.filter(organization=org)
    kinds = {k: events.filter(kind=k).count() for k in set(events.values_list("kind", flat=True))}
    data = generate(seed=7, as_of=AS_OF, customers=30, invoices=300)
    assert kinds["customer.created"] == 30
    assert kinds["invoice.created"] == 300
    assert kinds["payment.received"] == len(data.payments)
    assert kinds["allocation.created"] == len(data.allocations)
    # Disputes and insolvency proceedings are recorded by the services a user's clicks call.
    assert kinds["collections.dispute_opened"] == len(data.disputes)
    assert kinds["legal.insolvency_recorded"] == kinds["collections.insolvency_recorded"] == 1
    # ... and the two notes by the colleague, camille, one mentioning demo (who is notified once)
    assert set(events.values_list("actor_label", flat=True)) == {"demo", "camille"}
    assert kinds["note.added"] == 2 and set(events.filter(actor_label="camille").values_list("kind", flat=True)) == {
        "note.added"
    }
    assert Notification.objects.filter(organization=org, user__username="demo", kind="mention").count() == 1
    dispute = events.filter(kind="collections.dispute_opened").first()
    assert dispute.customer.tags == [DISPUTE_TAG] and len(dispute.data["note"]) > 20
    assert dispute.data["note"] in describe(dispute) and dispute.data["owner"] == "demo"
    insolvency = events.get(kind="legal.insolvency_recorded")
    (generated,) = [c for c in data.customers if c.insolvency is not None]
    assert insolvency.customer.tags == [INSOLVENCY_TAG] and insolvency.customer.ref == generated.ref
    assert generated.insolvency.court in describe(insolvency)
    assert generated.insolvency.officer_name in describe(insolvency)


def test_second_run_changes_nothing():
    first = create_demo(slug="demo", reset=False, **SMALL)
    org = Organization.objects.get(slug="demo")
    before = _counts(org)
    again = create_demo(slug="demo", customers=50, invoices=900, seed=99, as_of=date(2026, 6, 1), reset=False)
    assert again["existed"] is True
    assert {k: v for k, v in again.items() if k != "existed"} == {k: v for k, v in first.items() if k != "existed"}
    assert _counts(org) == before
    assert Organization.objects.filter(slug="demo").count() == 1


def test_reset_rebuilds_the_organization():
    create_demo(slug="demo", reset=False, **SMALL)
    info = create_demo(slug="demo", customers=20, invoices=150, seed=8, as_of=AS_OF, reset=True)
    assert info["existed"] is False and info["customers"] == 20 and info["invoices"] == 150
    org = Organization.objects.get(slug="demo")
    assert org.name == generate(seed=8, as_of=AS_OF, customers=20, invoices=150).organization.name
    assert _counts(org)["Customer"] == Customer.objects.count() == 20
    assert Invoice.objects.count() == 150
    assert Membership.objects.get(organization=org, user__username="demo").role == Role.ADMIN


def test_reset_leaves_other_organizations_alone(org):
    from recouvre.testing.factories import CustomerFactory, InvoiceFactory

    other = InvoiceFactory(customer=CustomerFactory(organization=org))
    create_demo(slug="demo", reset=False, **SMALL)
    create_demo(slug="demo", reset=True, **SMALL)
    assert Invoice.objects.filter(organization=org).get() == other


def test_login_works(client):
    create_demo(slug="demo", reset=False, **SMALL)
    assert client.login(username="demo", password="demo")
    membership = Membership.objects.get(user__username="demo")
    assert membership.organization.slug == "demo" and membership.role == Role.ADMIN


def test_an_existing_demo_user_keeps_its_password_and_gets_the_membership():
    create_user("demo", "a much better secret")
    info = create_demo(slug="demo", reset=False, **SMALL)
    assert info["password"] != "demo"
    user = User.objects.get(username="demo")
    assert user.check_password("a much better secret")
    assert Membership.objects.get(user=user).organization.slug == "demo"


def test_progress_is_reported():
    calls = []
    create_demo(slug="demo", reset=False, progress=lambda *a: calls.append(a), **SMALL)
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1]
    assert [c[0] for c in calls] == list(range(len(calls)))


def test_cli_demo_json(capsys):
    assert main(["demo", "--customers", "30", "--invoices", "300", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["org"] == "demo" and info["existed"] is False
    assert info["customers"] == 30 and info["invoices"] == 300 and info["payments"] > 100
    assert (info["username"], info["password"]) == ("demo", "demo")
    assert main(["demo", "--customers", "30", "--invoices", "300", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["existed"] is True


def test_cli_demo_human_output(capsys):
    assert main(["demo", "--org", "essai", "--customers", "30", "--invoices", "300", "--as-of", "2026-03-16"]) == 0
    out = capsys.readouterr().out
    assert "Demo organization essai: 30 customers, 300 invoices" in out
    assert "as demo / demo" in out


def test_a_month_of_collections_is_simulated_without_sending_any_mail(db, settings):  # type: ignore[no-untyped-def]
    """The demo's month of daily runs leaves sent reminders, tasks and approvals dated on their mornings, and never
    reaches a mail server: here the configured one does not exist, yet every reminder is recorded as sent."""
    from datetime import datetime, time

    from django.utils import timezone

    from recouvre.collections.models import Action
    from recouvre.demo.history import simulate_collections
    from recouvre.ledger.models import Event

    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {"port": 9, "timeout": 1}}
    }
    create_demo(slug="demo", reset=False, **SMALL)
    org = Organization.objects.get(slug="demo")
    counts = simulate_collections(org, as_of=AS_OF, days=30)
    assert counts["runs"] == 21  # the business days from 14 February to 16 March 2026
    assert counts["emails_sent"] > 0
    assert counts["emails_sent"] == Action.objects.filter(organization=org, channel="email", state="sent").count()
    assert not Action.objects.filter(organization=org, state__in=["failed", "sending"]).exists()
    sent = Event.objects.filter(organization=org, kind="collections.email_sent")
    mornings = {timezone.localtime(e.occurred_at) for e in sent}
    assert all(m.time() == time(9, 0) and m.date() <= AS_OF for m in mornings)
    assert min(mornings) < timezone.make_aware(datetime(2026, 3, 1))


def test_reset_never_deletes_a_real_organization(db, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from recouvre.cli import main
    from recouvre.ledger.models import Customer
    from recouvre.organizations.models import Membership, Organization
    from recouvre.organizations.services import create_organization
    from recouvre.testing.factories import CustomerFactory

    real = create_organization("dupont", "Dupont SA")
    CustomerFactory(organization=real, ref="411REAL")
    code = main(["demo", "--org", "dupont", "--reset", "--customers", "5", "--invoices", "20", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert (code, out["ok"]) == (1, False)
    assert "never deleted or rebuilt by the demo" in out["errors"][0]
    assert Organization.objects.get(slug="dupont").name == "Dupont SA"
    assert list(Customer.objects.filter(organization=real).values_list("ref", flat=True)) == ["411REAL"]
    assert not Membership.objects.filter(organization=real, user__username="demo").exists()


def test_the_demo_bank_statement_is_applied_suggested_and_left_to_match(db):  # type: ignore[no-untyped-def]
    """The demo's statement goes through the bank import: transfers quoting a payment reference, invoice numbers
    (one grouped, one less a bank fee) applied; a payer's name alone suggested; a tax refund and the debits left
    alone. Every entry is booked before the demo's today and nothing is over-allocated."""
    from datetime import datetime, time, timedelta

    from django.db.models import F
    from django.utils import timezone

    from recouvre.bank.models import BankApplication, BankEntry, BankSuggestion
    from recouvre.demo.bank import import_demo_statement

    create_demo(slug="demo", reset=False, **SMALL)
    org = Organization.objects.get(slug="demo")
    before = Invoice.objects.filter(organization=org, open_amount__gt=0).count()

    figures = import_demo_statement(org, AS_OF)

    assert figures == {"entries": 10, "applied": 6, "suggested": 1, "unmatched": 1}
    entries = BankEntry.objects.filter(organization=org)
    assert entries.count() == 10 and all(e.booked_on < AS_OF for e in entries)
    states = {(e.text.split()[0], e.state) for e in entries if e.amount < 0}
    assert states == {("FRAIS", "unmatched"), ("PRLV", "unmatched")}
    refund = entries.get(counterparty_name="DGFIP")
    assert (refund.amount, refund.state) == (Decimal("1286.00"), "unmatched")
    assert not BankSuggestion.objects.filter(entry=refund).exists()
    suggested = entries.get(state="suggested")
    assert suggested.text == "VIREMENT"
    suggestion = BankSuggestion.objects.get(entry=suggested)
    assert [a["amount"] for a in suggestion.allocations] == [str(suggested.amount.quantize(Decimal("0.01")))]
    applied = BankApplication.objects.filter(organization=org).select_related("payment", "credit_note")
    assert applied.count() == 6 and all(a.auto for a in applied)
    assert {a.payment.received_on for a in applied} <= {AS_OF - timedelta(days=d) for d in range(1, 7)}
    assert all(a.payment.source == "bank" and a.payment.allocated_amount <= a.payment.amount for a in applied)
    fee = [a for a in applied if a.credit_note is not None]
    assert [(a.credit_note.total, a.credit_note.source_ref) for a in fee] == [(Decimal("0.40"), "bank-difference")]
    rf = [e for e in entries if e.creditor_reference or "RF" in e.text]
    assert len(rf) == 2 and all(e.state == "applied" for e in rf)
    for application in applied.filter(payment__isnull=False):
        customer = application.customer
        if application.entry in rf:
            assert not Invoice.objects.filter(customer=customer, open_amount__gt=0).exists()  # the balance paid
    assert not Invoice.objects.filter(organization=org, allocated_amount__gt=F("total")).exists()
    assert Invoice.objects.filter(organization=org, open_amount__gt=0).count() < before
    events = Event.objects.filter(organization=org, kind__startswith="bank.")
    assert events.filter(kind="bank.payment_applied").count() == 6
    morning = timezone.make_aware(datetime.combine(AS_OF, time(10, 0)))
    assert {e.occurred_at for e in events} == {morning}


def test_cli_demo_imports_the_bank_statement(capsys):
    assert main(["demo", "--customers", "30", "--invoices", "300", "--history-days", "0", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["bank"] == {"entries": 10, "applied": 6, "suggested": 1, "unmatched": 1}
