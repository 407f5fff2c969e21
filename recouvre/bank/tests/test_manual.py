"""A bank entry split by hand: the customer, the invoices and amounts a person gives; the rest on the customer's
account; a shortfall written off within the tolerance; undone like any application; refused with a message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvre.bank.manual import apply_by_hand, oldest_first
from recouvre.bank.matching import MatchRefused, ignore_entry, unapply_entry
from recouvre.bank.models import (
    BankAccount,
    BankApplication,
    BankEntry,
    BankMatchSettings,
    BankStatement,
    BankSuggestion,
    CustomerIban,
)
from recouvre.bank.selectors import open_invoices
from recouvre.bank.services import import_statement
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Allocation, CreditNote, Event, Invoice, Payment
from recouvre.ledger.timeline import describe
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

from .test_matching import PAYER_IBAN, Credit, camt, open_amounts

ACTOR = Actor.system("test")
pytestmark = pytest.mark.django_db


@pytest.fixture
def martin(org):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411MARTIN", name="Boulangerie Martin SARL")
    first = InvoiceFactory(customer=customer, number="F-2026-0041", due_on=date(2026, 3, 4), total=Decimal("800.00"))
    second = InvoiceFactory(customer=customer, number="F-2026-0042", due_on=date(2026, 3, 10), total=Decimal("400.00"))
    return customer, first, second


def _entry(org, content: bytes) -> BankEntry:  # type: ignore[no-untyped-def]
    import_statement(org, content, "releve.xml", actor=ACTOR)
    return BankEntry.objects.get(organization=org)


def _batch(org, *parts: tuple[str, str], amount: str | None = None) -> BankEntry:  # type: ignore[no-untyped-def]
    """An entry of the organization's account booking several transfers (``(amount, payer)``) at once."""
    account, _new = BankAccount.objects.get_or_create(
        organization=org, account_id="FR7630003012340123456789057", defaults={"first_seen_on": date(2026, 3, 1)}
    )
    statement, _new = BankStatement.objects.get_or_create(
        organization=org, account=account, key="s", defaults={"format": "camt.053", "currency": "EUR"}
    )
    total = amount or str(sum(Decimal(a) for a, _n in parts))
    return BankEntry.objects.create(
        organization=org,
        account=account,
        statement=statement,
        key=f"k{total}",
        booked_on=date(2026, 3, 20),
        amount=Decimal(total),
        currency="EUR",
        text="REMISE VIREMENTS",
        details=[{"amount": a, "currency": "EUR", "counterparty_name": n, "counterparty_iban": ""} for a, n in parts],
    )


def test_an_entry_is_split_by_hand_and_the_rest_kept_on_the_account_then_undone(org, martin) -> None:  # type: ignore[no-untyped-def]
    customer, first, second = martin
    entry = _entry(org, camt(Credit("1500.00", "2026-03-18", "BOULANGERIE MARTIN", PAYER_IBAN, "VIREMENT")))
    assert entry.state == "suggested"

    application = apply_by_hand(
        org,
        entry,
        customer=customer,
        allocations=[(first.pk, Decimal("800.00")), (second.pk, Decimal("400.00"))],
        actor=ACTOR,
    )

    entry.refresh_from_db()
    assert entry.state == "applied"
    assert not BankSuggestion.objects.filter(entry=entry).exists()
    payment = Payment.objects.get(organization=org)
    assert (payment.customer_id, payment.amount, payment.received_on, payment.source) == (
        customer.pk,
        Decimal("1500.00"),
        date(2026, 3, 18),
        "bank",
    )
    assert sorted(Allocation.objects.filter(payment=payment).values_list("invoice__number", "amount")) == [
        ("F-2026-0041", Decimal("800.00")),
        ("F-2026-0042", Decimal("400.00")),
    ]
    assert open_amounts(first, second) == [Decimal("0.00"), Decimal("0.00")]
    assert (application.auto, application.confidence, application.reasons) == (
        False,
        1.0,
        [{"code": "manual", "params": {}}],
    )
    event = Event.objects.get(customer=customer, kind="bank.payment_applied")
    assert (event.data["unapplied"], event.data["auto"]) == ("300.00", False)
    assert describe(event) == (
        "Bank transfer of 1500.00 EUR of 2026-03-18 applied to F-2026-0041, F-2026-0042 after review "
        "(confidence 100 %): applied by hand."
    )
    assert CustomerIban.objects.filter(customer=customer, iban=PAYER_IBAN).exists()

    unapply_entry(org, entry, actor=ACTOR, note="wrong customer")

    assert open_amounts(first, second) == [Decimal("800.00"), Decimal("400.00")]
    assert not Payment.objects.filter(organization=org).exists()
    assert not BankApplication.objects.filter(entry=entry).exists()


