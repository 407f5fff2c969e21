"""The provider's webhook: a replayed, correctly signed provider webhook records the payment once, however many times
it is delivered; a badly signed one is refused. The payment is allocated to the invoices the customer chose."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from recouvre.ledger.actors import CLI
from recouvre.ledger.models import Allocation, Event, Payment
from recouvre.payments.models import Checkout, CheckoutState, ProviderEvent
from recouvre.payments.selectors import webhook_path
from recouvre.portal import links
from recouvre.tasks.models import Task
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

from .conftest import OTHER_WEBHOOK_SECRET, session_event, signed

pytestmark = pytest.mark.django_db

SESSION = "cs_test_a1KZ3Yq8Hh2mX0pQ7rTf9WbE4sLc6NvJ5dGu2oAi8yRe3xPk1Mw"


@pytest.fixture
def customer(org):  # type: ignore[no-untyped-def]
    return CustomerFactory(organization=org, ref="411DUPONT", name="Dupont Bâtiment SARL")


@pytest.fixture
def invoices(customer):  # type: ignore[no-untyped-def]
    return {
        "A": InvoiceFactory(customer=customer, number="FA-2026-0101", total=Decimal("1000.00")),
        "B": InvoiceFactory(customer=customer, number="FA-2026-0102", total=Decimal("734.56")),
        "C": InvoiceFactory(customer=customer, number="FA-2026-0103", total=Decimal("500.00")),
    }


def _checkout(account, customer, chosen, *, session=SESSION, reference="rc_0001", amount="1734.56", currency="EUR"):  # type: ignore[no-untyped-def]
    return Checkout.objects.create(
        organization=account.organization,
        customer=customer,
        account=account,
        provider="stripe",
        reference=reference,
        session_id=session,
        amount=Decimal(amount),
        currency=currency,
        invoice_ids=[inv.pk for inv in chosen],
        state=CheckoutState.OPEN,
        created_at=timezone.now(),
    )


def _post(client, account, body, headers):  # type: ignore[no-untyped-def]
    return client.post(webhook_path(account), data=body, content_type="application/json", **headers)


def test_a_paid_checkout_delivered_three_times_records_one_payment_allocated_to_the_chosen_invoices(
    client, account, customer, invoices
) -> None:  # type: ignore[no-untyped-def]
    checkout = _checkout(account, customer, [invoices["B"], invoices["A"]])
    created = int(time.time()) - 30
    body = session_event(
        "evt_1QxPaid0001",
        "checkout.session.completed",
        session_id=SESSION,
        reference="rc_0001",
        amount_minor=173456,
        created=created,
    )
    first_headers = signed(body)
    answers = [
        _post(client, account, body, first_headers),  # delivered
        _post(client, account, body, signed(body)),  # redelivered by Stripe: signed anew
        _post(client, account, body, first_headers),  # replayed as it was, within the five minutes
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["outcome"] for a in answers] == ["recorded", "duplicate", "duplicate"]

    payment = Payment.objects.get(customer=customer)
    assert payment.amount == Decimal("1734.56") and payment.currency == "EUR"
    assert payment.method == "card" and payment.source == "online"
    assert payment.reference == SESSION
    assert payment.payer_name == "Dupont Bâtiment SARL"
    assert payment.received_on == timezone.localdate(datetime.fromtimestamp(created, tz=UTC))
    allocations = {a.invoice.number: a.amount for a in Allocation.objects.filter(payment=payment)}
    assert allocations == {"FA-2026-0102": Decimal("734.56"), "FA-2026-0101": Decimal("1000.00")}
    for key in "AB":
        invoices[key].refresh_from_db()
        assert invoices[key].open_amount == Decimal("0.00")
    invoices["C"].refresh_from_db()
    assert invoices["C"].open_amount == Decimal("500.00")
    checkout.refresh_from_db()
    assert checkout.state == CheckoutState.PAID and checkout.payment_id == payment.pk
    assert ProviderEvent.objects.filter(account=account).count() == 1
    paid = Event.objects.get(customer=customer, kind="payments.checkout_paid")
    assert paid.data["amount"] == "1734.56" and paid.data["invoices"] == ["FA-2026-0102", "FA-2026-0101"]
    assert Event.objects.filter(customer=customer, kind="payment.received").count() == 1

    # The customer's return page now says the payment is received.
    token = links.token_of(links.issue_link(customer, actor=CLI))
    done = client.get(f"/p/{token}/pay/done/?session={SESSION}&lang=en").content.decode()
    assert "Your payment of €1,734.56 is received and recorded on your account." in done

    # Another event of the same session (a new id, correctly signed) records nothing more either.
    again = session_event(
        "evt_1QxPaid0002", "checkout.session.completed", session_id=SESSION, reference="rc_0001", amount_minor=173456
    )
    assert _post(client, account, again, signed(again)).json()["outcome"] == "duplicate"
    assert Payment.objects.filter(customer=customer).count() == 1
    assert Allocation.objects.filter(payment=payment).count() == 2


@pytest.mark.parametrize("how", ["wrong secret", "stale", "tampered body", "no header", "future"])
def test_a_badly_signed_or_stale_webhook_is_refused_and_writes_nothing(
    client, account, customer, invoices, how
) -> None:  # type: ignore[no-untyped-def]
    _checkout(account, customer, [invoices["A"]], amount="1000.00")
    body = session_event(
        "evt_1QxBad0001", "checkout.session.completed", session_id=SESSION, reference="rc_0001", amount_minor=100000
    )
    events_before = Event.objects.count()
    if how == "wrong secret":
        headers = signed(body, "whsec_notTheAccountsSecret0000000000")
    elif how == "stale":
        headers = signed(body, at=int(time.time()) - 301)
    elif how == "future":
        headers = signed(body, at=int(time.time()) + 301)
    elif how == "tampered body":
        headers = signed(body)
        body = body.replace(b'"amount_total": 100000', b'"amount_total": 999999')
    else:
        headers = {}
    answer = _post(client, account, body, headers)
    assert answer.status_code == 400
    assert not Payment.objects.exists() and not Allocation.objects.exists()
    assert not ProviderEvent.objects.exists()
    assert Event.objects.count() == events_before


def test_another_organizations_secret_does_not_validate(client, account, other_account, customer, invoices) -> None:  # type: ignore[no-untyped-def]
    _checkout(account, customer, [invoices["A"]], amount="1000.00")
    body = session_event(
        "evt_1QxOther0001", "checkout.session.completed", session_id=SESSION, reference="rc_0001", amount_minor=100000
    )
    # Signed with the other organization's secret, posted to this organization's address: refused.
    assert _post(client, account, body, signed(body, OTHER_WEBHOOK_SECRET)).status_code == 400
    # Signed with this organization's secret, posted to the other's address: refused too.
    assert _post(client, other_account, body, signed(body)).status_code == 400
    assert not Payment.objects.exists() and not ProviderEvent.objects.exists()
    # The other organization's own, correctly signed event does not reach this organization's checkout.
    assert _post(client, other_account, body, signed(body, OTHER_WEBHOOK_SECRET)).json()["outcome"] == "unknown"
    assert not Payment.objects.exists()


def test_a_sepa_direct_debit_is_recorded_when_it_succeeds_not_when_the_checkout_completes(
    client, account, customer, invoices
) -> None:  # type: ignore[no-untyped-def]
    checkout = _checkout(account, customer, [invoices["C"]], amount="500.00")
    completed = session_event(
        "evt_1QxSepa0001",
        "checkout.session.completed",
        session_id=SESSION,
        reference="rc_0001",
        amount_minor=50000,
        payment_status="unpaid",
    )
    assert _post(client, account, completed, signed(completed)).json()["outcome"] == "processing"
    assert not Payment.objects.exists()
    checkout.refresh_from_db()
    assert checkout.state == CheckoutState.PROCESSING
    succeeded = session_event(
        "evt_1QxSepa0002",
        "checkout.session.async_payment_succeeded",
        session_id=SESSION,
        reference="rc_0001",
        amount_minor=50000,
    )
    for _ in range(2):
        assert _post(client, account, succeeded, signed(succeeded)).status_code == 200
    payment = Payment.objects.get()
    assert payment.amount == Decimal("500.00") and payment.method == "direct_debit"
    assert Allocation.objects.get(payment=payment).invoice == invoices["C"]


def test_a_failed_direct_debit_records_nothing_and_asks_the_collector(client, account, customer, invoices) -> None:  # type: ignore[no-untyped-def]
    checkout = _checkout(account, customer, [invoices["A"], invoices["C"]], amount="1500.00")
    failed = session_event(
        "evt_1QxSepaKo01",
        "checkout.session.async_payment_failed",
        session_id=SESSION,
        reference="rc_0001",
        amount_minor=150000,
        payment_status="unpaid",
    )
    for _ in range(2):
        assert _post(client, account, failed, signed(failed)).status_code == 200
    assert not Payment.objects.exists()
    checkout.refresh_from_db()
    assert checkout.state == CheckoutState.FAILED
    task = Task.objects.get(customer=customer)
    assert "1\u202f500,00\u00a0€" in task.title  # the server's language, French
    assert {inv.number for inv in task.invoices.all()} == {"FA-2026-0101", "FA-2026-0103"}
    assert Event.objects.filter(customer=customer, kind="payments.checkout_failed").count() == 1


def test_a_currency_mismatch_is_refused_nothing_recorded(client, account, customer, invoices) -> None:  # type: ignore[no-untyped-def]
    checkout = _checkout(account, customer, [invoices["A"]], amount="1000.00")
    body = session_event(
        "evt_1QxUsd0001",
        "checkout.session.completed",
        session_id=SESSION,
        reference="rc_0001",
        amount_minor=100000,
        currency="usd",
    )
    answer = _post(client, account, body, signed(body))
    assert answer.status_code == 200 and answer.json()["outcome"] == "refused"
    assert not Payment.objects.exists()
    checkout.refresh_from_db()
    assert checkout.state == CheckoutState.REFUSED
    assert Task.objects.filter(customer=customer).count() == 1


def test_an_oversized_body_or_an_unknown_address_is_refused(client, account) -> None:  # type: ignore[no-untyped-def]
    big = b"{" + b" " * (300 * 1024) + b"}"
    assert _post(client, account, big, signed(big)).status_code == 413
    assert (
        client.post("/payments/stripe/unknown/webhook/", data=b"{}", content_type="application/json").status_code == 404
    )
    assert client.get(webhook_path(account)).status_code == 405
    assert not ProviderEvent.objects.exists()
