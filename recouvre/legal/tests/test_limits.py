"""Prescription of recorded invoices, insolvency proceedings and their claim declaration, write-offs, and the
deadlines they produce."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from recouvre.collections import holds
from recouvre.collections.models import Hold, HoldKind
from recouvre.collections.selectors import open_items
from recouvre.ledger import services as ledger
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import CreditNote, Event, Invoice
from recouvre.ledger.timeline import describe
from recouvre.legal import insolvency, writeoffs
from recouvre.legal.deadlines import deadlines
from recouvre.legal.declaration import render_declaration_pdf
from recouvre.legal.models import LegalSettings, OfficerRole, ProcedureKind, WriteOffReason
from recouvre.legal.prescription import invoices_prescription, record_acknowledgment
from recouvre.reports.selectors import aged_balance
from recouvre.tasks.deadlines import gather
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, PaymentFactory

ME = Actor.system("test")
D = date


def limits(org, **kw):  # type: ignore[no-untyped-def]
    return {p.number: p.result.limit_on for p in invoices_prescription(org, **kw)}


def pay(invoice: Invoice, amount: str, on: date) -> None:
    payment = PaymentFactory(customer=invoice.customer, amount=Decimal(amount), received_on=on)
    ledger.allocate(ME, invoice=invoice, amount=Decimal(amount), payment=payment)


# ------------------------------------------------------------------------------------------ prescription


def test_prescription_of_recorded_invoices_with_their_interruptions(org) -> None:  # type: ignore[no-untyped-def]
    trader = CustomerFactory(organization=org, kind="business")
    person = CustomerFactory(organization=org, kind="consumer")
    plain = InvoiceFactory(customer=trader, number="F-PLAIN", issued_on=D(2021, 3, 15))
    paid_part = InvoiceFactory(customer=trader, number="F-PART", issued_on=D(2021, 3, 15))
    acknowledged = InvoiceFactory(customer=trader, number="F-ACK", issued_on=D(2021, 3, 15))
    consumer = InvoiceFactory(customer=person, number="F-CONSO", issued_on=D(2024, 6, 3))
    pay(paid_part, "200.00", D(2023, 5, 10))
    record_acknowledgment(org, trader, actor=ME, acknowledged_on=D(2024, 1, 8), invoice=acknowledged)
    # A signed payment plan over the consumer's invoice interrupts from the day it was agreed.
    holds.create_payment_plan(
        org,
        person,
        invoices=[consumer],
        instalments=[(D(2025, 2, 1), Decimal("600.00")), (D(2025, 3, 1), Decimal("600.00"))],
        actor=ME,
        today=D(2025, 1, 20),
    )

    assert limits(org) == {
        "F-PLAIN": D(2026, 3, 15),
        "F-PART": D(2028, 5, 10),
        "F-ACK": D(2029, 1, 8),
        "F-CONSO": D(2027, 1, 20),
    }
    assert plain.pk  # untouched: no event of its own


def test_an_acknowledgment_of_the_whole_account_covers_the_invoices_issued_by_then(org) -> None:  # type: ignore[no-untyped-def]
    trader = CustomerFactory(organization=org)
    InvoiceFactory(customer=trader, number="OLD", issued_on=D(2021, 3, 15))
    InvoiceFactory(customer=trader, number="NEW", issued_on=D(2024, 2, 1))
    record_acknowledgment(org, trader, actor=ME, acknowledged_on=D(2023, 9, 1), evidence="letter of 1 Sept 2023")
    assert limits(org) == {"OLD": D(2028, 9, 1), "NEW": D(2029, 2, 1)}
    event = Event.objects.get(customer=trader, kind="legal.debt_acknowledged")
    assert event.data["evidence"] == "letter of 1 Sept 2023"


def test_a_formal_notice_sent_does_not_move_the_limitation_date(org) -> None:  # type: ignore[no-untyped-def]
    from recouvre.collections.services import ensure_default_policies, run_collections

    trader = CustomerFactory(organization=org, address_line1="1 rue de la Paix", city="Paris", postal_code="75002")
    InvoiceFactory(customer=trader, number="F-OLD", issued_on=D(2021, 3, 15), due_on=D(2021, 4, 14))
    ensure_default_policies(org)
    before = limits(org)
    result = run_collections(org, D(2025, 9, 1), actor=ME)
    assert result.actions  # reminders up to the formal notice were planned for the customer
    assert limits(org) == before == {"F-OLD": D(2026, 3, 15)}


def test_a_court_claim_interrupts_while_it_runs(org) -> None:  # type: ignore[no-untyped-def]
    from recouvre.proceedings.models import Proceeding

    trader = CustomerFactory(organization=org)
    InvoiceFactory(customer=trader, number="F1", issued_on=D(2021, 3, 15))
    proceeding = Proceeding.objects.create(
        organization=org, customer=trader, route="injonction", opened_on=D(2025, 6, 1), filed_on=D(2025, 6, 3)
    )
    assert limits(org) == {"F1": None}
    proceeding.closed_on = D(2026, 1, 20)
    proceeding.save()
    assert limits(org) == {"F1": D(2031, 1, 20)}
    proceeding.status = "rejected"
    proceeding.save()
    assert limits(org) == {"F1": D(2026, 3, 15)}


def test_the_organization_chooses_where_the_period_starts(org) -> None:  # type: ignore[no-untyped-def]
    InvoiceFactory(customer=CustomerFactory(organization=org), number="F1", issued_on=D(2021, 3, 15))
    LegalSettings.objects.create(organization=org, performance_margin_days=30)
    assert limits(org) == {"F1": D(2026, 2, 13)}


def test_prescription_alerts_are_deadlines(org, other_org) -> None:  # type: ignore[no-untyped-def]
    trader = CustomerFactory(organization=org, name="Vieux Client SARL")
    InvoiceFactory(customer=trader, number="F-SOON", issued_on=D(2021, 6, 1))  # time-barred 1 June 2026
    InvoiceFactory(customer=trader, number="F-PASSED", issued_on=D(2020, 11, 2))  # on 2 November 2025
    InvoiceFactory(customer=trader, number="F-LATER", issued_on=D(2022, 6, 1))  # 2027: no alert yet
    InvoiceFactory(customer=CustomerFactory(organization=other_org), number="X-SOON", issued_on=D(2021, 6, 1))
    # each kind of debtor with its own period: a consumer's two years, a public body's four (quadrennial)
    person = CustomerFactory(organization=org, name="Jean Petit", kind="consumer")
    InvoiceFactory(customer=person, number="F-CONSO", issued_on=D(2024, 5, 20))  # 2 years: 20 May 2026
    InvoiceFactory(customer=person, number="F-CONSO-LATER", issued_on=D(2025, 1, 6))  # January 2027: no alert
    town = CustomerFactory(organization=org, name="Commune de Tarare", kind="public")
    InvoiceFactory(customer=town, number="F-MAIRIE", issued_on=D(2021, 4, 1))  # 1 Jan 2022 + 4 years: passed

    found = deadlines(org, D(2026, 3, 10))

    assert [(d.kind, d.due_on, d.alert, d.customer_id) for d in found] == [
        ("prescription", D(2025, 11, 2), "overdue", trader.pk),
        ("prescription", D(2025, 12, 31), "overdue", town.pk),
        ("prescription", D(2026, 5, 20), "3m", person.pk),
        ("prescription", D(2026, 6, 1), "3m", trader.pk),
    ]
    assert "F-SOON" in found[3].label and found[3].url.endswith("#legal")
    assert "F-CONSO" in found[2].label and "F-MAIRIE" in found[1].label


# ------------------------------------------------------------------------------------------- insolvency


@pytest.fixture
def debtor(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(
        organization=org,
        name="Boulangerie Martin SARL",
        siren="552100554",
        address_line1="3 place du Marché",
        postal_code="69002",
        city="Lyon",
    )
    InvoiceFactory(customer=customer, number="F-DUE", issued_on=D(2025, 12, 1), due_on=D(2025, 12, 31))
    InvoiceFactory(
        customer=customer,
        number="F-LATER",
        issued_on=D(2026, 2, 20),
        due_on=D(2026, 4, 20),
        total=Decimal("600.00"),
    )
    # Issued after the judgment: not covered by the procedure.
    InvoiceFactory(customer=customer, number="F-AFTER", issued_on=D(2026, 3, 20), due_on=D(2026, 4, 19))
    return customer


def open_procedure(org, debtor, **kw):  # type: ignore[no-untyped-def]
    fields = {
        "kind": ProcedureKind.RECEIVERSHIP,
        "judgment_on": D(2026, 3, 2),
        "published_on": D(2026, 3, 12),
        "court": "Tribunal des activités économiques de Lyon",
        "officer_role": OfficerRole.MANDATAIRE,
        "officer_name": "Maître Anne Durand",
        "officer_address": "12 quai Saint-Antoine\n69002 Lyon",
        **kw,
    }
    return insolvency.record_procedure(org, debtor, actor=ME, **fields)


def test_recording_a_procedure_stops_collection_and_sets_the_declaration_deadline(org, debtor) -> None:  # type: ignore[no-untyped-def]
    procedure = open_procedure(org, debtor)

    assert procedure.declaration_due_on == D(2026, 5, 12)
    hold = Hold.objects.get(customer=debtor, kind=HoldKind.INSOLVENCY, released_at__isnull=True)
    assert procedure.hold == hold and hold.starts_on == D(2026, 3, 2)
    event = Event.objects.get(customer=debtor, kind="legal.insolvency_recorded")
    assert describe(event) == (
        "Insolvency judgment of 2026-03-02 (Tribunal des activités économiques de Lyon), published in the BODACC on "
        "2026-03-12: declare the claim to Maître Anne Durand by 2026-05-12."
    )
    with pytest.raises(ValidationError):
        open_procedure(org, debtor)


def test_outside_metropolitan_france_four_months_rolled_to_a_working_day(org, debtor) -> None:  # type: ignore[no-untyped-def]
    # 12 July 2026 is a Sunday: Monday 13 July.
    assert open_procedure(org, debtor, outside_metropolitan=True).declaration_due_on == D(2026, 7, 13)


def test_a_hold_placed_by_hand_is_linked_to_the_procedure(org, debtor) -> None:  # type: ignore[no-untyped-def]
    hold = holds.record_insolvency(org, debtor, actor=ME, opened_on=D(2026, 3, 2))
    assert open_procedure(org, debtor).hold == hold
    assert Hold.objects.filter(customer=debtor, kind=HoldKind.INSOLVENCY).count() == 1


def test_the_claims_declared_stop_at_the_judgment(org, debtor) -> None:  # type: ignore[no-untyped-def]
    procedure = open_procedure(org, debtor)
    computed = insolvency.claims(procedure)

    assert [(ln.number, ln.falls_due) for ln in computed.lines] == [("F-DUE", False), ("F-LATER", True)]
    due, later = computed.lines
    # 1 200.00 late from 1 January to the judgment on 2 March 2026 (61 days) at 2.15 + 10 = 12.15 %:
    # 1200 x 12.15 % x 61 / 365 = 24.37; and the 40 EUR indemnity. The invoice falling due later: principal only.
    assert (due.principal, due.interest, due.indemnity) == (Decimal("1200.00"), Decimal("24.37"), Decimal("40.00"))
    assert (later.principal, later.interest, later.indemnity) == (Decimal("600.00"), Decimal("0.00"), Decimal("0.00"))
    assert (computed.due, computed.to_fall_due, computed.total) == (
        Decimal("1264.37"),
        Decimal("600.00"),
        Decimal("1864.37"),
    )


def test_interest_and_indemnity_stop_at_the_judgment_everywhere_they_are_computed(org, debtor) -> None:  # type: ignore[no-untyped-def]
    from recouvre.legal.selectors import invoices_interest

    ids = {inv.number: inv.pk for inv in Invoice.objects.filter(customer=debtor)}
    before = invoices_interest(org, ids.values(), D(2026, 6, 30))
    assert before.results[ids["F-LATER"]].indemnity == Decimal("40.00")  # late on 30 June, nothing recorded yet
    open_procedure(org, debtor)

    after = invoices_interest(org, ids.values(), D(2026, 6, 30)).results
    due, later, new = after[ids["F-DUE"]], after[ids["F-LATER"]], after[ids["F-AFTER"]]
    assert (due.principal, due.interest, due.indemnity) == (Decimal("1200.00"), Decimal("24.37"), Decimal("40.00"))
    assert [n.code for n in due.notes][-1] == "insolvency"
    assert (later.principal, later.interest, later.indemnity) == (Decimal("600.00"), Decimal("0.00"), Decimal("0.00"))
    # An invoice arising after the judgment is not covered: its interest runs (from 20 April to 30 June).
    assert new == before.results[ids["F-AFTER"]] and new.interest > 0


def test_declaring_the_claim_is_tracked_ends_the_alert_and_interrupts_prescription(org, debtor) -> None:  # type: ignore[no-untyped-def]
    procedure = open_procedure(org, debtor)
    assert [(d.kind, d.due_on, d.alert) for d in deadlines(org, D(2026, 5, 1))] == [
        ("insolvency_declaration", D(2026, 5, 12), "15d"),
        ("retention_of_title", D(2026, 6, 12), "open"),
    ]

    procedure = insolvency.declare_claim(procedure, actor=ME, declared_on=D(2026, 4, 2))

    assert (procedure.declared_due, procedure.declared_to_fall_due) == (Decimal("1264.37"), Decimal("600.00"))
    assert [d.kind for d in deadlines(org, D(2026, 5, 1))] == ["retention_of_title"]
    # Covered invoices: interrupted until the procedure is closed; the later invoice runs on.
    assert limits(org) == {"F-DUE": None, "F-LATER": None, "F-AFTER": D(2031, 3, 20)}
    insolvency.close_procedure(procedure, actor=ME, closed_on=D(2027, 10, 4))
    assert limits(org)["F-DUE"] == D(2032, 10, 4)
    with pytest.raises(ValidationError):
        insolvency.declare_claim(procedure, actor=ME, declared_on=D(2026, 4, 3))


def test_a_missed_declaration_deadline_points_to_relief_from_foreclosure(org, debtor) -> None:  # type: ignore[no-untyped-def]
    open_procedure(org, debtor)
    found = deadlines(org, D(2026, 5, 13))
    assert [(d.kind, d.due_on, d.alert) for d in found] == [
        ("insolvency_declaration", D(2026, 5, 12), "overdue"),
        ("retention_of_title", D(2026, 6, 12), "open"),
        ("insolvency_relief", D(2026, 9, 14), "open"),
    ]


def test_the_declaration_pdf_holds_its_mandatory_content(org, debtor) -> None:  # type: ignore[no-untyped-def]
    org.address_line1, org.postal_code, org.city = "8 rue des Forges", "75011", "Paris"
    org.save()
    procedure = open_procedure(org, debtor)
    procedure.securities = "Clause de réserve de propriété (CGV art. 9)"
    procedure.save()

    pdf = render_declaration_pdf(procedure, today=D(2026, 4, 2), signatory="Claire Petit, credit manager")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())

    for mention in [
        "Déclaration de créance",
        # creditor
        "ACME Distribution SAS",
        "SIREN 732829320",
        "8 rue des Forges",
        # debtor
        "Boulangerie Martin SARL",
        "SIREN 552100554",
        # procedure
        "Procédure de redressement judiciaire ouverte par jugement du 02/03/2026",
        "Tribunal des activités économiques de Lyon",
        "publié au BODACC le 12/03/2026",
        "Maître Anne Durand",
        "12 quai Saint-Antoine",
        # each claim, due and to fall due
        "F-DUE",
        "1 200,00 €",
        "24,37 €",
        "40,00 €",
        "F-LATER",
        "À échoir",
        "le 20/04/2026",
        "600,00 €",
        "Créances échues au jour du jugement d'ouverture 1 264,37 €",
        "Créances à échoir 600,00 €",
        "Total déclaré 1 864,37 €",
        "L. 622-28",
        # securities, sincerity, date and signature
        "Clause de réserve de propriété (CGV art. 9)",
        "certifie sincère et véritable la présente déclaration de créance",
        "Fait à Paris, le 02/04/2026",
        "Claire Petit, credit manager",
        "Signature",
    ]:
        assert mention in text, mention
    assert "F-AFTER" not in text


def test_without_securities_the_claim_is_said_unsecured(org, debtor) -> None:  # type: ignore[no-untyped-def]
    pdf = render_declaration_pdf(open_procedure(org, debtor), today=D(2026, 4, 2))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Aucun privilège ni sûreté : créance chirographaire." in text
    assert "Nom et qualité du signataire" in text


# ---------------------------------------------------------------------------------------------- write-off


def test_a_written_off_invoice_leaves_the_aged_balance_and_collections(org) -> None:  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411GONE")
    gone = InvoiceFactory(
        customer=customer,
        number="F-GONE",
        issued_on=D(2025, 1, 10),
        due_on=D(2025, 2, 9),
        amount_excl_tax=Decimal("1000.00"),
        tax_amount=Decimal("200.00"),
        total=Decimal("1200.00"),
    )
    kept = InvoiceFactory(customer=customer, number="F-KEPT", issued_on=D(2025, 1, 10), total=Decimal("300.00"))
    pay(gone, "120.00", D(2025, 3, 1))

    record = writeoffs.write_off(
        gone, actor=ME, reason=WriteOffReason.DEBTOR_GONE, written_off_on=D(2026, 3, 10), note="Company struck off"
    )

    gone.refresh_from_db()
    assert gone.open_amount == Decimal("0.00") and gone.total == Decimal("1200.00")
    assert (record.amount, record.tax_amount) == (Decimal("1080.00"), Decimal("180.00"))
    assert CreditNote.objects.get(pk=record.credit_note_id).number == "PP-F-GONE"
    balance = aged_balance(org, D(2026, 3, 10))
    assert [(ln.ref, ln.total, ln.unapplied) for ln in balance.lines] == [
        ("411GONE", Decimal("300.00"), Decimal("0.00"))
    ]
    assert [item.number for item in open_items(org)] == [kept.number]
    event = Event.objects.get(customer=customer, kind="legal.written_off")
    assert (event.data["invoice"], event.data["amount"], event.data["reason"]) == ("F-GONE", "1080.00", "debtor_gone")
    assert describe(event) == "Invoice F-GONE written off for 1080.00 EUR (Debtor gone or unknown): Company struck off"
    with pytest.raises(ValidationError):
        writeoffs.write_off(gone, actor=ME, reason=WriteOffReason.DEBTOR_GONE, written_off_on=D(2026, 3, 11))


def test_the_vat_note_of_a_write_off_after_liquidation(org, debtor) -> None:  # type: ignore[no-untyped-def]
    open_procedure(org, debtor, kind=ProcedureKind.LIQUIDATION, officer_role=OfficerRole.LIQUIDATEUR)
    invoice = Invoice.objects.get(number="F-DUE")
    invoice.amount_excl_tax, invoice.tax_amount = Decimal("1000.00"), Decimal("200.00")
    invoice.save()
    record = writeoffs.write_off(invoice, actor=ME, reason=WriteOffReason.INSOLVENCY, written_off_on=D(2027, 1, 5))
    note = writeoffs.vat_note(record)
    assert (note.net_amount, note.tax_amount, note.liquidation_on) == (
        Decimal("1000.00"),
        Decimal("200.00"),
        D(2026, 3, 2),
    )
    assert any("CGI art. 272" in c for c in note.conditions)
    assert any("2026-03-02" in c for c in note.conditions)


def test_other_needs_an_explanation(org) -> None:  # type: ignore[no-untyped-def]
    invoice = InvoiceFactory(customer=CustomerFactory(organization=org))
    with pytest.raises(ValidationError):
        writeoffs.write_off(invoice, actor=ME, reason=WriteOffReason.OTHER, written_off_on=D(2026, 3, 1))
    assert not CreditNote.objects.exists()


# --------------------------------------------------------------------------------------------- deadlines


def test_every_deadline_of_the_organization_by_date_with_days_left(org, other_org, debtor) -> None:  # type: ignore[no-untyped-def]
    open_procedure(org, debtor)
    InvoiceFactory(
        customer=CustomerFactory(organization=org, name="Ancien SA"), number="F-2021", issued_on=D(2021, 5, 3)
    )
    rival = CustomerFactory(organization=other_org)
    open_procedure(other_org, rival)

    rows = gather(org, D(2026, 4, 1))

    assert [(r.deadline.kind, r.deadline.due_on, r.days_left, r.customer_name) for r in rows] == [
        ("prescription", D(2026, 5, 3), 32, "Ancien SA"),
        ("insolvency_declaration", D(2026, 5, 12), 41, "Boulangerie Martin SARL"),
        ("retention_of_title", D(2026, 6, 12), 72, "Boulangerie Martin SARL"),
    ]
    assert [r.deadline.kind for r in gather(org, D(2026, 4, 1), within=35)] == ["prescription"]
