"""CSV/XLSX imports of customers, invoices and payments, against files this project writes itself (fixtures/)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import Workbook

from recouvre.core.importing import ImportRefused
from recouvre.imports.models import ImportRun
from recouvre.imports.services import run_import
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Allocation, Contact, Customer, Event, Invoice, Payment
from recouvre.ledger.timeline import describe as describe_in_language
from recouvre.testing.factories import CustomerFactory

FIXTURES = Path(__file__).parent / "fixtures"
ACTOR = Actor.system("import test")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():  # type: ignore[no-untyped-def]
    """Messages are checked in English, the source language (the default language is French)."""
    with translation.override("en"):
        yield


def describe(event: Event) -> str:
    with translation.override("en"):
        return describe_in_language(event)


def run(org, kind: str, name: str | Path, **kwargs):  # type: ignore[no-untyped-def]
    path = name if isinstance(name, Path) else FIXTURES / name
    return run_import(org, kind, path, actor=ACTOR, **kwargs)


def counts(result) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    return result.created, result.updated, result.unchanged


def refused(org, kind: str, name: str | Path, **kwargs) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportRefused) as exc:
        run(org, kind, name, **kwargs)
    return [(e.line, e.field) for e in exc.value.errors]


def refusal_messages(org, kind: str, name: str | Path, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportRefused) as exc:
        run(org, kind, name, **kwargs)
    return [str(e) for e in exc.value.errors]


def invoice_rows(org) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return list(
        Invoice.objects.filter(organization=org)
        .order_by("number")
        .values_list(
            "number", "customer__ref", "issued_on", "due_on", "amount_excl_tax", "tax_amount", "total", "currency"
        )
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------- customers


def test_customers_english_headers_utf8_comma(org) -> None:  # type: ignore[no-untyped-def]
    result = run(org, "customers", "customers_en.csv")

    assert counts(result) == (3, 0, 0)
    assert result.details["contacts"] == {"created": 2, "updated": 0, "unchanged": 0}
    alpha = Customer.objects.get(organization=org, ref="411ALPHA")
    assert (alpha.name, alpha.kind, alpha.segment, alpha.siren, alpha.vat_number) == (
        "Alpha Distribution SARL",
        "business",
        "strategic",
        "732829320",
        "FR44732829320",
    )
    assert (alpha.address_line1, alpha.postal_code, alpha.city, alpha.country, alpha.language) == (
        "12 rue de la Paix",
        "75002",
        "Paris",
        "FR",
        "fr",
    )
    assert (alpha.payment_terms_days, alpha.payment_terms_end_of_month, alpha.credit_limit) == (
        45,
        True,
        Decimal("50000.00"),
    )
    contact = alpha.contacts.get()
    assert (contact.name, contact.email, contact.phone, contact.role, contact.is_primary) == (
        "Marie Curie",
        "compta@alpha.example",
        "+33 1 23 45 67 89",
        "billing",
        True,
    )
    beta = Customer.objects.get(organization=org, ref="411BETA")
    assert (beta.name, beta.city, beta.country, beta.language, beta.payment_terms_days) == (
        "Beta, Fils & Cie",
        "Lyon",
        "FR",
        "en",
        60,
    )
    assert beta.contacts.count() == 0
    gamma = Customer.objects.get(organization=org, ref="411GAMMA")
    assert (gamma.kind, gamma.segment, gamma.payment_terms_days) == ("public", "small", 30)
    assert list(gamma.contacts.values_list("email", "phone")) == [("factures@gamma.example", "")]
    assert sorted(Event.objects.filter(organization=org).values_list("customer__ref", "kind")) == [
        ("411ALPHA", "customer.created"),
        ("411ALPHA", "import.summary"),
        ("411BETA", "customer.created"),
        ("411BETA", "import.summary"),
        ("411GAMMA", "customer.created"),
        ("411GAMMA", "import.summary"),
    ]


def test_customers_french_headers_latin1_semicolon(org) -> None:  # type: ignore[no-untyped-def]
    result = run(org, "customers", "customers_fr_latin1.csv")

    assert counts(result) == (3, 0, 0)
    rows = list(
        Customer.objects.filter(organization=org)
        .order_by("ref")
        .values_list(
            "ref", "name", "kind", "siren", "siret", "city", "payment_terms_days", "payment_terms_end_of_month"
        )
    )
    assert rows == [
        ("411DUPONT", "Dupont Frères SAS", "business", "732829320", "73282932000074", "Lyon", 45, True),
        ("411MARTIN", "Martin Jean", "consumer", "", "", "", 0, False),
        ("411ÉCOLE", "École Sainte-Hélène", "public", "", "", "Nantes", 30, False),
    ]
    dupont = Customer.objects.get(organization=org, ref="411DUPONT")
    assert (dupont.address_line1, dupont.postal_code, dupont.country, dupont.credit_limit) == (
        "3 place Bellecour",
        "69002",
        "FR",
        Decimal("12500.00"),
    )
    assert list(dupont.contacts.values_list("email", "phone")) == [("compta@dupont.example", "04 78 00 00 00")]


def test_changed_customer_is_updated_with_an_event_listing_the_changes(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_en.csv")
    changed = write(
        tmp_path,
        "customers.csv",
        "customer_id,name,city,email\n"
        "411ALPHA,Alpha Distribution SARL,Marseille,relances@alpha.example\n"
        '411BETA,"Beta, Fils & Cie",Lyon,\n'
        "411GAMMA,Mairie de Gamma,,\n",
    )
    events_before = Event.objects.count()

    result = run(org, "customers", changed)

    assert counts(result) == (0, 1, 2)
    alpha = Customer.objects.get(organization=org, ref="411ALPHA")
    assert alpha.city == "Marseille"
    assert alpha.postal_code == "75002"  # not in the file: kept
    assert list(alpha.contacts.values_list("name", "email")) == [("Marie Curie", "relances@alpha.example")]
    assert Contact.objects.filter(organization=org).count() == 2
    new_events = Event.objects.filter(organization=org).order_by("id")[events_before:]
    assert [(e.customer.ref, e.kind) for e in new_events] == [
        ("411ALPHA", "customer.updated"),
        ("411ALPHA", "import.summary"),
    ]
    assert new_events[0].data["changes"] == {
        "city": ["Paris", "Marseille"],
        "contact.email": ["compta@alpha.example", "relances@alpha.example"],
    }
    assert describe(new_events[0]) == "Customer details changed: city, e-mail of the contact."


# --------------------------------------------------------------------------------------------- invoices


def test_invoices_english_headers_utf8_comma(org) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_en.csv")

    result = run(org, "invoices", "invoices_en.csv")

    assert counts(result) == (4, 0, 0)
    assert invoice_rows(org) == [
        ("F2025-001", "411ALPHA", date(2025, 3, 12), date(2025, 4, 30), Decimal("1000.00"), Decimal("200.00"),
         Decimal("1200.00"), "EUR"),
        # 45 days end of month from 20 March: 4 May, then the end of May
        ("F2025-002", "411ALPHA", date(2025, 3, 20), date(2025, 5, 31), Decimal("1234.50"), Decimal("246.90"),
         Decimal("1481.40"), "EUR"),
        ("F2025-003", "411BETA", date(2025, 4, 1), date(2025, 5, 31), None, None, Decimal("99.90"), "EUR"),
        ("F2025-004", "411GAMMA", date(2025, 4, 15), date(2025, 5, 15), None, None, Decimal("2500.00"), "USD"),
    ]  # fmt: skip
    assert result.notes == [
        "due date not in the file for 2 new invoice(s): computed, 2 from the customer's payment terms"
    ]
    invoice = Invoice.objects.get(organization=org, number="F2025-002")
    assert (invoice.source, invoice.source_ref, invoice.open_amount) == ("csv", "invoices_en.csv:3", Decimal("1481.40"))
    summaries = Event.objects.filter(organization=org, kind="import.summary", data__import_kind="invoices")
    assert sorted((e.customer.ref, e.data["created"], e.data["updated"], e.data["unchanged"]) for e in summaries) == [
        ("411ALPHA", 2, 0, 0),
        ("411BETA", 1, 0, 0),
        ("411GAMMA", 1, 0, 0),
    ]
    alpha_summary = summaries.get(customer__ref="411ALPHA")
    assert describe(alpha_summary) == "Import of invoices_en.csv (invoices): 2 created, 0 updated, 0 unchanged."


def test_invoices_french_headers_latin1_semicolon(org) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_fr_latin1.csv")

    result = run(org, "invoices", "invoices_fr_latin1.csv")

    assert counts(result) == (3, 0, 0)
    assert invoice_rows(org) == [
        ("FA-0001", "411DUPONT", date(2025, 3, 12), date(2025, 4, 30), Decimal("1028.80"), Decimal("205.76"),
         Decimal("1234.56"), "EUR"),
        ("FA-0002", "411DUPONT", date(2025, 3, 15), date(2025, 4, 30), Decimal("500.00"), Decimal("100.00"),
         Decimal("600.00"), "EUR"),
        ("FA-0003", "411ÉCOLE", date(2025, 4, 1), date(2025, 5, 1), None, None, Decimal("12345.67"), "EUR"),
    ]  # fmt: skip


def test_invoices_utf8_with_bom_and_crlf(org) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_fr_latin1.csv")

    result = run(org, "invoices", "invoices_bom.csv")

    assert counts(result) == (2, 0, 0)
    assert invoice_rows(org) == [
        ("FB-1", "411DUPONT", date(2025, 6, 1), date(2025, 7, 15), None, None, Decimal("840.00"), "EUR"),
        ("FB-2", "411MARTIN", date(2025, 6, 2), date(2025, 6, 2), None, None, Decimal("35.50"), "EUR"),
    ]


def test_invoices_xlsx(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    CustomerFactory(organization=org, ref="411001", name="Numérique SA")
    wb = Workbook()
    ws = wb.active
    ws.append(["N° facture", "Code client", "Date facture", "Montant TTC"])
    ws.append(["X-1", 411001, datetime(2025, 1, 31), 1234.56])
    ws.append(["X-2", 411001, date(2025, 2, 1), 99.9])
    path = tmp_path / "factures.xlsx"
    wb.save(path)

    result = run(org, "invoices", path)

    assert counts(result) == (2, 0, 0)
    assert invoice_rows(org) == [
        ("X-1", "411001", date(2025, 1, 31), date(2025, 3, 2), None, None, Decimal("1234.56"), "EUR"),
        ("X-2", "411001", date(2025, 2, 1), date(2025, 3, 3), None, None, Decimal("99.90"), "EUR"),
    ]
    assert set(Invoice.objects.filter(organization=org).values_list("source", flat=True)) == {"xlsx"}
    assert result.notes == [
        "due date not in the file for 2 new invoice(s): computed, 2 from the organization's terms (30 days)"
    ]


def test_a_file_with_bad_lines_is_refused_whole_naming_each_line_and_field(org) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_en.csv")
    events = Event.objects.count()

    with pytest.raises(ImportRefused) as exc:
        run(org, "invoices", "invoices_bad.csv")

    assert [(e.line, e.field, e.message) for e in exc.value.errors] == [
        (3, "issue_date", "not a valid date: '2025-02-30'"),
        (4, "customer_id", "the customer account is missing"),
        (5, "due_date", "the due date 2025-02-01 is before the issue date 2025-03-01"),
        (5, "amount_incl_tax", "not an amount: 'abc'"),
        (5, "currency", "'XX1' is not a currency code (write EUR, USD...)"),
        (7, "invoice_number", "the invoice B-1 is also on line 2 of this file"),
        (8, "customer_id", "unknown customer 411NOBODY; import the customers first or use --create-customers"),
    ]
    assert Invoice.objects.count() == 0
    assert Event.objects.count() == events
    run_ = ImportRun.objects.get(organization=org, kind="invoices")
    assert (run_.status, run_.error_count, run_.created, run_.file_name) == ("refused", 7, 0, "invoices_bad.csv")
    assert run_.errors[0] == {"line": 3, "field": "issue_date", "message": "not a valid date: '2025-02-30'"}


def test_reimporting_the_same_file_changes_nothing(org) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_en.csv")
    run(org, "invoices", "invoices_en.csv")
    before = invoice_rows(org)
    stamps = list(Invoice.objects.order_by("id").values_list("updated_at", flat=True))
    events = Event.objects.count()

    result = run(org, "invoices", "invoices_en.csv")

    assert counts(result) == (0, 0, 4)
    assert result.details == {"invoices": {"created": 0, "updated": 0, "unchanged": 4}}
    assert invoice_rows(org) == before
    assert list(Invoice.objects.order_by("id").values_list("updated_at", flat=True)) == stamps
    assert Event.objects.count() == events
    assert any(n.startswith("this same file was already imported on ") for n in result.notes)


def test_overlapping_file_creates_updates_and_leaves_the_rest(org) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_en.csv")
    run(org, "invoices", "invoices_en.csv")
    last_event = Event.objects.order_by("-id").values_list("id", flat=True).first()

    result = run(org, "invoices", "invoices_overlap.csv")

    assert counts(result) == (1, 1, 1)
    rows = {r[0]: r for r in invoice_rows(org)}
    assert len(rows) == 5
    assert rows["F2025-003"][3] == date(2025, 6, 15)
    assert rows["F2025-005"][1:] == (
        "411BETA",
        date(2025, 6, 1),
        date(2025, 7, 1),
        None,
        None,
        Decimal("450.00"),
        "EUR",
    )
    assert rows["F2025-002"][6] == Decimal("1481.40")  # not in the file: untouched
    new = list(Event.objects.filter(id__gt=last_event).order_by("id"))
    assert [(e.customer.ref, e.kind) for e in new] == [("411BETA", "invoice.updated"), ("411BETA", "import.summary")]
    assert new[0].data == {
        "number": "F2025-003",
        "changes": {"due_on": ["2025-05-31", "2025-06-15"]},
        "file": "invoices_overlap.csv",
        "line": 3,
    }
    assert describe(new[0]) == "Invoice F2025-003 changed: due date."
    assert (new[1].data["created"], new[1].data["updated"], new[1].data["unchanged"]) == (1, 1, 0)


def test_dry_run_reports_the_same_counts_and_writes_nothing(org) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_en.csv")
    events, runs = Event.objects.count(), ImportRun.objects.count()

    result = run(org, "invoices", "invoices_en.csv", dry_run=True)

    assert result.dry_run is True
    assert counts(result) == (4, 0, 0)
    assert Invoice.objects.count() == 0
    assert (Event.objects.count(), ImportRun.objects.count()) == (events, runs)
    assert counts(run(org, "invoices", "invoices_en.csv")) == (4, 0, 0)


def test_dry_run_of_a_bad_file_is_refused_and_leaves_no_record(org) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_en.csv")
    runs = ImportRun.objects.count()
    assert len(refused(org, "invoices", "invoices_bad.csv", dry_run=True)) == 7
    assert ImportRun.objects.count() == runs


def test_unknown_customers_are_refused_unless_asked_to_create_them(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(
        tmp_path,
        "new.csv",
        "invoice_number,customer_id,customer_name,issue_date,amount_incl_tax\n"
        "N1,411NEW,Nouvelle SARL,2025-01-10,100\n"
        "N2,411NEW,Nouvelle SARL,2025-01-11,50\n"
        "N3,411BARE,,2025-01-12,75\n",
    )
    assert refusal_messages(org, "invoices", path) == [
        "line 2, customer_id: unknown customer 411NEW; import the customers first or use --create-customers",
        "line 3, customer_id: unknown customer 411NEW; import the customers first or use --create-customers",
        "line 4, customer_id: unknown customer 411BARE; import the customers first or use --create-customers",
    ]
    assert Customer.objects.count() == 0

    result = run(org, "invoices", path, create_customers=True)

    assert counts(result) == (3, 0, 0)
    assert result.details["customers"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert sorted(Customer.objects.filter(organization=org).values_list("ref", "name")) == [
        ("411BARE", "411BARE"),
        ("411NEW", "Nouvelle SARL"),
    ]
    assert [r[:4] for r in invoice_rows(org)] == [
        ("N1", "411NEW", date(2025, 1, 10), date(2025, 2, 9)),
        ("N2", "411NEW", date(2025, 1, 11), date(2025, 2, 10)),
        ("N3", "411BARE", date(2025, 1, 12), date(2025, 2, 11)),
    ]
    assert sorted(Event.objects.filter(organization=org).values_list("customer__ref", "kind")) == [
        ("411BARE", "customer.created"),
        ("411BARE", "import.summary"),
        ("411NEW", "customer.created"),
        ("411NEW", "import.summary"),
    ]


def test_customers_of_another_organization_are_unknown(org, other_org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    CustomerFactory(organization=other_org, ref="411ALPHA")
    path = write(
        tmp_path, "i.csv", "invoice_number,customer_id,issue_date,amount_incl_tax\nF1,411ALPHA,2025-01-10,100\n"
    )
    assert refused(org, "invoices", path) == [(2, "customer_id")]


def test_a_total_below_what_is_settled_and_a_customer_change_are_refused(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_en.csv")
    run(org, "invoices", "invoices_en.csv")
    run(org, "payments", "payments_en.csv")
    path = write(
        tmp_path,
        "fix.csv",
        "invoice_number,customer_id,issue_date,due_date,amount_incl_tax\n"
        "F2025-001,411ALPHA,2025-03-12,2025-04-30,1000.00\n"
        "F2025-002,411BETA,2025-03-20,2025-05-31,1481.40\n"
        "F2025-004,411GAMMA,2025-04-15,2025-04-01,2500\n",
    )

    assert refusal_messages(org, "invoices", path) == [
        "line 2, amount_incl_tax: invoice F2025-001: the new total 1000.00 is less than the 1200.00 already settled",
        "line 3, customer_id: invoice F2025-002 already has payments or credit notes applied: "
        "its customer cannot change",
        "line 4, due_date: the due date 2025-04-01 is before the issue date 2025-04-15",
    ]
    assert Invoice.objects.get(organization=org, number="F2025-001").total == Decimal("1200.00")


def test_a_new_total_without_excl_tax_clears_the_split_that_no_longer_adds_up(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_en.csv")
    run(org, "invoices", "invoices_en.csv")
    path = write(
        tmp_path, "t.csv", "invoice_number,customer_id,issue_date,amount_incl_tax\nF2025-001,411ALPHA,2025-03-12,1300\n"
    )

    result = run(org, "invoices", path)

    assert counts(result) == (0, 1, 0)
    invoice = Invoice.objects.get(organization=org, number="F2025-001")
    assert (invoice.total, invoice.amount_excl_tax, invoice.tax_amount, invoice.due_on) == (
        Decimal("1300.00"),
        None,
        None,
        date(2025, 4, 30),  # no due date in the file: the stored one is kept
    )
    event = Event.objects.get(organization=org, kind="invoice.updated")
    assert event.data["changes"] == {
        "total": ["1200.00", "1300.00"],
        "amount_excl_tax": ["1000.00", None],
        "tax_amount": ["200.00", None],
    }


# --------------------------------------------------------------------------------------------- payments


def test_payments_allocate_the_invoice_they_name(org) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_en.csv")
    run(org, "invoices", "invoices_en.csv")

    result = run(org, "payments", "payments_en.csv")

    assert counts(result) == (4, 0, 0)
    assert result.details["allocations"] == {"created": 3, "updated": 0, "unchanged": 0}
    opens = dict(Invoice.objects.filter(organization=org).values_list("number", "open_amount"))
    assert opens == {
        "F2025-001": Decimal("0.00"),
        "F2025-002": Decimal("981.40"),
        "F2025-003": Decimal("0.00"),
        "F2025-004": Decimal("2500.00"),
    }
    payments = list(
        Payment.objects.filter(organization=org)
        .order_by("received_on")
        .values_list("customer__ref", "received_on", "amount", "unallocated_amount", "method", "reference")
    )
    assert payments == [
        ("411ALPHA", date(2025, 4, 30), Decimal("1200.00"), Decimal("0.00"), "transfer", "VIR ALPHA 001"),
        ("411BETA", date(2025, 5, 2), Decimal("120.00"), Decimal("20.10"), "cheque", "CHQ 12345"),
        ("411ALPHA", date(2025, 5, 10), Decimal("500.00"), Decimal("0.00"), "transfer", "VIR ALPHA 002"),
        ("411GAMMA", date(2025, 5, 20), Decimal("300.00"), Decimal("300.00"), "transfer", ""),
    ]
    allocation = Event.objects.get(organization=org, kind="allocation.created", data__invoice="F2025-003")
    assert describe(allocation) == "99.90 EUR applied to invoice F2025-003."


def test_reimporting_payments_allocates_nothing_twice(org) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_en.csv")
    run(org, "invoices", "invoices_en.csv")
    run(org, "payments", "payments_en.csv")
    events = Event.objects.count()

    result = run(org, "payments", "payments_en.csv")

    assert counts(result) == (0, 0, 4)
    assert "allocations" not in result.details
    assert Allocation.objects.filter(organization=org).count() == 3
    assert Payment.objects.filter(organization=org).count() == 4
    assert Invoice.objects.get(organization=org, number="F2025-002").open_amount == Decimal("981.40")
    assert Event.objects.count() == events


def test_identical_payment_lines_are_distinct_payments_found_again_on_reimport(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    CustomerFactory(organization=org, ref="411A")
    line = "411A,2025-05-01,50.00,CB\n"
    first = write(tmp_path, "p1.csv", "customer_id,date,amount,method\n" + line * 2)
    overlapping = write(tmp_path, "p2.csv", "customer_id,date,amount,method\n" + line * 3)

    assert counts(run(org, "payments", first)) == (2, 0, 0)
    assert counts(run(org, "payments", overlapping)) == (1, 0, 2)
    assert Payment.objects.filter(organization=org).count() == 3


def test_payment_ids_allow_updates_recorded_on_the_timeline(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    CustomerFactory(organization=org, ref="411A")
    header = "payment_id,customer_id,payment_date,amount,reference\n"
    run(org, "payments", write(tmp_path, "a.csv", header + "TX-1,411A,2025-05-01,50.00,REF1\n"))

    result = run(org, "payments", write(tmp_path, "b.csv", header + "TX-1,411A,2025-05-02,55.00,REF1\n"))

    assert counts(result) == (0, 1, 0)
    payment = Payment.objects.get(organization=org)
    assert (payment.source_key, payment.received_on, payment.amount) == (
        "file-id:TX-1",
        date(2025, 5, 2),
        Decimal("55.00"),
    )
    event = Event.objects.get(organization=org, kind="payment.updated")
    assert event.data["changes"] == {"received_on": ["2025-05-01", "2025-05-02"], "amount": ["50.00", "55.00"]}
    assert describe(event) == "Payment REF1 changed: amount, date."


def test_payment_naming_an_unknown_or_foreign_invoice_is_refused(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_en.csv")
    run(org, "invoices", "invoices_en.csv")
    path = write(
        tmp_path,
        "p.csv",
        "customer_id,payment_date,amount,invoice_number\n"
        "411ALPHA,2025-05-01,10,F9999\n"
        "411BETA,2025-05-01,10,F2025-001\n"
        "411GAMMA,2025-05-01,10,F2025-004\n",
    )
    assert refusal_messages(org, "payments", path) == [
        "line 2, invoice_number: unknown invoice F9999",
        "line 3, invoice_number: the invoice F2025-001 is not an invoice of the customer 411BETA",
        "line 4, invoice_number: the invoice F2025-004 is in USD, the payment in EUR",
    ]
    assert Payment.objects.count() == 0


def test_several_payments_of_one_invoice_allocate_at_most_its_open_amount(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_en.csv")
    run(org, "invoices", "invoices_en.csv")
    path = write(
        tmp_path,
        "p.csv",
        "customer_id,payment_date,amount,invoice_number\n"
        "411ALPHA,2025-05-01,1000,F2025-001\n"
        "411ALPHA,2025-05-02,1000,F2025-001\n"
        "411ALPHA,2025-05-03,1000,F2025-001\n",
    )

    result = run(org, "payments", path)

    assert result.details["allocations"]["created"] == 2
    assert list(Payment.objects.order_by("received_on").values_list("allocated_amount", flat=True)) == [
        Decimal("1000.00"),
        Decimal("200.00"),
        Decimal("0.00"),
    ]
    assert result.notes == ["invoice(s) already settled, payment left unallocated on the customer's account: F2025-001"]


# --------------------------------------------------------------------------------------------- the run itself


def test_an_import_is_recorded_under_the_name_the_person_gave(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    upload = tmp_path / "upload_x81kd.csv"
    upload.write_bytes((FIXTURES / "customers_en.csv").read_bytes())

    result = run(org, "customers", upload, original_name="clients mars.csv")

    assert result.file == "clients mars.csv"
    import_run = ImportRun.objects.get(organization=org)
    assert (import_run.file_name, import_run.status, import_run.rows, import_run.created, import_run.actor_label) == (
        "clients mars.csv",
        "succeeded",
        3,
        3,
        "import test",
    )
    assert len(import_run.sha256) == 64
    assert import_run.finished_at >= import_run.started_at
    assert set(Event.objects.filter(kind="import.summary").values_list("data__file", flat=True)) == {"clients mars.csv"}


def test_progress_is_reported(org) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_en.csv")
    calls: list[tuple[int, int | None, str | None]] = []

    run(
        org,
        "invoices",
        "invoices_en.csv",
        progress=lambda done, total=None, stage=None: calls.append((done, total, stage)),
    )

    assert calls[0] == (0, 4, "Reading invoices_en.csv")
    assert (4, 4, "Writing invoices") in calls


def test_unreadable_file_is_refused_with_the_reason(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert refusal_messages(org, "invoices", empty) == ["line 0, file: the file is empty"]
    no_columns = write(tmp_path, "cols.csv", "ref;total\nA;1\n")
    messages = refusal_messages(org, "invoices", no_columns)
    assert [m.split(":")[0] for m in messages] == ["line 1, number", "line 1, customer_ref", "line 1, issued_on"]


def test_a_header_without_lines_imports_nothing(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run(org, "customers", write(tmp_path, "h.csv", "customer_id,name\n"))
    assert counts(result) == (0, 0, 0)
    assert result.notes == ["the file has a header but no data lines"]


def test_many_events_are_written_with_the_same_content(org, other_org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def timeline(organization):  # type: ignore[no-untyped-def]
        return sorted(
            (e.customer.ref, e.kind, json.dumps(e.data, sort_keys=True), e.actor_label, e.actor_id)
            for e in Event.objects.filter(organization=organization)
        )

    for kind, name in (("customers", "customers_en.csv"), ("invoices", "invoices_en.csv")):
        run(org, kind, name)
    monkeypatch.setattr("recouvre.imports.tabular.EVENTS_IN_BULK", 0)
    for kind, name in (("customers", "customers_en.csv"), ("invoices", "invoices_en.csv")):
        run(other_org, kind, name)

    assert len(timeline(org)) == 9
    assert timeline(other_org) == timeline(org)


def test_an_invoice_moved_to_another_customer_before_any_payment(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run(org, "customers", "customers_en.csv")
    run(org, "invoices", "invoices_en.csv")
    for n in range(20):  # a ledger much larger than the file: only the file's invoices are read
        Invoice.objects.create(
            organization=org,
            customer=Customer.objects.get(organization=org, ref="411GAMMA"),
            number=f"OLD-{n}",
            issued_on=date(2024, 1, 1),
            due_on=date(2024, 2, 1),
            total=Decimal("10.00"),
        )
    path = write(
        tmp_path,
        "moved.csv",
        "invoice_number,customer_id,issue_date,due_date,amount_incl_tax\n"
        "F2025-003,411GAMMA,2025-04-01,2025-05-31,99.90\n"
        "OLD-1,411GAMMA,2024-01-01,2024-02-01,10.00\n",
    )

    result = run(org, "invoices", path)

    assert counts(result) == (0, 1, 1)
    assert Invoice.objects.get(organization=org, number="F2025-003").customer.ref == "411GAMMA"
    event = Event.objects.get(organization=org, kind="invoice.updated")
    assert event.customer.ref == "411GAMMA"
    assert event.data["changes"] == {"customer": ["411BETA", "411GAMMA"]}


def test_the_file_fills_the_billing_contact_not_another_one(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411A", name="A", email="")
    Contact.objects.create(organization=org, customer=customer, name="Patron", role="management", email="pdg@a.example")
    path = write(tmp_path, "c.csv", "customer_id,name,email\n411A,A,compta@a.example\n")

    result = run(org, "customers", path)

    assert counts(result) == (0, 1, 0)
    assert sorted(customer.contacts.values_list("role", "email", "is_primary")) == [
        ("billing", "compta@a.example", True),
        ("management", "pdg@a.example", False),
    ]
    assert counts(run(org, "customers", path)) == (0, 0, 1)


def test_an_accounting_export_with_client_piece_debit_headers(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """What a French accounting package exports: "Client" holds codes here, "Débit" the invoice's amount."""
    CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SARL")
    CustomerFactory(organization=org, ref="411MARTIN", name="Martin SAS")
    path = tmp_path / "grand-livre.csv"
    path.write_text(
        "Client;N° pièce;Date pièce;Échéance;Débit;Crédit;Solde\n"
        "411DUPONT;FA-1;12/03/2025;30/04/2025;1 234,56;0,00;1 234,56\n"
        "411MARTIN;FA-2;15/03/2025;30/04/2025;600,00;100,00;500,00\n",
        encoding="utf-8",
    )
    result = run(org, "invoices", path)
    assert counts(result) == (2, 0, 0)
    assert [(n, ref, total) for n, ref, _i, _d, _h, _t, total, _c in invoice_rows(org)] == [
        ("FA-1", "411DUPONT", Decimal("1234.56")),
        ("FA-2", "411MARTIN", Decimal("600.00")),
    ]
    assert "the column 'Client' was read as the customer account (its values look like codes)" in result.notes


def test_a_client_column_of_names_beside_a_code_column_is_the_name(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    CustomerFactory(organization=org, ref="C001", name="Dupont SARL")
    path = tmp_path / "factures.csv"
    path.write_text(
        "Code client;Client;Pièce;Date pièce;Montant\nC001;Dupont SARL;FA-9;01/02/2025;100,00\n", encoding="utf-8"
    )
    result = run(org, "invoices", path)
    assert counts(result) == (1, 0, 0)
    assert "the column 'Client' was read as the customer name (the other column holds the customer account)" in (
        result.notes
    )
