"""Pure rules of "penalties to the end": interest runs on what is overdue once the customer's unapplied credits are
counted (oldest overdue invoices first, the indemnity unchanged), and the step asking for claimed penalties once
the principal is paid (``plan_penalties``): for a business, never a consumer, never waived, once."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from recouvre.core import dunning
from recouvre.core.interest import Claim, Reduction, ReductionKind, allocate_credits, compute
from recouvre.core.ratetables import HalfYear, shipped_tables

TABLES = shipped_tables()
CENT = Decimal("0.01")


def _b2b_rate(day: date) -> Decimal:
    """The statutory rate of ``day`` read from the shipped table: the ECB rate in force on the half-year's first day
    + 10 points (C. com. L441-10)."""
    return TABLES.ecb_in_force(HalfYear.of(day)) + 10


# ------------------------------------------------------------------------------------------------ credits


def test_an_unapplied_credit_reduces_the_base_of_the_interest_but_not_the_principal_nor_the_indemnity():
    credit = Reduction(date(2026, 2, 10), Decimal("500.00"), ReductionKind.CREDIT_NOTE)
    result = compute(
        Claim(Decimal("1200.00"), date(2026, 2, 13), credits=(credit,)), date(2026, 3, 15), TABLES
    )  # 14 February to 15 March: 30 days late
    rate = _b2b_rate(date(2026, 2, 14))
    expected = (Decimal("700.00") * rate * 30 / (100 * 365)).quantize(CENT, rounding=ROUND_HALF_UP)
    assert result.interest == expected == Decimal("6.99")  # 700 x 12.15 % x 30 / 365 = 6.990...
    assert [(p.base, p.days) for p in result.periods] == [(Decimal("700.00"), 30)]
    assert result.principal == Decimal("1200.00")  # still owed on the invoice: the credit is not allocated
    assert result.indemnity == Decimal("40.00")  # an invoice paid late: the indemnity is per invoice
    assert any(n.code == "unapplied_credits" for n in result.notes)


def test_an_unapplied_payment_counts_from_the_day_after_it_is_received_like_an_allocated_one():
    payment = Reduction(date(2026, 3, 1), Decimal("500.00"), ReductionKind.PAYMENT)
    as_credit = compute(Claim(Decimal("1200.00"), date(2026, 2, 13), credits=(payment,)), date(2026, 3, 15), TABLES)
    allocated = compute(Claim(Decimal("1200.00"), date(2026, 2, 13), reductions=(payment,)), date(2026, 3, 15), TABLES)
    assert as_credit.interest == allocated.interest
    assert [(p.start, p.base) for p in as_credit.periods] == [
        (date(2026, 2, 14), Decimal("1200.00")),
        (date(2026, 3, 2), Decimal("700.00")),
    ]
    assert as_credit.principal == Decimal("1200.00") and allocated.principal == Decimal("700.00")


def test_a_credit_covering_the_whole_invoice_leaves_no_interest_and_the_indemnity():
    credit = Reduction(date(2026, 2, 1), Decimal("1200.00"), ReductionKind.CREDIT_NOTE)
    result = compute(Claim(Decimal("1200.00"), date(2026, 2, 13), credits=(credit,)), date(2026, 3, 15), TABLES)
    assert (result.interest, result.indemnity) == (Decimal("0.00"), Decimal("40.00"))


def test_credits_go_to_the_oldest_overdue_invoices_first_each_at_most_its_open_amount():
    credits = [
        Reduction(date(2026, 3, 5), Decimal("300.00"), ReductionKind.PAYMENT),
        Reduction(date(2026, 3, 1), Decimal("250.00"), ReductionKind.CREDIT_NOTE),
    ]
    shared = allocate_credits([(1, Decimal("400.00")), (2, Decimal("1000.00")), (3, Decimal("50.00"))], credits)
    # the oldest credit (1 March) first, to the oldest invoice; what is left of the second goes to the next one
    assert shared == {
        1: (
            Reduction(date(2026, 3, 1), Decimal("250.00"), ReductionKind.CREDIT_NOTE),
            Reduction(date(2026, 3, 5), Decimal("150.00"), ReductionKind.PAYMENT),
        ),
        2: (Reduction(date(2026, 3, 5), Decimal("150.00"), ReductionKind.PAYMENT),),
    }
    assert allocate_credits([(1, Decimal("10.00"))], [Reduction(date(2026, 3, 1), Decimal("25.00"))]) == {
        1: (Reduction(date(2026, 3, 1), Decimal("10.00")),)
    }


# ------------------------------------------------------------------------------------------------ the step

POLICY = dunning.Policy("default", "Default", (dunning.Step("reminder", 7, dunning.Channel.EMAIL, "reminder"),))
RULE = dunning.PenaltyRule(offset_days=10, channel=dunning.Channel.EMAIL)
AS_OF = date(2025, 7, 21)  # a Monday


def _customer(pk: int = 1, **kw) -> dunning.CustomerInput:  # type: ignore[no-untyped-def]
    return dunning.CustomerInput(pk, POLICY, **kw)


def _owed(customer_id: int = 1, invoice_id: int = 10, **kw) -> dunning.OpenPenalty:  # type: ignore[no-untyped-def]
    values = {
        "number": f"F-{invoice_id}",
        "due_on": date(2025, 3, 15),
        "paid_on": date(2025, 7, 10),
        "claimed_on": date(2025, 6, 30),
        "open_amount": Decimal("502.59"),
    }
    values.update(kw)
    return dunning.OpenPenalty(invoice_id, customer_id, **values)  # type: ignore[arg-type]


def _plan(penalties, customers=None, **kw):  # type: ignore[no-untyped-def]
    customers = customers or {1: _customer()}
    return dunning.plan_penalties(AS_OF, customers, penalties, RULE, **kw)


def test_a_business_is_asked_for_its_penalties_ten_days_after_paying_the_principal():
    [action] = _plan([_owed()])
    assert (action.customer_id, action.channel, action.template, action.send_on) == (
        1,
        dunning.Channel.EMAIL,
        "penalties",
        AS_OF,
    )
    [line] = action.lines
    assert (line.number, line.open_amount, line.step and line.step.key) == ("F-10", Decimal("502.59"), "penalties")
    assert action.line_keys == ((10, "penalties"),)
    # nine days after the payment: not yet
    assert dunning.plan_penalties(date(2025, 7, 19), {1: _customer()}, [_owed()], RULE) == []
    # a claim after the payment: its days count from the claim
    assert _plan([_owed(claimed_on=date(2025, 7, 15))]) == []


@pytest.mark.parametrize(
    "why",
    ["consumer", "waived", "reminded", "busy", "customer_hold", "invoice_hold", "recent_contact", "covered"],
)
def test_the_penalties_are_not_asked_for(why):  # type: ignore[no-untyped-def]
    owed = _owed()
    customer = _customer()
    busy: set[int] = set()
    if why == "consumer":
        owed = _owed(debtor="consumer")
    elif why == "waived":
        owed = _owed(waived=True)
    elif why == "reminded":
        owed = _owed(reminded=True)
    elif why == "busy":  # something still overdue, or contacted by the plan of the day
        busy = {1}
    elif why == "customer_hold":  # insolvency proceedings
        customer = _customer(holds=(dunning.Hold(dunning.HoldKind.INSOLVENCY, date(2025, 7, 1)),))
    elif why == "invoice_hold":
        customer = _customer(holds=(dunning.Hold(dunning.HoldKind.DISPUTE, date(2025, 7, 1), invoice_id=10),))
    elif why == "recent_contact":
        customer = _customer(last_contact_on=date(2025, 7, 16))
    elif why == "covered":  # unapplied money covers the penalties: it needs applying, not asking for
        customer = _customer(unapplied={"EUR": Decimal("502.59")})
    assert _plan([owed], {1: customer}, busy=busy) == []


def test_one_message_lists_every_penalty_still_owed_those_already_asked_for_too():
    old = _owed(invoice_id=10, reminded=True, open_amount=Decimal("123.83"))
    new = _owed(invoice_id=11, due_on=date(2025, 4, 30), open_amount=Decimal("75.00"))
    [action] = _plan([new, old])
    assert [(ln.number, ln.stage, ln.step is not None) for ln in action.lines] == [
        ("F-10", "penalties", False),
        ("F-11", "penalties", True),
    ]
    assert action.asked == {"EUR": Decimal("198.83")}


def test_a_customer_without_an_email_address_gets_a_letter():
    [action] = _plan([_owed()], {1: _customer(email_ok=False)})
    assert action.channel is dunning.Channel.LETTER


def test_the_rule_goes_by_email_or_letter_only():
    with pytest.raises(dunning.PolicyError):
        dunning.PenaltyRule(channel=dunning.Channel.CALL_TASK)
