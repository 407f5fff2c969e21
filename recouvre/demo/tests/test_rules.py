"""The demo obeys the product's own rules: after ``create_demo`` and its month of daily collections, the insolvent
customer has its proceedings recorded and hears nothing from the judgment on, every disputed invoice is on hold
and never escalates, each kind of debtor has the legal identity its documents need, and no consumer is claimed
the 40 EUR indemnity.

One demo (30 customers, 300 invoices, its 30 days of collections) is built for the module, in a transaction rolled
back at the end; each test reads it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from recouvre.collections.models import Action, Hold, HoldKind, ItemStep
from recouvre.core.prescription import declaration_deadline
from recouvre.demo.generator import generate
from recouvre.demo.history import simulate_collections
from recouvre.demo.services import create_demo
from recouvre.ledger.models import Customer, Event, Invoice
from recouvre.legal.deadlines import deadlines
from recouvre.legal.models import EcbRate, InsolvencyProcedure, LegalRate
from recouvre.letters.models import Letter
from recouvre.organizations.models import Organization
from recouvre.penalties.models import PenaltyClaim
from recouvre.tasks.models import Task

# A date whose half-years are all in the shipped rate tables, so that penalties are computed and claimed.
AS_OF = datetime(2026, 3, 16).date()
SIZE = {"customers": 30, "invoices": 300, "seed": 7, "as_of": AS_OF}
HISTORY_DAYS = 30


def _rates() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    return (
        list(EcbRate.objects.values_list("effective_on", "rate", "source")),
        list(LegalRate.objects.values_list("year", "half", "professionals", "individuals", "source")),
    )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), transaction.atomic():
        rates_before = _rates()
        create_demo(slug="demo", reset=False, **SIZE)
        org = Organization.objects.get(slug="demo")
        simulate_collections(org, as_of=AS_OF, days=HISTORY_DAYS)
        assert _rates() == rates_before  # the demo adds no rate of its own, not even for itself
        yield org, generate(**SIZE)
        transaction.set_rollback(True)


def _morning(day):  # type: ignore[no-untyped-def]
    return timezone.make_aware(datetime.combine(day, time(0, 0)))


def test_the_insolvent_customer_has_its_proceedings_and_hears_nothing_from_the_judgment(db, demo):  # type: ignore[no-untyped-def]
    org, data = demo
    (generated,) = [c for c in data.customers if c.insolvency is not None]
    p = generated.insolvency
    customer = Customer.objects.get(organization=org, ref=generated.ref)

    procedure = InsolvencyProcedure.objects.get(organization=org)
    assert procedure.customer == customer
    assert (procedure.kind, procedure.judgment_on, procedure.published_on) == (
        "receivership",
        p.opened_on,
        p.published_on,
    )
    assert procedure.court == p.court and procedure.court.startswith("Tribunal de commerce de ")
    assert procedure.officer_role == "mandataire" and procedure.officer_name.startswith("Me ")
    assert procedure.declaration_due_on == declaration_deadline(p.published_on, outside_metropolitan=False)
    assert procedure.declared_on is None
    # The court is the one of the registered office.
    assert procedure.court.removeprefix("Tribunal de commerce de ") in customer.registered_office.splitlines()[-1]

    # The collections hold it implies, from the judgment, still running.
    hold = procedure.hold
    assert (hold.kind, hold.customer, hold.starts_on, hold.released_at) == (
        HoldKind.INSOLVENCY,
        customer,
        p.opened_on,
        None,
    )

    # Its invoices are overdue and open: without the hold they would have been reminded during the month. Its
    # claim has amounts already due at the judgment.
    overdue = Invoice.objects.filter(customer=customer, open_amount__gt=0, due_on__lt=AS_OF - timedelta(days=35))
    assert overdue.exists()
    assert overdue.filter(due_on__lte=p.opened_on, issued_on__lte=p.opened_on).exists()
    assert p.opened_on > AS_OF - timedelta(days=60)  # the judgment is recent: the claim is still to be declared

    # Nothing addressed to it, nothing planned for it, from the judgment on.
    assert not Action.objects.filter(customer=customer, send_on__gte=p.opened_on).exists()
    assert not ItemStep.objects.filter(invoice__customer=customer, planned_on__gte=p.opened_on).exists()
    assert not Letter.objects.filter(customer=customer, produced_at__gte=_morning(p.opened_on)).exists()
    assert not Task.objects.filter(customer=customer, due_on__gte=p.opened_on).exists()
    assert not PenaltyClaim.objects.filter(customer=customer).exists()
    # Its timeline from the judgment on: the proceedings recorded when the BODACC published them, nothing else
    # (the ledger's own events are those the demo wrote when it was created).
    since = [
        e
        for e in Event.objects.filter(customer=customer, occurred_at__gte=_morning(p.opened_on))
        if not e.kind.startswith(("customer.", "contact.", "invoice.", "payment.", "allocation.", "credit_note."))
    ]
    assert sorted(e.kind for e in since) == ["collections.insolvency_recorded", "legal.insolvency_recorded"]
    assert {timezone.localtime(e.occurred_at).date() for e in since} == {p.published_on}

    # Its claim declaration deadline is on the Deadlines panel, still ahead.
    (deadline,) = [d for d in deadlines(org, AS_OF) if d.kind == "insolvency_declaration"]
    assert (deadline.customer_id, deadline.due_on) == (customer.pk, procedure.declaration_due_on)
    assert deadline.due_on > AS_OF and deadline.alert in {"open", "15d", "7d"}
    assert procedure.officer_name in deadline.label


def test_every_disputed_invoice_is_on_hold_and_never_escalates(db, demo):  # type: ignore[no-untyped-def]
    org, data = demo
    assert data.disputes
    invoices = {i.number: i for i in Invoice.objects.filter(organization=org).select_related("customer")}
    holds = {h.invoice.number: h for h in Hold.objects.filter(organization=org, kind=HoldKind.DISPUTE)}
    assert set(holds) == {d.invoice_number for d in data.disputes}
    for d in data.disputes:
        hold = holds[d.invoice_number]
        invoice = invoices[d.invoice_number]
        assert hold.released_at is None and hold.ends_on is None
        assert (hold.starts_on, hold.reason_code, hold.reason) == (d.opened_on, d.reason_code, d.reason)
        assert (hold.amount, hold.currency) == (invoice.open_amount, "EUR") and hold.amount == invoice.total
        assert hold.owner is not None and hold.owner.username == "demo"
        assert hold.customer == invoice.customer and "litige" in invoice.customer.tags
        # No step after the dispute began: not planned, not in any action's lines.
        assert not ItemStep.objects.filter(invoice=invoice, planned_on__gte=d.opened_on).exists()
        for action in Action.objects.filter(customer=invoice.customer, send_on__gte=d.opened_on):
            demanded = [ln for ln in action.lines if ln["number"] == invoice.number and ln["step"]]
            assert not demanded, (action.template, demanded)
    # Some disputed invoices are overdue long enough to have reached the formal notice without their hold...
    long_overdue = [d for d in data.disputes if (AS_OF - invoices[d.invoice_number].due_on).days > 35]
    assert long_overdue
    # ...while the month did escalate other invoices of the organization.
    assert ItemStep.objects.filter(organization=org, step_key="formal_notice").exists()
    # The timeline tells each dispute with its reason, on the day it was raised.
    opened = Event.objects.filter(organization=org, kind="collections.dispute_opened")
    assert sorted((e.data["invoice"], timezone.localtime(e.occurred_at).date()) for e in opened) == sorted(
        (d.invoice_number, d.opened_on) for d in data.disputes
    )


def test_each_kind_of_debtor_has_its_legal_identity(db, demo):  # type: ignore[no-untyped-def]
    org, _data = demo
    customers = list(Customer.objects.filter(organization=org))
    overdue = set(
        Invoice.objects.filter(organization=org, open_amount__gt=0, due_on__lt=AS_OF).values_list(
            "customer_id", flat=True
        )
    )
    businesses = [c for c in customers if c.kind == "business"]
    assert businesses
    for c in businesses:
        assert c.legal_form and c.name.endswith(c.legal_form)
        assert c.legal_address_recorded and c.registered_office.splitlines()[-1][:5].isdigit()
        assert c.representative.startswith(("M. ", "Mme ")) and ", " in c.representative
        assert not c.is_public_person and not c.has_administrative_contract
    assert any(c.registered_office != c.billing_address for c in businesses)  # a seat away from the billing address
    assert any(c.registered_office == c.billing_address for c in businesses)

    consumers = [c for c in customers if c.kind == "consumer"]
    assert len(consumers) >= 2
    for c in consumers:
        assert c.domicile and c.legal_address_recorded and c.legal_address == c.domicile
        assert c.legal_form == c.representative == c.registered_office == c.siren == ""
        assert not c.is_public_person and not c.has_administrative_contract
    assert any(c.pk in overdue for c in consumers)

    public = [c for c in customers if c.kind == "public"]
    (hospital,) = [c for c in public if c.name.startswith("Centre hospitalier")]
    assert hospital.is_public_person and hospital.has_administrative_contract
    assert hospital.legal_form == "Établissement public de santé" and hospital.representative.endswith(
        ("directeur", "directrice")
    )
    assert hospital.registered_office and hospital.pk in overdue
    (sem,) = [c for c in public if c.legal_form == "SAEML"]
    assert (sem.public_person, sem.administrative_contract) == (False, False)
    assert not sem.is_public_person and not sem.has_administrative_contract
    assert sem.registered_office and sem.vat_number and sem.pk in overdue
    assert sem.representative.endswith(("directeur général", "directrice générale"))
    (town,) = [c for c in public if c.legal_form == "Commune"]
    assert town.name.startswith("Commune d") and town.is_public_person and town.has_administrative_contract
    assert town.representative.endswith(", maire")


def test_no_consumer_is_claimed_the_indemnity(db, demo):  # type: ignore[no-untyped-def]
    org, _data = demo
    claims = PenaltyClaim.objects.filter(organization=org).select_related("customer")
    # Formal notices produced during the month claimed penalties from professionals, the indemnity included...
    assert any(c.customer.kind == "business" and c.indemnity == Decimal("40.00") for c in claims)
    # ...and never the indemnity from a consumer, though a consumer was escalated.
    assert not [c for c in claims if c.customer.kind == "consumer" and c.indemnity > 0]
    assert Action.objects.filter(organization=org, customer__kind="consumer", state="sent").exists()