def test_oldest_first_and_a_shortfall_written_off_within_the_tolerance(org, martin) -> None:  # type: ignore[no-untyped-def]
    customer, first, second = martin
    entry = _entry(org, camt(Credit("1199.40", "2026-03-18", "INCONNU")))
    chosen = oldest_first(open_invoices(org, customer, "EUR"), Decimal("1199.40"))
    assert [(inv.number, share) for inv, share in chosen] == [
        ("F-2026-0041", Decimal("800.00")),
        ("F-2026-0042", Decimal("399.40")),
    ]
    BankMatchSettings.objects.create(organization=org, tolerance=Decimal("0.50"))
    allocations = [(inv.pk, share) for inv, share in chosen]
    with pytest.raises(MatchRefused) as refused:
        apply_by_hand(org, entry, customer=customer, allocations=allocations, actor=ACTOR, write_off=True)
    assert str(refused.value) == (
        "the 0.60 EUR left open on invoice F-2026-0042 is more than the tolerance of 0.50 EUR: it cannot be written off"
    )
    assert not Payment.objects.exists()
    BankMatchSettings.objects.filter(organization=org).update(tolerance=Decimal("1.00"))

    apply_by_hand(org, entry, customer=customer, allocations=allocations, actor=ACTOR, write_off=True)

    credit = CreditNote.objects.get(organization=org)
    assert (credit.number, credit.total, credit.invoice_id) == (f"EC-B{entry.pk}", Decimal("0.60"), second.pk)
    assert open_amounts(first, second) == [Decimal("0.00"), Decimal("0.00")]
    assert [r["code"] for r in BankApplication.objects.get(entry=entry).reasons] == ["manual", "write_off"]


def test_what_is_refused_and_why(org, other_org, martin) -> None:  # type: ignore[no-untyped-def]
    customer, first, second = martin
    other = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont")
    theirs = InvoiceFactory(customer=other, number="F-2026-0050", total=Decimal("100.00"))
    dollars = InvoiceFactory(customer=customer, number="F-2026-0060", total=Decimal("100.00"), currency="USD")
    entry = _entry(org, camt(Credit("1000.00", "2026-03-18", "INCONNU")))

    def refused(allocations, **kw) -> str:  # type: ignore[no-untyped-def]
        with pytest.raises(MatchRefused) as exc:
            apply_by_hand(org, entry, customer=customer, allocations=allocations, actor=ACTOR, **kw)
        return str(exc.value)

    assert refused([(first.pk, Decimal("800.00")), (second.pk, Decimal("400.00"))]) == (
        "the invoices get 1200.00 EUR, more than the 1000.00 EUR of the transfer"
    )
    assert refused([(theirs.pk, Decimal("100.00"))]) == (
        "invoice F-2026-0050 is not an invoice of Boulangerie Martin SARL"
    )
    assert refused([(dollars.pk, Decimal("100.00"))]) == "invoice F-2026-0060 is in USD, the transfer in EUR"
    assert refused([(second.pk, Decimal("450.00"))]) == (
        "invoice F-2026-0042 has 400.00 EUR open, less than the 450.00 given to it"
    )
    assert refused([(second.pk, Decimal("-5.00"))]).startswith("each invoice gets an amount above zero")
    assert refused([(first.pk, Decimal("100.00"))], write_off=True) == (
        "900.00 EUR of the transfer are left over: nothing is written off while money remains"
    )
    assert refused([], part=2) == "this entry has no transaction 3"
    assert not Payment.objects.exists()
    assert open_amounts(first, second) == [Decimal("800.00"), Decimal("400.00")]

    ignore_entry(org, entry, actor=ACTOR, reason="refund")
    assert refused([]) == "this entry is set aside: bring it back among the entries to match first"
    unapply_entry(org, entry, actor=ACTOR)
    apply_by_hand(org, entry, customer=customer, allocations=[], actor=ACTOR)  # all of it on the account
    assert Payment.objects.get(organization=org).amount == Decimal("1000.00")
    assert refused([(first.pk, Decimal("800.00"))]) == "this entry is already applied: undo it first"

    with pytest.raises(BankEntry.DoesNotExist):
        apply_by_hand(other_org, entry.pk, customer=customer, allocations=[], actor=ACTOR)


def test_a_debit_is_refused_and_one_transaction_of_a_batch_is_applied(org, martin) -> None:  # type: ignore[no-untyped-def]
    customer, first, second = martin
    debit = _batch(org, ("-12.00", "BANQUE"))
    with pytest.raises(MatchRefused) as exc:
        apply_by_hand(org, debit, customer=customer, allocations=[], actor=ACTOR)
    assert str(exc.value) == "this entry is a debit, not a customer's payment"

    batch = _batch(org, ("250.00", "DUPONT"), ("400.00", "MARTIN"))

    apply_by_hand(org, batch, customer=customer, allocations=[(second.pk, Decimal("400.00"))], actor=ACTOR, part=1)

    application = BankApplication.objects.get(entry=batch)
    assert (application.part, application.payment.amount, application.payment.payer_name) == (
        1,
        Decimal("400.00"),
        "MARTIN",
    )
    assert open_amounts(first, second) == [Decimal("800.00"), Decimal("0.00")]
    with pytest.raises(MatchRefused) as exc:
        apply_by_hand(org, batch, customer=customer, allocations=[], actor=ACTOR, part=1)
    assert str(exc.value) in {
        "transaction 2 of this entry is already applied: undo it first",
        "this entry is already applied: undo it first",
    }
    assert Invoice.objects.get(pk=first.pk).open_amount == Decimal("800.00")
