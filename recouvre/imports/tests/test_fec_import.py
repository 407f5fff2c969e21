"""Importing a FEC: what lands in the ledger, what the person importing is told, and that the ledger agrees with
the books (each customer's net balance equals its 411 balance in the file)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum
from django.utils import translation

from recouvre.cli import main
from recouvre.core.fec import FEC_COLUMNS
from recouvre.core.importing import ImportRefused, RowError
from recouvre.imports.fec import import_fec
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Allocation, CreditNote, Customer, Event, Invoice, Payment
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, OrganizationFactory, PaymentFactory

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fec"
BOOK = FIXTURES / "book_tab_bom.txt"
ACTOR = Actor.system("test")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


def net_balances(org) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    """Per customer ref: open invoices minus unallocated payments minus unallocated credit notes."""
    net: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for ref, amount in (
        Invoice.objects.filter(organization=org).values_list("customer__ref").annotate(s=Sum("open_amount"))
    ):
        net[ref] += amount
    for ref, amount in (
        Payment.objects.filter(organization=org).values_list("customer__ref").annotate(s=Sum("unallocated_amount"))
    ):
        net[ref] -= amount
    for ref, amount in (
        CreditNote.objects.filter(organization=org).values_list("customer__ref").annotate(s=Sum("unallocated_amount"))
    ):
        net[ref] -= amount
    return {ref: Decimal(value).quantize(Decimal("0.01")) for ref, value in net.items()}


def books_411_balances(path: Path) -> dict[str, Decimal]:
    """Debits minus credits of each customer's 411 lines, read from the raw file independently of the importer."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    lines = [line.rstrip("\r") for line in text.split("\n")]
    lines = [line for line in lines if line.strip()]
    sep = "\t" if "\t" in lines[0] else "|"
    col = {name.strip().lower(): i for i, name in enumerate(lines[0].split(sep))}
    balances: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for line in lines[1:]:
        fields = [f.strip() for f in line.split(sep)]
        account = fields[col["comptenum"]]
        if account.startswith("411"):
            ref = fields[col["compauxnum"]] or account
            debit = Decimal(fields[col["debit"]].replace(",", ".") or "0")
            credit = Decimal(fields[col["credit"]].replace(",", ".") or "0")
            balances[ref] += debit - credit
    return dict(balances)


def counts(org) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {
        "customers": Customer.objects.filter(organization=org).count(),
        "invoices": Invoice.objects.filter(organization=org).count(),
        "payments": Payment.objects.filter(organization=org).count(),
        "credit_notes": CreditNote.objects.filter(organization=org).count(),
        "allocations": Allocation.objects.filter(organization=org).count(),
        "events": Event.objects.filter(organization=org).count(),
    }


def created(n: int) -> dict[str, int]:
    return {"created": n, "updated": 0, "unchanged": 0}


def unchanged(n: int) -> dict[str, int]:
    return {"created": 0, "updated": 0, "unchanged": n}


