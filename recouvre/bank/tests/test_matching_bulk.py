"""The automatic matches of an import are written all at once: the same payments, allocations, credits of the
differences written off, applications, suggestions, entry states and events as when each is applied in turn; and a
second transfer for an invoice the first one already paid is not applied but waits for review."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from recouvre.bank.matching import match_entries
from recouvre.bank.models import BankApplication, BankEntry, BankMatchSettings, BankSuggestion
from recouvre.bank.services import import_statement
from recouvre.core.creditor_ref import customer_rf
from recouvre.ledger.models import Allocation, CreditNote, Customer, Event, Invoice, Payment
from recouvre.organizations.models import Organization
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

from .test_matching import ACTOR, PAYER_IBAN, Credit, camt

pytestmark = pytest.mark.django_db

CUSTOMERS = [
    # ref, name, invoices (number, due day in March 2026, total)
    ("411MARTIN", "Boulangerie Martin SARL", [("F-2026-0041", 4, "800.00"), ("F-2026-0042", 10, "400.00")]),
    ("411DUPONT", "Dupont Frères SA", [("F-2026-0050", 1, "300.00"), ("F-2026-0051", 5, "200.00")]),
    ("411LECOMTE", "Cabinet Lecomte", [("F-2026-0070", 1, "700.00")]),
    ("411GARNIER", "Garage Garnier", [("F-2026-0080", 2, "1250.00"), ("F-2026-0081", 9, "96.40")]),
    ("411ROUX", "Transports Roux SAS", [("F-2026-0090", 3, "5000.00")]),
]


def _ledger(org: Organization) -> dict[str, int]:
    ids = {}
    for ref, name, invoices in CUSTOMERS:
        customer = CustomerFactory(organization=org, ref=ref, name=name)
        ids[ref] = customer.pk
        for number, day, total in invoices:
            InvoiceFactory(
                customer=customer,
                number=number,
                issued_on=date(2026, 2, 1),
                due_on=date(2026, 3, day),
                total=Decimal(total),
            )
    return ids


def _statement(org: Organization, ids: dict[str, int]) -> bytes:
    return camt(
        Credit("1200.00", "2026-03-18", "BOULANGERIE MARTIN", PAYER_IBAN, "VIR", customer_rf(org.pk, ids["411MARTIN"]),
               ref="B-1"),
        Credit("499.50", "2026-03-18", "DUPONT FRERES", "", "FACTURES F-2026-0050 ET F-2026-0051", ref="B-2"),
        Credit("700.00", "2026-03-19", "CABINET LECOMTE", "", "VIREMENT", ref="B-3"),
        Credit("1250.00", "2026-03-19", "GARAGE GARNIER", "", "FACTURE F-2026-0080", ref="B-4"),
        Credit("1250.00", "2026-03-20", "GARAGE GARNIER", "", "FACT F-2026-0080", ref="B-5"),
        Credit("96.00", "2026-03-20", "GARAGE GARNIER", "", "F2026-0081", ref="B-6"),
        Credit("2000.00", "2026-03-20", "TRANSPORTS ROUX", "", "ACOMPTE F-2026-0090", ref="B-7"),
        Credit("412.80", "2026-03-21", "DGFIP", "", "REMBOURSEMENT TVA", ref="B-8"),
    )  # fmt: skip


def _facts(org: Organization) -> dict[str, Any]:
    """What the matching wrote, by the entries' keys and the invoices' numbers (not by ids)."""
    key = dict(BankEntry.objects.filter(organization=org).values_list("pk", "key"))

    def keyed(text: str, pk: int) -> str:
        return text.replace(str(pk), key[pk])

    numbers = dict(Invoice.objects.filter(organization=org).values_list("pk", "number"))
    applications = []
    for a in BankApplication.objects.filter(organization=org).select_related("payment", "credit_note", "customer"):
        p, c = a.payment, a.credit_note
        applications.append(
            (
                key[a.entry_id], a.customer.ref, a.part, a.confidence, a.reasons, a.auto, a.actor_label,
                (p.amount, p.allocated_amount, p.received_on, p.method, p.reference, p.payer_name, p.payer_iban,
                 keyed(p.source_key, a.entry_id), p.source, p.customer.ref),
                None if c is None else (keyed(c.number, a.entry_id), c.total, c.allocated_amount, c.issued_on,
                                        numbers[c.invoice_id], c.source, c.source_ref),
            )
        )  # fmt: skip
    allocations = sorted(
        (
            numbers[invoice_id],
            amount,
            allocated_on,
            source,
            bool(payment_id),
            bool(credit_note_id),
        )
        for invoice_id, amount, allocated_on, source, payment_id, credit_note_id in Allocation.objects.filter(
            organization=org
        ).values_list("invoice_id", "amount", "allocated_on", "source", "payment_id", "credit_note_id")
    )
    suggestions = sorted(
        (key[s.entry_id], s.customer.ref, s.part, s.rank, s.amount, s.currency,
         [{**a, "invoice_id": numbers[a["invoice_id"]]} for a in s.allocations], s.unapplied,
         numbers.get(s.write_off_invoice_id or 0), s.write_off_amount, s.confidence, s.reasons)
        for s in BankSuggestion.objects.filter(organization=org).select_related("customer")
    )  # fmt: skip
    events = [
        (e.customer.ref, e.actor_label, {**e.data, "entry": key[e.data["entry"]]})
        for e in Event.objects.filter(organization=org, kind="bank.payment_applied")
        .select_related("customer")
        .order_by("id")
    ]
    rf = {
        customer_rf(org.pk, pk): f"RF-of-{ref}"
        for pk, ref in Customer.objects.filter(organization=org).values_list("pk", "ref")
    }

    def plain(value: Any) -> Any:
        """The customers' payment references (they differ from one organization to the other) named by the ref."""
        if isinstance(value, str):
            return rf.get(value, value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(plain(v) for v in value)
        return value

    return plain(
        {
            "states": sorted((e.key, e.state) for e in BankEntry.objects.filter(organization=org)),
            "applications": sorted(applications, key=lambda a: (a[0], a[2] or 0)),
            "allocations": allocations,
            "suggestions": suggestions,
            "events": events,
            "open": sorted(Invoice.objects.filter(organization=org).values_list("number", "open_amount")),
            "counts": (
                Payment.objects.filter(organization=org).count(),
                CreditNote.objects.filter(organization=org).count(),
            ),
        }
    )


def test_the_matches_written_at_once_are_those_written_one_by_one(org, other_org) -> None:  # type: ignore[no-untyped-def]
    at_once = _ledger(org)
    result = import_statement(org, _statement(org, at_once), "releve.xml", actor=ACTOR)

    in_turn = _ledger(other_org)
    # the entries of the other organization are written without being matched (nothing reaches a threshold of
    # 1.00, the suggestions are then dropped), then matched one application after the other
    settings = BankMatchSettings.objects.create(organization=other_org, auto_threshold=Decimal("1.00"))
    import_statement(other_org, _statement(other_org, in_turn), "releve.xml", actor=ACTOR)
    BankSuggestion.objects.filter(organization=other_org).delete()
    BankEntry.objects.filter(organization=other_org).update(state="unmatched")
    settings.delete()
    match_entries(other_org, actor=ACTOR, one_by_one=True)

    facts = _facts(org)
    assert facts == _facts(other_org)
    states = dict(
        BankEntry.objects.filter(organization=org).values_list("bank_reference", "state")
    )  # B-1... by the bank's reference
    assert states == {
        "B-1": "applied",  # the payment reference: the balance
        "B-2": "applied",  # two invoice numbers, less a fee of 0.50 written off
        "B-3": "suggested",  # the payer's name only
        "B-4": "applied",  # an invoice number
        "B-5": "suggested",  # the same invoice again: already paid by B-4, so waits for review
        "B-6": "applied",  # less a fee of 0.40
        "B-7": "suggested",  # a partial payment
        "B-8": "unmatched",  # no customer's
    }
    assert (result.matched, result.suggested, result.unmatched) == (4, 3, 1)
    assert facts["counts"] == (4, 2)
    assert dict(facts["open"]) == {
        "F-2026-0041": Decimal("0.00"),
        "F-2026-0042": Decimal("0.00"),
        "F-2026-0050": Decimal("0.00"),
        "F-2026-0051": Decimal("0.00"),
        "F-2026-0070": Decimal("700.00"),
        "F-2026-0080": Decimal("0.00"),
        "F-2026-0081": Decimal("0.00"),
        "F-2026-0090": Decimal("5000.00"),
    }
    assert len(facts["events"]) == 4


def test_the_holds_placed_from_the_suggestions_in_memory_are_those_the_written_ones_give(org) -> None:  # type: ignore[no-untyped-def]
    from recouvre.bank import identify
    from recouvre.bank.models import EntryHold

    ids = _ledger(org)
    import_statement(org, _statement(org, ids), "releve.xml", actor=ACTOR)
    waiting = list(BankEntry.objects.filter(organization=org, amount__gt=0, state__in=["unmatched", "suggested"]))
    read_back = identify._candidates(org, waiting)  # from the suggestions as written
    held = set(EntryHold.objects.filter(organization=org).values_list("entry_id", "customer_id"))
    assert held == set(read_back)
    ref = dict(Customer.objects.filter(organization=org).values_list("pk", "ref"))
    bank_ref = dict(BankEntry.objects.filter(organization=org).values_list("pk", "bank_reference"))
    assert sorted((bank_ref[e], ref[c]) for e, c in held) == [
        ("B-3", "411LECOMTE"),  # the payer's name
        ("B-5", "411GARNIER"),  # an invoice number (paid already)
        ("B-7", "411ROUX"),  # an invoice number (a partial payment)
    ]


@pytest.mark.parametrize(
    ("model", "name", "value", "expected"),
    [
        (Invoice, "open_amount", 12, "12.00"),
        (Invoice, "open_amount", 0.1 + 0.2, "0.30"),
        (Invoice, "open_amount", 1234567.891, "1234567.89"),
        (Invoice, "open_amount", 123456789012.34567, "123456789012.35"),
        (BankEntry, "amount", 12.34, "12.34000"),
        (BankEntry, "amount", 123456789012.34567, "123456789012.34600"),
        (BankEntry, "amount", -0.004999, "-0.00500"),
    ],
)
def test_amounts_read_as_plain_rows_are_the_decimals_django_reads(model, name, value, expected) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    from recouvre.bank.matching import _decimal_reader

    read = _decimal_reader(model, name)
    assert str(read(value)) == expected  # as SQLite gives them: numbers of 15 significant digits
    assert read(Decimal(expected)) == Decimal(expected)  # as PostgreSQL gives them: unchanged
    qs = model.objects.values_list(name)
    compiler = qs.query.get_compiler(connection.alias)
    compiler.setup_query()
    if connection.vendor == "sqlite":  # the converters Django itself applies to such a value
        ((converters, column),) = compiler.get_converters([c[0] for c in compiler.select]).values()
        django_value: Any = value
        for convert in converters:
            django_value = convert(django_value, column, connection)
        assert str(django_value) == expected


def test_an_import_whose_matching_fails_after_writing_leaves_nothing(org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from recouvre.bank import identify

    ids = _ledger(org)

    def broken(*args: Any, **kwargs: Any) -> int:  # after the payments, allocations, states and events are written
        assert Payment.objects.filter(organization=org).count() == 4
        raise RuntimeError("disk full")

    monkeypatch.setattr(identify, "place_holds", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        import_statement(org, _statement(org, ids), "releve.xml", actor=ACTOR)

    # the matching has no savepoint of its own: the import's transaction undoes it all, the entries included
    assert BankEntry.objects.filter(organization=org).count() == 0
    assert Payment.objects.filter(organization=org).count() == 0
    assert Allocation.objects.filter(organization=org).count() == 0
    assert CreditNote.objects.filter(organization=org).count() == 0
    assert BankApplication.objects.filter(organization=org).count() == 0
    assert BankSuggestion.objects.filter(organization=org).count() == 0
    assert not Event.objects.filter(organization=org, kind__startswith="bank.").exists()
    assert set(Invoice.objects.filter(organization=org).values_list("open_amount", flat=True)) == {
        Decimal("800.00"), Decimal("400.00"), Decimal("300.00"), Decimal("200.00"), Decimal("700.00"),
        Decimal("1250.00"), Decimal("96.40"), Decimal("5000.00"),
    }  # fmt: skip
