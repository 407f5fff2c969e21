"""Invoices payable in several instalments: one invoice, its number, and its schedule of due amounts, whether it
comes from a FEC (one customer line per due date) or a CSV file (the instalments column)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from recouvre.cli import main
from recouvre.core.fec import FEC_COLUMNS
from recouvre.core.importing import ImportRefused
from recouvre.imports.fec import import_fec
from recouvre.imports.services import run_import
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Allocation, Event, Invoice, InvoiceInstalment
from recouvre.ledger.selectors import invoice_schedule
from recouvre.ledger.timeline import describe
from recouvre.testing.factories import CustomerFactory

ACTOR = Actor.system("test")
pytestmark = pytest.mark.django_db


def schedule_of(invoice: Invoice) -> list[tuple[int, int, date, Decimal, Decimal]]:
    invoice.refresh_from_db()
    return [
        (i["position"], i["count"], i["due_on"], i["amount"], i["open_amount"])
        for i in invoice_schedule(invoice.organization, invoice)
    ]


# --------------------------------------------------------------------------------------------- FEC


def fec_line(journal: str, num: str, day: str, account: str, aux: str, aux_label: str, piece: str, label: str,
             debit: str, credit: str, letter: str = "", due: str = "") -> str:  # fmt: skip
    fields = {
        "JournalCode": journal,
        "JournalLib": {"VE": "Ventes", "BQ": "Banque"}[journal],
        "EcritureNum": num,
        "EcritureDate": day,
        "CompteNum": account,
        "CompteLib": "Clients" if account.startswith("411") else "Autre",
        "CompAuxNum": aux,
        "CompAuxLib": aux_label,
        "PieceRef": piece,
        "PieceDate": day,
        "EcritureLib": label,
        "Debit": debit,
        "Credit": credit,
        "EcritureLet": letter,
        "DateLet": "",
        "ValidDate": day,
        "Montantdevise": "",
        "Idevise": "",
    }
    return "\t".join([*(fields[c] for c in FEC_COLUMNS), due])


def write_fec(tmp_path: Path, *lines: str, name: str = "FEC2026.txt") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(["\t".join([*FEC_COLUMNS, "DateEcheance"]), *lines]) + "\n", encoding="utf-8")
    return path


def two_due_dates(tmp_path: Path, *, paid_first: bool = False) -> Path:
    """Invoice F2026-007 of 1 000.00: 600.00 due 31 January, 400.00 due 28 February (one 411 line each); with
    ``paid_first`` a bank entry pays 600.00 on 30 January, lettered with the first line."""
    lines = [
        fec_line("VE", "7", "20260105", "411000", "CDUPONT", "DUPONT SARL", "F2026-007", "Facture F2026-007",
                 "600,00", "0,00", "AA" if paid_first else "", "20260131"),
        fec_line("VE", "7", "20260105", "411000", "CDUPONT", "DUPONT SARL", "F2026-007", "Facture F2026-007",
                 "400,00", "0,00", "", "20260228"),
        fec_line("VE", "7", "20260105", "706000", "", "", "F2026-007", "Facture F2026-007", "0,00", "833,33"),
        fec_line("VE", "7", "20260105", "445710", "", "", "F2026-007", "Facture F2026-007", "0,00", "166,67"),
    ]  # fmt: skip
    if paid_first:
        lines += [
            fec_line("BQ", "3", "20260130", "512000", "", "", "VIR1", "VIR DUPONT F2026-007", "600,00", "0,00"),
            fec_line("BQ", "3", "20260130", "411000", "CDUPONT", "DUPONT SARL", "VIR1", "VIR DUPONT F2026-007",
                     "0,00", "600,00", "AA"),
        ]  # fmt: skip
    return write_fec(tmp_path, *lines)


def test_a_fec_invoice_with_two_due_dates_is_one_invoice_with_two_instalments(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = import_fec(org, two_due_dates(tmp_path), actor=ACTOR)

    assert result.details["invoices"] == {"created": 1, "updated": 0, "unchanged": 0}
    invoice = Invoice.objects.get(organization=org)
    assert (invoice.number, invoice.issued_on, invoice.due_on, invoice.total, invoice.open_amount) == (
        "F2026-007",
        date(2026, 1, 5),
        date(2026, 1, 31),
        Decimal("1000.00"),
        Decimal("1000.00"),
    )
    assert schedule_of(invoice) == [
        (1, 2, date(2026, 1, 31), Decimal("600.00"), Decimal("600.00")),
        (2, 2, date(2026, 2, 28), Decimal("400.00"), Decimal("400.00")),
    ]
    assert not Invoice.objects.filter(number__endswith="-2").exists()

    again = import_fec(org, two_due_dates(tmp_path), actor=ACTOR)
    assert (again.created, again.updated) == (0, 0)
    assert InvoiceInstalment.objects.count() == 2


def test_lettering_of_the_first_instalments_line_pays_the_first_instalment(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import_fec(org, two_due_dates(tmp_path, paid_first=True), actor=ACTOR)

    invoice = Invoice.objects.get(organization=org, number="F2026-007")
    assert list(Allocation.objects.filter(invoice=invoice).values_list("amount", "allocated_on")) == [
        (Decimal("600.00"), date(2026, 1, 30))
    ]
    assert invoice.open_amount == Decimal("400.00")
    assert schedule_of(invoice) == [
        (1, 2, date(2026, 1, 31), Decimal("600.00"), Decimal("0.00")),
        (2, 2, date(2026, 2, 28), Decimal("400.00"), Decimal("400.00")),
    ]


def test_a_later_export_with_another_schedule_updates_the_instalments(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import_fec(org, two_due_dates(tmp_path), actor=ACTOR)
    later = tmp_path / "later"
    later.mkdir()
    moved = write_fec(
        later,
        *two_due_dates(tmp_path).read_text(encoding="utf-8").replace("20260228", "20260315").splitlines()[1:],
    )

    result = import_fec(org, moved, actor=ACTOR)

    assert result.details["invoices"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert schedule_of(Invoice.objects.get(organization=org)) == [
        (1, 2, date(2026, 1, 31), Decimal("600.00"), Decimal("600.00")),
        (2, 2, date(2026, 3, 15), Decimal("400.00"), Decimal("400.00")),
    ]


def test_lines_of_one_piece_with_the_same_due_date_stay_as_they_were(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_fec(
        tmp_path,
        fec_line("VE", "8", "20260105", "411000", "CDUPONT", "DUPONT SARL", "F2026-008", "F2026-008", "100,00", "0,00",
                 "", "20260131"),
        fec_line("VE", "8", "20260105", "411000", "CDUPONT", "DUPONT SARL", "F2026-008", "F2026-008", "50,00", "0,00",
                 "", "20260131"),
    )  # fmt: skip

    import_fec(org, path, actor=ACTOR)

    assert sorted(Invoice.objects.values_list("number", "total")) == [
        ("VE-8-20260105-1", Decimal("100.00")),
        ("VE-8-20260105-2", Decimal("50.00")),
    ]
    assert InvoiceInstalment.objects.count() == 0


def test_sample_fecs_without_due_dates_make_no_instalments(org, samples_dir) -> None:  # type: ignore[no-untyped-def]
    for path in sorted((samples_dir / "fec").iterdir()):
        import_fec(org, path, actor=ACTOR)
    assert Invoice.objects.filter(organization=org).exists()
    assert InvoiceInstalment.objects.count() == 0


# --------------------------------------------------------------------------------------------- CSV


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_instalments_column_gives_the_schedule(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    CustomerFactory(organization=org, ref="411DUPONT")
    path = write(
        tmp_path,
        "invoices.csv",
        "invoice_number,customer_id,issue_date,amount_incl_tax,instalments\n"
        "F-1,411DUPONT,2026-01-05,1000.00,2026-01-31:500.00;2026-02-28:300.00;2026-03-31:200.00\n"
        "F-2,411DUPONT,2026-01-06,80.00,\n"
        "F-3,411DUPONT,2026-01-07,90.00,2026-02-07:90.00\n",
    )

    result = run_import(org, "invoices", path, actor=ACTOR)

    assert (result.created, result.updated) == (3, 0)
    f1 = Invoice.objects.get(organization=org, number="F-1")
    assert f1.due_on == date(2026, 1, 31)
    assert schedule_of(f1) == [
        (1, 3, date(2026, 1, 31), Decimal("500.00"), Decimal("500.00")),
        (2, 3, date(2026, 2, 28), Decimal("300.00"), Decimal("300.00")),
        (3, 3, date(2026, 3, 31), Decimal("200.00"), Decimal("200.00")),
    ]
    assert schedule_of(Invoice.objects.get(organization=org, number="F-2")) == []
    f3 = Invoice.objects.get(organization=org, number="F-3")  # one instalment for the whole total: a due date
    assert (f3.due_on, schedule_of(f3)) == (date(2026, 2, 7), [])

    # the same file again changes nothing; a new schedule replaces the old one, with an event saying so
    assert (run_import(org, "invoices", path, actor=ACTOR).updated, InvoiceInstalment.objects.count()) == (0, 3)
    moved = write(
        tmp_path,
        "moved.csv",
        "invoice_number,customer_id,issue_date,amount_incl_tax,instalments\n"
        "F-1,411DUPONT,2026-01-05,1000.00,2026-01-31:500.00;2026-03-31:500.00\n",
    )
    assert run_import(org, "invoices", moved, actor=ACTOR).updated == 1
    assert [(p, n, d, a) for p, n, d, a, _o in schedule_of(f1)] == [
        (1, 2, date(2026, 1, 31), Decimal("500.00")),
        (2, 2, date(2026, 3, 31), Decimal("500.00")),
    ]
    event = Event.objects.filter(kind="invoice.updated").latest("id")
    assert event.data["changes"]["instalments"] == [
        "2026-01-31:500.00;2026-02-28:300.00;2026-03-31:200.00",
        "2026-01-31:500.00;2026-03-31:500.00",
    ]


def test_csv_instalments_that_do_not_add_up_are_refused_naming_file_line_and_field(org, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    CustomerFactory(organization=org, ref="411DUPONT")
    path = write(
        tmp_path,
        "bad.csv",
        "invoice_number,customer_id,issue_date,amount_incl_tax,Échéancier\n"
        "F-1,411DUPONT,2026-01-05,1000.00,2026-01-31:500.00;2026-02-28:400.00\n"
        "F-2,411DUPONT,2026-01-05,100.00,2026-02-28:50.00;2026-01-31:50.00\n"
        "F-3,411DUPONT,2026-01-05,100.00,2026-02-28 50.00\n"
        "F-4,411DUPONT,2026-01-05,100.00,2026-01-31:50.00;2026-02-30:50.00\n",
    )

    with pytest.raises(ImportRefused) as refused:
        run_import(org, "invoices", path, actor=ACTOR)

    assert [(e.line, e.field, e.message) for e in refused.value.errors] == [
        (2, "Échéancier", "the instalments add up to 900.00, not to the invoice's total 1000.00"),
        (3, "Échéancier", "instalment 2: due 2026-01-31, not after the instalment before it (2026-02-28)"),
        (4, "Échéancier", "instalment 1: '2026-02-28 50.00' is not a due date and an amount (2026-01-31:500.00)"),
        (5, "Échéancier", "instalment 2: not a valid date: '2026-02-30'"),
    ]
    assert Invoice.objects.count() == 0

    code = main(["import", "invoices", str(path), "--org", "acme"])
    err = capsys.readouterr().err
    assert code == 1
    assert "bad.csv: line 2, Échéancier: the instalments add up to 900.00, not to the invoice's total 1000.00" in err


def test_a_new_total_without_the_instalments_column_is_refused(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    CustomerFactory(organization=org, ref="411DUPONT")
    run_import(
        org,
        "invoices",
        write(
            tmp_path,
            "a.csv",
            "invoice_number,customer_id,issue_date,amount_incl_tax,instalments\n"
            "F-1,411DUPONT,2026-01-05,1000.00,2026-01-31:500.00;2026-02-28:500.00\n",
        ),
        actor=ACTOR,
    )
    plain = "invoice_number,customer_id,issue_date,amount_incl_tax\nF-1,411DUPONT,2026-01-05,{total}\n"

    unchanged = run_import(org, "invoices", write(tmp_path, "b.csv", plain.format(total="1000.00")), actor=ACTOR)
    assert (unchanged.updated, unchanged.unchanged, InvoiceInstalment.objects.count()) == (0, 1, 2)
    with pytest.raises(ImportRefused) as refused:
        run_import(org, "invoices", write(tmp_path, "c.csv", plain.format(total="1200.00")), actor=ACTOR)
    assert [str(e) for e in refused.value.errors] == [
        "line 2, amount_incl_tax: invoice F-1 is payable in 2 instalments adding up to 1000.00: give its "
        "instalments (column instalments) with the new total 1200.00"
    ]


def test_the_timeline_says_the_schedule_set_by_hand(org) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    from recouvre.core.instalments import Part
    from recouvre.ledger.services import set_instalments
    from recouvre.testing.factories import InvoiceFactory

    invoice = InvoiceFactory(
        customer__organization=org, number="F-9", issued_on=date(2026, 1, 5), due_on=date(2026, 2, 5), total=300
    )
    with pytest.raises(ValidationError):
        set_instalments(invoice, ACTOR, [Part(date(2026, 2, 5), Decimal("100.00"))])

    set_instalments(
        invoice, ACTOR, [Part(date(2026, 1, 31), Decimal("100.00")), Part(date(2026, 2, 28), Decimal("200.00"))]
    )

    assert Invoice.objects.get(pk=invoice.pk).due_on == date(2026, 1, 31)
    event = Event.objects.get(kind="invoice.instalments")
    assert describe(event) == "Invoice F-9 payable in 2 instalments: 2026-01-31 100.00; 2026-02-28 200.00 EUR."