def test_the_book_lands_in_the_ledger(org) -> None:  # type: ignore[no-untyped-def]
    result = import_fec(org, BOOK, actor=ACTOR)

    assert result.errors == []
    assert result.details == {
        "customers": created(3),
        "invoices": created(7),
        "payments": created(4),
        "credit_notes": created(2),
        "allocations": created(2),
    }
    assert (result.created, result.updated, result.unchanged) == (18, 0, 0)
    assert counts(org) == {
        "customers": 3,
        "invoices": 7,
        "payments": 4,
        "credit_notes": 2,
        "allocations": 2,
        "events": 3,
    }
    assert dict(Customer.objects.filter(organization=org).values_list("ref", "name")) == {
        "CDUPONT": "DUPONT SARL",
        "CMARTIN": "MARTIN & FILS",
        "41100010": "BERNARD SAS",
    }
    invoices = {
        i.number: (i.customer.ref, i.issued_on, i.due_on, i.total, i.open_amount, i.source, i.source_ref)
        for i in Invoice.objects.filter(organization=org).select_related("customer")
    }
    assert invoices == {
        "ANO-1-20250101-1": (
            "CDUPONT",
            date(2025, 1, 1),
            date(2025, 1, 31),
            Decimal("500.00"),
            Decimal("500.00"),
            "fec",
            "ANO|1|20250101|1",
        ),  # fmt: skip
        "ANO-1-20250101-3": (
            "41100010",
            date(2025, 1, 1),
            date(2025, 1, 31),
            Decimal("300.00"),
            Decimal("300.00"),
            "fec",
            "ANO|1|20250101|3",
        ),  # fmt: skip
        "F2025-001": (
            "CDUPONT",
            date(2025, 1, 10),
            date(2025, 2, 9),
            Decimal("1200.00"),
            Decimal("0.00"),
            "fec",
            "VE|1|20250110|1",
        ),  # fmt: skip
        "F2025-002": (
            "CDUPONT",
            date(2025, 1, 15),
            date(2025, 2, 14),
            Decimal("600.00"),
            Decimal("0.00"),
            "fec",
            "VE|2|20250115|1",
        ),  # fmt: skip
        "F2025-003": (
            "CMARTIN",
            date(2025, 1, 20),
            date(2025, 2, 19),
            Decimal("960.00"),
            Decimal("960.00"),
            "fec",
            "VE|3|20250120|1",
        ),  # fmt: skip
        "F2025-004": (
            "41100010",
            date(2025, 2, 1),
            date(2025, 3, 3),
            Decimal("2400.00"),
            Decimal("2400.00"),
            "fec",
            "VE|5|20250201|1",
        ),  # fmt: skip
        "F2025-005": (
            "CDUPONT",
            date(2025, 3, 20),
            date(2025, 4, 19),
            Decimal("250.00"),
            Decimal("250.00"),
            "fec",
            "VE|6|20250320|1",
        ),  # fmt: skip
    }
    payments = {
        p.source_key: (p.customer.ref, p.received_on, p.amount, p.unallocated_amount, p.method, p.reference)
        for p in Payment.objects.filter(organization=org).select_related("customer")
    }
    assert payments == {
        "fec:ANO|1|20250101|2": ("CMARTIN", date(2025, 1, 1), Decimal("80.00"), Decimal("80.00"), "other", "AN"),
        "fec:BQ|1|20250215|1": (
            "CDUPONT",
            date(2025, 2, 15),
            Decimal("1800.00"),
            Decimal("0.00"),
            "transfer",
            "VIR001",
        ),  # fmt: skip
        "fec:BQ|2|20250301|1": (
            "CMARTIN",
            date(2025, 3, 1),
            Decimal("500.00"),
            Decimal("500.00"),
            "transfer",
            "VIR002",
        ),  # fmt: skip
        "fec:BQ|3|20250310|1": (
            "41100010",
            date(2025, 3, 10),
            Decimal("1000.00"),
            Decimal("1000.00"),
            "cheque",
            "CHQ123",
        ),  # fmt: skip
    }
    assert sorted(
        CreditNote.objects.filter(organization=org).values_list("number", "customer__ref", "issued_on", "total")
    ) == [
        ("AV2025-001", "CMARTIN", date(2025, 1, 25), Decimal("160.00")),
        ("AV2025-002", "CMARTIN", date(2025, 3, 25), Decimal("120.00")),
    ]
    assert sorted(
        Allocation.objects.filter(organization=org).values_list(
            "invoice__number", "payment__source_key", "amount", "allocated_on", "source"
        )
    ) == [
        ("F2025-001", "fec:BQ|1|20250215|1", Decimal("1200.00"), date(2025, 2, 15), "fec"),
        ("F2025-002", "fec:BQ|1|20250215|1", Decimal("600.00"), date(2025, 2, 15), "fec"),
    ]
    assert (
        net_balances(org)
        == books_411_balances(BOOK)
        == {
            "CDUPONT": Decimal("750.00"),
            "CMARTIN": Decimal("100.00"),
            "41100010": Decimal("1700.00"),
        }
    )


