"""Cash applied by hand from the customer page and the invoice page: a payment or a credit note recorded, unapplied
cash applied, an allocation undone.

The ledger of ``helpers``: on 31 March 2026, Boulangerie Dupont owes F-003 (300,00, due 15/01), F-002 (500,00, due
15/03) and F-001 (1 200,00, due 31/03), and has a payment of 100,00 not applied. Claire is an administrator of ACME.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from recouvre.ledger.models import Allocation, CreditNote, Event, Invoice, Payment

from .helpers import text

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return logged_client


def flash(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]]


def opens(*numbers: str) -> list[Decimal]:
    return [Invoice.objects.get(number=n).open_amount for n in numbers]


def test_a_cheque_recorded_and_applied_oldest_first(english, ledger):  # type: ignore[no-untyped-def]
    dupont = ledger.dupont
    page = english.get(reverse("customer_detail", args=[dupont.pk]))
    assert reverse("cash_payment", args=[dupont.pk]) in page.content.decode()
    assert reverse("cash_credit_note", args=[dupont.pk]) in page.content.decode()

    form = english.get(reverse("cash_payment", args=[dupont.pk]))
    assert form.status_code == 200
    grid = text(form).split("Amount to apply", 1)[1]
    assert grid.index("F-003") < grid.index("F-002") < grid.index("F-001")

    response = english.post(
        reverse("cash_payment", args=[dupont.pk]),
        {
            "received_on": "2026-03-30",
            "amount": "650,00",
            "currency": "EUR",
            "method": "cheque",
            "reference": "CHQ 0042",
            "apply": "oldest",
        },
        follow=True,
    )
    assert response.redirect_chain == [(reverse("customer_detail", args=[dupont.pk]) + "#cash", 302)]
    assert flash(response) == [
        "Payment of 650.00 EUR recorded. 650.00 EUR applied to F-003, F-002; 0.00 EUR not yet applied."
    ]
    payment = Payment.objects.get(reference="CHQ 0042")
    assert (payment.amount, payment.method, payment.source, payment.unallocated_amount) == (
        D("650.00"),
        "cheque",
        "manual",
        D("0.00"),
    )
    assert opens("F-003", "F-002", "F-001") == [D("0.00"), D("150.00"), D("1200.00")]
    assert list(
        Event.objects.filter(customer=dupont, kind="allocation.created").order_by("id").values_list("data__invoice")
    )[-2:] == [("F-003",), ("F-002",)]


def test_an_amount_over_what_an_invoice_has_open_is_shown_next_to_it(english, ledger):  # type: ignore[no-untyped-def]
    dupont, f002 = ledger.dupont, ledger.invoices["F-002"]
    payments = Payment.objects.count()
    response = english.post(
        reverse("cash_payment", args=[dupont.pk]),
        {
            "received_on": "2026-03-30",
            "amount": "600",
            "currency": "EUR",
            "method": "transfer",
            "apply": "invoices",
            f"invoice_{f002.pk}": "600",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {f"invoice_{f002.pk}": ["600.00 is more than the 500.00 EUR open on invoice F-002."]}
    assert flash(response) == ["Nothing was recorded: 600.00 is more than the 500.00 EUR open on invoice F-002."]
    assert Payment.objects.count() == payments
    assert opens("F-002") == [D("500.00")]


def test_the_unapplied_payment_is_applied_from_its_row(english, ledger):  # type: ignore[no-untyped-def]
    dupont, f003 = ledger.dupont, ledger.invoices["F-003"]
    payment = Payment.objects.get(customer=dupont, unallocated_amount=D("100.00"))
    url = reverse("cash_apply", args=[dupont.pk, "payment", payment.pk])
    assert url in english.get(reverse("customer_detail", args=[dupont.pk])).content.decode()

    page = english.get(url)
    assert page.context["form"][f"invoice_{f003.pk}"].value() == D("100.00")
    assert "Left to apply: €100.00" in text(page)

    response = english.post(
        url, {f"invoice_{f003.pk}": "60", f"invoice_{ledger.invoices['F-002'].pk}": "40"}, follow=True
    )
    assert flash(response) == ["100.00 EUR applied to F-003, F-002; 0.00 EUR not yet applied."]
    assert opens("F-003", "F-002") == [D("240.00"), D("460.00")]
    assert Payment.objects.get(pk=payment.pk).unallocated_amount == D("0.00")
    # a payment of another customer is not found here
    other = Payment.objects.exclude(customer=dupont).first()
    assert english.get(reverse("cash_apply", args=[dupont.pk, "payment", other.pk])).status_code == 404


def test_a_credit_note_correcting_an_invoice_and_a_duplicate_number(english, ledger):  # type: ignore[no-untyped-def]
    dupont, f002 = ledger.dupont, ledger.invoices["F-002"]
    url = reverse("cash_credit_note", args=[dupont.pk])
    data = {"number": "AV-2026-01", "issued_on": "2026-03-30", "total": "80,50", "invoice": f002.pk}
    response = english.post(url, data, follow=True)
    assert flash(response) == [
        "Credit note AV-2026-01 of 80.50 EUR recorded. 80.50 EUR applied to F-002; 0.00 EUR not yet applied."
    ]
    assert opens("F-002") == [D("419.50")]
    response = english.post(url, {**data, "total": "10"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"number": ["Credit note AV-2026-01 already exists."]}
    assert CreditNote.objects.count() == 1
    # an invoice of another customer is not a choice
    lefevre_invoice = ledger.invoices["F-004"]
    response = english.post(url, {**data, "number": "AV-2026-02", "invoice": lefevre_invoice.pk})
    assert "invoice" in response.context["form"].errors
    assert CreditNote.objects.count() == 1


def test_an_allocation_undone_from_the_invoice_page(english, ledger):  # type: ignore[no-untyped-def]
    f004 = ledger.invoices["F-004"]
    allocation = Allocation.objects.get(invoice=f004)
    page = english.get(reverse("invoice_detail", args=[f004.pk]))
    assert reverse("allocation_undo", args=[allocation.pk]) in page.content.decode()
    assert "Confirm: undo this allocation" in text(page)

    response = english.post(reverse("allocation_undo", args=[allocation.pk]), follow=True)
    assert response.redirect_chain == [(reverse("invoice_detail", args=[f004.pk]) + "#settlements", 302)]
    assert flash(response) == ["Allocation undone: invoice F-004 is open again by 800.00 EUR."]
    assert opens("F-004") == [D("2000.00")]
    assert Event.objects.filter(kind="allocation.removed", data__invoice="F-004").count() == 1
    assert english.post(reverse("allocation_undo", args=[allocation.pk])).status_code == 404


def test_the_invoice_page_in_french_after_an_undo(logged_client, ledger):  # type: ignore[no-untyped-def]
    f004 = ledger.invoices["F-004"]
    allocation = Allocation.objects.get(invoice=f004)
    response = logged_client.post(reverse("allocation_undo", args=[allocation.pk]), follow=True)
    page = text(response)
    assert "Facture F-004" in page
    assert "Règlements imputés" in page
    assert "Rien n’a encore été réglé." in page
    assert "Total TTC 2 000,00 € Réglé 0,00 € Reste dû 2 000,00 €" in page


def test_a_viewer_sees_no_cash_action_and_cannot_post(member_of, ledger):  # type: ignore[no-untyped-def]
    viewer = member_of("viewer")
    dupont = ledger.dupont
    page = viewer.get(reverse("customer_detail", args=[dupont.pk]))
    assert reverse("cash_payment", args=[dupont.pk]) not in page.content.decode()
    assert viewer.get(reverse("cash_payment", args=[dupont.pk])).status_code == 403
    allocation = Allocation.objects.get(invoice=ledger.invoices["F-004"])
    assert "Confirm: undo" not in viewer.get(reverse("invoice_detail", args=[allocation.invoice_id])).content.decode()
    assert viewer.post(reverse("allocation_undo", args=[allocation.pk])).status_code == 403
    assert opens("F-004") == [D("1200.00")]


def test_another_organizations_customer_is_not_found(english, ledger):  # type: ignore[no-untyped-def]
    assert english.get(reverse("cash_payment", args=[ledger.secret.pk])).status_code == 404
    assert english.get(reverse("cash_credit_note", args=[ledger.secret.pk])).status_code == 404


def test_a_write_off_is_not_undone_from_the_settlements(english, ledger):  # type: ignore[no-untyped-def]
    from datetime import date

    from recouvre.ledger.actors import Actor
    from recouvre.legal.writeoffs import write_off

    f003 = ledger.invoices["F-003"]
    write_off(f003, actor=Actor.system("test"), reason="other", note="disparu", written_off_on=date(2026, 3, 30))
    allocation = Allocation.objects.get(invoice=f003)
    page = english.get(reverse("invoice_detail", args=[f003.pk]))
    why = (
        f"This allocation is the write-off of invoice F-003 (ledger credit {allocation.credit_note.number}): reverse "
        "the write-off instead (invoice page, or recouvre writeoff reverse F-003)."
    )
    assert why in text(page)
    assert reverse("allocation_undo", args=[allocation.pk]) not in page.content.decode()
    response = english.post(reverse("allocation_undo", args=[allocation.pk]), follow=True)
    assert flash(response) == [why]
    assert opens("F-003") == [D("0.00")]
