"""Cash application: a bank statement's credits applied to the invoices they pay, or suggested; accepted,
ignored, undone; and the reminders that stop once the invoices are paid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from recouvre.bank.matching import (
    MatchRefused,
    accept_suggestion,
    ignore_entry,
    match_entries,
    reason_text,
    unapply_entry,
)
from recouvre.bank.models import BankApplication, BankEntry, BankMatchSettings, BankSuggestion, CustomerIban
from recouvre.bank.services import import_statement
from recouvre.collections.models import Action, Policy, Step
from recouvre.collections.services import run_collections
from recouvre.core.creditor_ref import customer_rf
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Allocation, CreditNote, Event, Invoice, Payment
from recouvre.ledger.timeline import describe
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

ACTOR = Actor.system("test")
OUR_IBAN = "FR7630003012340123456789057"
PAYER_IBAN = "FR7630006000011234567890189"
pytestmark = pytest.mark.django_db


@dataclass
class Credit:
    amount: str
    day: str
    name: str = ""
    iban: str = ""
    text: str = ""
    rf: str = ""
    ref: str = "B-1"


def camt(*credits: Credit) -> bytes:
    """A camt.053 statement of our account with these credits (payer, payer's IBAN, remittance text, RF)."""
    entries = []
    total = Decimal("0")
    for c in credits:
        total += Decimal(c.amount)
        account = f"<DbtrAcct><Id><IBAN>{c.iban}</IBAN></Id></DbtrAcct>" if c.iban else ""
        structured = f"<Strd><CdtrRefInf><Ref>{c.rf}</Ref></CdtrRefInf></Strd>" if c.rf else ""
        unstructured = f"<Ustrd>{c.text}</Ustrd>" if c.text else ""
        entries.append(
            f'<Ntry><Amt Ccy="EUR">{c.amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
            f"<BookgDt><Dt>{c.day}</Dt></BookgDt><ValDt><Dt>{c.day}</Dt></ValDt><AcctSvcrRef>{c.ref}</AcctSvcrRef>"
            f"<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>{c.name}</Nm></Dbtr>{account}</RltdPties>"
            f"<RmtInf>{unstructured}{structured}</RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    day = credits[-1].day
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>M-{day}-{credits[0].ref}</MsgId><CreDtTm>{day}T18:00:00</CreDtTm></GrpHdr>\n"
        f"<Stmt><Id>S-{day}-{credits[0].ref}</Id><Acct><Id><IBAN>{OUR_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f'<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        f"<Dt><Dt>{day}</Dt></Dt></Bal>"
        f'<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{total}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        f"<Dt><Dt>{day}</Dt></Dt></Bal>\n" + "\n".join(entries) + "\n</Stmt></BkToCstmrStmt></Document>\n"
    ).encode()


def open_amounts(*invoices: Invoice) -> list[Decimal]:
    return [Invoice.objects.get(pk=i.pk).open_amount for i in invoices]


@pytest.fixture
def martin(org):  # type: ignore[no-untyped-def]
    """A customer with two overdue invoices, 800.00 due 4 March and 400.00 due 10 March 2026, and a policy that
    reminds 5 and 20 days after the due date."""
    policy = Policy.objects.create(organization=org, key="test", name="Test", segment="standard")
    Step.objects.create(policy=policy, position=1, key="first", offset_days=5, channel="email", template="first")
    Step.objects.create(policy=policy, position=2, key="second", offset_days=20, channel="email", template="second")
    customer = CustomerFactory(organization=org, ref="411MARTIN", name="Boulangerie Martin SARL")
    first = InvoiceFactory(
        customer=customer,
        number="F-2026-0041",
        issued_on=date(2026, 2, 2),
        due_on=date(2026, 3, 4),
        total=Decimal("800.00"),
    )
    second = InvoiceFactory(
        customer=customer,
        number="F-2026-0042",
        issued_on=date(2026, 2, 8),
        due_on=date(2026, 3, 10),
        total=Decimal("400.00"),
    )
    return customer, first, second


def test_a_transfer_quoting_the_reminders_reference_is_applied_and_the_next_run_sends_nothing(  # type: ignore[no-untyped-def]
    org, martin
) -> None:
    customer, first, second = martin
    run = run_collections(org, date(2026, 3, 16), actor=ACTOR, today=date(2026, 3, 16))
    assert run.actions == 1
    reminded = Action.objects.get(customer=customer)
    assert sorted(line["number"] for line in reminded.lines) == ["F-2026-0041", "F-2026-0042"]

    rf = customer_rf(org.pk, customer.pk)
    content = camt(Credit("1200.00", "2026-03-18", "BOULANGERIE MARTIN", PAYER_IBAN, "VIREMENT RELANCE", rf))
    result = import_statement(org, content, "releve.xml", actor=ACTOR)

    assert (result.created, result.matched, result.suggested, result.unmatched) == (1, 1, 0, 0)
    entry = BankEntry.objects.get(organization=org)
    assert entry.state == "applied"
    payment = Payment.objects.get(organization=org)
    assert (payment.customer_id, payment.amount, payment.received_on, payment.source, payment.payer_iban) == (
        customer.pk,
        Decimal("1200.00"),
        date(2026, 3, 18),
        "bank",
        PAYER_IBAN,
    )
    assert sorted(Allocation.objects.filter(payment=payment).values_list("invoice__number", "amount")) == [
        ("F-2026-0041", Decimal("800.00")),
        ("F-2026-0042", Decimal("400.00")),
    ]
    assert open_amounts(first, second) == [Decimal("0.00"), Decimal("0.00")]
    application = BankApplication.objects.get(entry=entry)
    assert (application.auto, application.payment_id, application.confidence) == (True, payment.pk, 0.99)
    event = Event.objects.get(organization=org, customer=customer, kind="bank.payment_applied")
    assert event.data["invoices"] == "F-2026-0041, F-2026-0042"
    assert event.data["reasons"][0] == {"code": "reference", "params": {"reference": rf}}
    assert describe(event) == (
        "Bank transfer of 1200.00 EUR of 2026-03-18 applied automatically to F-2026-0041, F-2026-0042 "
        f"(confidence 99 %): the payment reference {rf} is this customer's; the payer's name BOULANGERIE MARTIN is "
        "close to the customer's name Boulangerie Martin SARL (100/100); the amount equals the customer's open "
        "balance (1200.00 EUR)."
    )

    later = run_collections(org, date(2026, 3, 30), actor=ACTOR, today=date(2026, 3, 30))
    assert later.actions == 0
    assert Action.objects.filter(customer=customer).count() == 1


def test_invoice_numbers_with_a_bank_fee_are_applied_and_the_fee_written_off(org) -> None:  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont Frères SA")
    a = InvoiceFactory(customer=customer, number="F-2026-0050", due_on=date(2026, 3, 1), total=Decimal("300.00"))
    b = InvoiceFactory(customer=customer, number="F-2026-0051", due_on=date(2026, 3, 5), total=Decimal("200.00"))
    content = camt(Credit("499.50", "2026-03-20", "DUPONT FRERES", "", "FACTURES F-2026-0050 ET F-2026-0051"))

    result = import_statement(org, content, "releve.xml", actor=ACTOR)

    assert (result.matched, result.suggested) == (1, 0)
    payment = Payment.objects.get(organization=org)
    assert payment.amount == Decimal("499.50")
    assert sorted(Allocation.objects.filter(payment=payment).values_list("invoice__number", "amount")) == [
        ("F-2026-0050", Decimal("300.00")),
        ("F-2026-0051", Decimal("199.50")),
    ]
    entry = BankEntry.objects.get(organization=org)
    credit = CreditNote.objects.get(organization=org)
    assert (credit.number, credit.total, credit.invoice_id) == (f"EC-B{entry.pk}", Decimal("0.50"), b.pk)
    assert open_amounts(a, b) == [Decimal("0.00"), Decimal("0.00")]
    reasons = BankApplication.objects.get(entry=entry).reasons
    assert "write_off" in [r["code"] for r in reasons]


def test_a_payers_name_alone_is_suggested_then_accepted_and_its_iban_recognized_next_time(org) -> None:  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411LECOMTE", name="Cabinet Lecomte")
    invoice = InvoiceFactory(customer=customer, number="F-2026-0070", due_on=date(2026, 3, 1), total=Decimal("700.00"))

    result = import_statement(
        org, camt(Credit("700.00", "2026-03-20", "CABINET LECOMTE", PAYER_IBAN, "VIREMENT")), "a.xml", actor=ACTOR
    )

    assert (result.matched, result.suggested, result.unmatched) == (0, 1, 0)
    entry = BankEntry.objects.get(organization=org)
    assert entry.state == "suggested"
    assert not Payment.objects.filter(organization=org).exists()
    assert open_amounts(invoice) == [Decimal("700.00")]
    suggestion = BankSuggestion.objects.get(entry=entry, rank=0)
    assert suggestion.customer_id == customer.pk
    assert 0.5 < suggestion.confidence < 0.95
    assert suggestion.allocations == [{"invoice_id": invoice.pk, "number": "F-2026-0070", "amount": "700.00"}]
    assert [r["code"] for r in suggestion.reasons][0] == "name"

    accept_suggestion(org, suggestion, actor=ACTOR)

    entry.refresh_from_db()
    assert entry.state == "applied"
    assert not BankSuggestion.objects.filter(entry=entry).exists()
    assert open_amounts(invoice) == [Decimal("0.00")]
    assert list(CustomerIban.objects.filter(organization=org).values_list("customer_id", "iban")) == [
        (customer.pk, PAYER_IBAN)
    ]
    assert Event.objects.filter(customer=customer, kind="bank.iban_linked").count() == 1
    assert BankApplication.objects.get(entry=entry).auto is False

    InvoiceFactory(customer=customer, number="F-2026-0071", due_on=date(2026, 4, 1), total=Decimal("350.00"))
    import_statement(
        org, camt(Credit("350.00", "2026-04-03", "M LECOMTE", PAYER_IBAN, "", ref="B-2")), "b.xml", actor=ACTOR
    )
    second = BankEntry.objects.get(organization=org, bank_reference="B-2")
    best = BankSuggestion.objects.get(entry=second, rank=0)
    assert best.customer_id == customer.pk
    assert "iban" in [r["code"] for r in best.reasons]
    assert reason_text(best.reasons[0]).startswith("the payer's account")


def test_an_applied_transfer_is_undone_and_waits_for_review(org, martin) -> None:  # type: ignore[no-untyped-def]
    customer, first, second = martin
    rf = customer_rf(org.pk, customer.pk)
    import_statement(org, camt(Credit("1200.00", "2026-03-18", "MARTIN", "", "", rf)), "a.xml", actor=ACTOR)
    entry = BankEntry.objects.get(organization=org)
    assert entry.state == "applied"

    unapply_entry(org, entry, actor=ACTOR, note="paid twice, refunded")

    entry.refresh_from_db()
    assert entry.state == "suggested"
    assert open_amounts(first, second) == [Decimal("800.00"), Decimal("400.00")]
    assert not Payment.objects.filter(organization=org).exists()
    assert not BankApplication.objects.filter(entry=entry).exists()
    undone = Event.objects.get(customer=customer, kind="bank.payment_unapplied")
    assert (undone.data["invoices"], undone.data["note"]) == ("F-2026-0041, F-2026-0042", "paid twice, refunded")
    # Waiting for a person: the matching does not apply it again by itself.
    assert match_entries(org, actor=ACTOR).applied == 0
    assert BankSuggestion.objects.get(entry=entry, rank=0).customer_id == customer.pk

    with pytest.raises(MatchRefused):
        unapply_entry(org, entry, actor=ACTOR, note="")


def test_an_entry_that_is_no_customer_payment_is_set_aside(org, martin) -> None:  # type: ignore[no-untyped-def]
    import_statement(org, camt(Credit("1200.00", "2026-03-18", "BOULANGERIE MARTIN")), "a.xml", actor=ACTOR)
    entry = BankEntry.objects.get(organization=org)
    assert entry.state == "suggested"
    with pytest.raises(MatchRefused):
        ignore_entry(org, entry, actor=ACTOR, reason=" ")

    ignore_entry(org, entry, actor=ACTOR, reason="refund of a supplier")

    entry.refresh_from_db()
    assert entry.state == "ignored"
    assert not BankSuggestion.objects.filter(entry=entry).exists()
    event = Event.objects.get(organization=org, kind="bank.entry_ignored")
    assert event.data["reason"] == "refund of a supplier"


def test_a_higher_threshold_sends_the_same_transfer_to_review(org) -> None:  # type: ignore[no-untyped-def]
    BankMatchSettings.objects.create(organization=org, auto_threshold=Decimal("1.00"), tolerance=Decimal("0.00"))
    customer = CustomerFactory(organization=org, name="Dupont Frères SA")
    InvoiceFactory(customer=customer, number="F-2026-0050", total=Decimal("300.00"))

    result = import_statement(
        org, camt(Credit("300.00", "2026-03-20", "X", "", "", customer_rf(org.pk, customer.pk))), "a", actor=ACTOR
    )

    assert (result.matched, result.suggested) == (0, 1)


def test_each_organization_matches_against_its_own_invoices(org, other_org, martin) -> None:  # type: ignore[no-untyped-def]
    customer, first, second = martin
    rf = customer_rf(org.pk, customer.pk)
    content = camt(Credit("1200.00", "2026-03-18", "BOULANGERIE MARTIN", "", "", rf))

    theirs = import_statement(other_org, content, "a.xml", actor=ACTOR)

    assert theirs.matched == 0
    assert open_amounts(first, second) == [Decimal("800.00"), Decimal("400.00")]
    assert not Payment.objects.exists()
    import_statement(org, camt(Credit("1200.00", "2026-03-18", "BOULANGERIE MARTIN")), "b.xml", actor=ACTOR)
    ours = BankSuggestion.objects.get(organization=org, rank=0)
    with pytest.raises(BankSuggestion.DoesNotExist):
        accept_suggestion(other_org, ours.pk, actor=ACTOR)
    with pytest.raises(BankEntry.DoesNotExist):
        ignore_entry(other_org, ours.entry_id, actor=ACTOR, reason="not ours")
    assert match_entries(other_org, [ours.entry_id], actor=ACTOR).as_dict()["entries"] == []
