"""Lifecycle statuses of the e-invoicing reform, imported from CSV or JSON: each has the effect the same step taken
by hand has (the hold services), once; 213 keeps an invoice out of runs and penalty claims; 212 is never a payment."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from recouvre.collections.held import held_invoices
from recouvre.collections.models import Action, Hold
from recouvre.collections.services import ensure_default_policies, run_collections
from recouvre.core.einvoice.status import StatusFileRefused, read_status_file
from recouvre.einvoices.models import LifecycleStatus
from recouvre.einvoices.selectors import lifecycle
from recouvre.einvoices.statuses import StatusesRefused, import_statuses
from recouvre.imports.models import ImportRun
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Allocation, Event, Payment
from recouvre.ledger.services import allocate, record_payment
from recouvre.penalties.models import PenaltyClaim
from recouvre.penalties.services import claim_penalties
from recouvre.tasks.models import Task
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

ACTOR = Actor.system("test")
TODAY = date(2026, 3, 20)
pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUPUIS", name="Garage Dupuis SAS")
    return InvoiceFactory(
        customer=customer, number="F-100", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4), total=Decimal("600.00")
    )


def statuses(org, rows: str, name: str = "statuts.csv", **kw):  # type: ignore[no-untyped-def]
    return import_statuses(org, name, rows.encode("utf-8"), actor=ACTOR, today=TODAY, **kw)


def live(invoice):  # type: ignore[no-untyped-def]
    return list(Hold.objects.filter(invoice=invoice, released_at__isnull=True).values_list("kind", flat=True))


def test_reading_csv_and_json() -> None:
    csv_rows = read_status_file("facture;statut;date;motif\nF-1;207;12/03/2026;Quantité erronée\n".encode("cp1252"))
    assert [(m.line, m.number, m.code, m.on, m.reason) for m in csv_rows] == [
        (2, "F-1", 207, date(2026, 3, 12), "Quantité erronée")
    ]
    json_rows = read_status_file(
        json.dumps({"statuses": [{"invoice": "F-2", "status": "En litige", "date": "2026-03-12T10:00:00Z"}]}).encode()
    )
    assert [(m.line, m.number, m.code, m.on) for m in json_rows] == [(1, "F-2", 207, date(2026, 3, 12))]
    with pytest.raises(StatusFileRefused) as caught:
        read_status_file(b"invoice,status,date\nF-1,999,2026-03-12\nF-2,207,31/02/2026\n,207,2026-03-01\n")
    assert [(e.line, e.field, e.message) for e in caught.value.errors] == [
        (2, "status", "999 is not a lifecycle status code (200 to 299)"),
        (3, "date", "not a valid date: '31/02/2026'"),
        (4, "invoice", "the invoice number is missing"),
    ]
    with pytest.raises(StatusFileRefused) as caught:
        read_status_file(b"number;when\nF-1;2026-03-01\n")
    assert caught.value.errors[0].message.endswith("missing: code, date")


def test_207_opens_a_dispute_once(org, invoice) -> None:  # type: ignore[no-untyped-def]
    result = statuses(org, "invoice;status;date;reason\nF-100;207;2026-03-12;Quantité livrée inférieure\n")
    assert (result.created, result.unchanged) == (1, 0)
    hold = Hold.objects.get(invoice=invoice)
    assert (hold.kind, hold.reason_code, hold.starts_on, hold.amount) == (
        "dispute",
        "other",
        date(2026, 3, 12),
        Decimal("600.00"),
    )
    assert hold.reason == "E-invoice status 207 En litige from the platform. Quantité livrée inférieure"
    status = LifecycleStatus.objects.get(invoice=invoice)
    assert (status.code, status.effect, status.hold, status.outcome) == (207, "dispute", hold, "")
    again = statuses(org, "invoice;status;date;reason\nF-100;207;2026-03-12;Quantité livrée inférieure\n")
    assert (again.created, again.unchanged) == (0, 1)
    assert Hold.objects.filter(invoice=invoice).count() == 1
    assert LifecycleStatus.objects.count() == 1
    event = Event.objects.filter(kind="einvoice.status").get()
    assert event.data["code"] == 207 and event.data["invoice"] == "F-100"


def test_208_pauses_and_209_lifts_the_pause(org, invoice) -> None:  # type: ignore[no-untyped-def]
    statuses(org, "invoice;status;date\nF-100;208;2026-03-10\n")
    assert live(invoice) == ["manual"]
    task = Task.objects.get(invoice=invoice)
    assert task.title == "Send the buyer the information it asks for about F-100 (invoice suspended)"
    statuses(org, "invoice;status;date\nF-100;209;2026-03-15\n")
    assert live(invoice) == []


def test_210_opens_a_dispute_asking_for_a_credit_note(org, invoice) -> None:  # type: ignore[no-untyped-def]
    statuses(org, "invoice;status;date;reason\nF-100;210;2026-03-11;Prix non conforme au devis\n")
    hold = Hold.objects.get(invoice=invoice, kind="dispute")
    assert hold.reason.startswith(
        "E-invoice status 210 Refusée: the buyer refused the invoice; a credit note or a corrected invoice is needed."
    )
    assert Task.objects.get(invoice=invoice).title == (
        "Issue a credit note or a corrected invoice for F-100 (refused by the buyer)"
    )


def test_211_holds_while_the_payment_is_looked_for(org, invoice) -> None:  # type: ignore[no-untyped-def]
    statuses(org, "invoice;status;date\nF-100;211;2026-03-18\n")
    hold = Hold.objects.get(kind="already_paid")
    assert list(hold.invoices.all()) == [invoice]
    assert (hold.starts_on, hold.ends_on) == (date(2026, 3, 18), date(2026, 3, 27))


def test_213_keeps_the_invoice_out_of_runs_and_penalties(org, invoice) -> None:  # type: ignore[no-untyped-def]
    ensure_default_policies(org)
    other = InvoiceFactory(
        customer=CustomerFactory(organization=org, ref="411AUTRE"),
        number="F-200",
        issued_on=date(2026, 1, 5),
        due_on=date(2026, 2, 4),
    )
    statuses(org, "invoice;status;date;reason\nF-100;213;2026-01-06;Format invalide\n")
    assert live(invoice) == ["einvoice_rejected"]
    assert held_invoices(org.pk, invoice.customer_id, [invoice.pk], TODAY) == {invoice.pk: "einvoice_rejected"}
    run_collections(org, TODAY, actor=ACTOR, today=TODAY)
    assert set(Action.objects.values_list("customer__ref", flat=True)) == {"411AUTRE"}
    assert claim_penalties(org, [invoice], as_of=TODAY, actor=ACTOR) == []
    assert PenaltyClaim.objects.filter(invoice=invoice).count() == 0
    assert [c.invoice_id for c in claim_penalties(org, [other], as_of=TODAY, actor=ACTOR)] == [other.pk]
    assert Task.objects.get(invoice=invoice).title == (
        "Correct and issue again invoice F-100 (rejected by the e-invoicing platform)"
    )


def test_212_is_never_a_second_payment(org, invoice) -> None:  # type: ignore[no-untyped-def]
    payment = record_payment(
        org, ACTOR, customer=invoice.customer, received_on=date(2026, 3, 1), amount=Decimal("600.00"), source_key="k1"
    )
    allocate(ACTOR, invoice=invoice, amount=Decimal("600.00"), payment=payment)
    result = statuses(org, "invoice;status;date\nF-100;212;2026-03-02\n")
    assert result.created == 1 and result.warnings == []
    assert (Payment.objects.count(), Allocation.objects.count()) == (1, 1)
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("0.00")
    assert [(e.code, e.on, e.origin, e.amount) for e in lifecycle(org, invoice)] == [
        (212, date(2026, 3, 1), "payments", Decimal("600.00")),
        (212, date(2026, 3, 2), "received", None),
    ]


def test_a_status_that_cannot_take_effect_is_recorded_with_a_warning(org, invoice) -> None:  # type: ignore[no-untyped-def]
    statuses(org, "invoice;status;date\nF-100;207;2026-03-12\n")
    result = statuses(org, "invoice;status;date\nF-100;207;2026-03-13\n")
    assert result.warnings == ["F-100 (207): Invoice F-100 is already disputed."]
    assert LifecycleStatus.objects.get(status_on=date(2026, 3, 13)).outcome == "Invoice F-100 is already disputed."


def test_unknown_invoices_and_future_days_refuse_the_file(org, invoice) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StatusesRefused) as caught:
        statuses(org, "invoice;status;date\nF-100;207;2026-03-12\nF-999;207;2026-03-12\nF-100;208;2026-04-01\n")
    assert [(e.line, e.field, e.message) for e in caught.value.errors] == [
        (3, "invoice", "unknown invoice F-999"),
        (4, "date", "the status is dated 2026-04-01, in the future"),
    ]
    assert not Hold.objects.exists() and not LifecycleStatus.objects.exists()
    assert ImportRun.objects.get().status == "refused"


def test_a_dry_run_writes_nothing(org, invoice) -> None:  # type: ignore[no-untyped-def]
    result = statuses(org, "invoice;status;date\nF-100;213;2026-03-12\n", dry_run=True)
    assert result.created == 1
    assert not Hold.objects.exists() and not LifecycleStatus.objects.exists() and not ImportRun.objects.exists()