def test_the_person_importing_is_told_what_was_computed_and_left_open(org) -> None:  # type: ignore[no-untyped-def]
    result = import_fec(org, BOOK, actor=ACTOR, original_name="FEC2025.txt")

    assert result.file == "FEC2025.txt"
    assert result.notes == [
        "The file has no due dates: 7 due dates computed from the organization's payment terms (30 days after the "
        "invoice date).",
        "3 opening-balance lines (à nouveaux) brought in as open items.",
        "Lettering AB of customer CMARTIN does not balance (debits 960.00, credits 660.00, difference 300.00): its "
        "lines (12, 15, 24) are left open.",
        "1 customer lines with a zero amount skipped.",
    ]


def test_one_summary_event_per_customer(org) -> None:  # type: ignore[no-untyped-def]
    import_fec(org, BOOK, actor=ACTOR, original_name="FEC2025.txt")

    events = {e.customer.ref: (e.kind, e.actor_label, e.data) for e in Event.objects.filter(organization=org)}
    base = {"file": "FEC2025.txt", "import_kind": "fec", "updated": 0, "unchanged": 0, "customer_created": True}
    assert events == {
        "CDUPONT": ("import.summary", "test", {**base, "created": 7, "invoices": 4, "payments": 1, "allocations": 2}),
        "CMARTIN": (
            "import.summary",
            "test",
            {**base, "created": 5, "invoices": 1, "payments": 2, "credit_notes": 2},
        ),
        "41100010": ("import.summary", "test", {**base, "created": 3, "invoices": 2, "payments": 1}),
    }


def test_importing_the_same_file_again_changes_nothing(org) -> None:  # type: ignore[no-untyped-def]
    import_fec(org, BOOK, actor=ACTOR)
    before = counts(org)
    balances = net_balances(org)

    again = import_fec(org, BOOK, actor=ACTOR)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 18)
    assert again.details == {
        "customers": unchanged(3),
        "invoices": unchanged(7),
        "payments": unchanged(4),
        "credit_notes": unchanged(2),
        "allocations": unchanged(2),
    }
    assert counts(org) == before  # no new rows, no new events
    assert net_balances(org) == balances


def test_dry_run_reports_and_writes_nothing(org) -> None:  # type: ignore[no-untyped-def]
    result = import_fec(org, BOOK, actor=ACTOR, dry_run=True)

    assert result.dry_run is True
    assert (result.created, result.updated, result.unchanged) == (18, 0, 0)
    assert result.details["allocations"] == created(2)
    assert len(result.notes) == 4
    assert counts(org) == dict.fromkeys(counts(org), 0)


