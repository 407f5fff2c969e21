"""Importing e-invoices into the ledger: customers matched or created, amounts due, due dates and where they come
from, credit notes applied or kept unallocated, PDFs kept, the same document again, a known number with other
amounts, a seller that is not the organization, and nothing written on any refusal (fuzzed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recouvre.documents.models import Document
from recouvre.einvoices.services import EInvoicesRefused, import_einvoices
from recouvre.imports.models import ImportRun
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Allocation, Contact, CreditNote, Customer, Event, Invoice, InvoiceInstalment, Source
from recouvre.testing.factories import CustomerFactory

from .documents import BUYER_SIREN, cii, pdf, ubl

ACTOR = Actor.system("test")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")


def run(org, *files, dry_run=False):  # type: ignore[no-untyped-def]
    return import_einvoices(org, list(files), actor=ACTOR, dry_run=dry_run)


def refused(org, *files) -> EInvoicesRefused:  # type: ignore[no-untyped-def]
    with pytest.raises(EInvoicesRefused) as caught:
        run(org, *files)
    return caught.value


def ledger_state(org):  # type: ignore[no-untyped-def]
    return (
        list(Customer.objects.filter(organization=org).values_list("ref", "name", "siren")),
        list(Invoice.objects.filter(organization=org).values_list("number", "total", "due_on", "allocated_amount")),
        list(CreditNote.objects.filter(organization=org).values_list("number", "total", "allocated_amount")),
        Allocation.objects.filter(organization=org).count(),
        Document.objects.filter(organization=org).count(),
        Event.objects.filter(organization=org).count(),
    )


def test_a_factur_x_pdf_creates_its_customer_invoice_and_document(org) -> None:  # type: ignore[no-untyped-def]
    result = run(org, ("FA-1001.pdf", pdf(cii())))
    assert result.as_dict() == {
        "created": 1,
        "unchanged": 0,
        "documents": [
            {
                "number": "FA-1001",
                "kind": "invoice",
                "customer_ref": "411BOULANGE",
                "issue_date": "2026-01-05",
                "due_date": "2026-02-04",
                "total": "1200.00",
                "open_amount": "1200.00",
                "currency": "EUR",
            }
        ],
        "warnings": [],
        "errors": [],
    }
    customer = Customer.objects.get(organization=org, ref="411BOULANGE")
    assert (customer.name, customer.kind, customer.siren, customer.vat_number, customer.city, customer.postal_code) == (
        "Boulangerie Martin SARL",
        "business",
        BUYER_SIREN,
        "FR96552100554",
        "Lyon",
        "69002",
    )
    contact = Contact.objects.get(customer=customer)
    assert (contact.name, contact.email, contact.is_primary) == ("Paul Martin", "compta@martin.example", True)
    invoice = Invoice.objects.get(organization=org, number="FA-1001")
    assert (invoice.customer_id, invoice.issued_on, invoice.due_on, invoice.total, invoice.open_amount) == (
        customer.pk,
        date(2026, 1, 5),
        date(2026, 2, 4),
        Decimal("1200.00"),
        Decimal("1200.00"),
    )
    assert (invoice.amount_excl_tax, invoice.tax_amount, invoice.source, invoice.source_ref) == (
        Decimal("1000.00"),
        Decimal("200.00"),
        Source.EINVOICE,
        "FA-1001.pdf",
    )
    document = Document.objects.get(invoice=invoice)
    assert (document.kind, document.file_name, document.content_type) == (
        "invoice_pdf",
        "FA-1001.pdf",
        "application/pdf",
    )
    kinds = set(Event.objects.filter(customer=customer).values_list("kind", flat=True))
    assert {"customer.created", "invoice.created", "document.attached", "import.summary"} <= kinds
    run_row = ImportRun.objects.get(organization=org)
    assert (run_row.kind, run_row.status, run_row.created, run_row.file_name) == (
        "einvoice",
        "succeeded",
        1,
        "FA-1001.pdf",
    )


def test_the_open_amount_is_the_amount_due(org) -> None:  # type: ignore[no-untyped-def]
    result = run(org, ("deposit.xml", cii(prepaid="300.00", payable="900.00")))
    doc = result.documents[0]
    assert (doc.total, doc.open_amount) == (Decimal("1200.00"), Decimal("900.00"))
    invoice = Invoice.objects.get(number="FA-1001")
    assert (invoice.total, invoice.open_amount, invoice.amount_excl_tax, invoice.tax_amount) == (
        Decimal("900.00"),
        Decimal("900.00"),
        None,
        None,
    )


def test_the_buyer_is_matched_by_siren_siret_vat_then_name(org) -> None:  # type: ignore[no-untyped-def]
    by_siren = CustomerFactory(organization=org, ref="C-SIREN", name="Autre nom", siren=BUYER_SIREN)
    run(org, ("a.xml", cii("A-1")))
    assert Invoice.objects.get(number="A-1").customer == by_siren
    by_vat = CustomerFactory(organization=org, ref="C-VAT", name="Garage", siren="", vat_number="FR83 404833048")
    run(org, ("b.xml", ubl("B-1")))
    assert Invoice.objects.get(number="B-1").customer == by_vat
    by_name = CustomerFactory(organization=org, ref="C-NAME", name="Épicerie Fine S.A.S.", siren="")
    result = run(org, ("c.xml", cii("C-1", buyer_name="EPICERIE FINE", buyer_siren="", buyer_vat="")))
    assert Invoice.objects.get(number="C-1").customer == by_name
    assert [w.message for w in result.warnings] == [
        "C-1: the buyer EPICERIE FINE was matched by its name to the customer Épicerie Fine S.A.S. (C-NAME)"
    ]
    assert Customer.objects.filter(organization=org).count() == 3


def test_a_name_never_matches_a_customer_whose_siren_says_otherwise(org) -> None:  # type: ignore[no-untyped-def]
    CustomerFactory(organization=org, ref="C-1", name="Boulangerie Martin", siren="404833048")
    run(org, ("a.xml", cii()))
    assert Invoice.objects.get(number="FA-1001").customer.ref == "411BOULANGE"


def test_several_customers_alike_refuse_the_file(org) -> None:  # type: ignore[no-untyped-def]
    CustomerFactory(organization=org, ref="C-1", name="Boulangerie Martin", siren="")
    CustomerFactory(organization=org, ref="C-2", name="boulangerie martin", siren="")
    error = refused(org, ("a.xml", cii(buyer_siren="", buyer_vat=""))).errors[0]
    assert (error.file, error.field) == ("a.xml", "BT-44")
    assert error.message == (
        "FA-1001: the buyer Boulangerie Martin SARL matches several customers (Boulangerie Martin (C-1), "
        "boulangerie martin (C-2)); give the right one its SIREN or VAT number"
    )


def test_due_date_from_the_document_then_its_terms_then_the_customer_then_the_organization(org) -> None:  # type: ignore[no-untyped-def]
    org.payment_terms_days = 45
    org.save()
    result = run(
        org,
        ("terms.xml", cii("T-1", due=None, terms="Paiement à 60 jours fin de mois")),
        ("org.xml", ubl("O-1", due=None)),
    )
    due = {d.number: d.due_date for d in result.documents}
    assert due == {"T-1": date(2026, 3, 31), "O-1": date(2026, 3, 27)}
    assert [w.message for w in result.warnings] == [
        "T-1 gives no due date: due on 2026-03-31 from its payment terms (Paiement à 60 jours fin de mois)",
        "O-1 gives no due date: due on 2026-03-27 from the organization's payment terms (45 days)",
    ]
    Customer.objects.filter(organization=org, ref="411GARAGEDU").update(payment_terms_days=20)
    result = run(org, ("cust.xml", ubl("O-2", due=None)))
    assert result.documents[0].due_date == date(2026, 3, 2)
    assert result.warnings[0].message == (
        "O-2 gives no due date: due on 2026-03-02 from the customer's payment terms (20 days)"
    )


def test_instalments_of_an_extended_invoice(org) -> None:  # type: ignore[no-untyped-def]
    run(org, ("ext.xml", cii(profile="extended", due=None, partial=(("20260201", "400.00"), ("20260301", "800.00")))))
    invoice = Invoice.objects.get(number="FA-1001")
    assert invoice.due_on == date(2026, 2, 1)
    assert list(InvoiceInstalment.objects.filter(invoice=invoice).values_list("due_on", "amount")) == [
        (date(2026, 2, 1), Decimal("400.00")),
        (date(2026, 3, 1), Decimal("800.00")),
    ]


def test_a_credit_note_is_applied_to_the_invoice_it_corrects(org) -> None:  # type: ignore[no-untyped-def]
    run(org, ("inv.xml", ubl()))
    result = run(
        org,
        (
            "cn.pdf",
            pdf(ubl("CN-1", credit_note=True, referenced="INV-2001", excl="100.00", tax="20.00", total="120.00")),
        ),
    )
    assert result.documents[0].as_dict() == {
        "number": "CN-1",
        "kind": "credit_note",
        "customer_ref": "411GARAGEDU",
        "issue_date": "2026-02-10",
        "due_date": None,
        "total": "120.00",
        "open_amount": "120.00",
        "currency": "EUR",
    }
    note = CreditNote.objects.get(number="CN-1")
    invoice = Invoice.objects.get(number="INV-2001")
    assert (note.invoice_id, note.allocated_amount, invoice.open_amount) == (
        invoice.pk,
        Decimal("120.00"),
        Decimal("480.00"),
    )
    assert Document.objects.get(invoice=invoice, kind="other").note == "Credit note CN-1 (e-invoice)"


def test_a_credit_note_and_its_invoice_in_the_same_import(org) -> None:  # type: ignore[no-untyped-def]
    credit = ubl("CN-1", credit_note=True, referenced="INV-2001", excl="1000.00", tax="200.00", total="1200.00")
    result = run(org, ("cn.xml", credit), ("inv.xml", ubl()))
    assert result.created == 2
    assert Invoice.objects.get(number="INV-2001").open_amount == Decimal("0.00")
    note = CreditNote.objects.get(number="CN-1")
    assert note.unallocated_amount == Decimal("600.00")
    assert [w.message for w in result.warnings] == [
        "credit note CN-1: 600.00 EUR applied to invoice INV-2001 (what was open), 600.00 left unallocated"
    ]


def test_a_credit_note_for_an_unknown_invoice_stays_unallocated(org) -> None:  # type: ignore[no-untyped-def]
    result = run(org, ("cn.xml", ubl("CN-9", credit_note=True, referenced="INV-404")))
    note = CreditNote.objects.get(number="CN-9")
    assert (note.invoice, note.unallocated_amount) == (None, Decimal("600.00"))
    assert [w.message for w in result.warnings] == [
        "credit note CN-9 corrects invoice INV-404, which Recouvre does not know: kept unallocated on the customer's "
        "account"
    ]


def test_the_same_file_again_is_unchanged(org) -> None:  # type: ignore[no-untyped-def]
    files = [("a.pdf", pdf(cii())), ("cn.xml", cii("AV-1", type_code="381", referenced="FA-1001", due=None))]
    run(org, *files)
    before = ledger_state(org)
    result = run(org, *files)
    assert (result.created, result.unchanged) == (0, 2)
    assert ledger_state(org)[:5] == before[:5]
    assert Allocation.objects.get(organization=org).amount == Decimal("1200.00")


def test_a_known_number_with_another_amount_is_refused_naming_both(org) -> None:  # type: ignore[no-untyped-def]
    run(org, ("first.xml", cii()))
    before = ledger_state(org)
    error = refused(org, ("second.xml", cii(excl="1100.00", tax="220.00", total="1320.00"))).errors[0]
    assert (error.file, error.line, error.field) == ("second.xml", 0, "BT-1")
    assert error.message == (
        "invoice FA-1001 is already recorded for Boulangerie Martin SARL (411BOULANGE), 1200.00 EUR; this file says "
        "Boulangerie Martin SARL (SIREN 552100554), 1320.00 EUR: refused, nothing is overwritten"
    )
    assert ledger_state(org) == before


def test_a_known_number_for_another_buyer_is_refused(org) -> None:  # type: ignore[no-untyped-def]
    run(org, ("first.xml", cii()))
    error = refused(org, ("other.xml", cii(buyer_name="Garage Dupuis", buyer_siren="404833048", buyer_vat=""))).errors[
        0
    ]
    assert "already recorded for Boulangerie Martin SARL (411BOULANGE)" in error.message
    assert "this file says Garage Dupuis (SIREN 404833048), 1200.00 EUR" in error.message


def test_the_same_number_twice_in_one_import(org) -> None:  # type: ignore[no-untyped-def]
    result = run(org, ("a.xml", cii()), ("a-copy.pdf", pdf(cii())))
    assert (result.created, result.unchanged) == (1, 1)
    error = refused(org, ("x.xml", cii("N-1")), ("y.xml", cii("N-1", excl="10.00", tax="2.00", total="12.00"))).errors[
        0
    ]
    assert error.message == (
        "invoice N-1 is also in x.xml with other amounts or another buyer (1200.00 EUR for Boulangerie Martin SARL "
        "(SIREN 552100554) there, 12.00 EUR for Boulangerie Martin SARL (SIREN 552100554) here)"
    )


def test_a_seller_that_is_not_the_organization_is_refused(org) -> None:  # type: ignore[no-untyped-def]
    before = ledger_state(org)
    error = refused(org, ("good.xml", cii("G-1")), ("theirs.xml", cii(seller_siren="404833048", seller_vat=""))).errors[
        0
    ]
    assert (error.file, error.field) == ("theirs.xml", "BT-30")
    assert error.message == (
        "FA-1001 was issued by ACME Distribution SAS (SIREN 404833048), not by ACME Distribution SAS "
        "(SIREN 732829320, FR44732829320): it is not one of its invoices"
    )
    assert ledger_state(org) == before  # the good file is not imported either


def test_a_purchase_invoice_is_refused(org) -> None:  # type: ignore[no-untyped-def]
    error = refused(
        org, ("bought.xml", cii(seller_siren="404833048", seller_vat="", buyer_siren="732829320", buyer_vat=""))
    ).errors[0]
    assert error.message.startswith("FA-1001 is addressed to ACME Distribution SAS")


def test_without_an_organization_siren_the_seller_is_not_checked(org) -> None:  # type: ignore[no-untyped-def]
    org.siren = ""
    org.save()
    assert run(org, ("theirs.xml", cii(seller_siren="404833048", seller_vat=""))).created == 1


def test_a_refused_file_refuses_them_all_and_is_recorded(org) -> None:  # type: ignore[no-untyped-def]
    errors = refused(org, ("good.xml", cii()), ("bad.xml", b"<nope")).errors
    assert [(e.file, e.field) for e in errors] == [("bad.xml", "XML")]
    assert ledger_state(org)[:5] == ([], [], [], 0, 0)
    run_row = ImportRun.objects.get(organization=org)
    assert (run_row.status, run_row.error_count, run_row.file_name) == ("refused", 1, "good.xml, bad.xml")


def test_a_dry_run_writes_nothing(org) -> None:  # type: ignore[no-untyped-def]
    result = run(org, ("a.pdf", pdf(cii())), dry_run=True)
    assert (result.created, result.documents[0].customer_ref) == (1, "411BOULANGE")
    assert ledger_state(org) == ([], [], [], 0, 0, 0)
    assert not ImportRun.objects.exists()


def test_an_invoice_first_imported_from_xml_gets_its_pdf_later(org) -> None:  # type: ignore[no-untyped-def]
    run(org, ("a.xml", cii()))
    result = run(org, ("a.pdf", pdf(cii())))
    assert result.unchanged == 1
    assert Document.objects.get(invoice__number="FA-1001").file_name == "a.pdf"


# --------------------------------------------------------------------------------------------- fuzzing


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_write_nothing(org, content: bytes) -> None:  # type: ignore[no-untyped-def]
    before = ledger_state(org)
    try:
        run(org, ("good.xml", cii("FUZZ-1")), ("fuzz.bin", content))
    except EInvoicesRefused as exc:
        assert exc.errors and all(e.message for e in exc.errors)
        assert ledger_state(org)[:5] == before[:5]
        return
    Invoice.objects.filter(organization=org).delete()  # a valid document by chance: start again