def test_one_bad_line_refuses_the_file_and_writes_nothing(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = BOOK.read_text(encoding="utf-8-sig").replace("2400,00\t0,00", "24OO,00\t0,00")
    bad = tmp_path / "FEC-bad.txt"
    bad.write_text(text, encoding="utf-8")

    with pytest.raises(ImportRefused) as refused:
        import_fec(org, bad, actor=ACTOR)

    assert refused.value.errors == [RowError(18, "Debit", "not an amount: '24OO,00'")]
    assert counts(org) == dict.fromkeys(counts(org), 0)


def test_a_file_that_is_not_a_fec_is_refused(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "customers.csv"
    path.write_text("ref;name\nC1;Dupont\n", encoding="utf-8")

    with pytest.raises(ImportRefused) as refused:
        import_fec(org, path, actor=ACTOR)

    assert [(e.line, e.field) for e in refused.value.errors] == [(1, "header")]


def test_due_dates_from_the_customers_own_terms(org) -> None:  # type: ignore[no-untyped-def]
    CustomerFactory(
        organization=org, ref="CDUPONT", name="Dupont", payment_terms_days=45, payment_terms_end_of_month=True
    )

    result = import_fec(org, BOOK, actor=ACTOR)

    assert result.details["customers"] == {"created": 2, "updated": 0, "unchanged": 1}
    assert Customer.objects.get(organization=org, ref="CDUPONT").name == "Dupont"  # not renamed
    assert Invoice.objects.get(organization=org, number="F2025-001").due_on == date(2025, 2, 28)  # +45 days, EOM
    assert Invoice.objects.get(organization=org, number="F2025-003").due_on == date(2025, 2, 19)  # organization's
    assert result.notes[:2] == [
        "The file has no due dates: 3 due dates computed from the organization's payment terms (30 days after the "
        "invoice date).",
        "The file has no due dates: 4 due dates computed from the customers' own payment terms.",
    ]


def test_a_piece_reference_already_used_keeps_its_invoice(org) -> None:  # type: ignore[no-untyped-def]
    InvoiceFactory(customer__organization=org, number="F2025-001")

    import_fec(org, BOOK, actor=ACTOR)

    fec_invoice = Invoice.objects.get(organization=org, source="fec", source_ref="VE|1|20250110|1")
    assert fec_invoice.number == "VE-1-20250110-1"
    again = import_fec(org, BOOK, actor=ACTOR)
    assert (again.created, again.updated) == (0, 0)


def test_lettering_undone_in_a_later_export_removes_the_allocations(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import_fec(org, BOOK, actor=ACTOR)
    unlettered = tmp_path / "FEC-later.txt"
    unlettered.write_text(BOOK.read_text(encoding="utf-8-sig").replace("\tAA\t20250215\t", "\t\t\t"), encoding="utf-8")

    result = import_fec(org, unlettered, actor=ACTOR)

    assert Allocation.objects.filter(organization=org).count() == 0
    assert "2 allocations from an earlier import of this file removed: the file no longer letters them." in result.notes
    assert Invoice.objects.get(organization=org, number="F2025-001").open_amount == Decimal("1200.00")
    assert net_balances(org) == books_411_balances(unlettered)

    back = import_fec(org, BOOK, actor=ACTOR)
    assert back.details["allocations"] == created(2)
    assert Invoice.objects.get(organization=org, number="F2025-001").open_amount == Decimal("0.00")


def test_lettering_is_not_applied_over_other_allocations(org) -> None:  # type: ignore[no-untyped-def]
    import_fec(org, BOOK, actor=ACTOR)
    # someone undoes the lettering and settles F2025-001 with a bank payment of their own
    Allocation.objects.filter(organization=org).delete()
    invoice = Invoice.objects.get(organization=org, number="F2025-001")
    by_hand = PaymentFactory(customer=invoice.customer, amount=Decimal("1200.00"), source_key="bank-1")
    Allocation.objects.create(
        organization=org, invoice=invoice, payment=by_hand, amount=Decimal("1200.00"), allocated_on=date(2025, 2, 1)
    )

    result = import_fec(org, BOOK, actor=ACTOR)

    assert (
        "Lettering AA of customer CDUPONT not applied: its documents are already settled by other allocations."
        in result.notes
    )
    assert result.details["allocations"] == {"created": 0, "updated": 0, "unchanged": 0}
    assert Allocation.objects.filter(organization=org, source="fec").count() == 0
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("0.00")


def test_progress_is_reported_by_stage(org) -> None:  # type: ignore[no-untyped-def]
    calls: list[tuple[int, int | None, str | None]] = []

    import_fec(org, BOOK, actor=ACTOR, progress=lambda done, total=None, stage=None: calls.append((done, total, stage)))

    stages = [stage for _done, _total, stage in calls]
    assert stages[0] == "reading"
    assert ("planning" in stages) and ("invoices" in stages) and ("allocations" in stages)
    assert (33, 33, "planning") in calls


@pytest.mark.samples
def test_every_sample_fec_agrees_with_its_books(samples_dir) -> None:  # type: ignore[no-untyped-def]
    customers_in_file = {
        "0000000001FEC20220831.txt": 17,
        "000000000FEC20231231.txt": 4,
        "111111111FEC20221231.TXT": 34,
        "123456789FEC20500930.txt": 1,
    }
    paths = sorted((samples_dir / "fec").iterdir())
    assert paths
    for n, path in enumerate(paths):
        org = OrganizationFactory(slug=f"sample{n}")
        result = import_fec(org, path, actor=ACTOR)
        books = books_411_balances(path)

        assert net_balances(org) == books, path.name
        assert Customer.objects.filter(organization=org).count() == len(books), path.name
        if path.name in customers_in_file:
            assert len(books) == customers_in_file[path.name], path.name
        assert result.details["customers"] == created(len(books)), path.name

        again = import_fec(org, path, actor=ACTOR)
        assert (again.created, again.updated) == (0, 0), path.name
        assert again.unchanged == result.created, path.name


def test_command_line_import_dry_run_and_refusal(org, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["import", "fec", str(BOOK), "--org", "acme", "--dry-run", "--json"])
    payload = json.loads(capsys.readouterr().out)

    assert code == 0
    assert (payload["created"], payload["dry_run"]) == (18, True)
    assert Invoice.objects.filter(organization=org).count() == 0

    code = main(["import", "fec", str(FIXTURES / "bad_lines.txt"), "--org", "acme", "--json"])
    payload = json.loads(capsys.readouterr().out)

    assert code == 1
    assert [(e["line"], e["field"]) for e in payload["errors"]] == [
        (3, "EcritureDate"),
        (3, "PieceDate"),
        (4, "Debit"),
        (4, "Credit"),
        (5, "line"),
        (6, "CompteNum"),
        (7, "DateLet"),
    ]

    code = main(["import", "fec", str(BOOK), "--org", "acme"])
    out = capsys.readouterr().out

    assert code == 0
    assert out.splitlines()[0] == "book_tab_bom.txt: 18 created, 0 updated, 0 unchanged"
    assert net_balances(org) == books_411_balances(BOOK)


def test_many_unbalanced_groups_are_summarised_and_foreign_amounts_noted(org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    header = "\t".join(FEC_COLUMNS)
    lines = [header]
    for n in range(25):  # 25 receipts, each lettered alone: 25 groups that do not balance
        day = f"202503{n + 1:02d}"
        lines.append(f"BQ\tBanque\t{n}\t{day}\t512000\tBanque\t\t\tR{n}\t{day}\tVIR\t10,00\t0,00\t\t\t\t\t")
        lines.append(
            f"BQ\tBanque\t{n}\t{day}\t411000\tClients\tC1\tClient 1\tR{n}\t{day}\tVIR\t0,00\t10,00\tL{n}\t\t\t\t"
        )
    lines.append(
        "VE\tVentes\t99\t20250301\t411000\tClients\tC1\tClient 1\tF1\t20250301\tFacture\t120,00\t0,00\t\t\t\t"
        "130,00\tUSD"
    )
    lines.append("VE\tVentes\t99\t20250301\t706000\tVentes\t\t\tF1\t20250301\tFacture\t0,00\t120,00\t\t\t\t\t")
    path = tmp_path / "FEC-many.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = import_fec(org, path, actor=ACTOR)

    unbalanced = [note for note in result.notes if note.startswith("Lettering ")]
    assert len(unbalanced) == 20
    assert unbalanced[0] == (
        "Lettering L0 of customer C1 does not balance (debits 0.00, credits 10.00, difference -10.00): its lines (3) "
        "are left open."
    )
    assert "5 more lettering groups do not balance (difference -50.00 in all); left open." in result.notes
    assert (
        "1 customer lines also carry an amount in another currency (Montantdevise, Idevise); the amounts in the "
        "accounting currency (EUR) were imported." in result.notes
    )
    assert result.details["payments"] == created(25)
    assert net_balances(org) == {"C1": Decimal("-130.00")}
