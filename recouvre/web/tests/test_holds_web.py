"""The holds panel of the customer page and the dispute box of the invoice page: what a collector sees and does.

The ledger of ``helpers``: on 31 March 2026, Boulangerie Dupont owes F-001 (1 200,00, not due), F-002 (500,00,
16 days late) and F-003 (300,00, 75 days late). Claire is an administrator of ACME.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from recouvre.collections import holds
from recouvre.collections.models import Hold, PaymentPlan
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import CreditNote

from .helpers import AS_OF, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(logged_client):  # type: ignore[no-untyped-def]
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return logged_client


def customer_page(client, customer):  # type: ignore[no-untyped-def]
    return client.get(reverse("customer_detail", args=[customer.pk]))


def post(client, name, pk, data, **extra):  # type: ignore[no-untyped-def]
    return client.post(reverse(name, args=[pk]), data, **extra)


def flash(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]]


def test_a_collector_opens_a_dispute_from_the_customer_page(english, ledger, user):
    dupont, f002 = ledger.dupont, ledger.invoices["F-002"]
    page = customer_page(english, dupont)
    assert "Collection of this customer has never been paused." in text(page)
    assert 'action="%s"' % reverse("hold_dispute", args=[dupont.pk]) in page.content.decode()

    response = post(
        english,
        "hold_dispute",
        dupont.pk,
        {"invoice": f002.pk, "reason_code": "quantity", "amount": "150,00", "owner": user.pk, "note": "3 boxes short"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("customer_detail", args=[dupont.pk]) + "#holds", 302)]
    assert flash(response) == ["Dispute on invoice F-002 opened: it is no longer reminded."]
    hold = Hold.objects.get()
    assert (hold.kind, hold.invoice, hold.reason_code, hold.amount, hold.owner, hold.starts_on, hold.author) == (
        "dispute",
        f002,
        "quantity",
        Decimal("150.00"),
        user,
        AS_OF,
        user,
    )
    row = text(response).split("Holds", 1)[1]
    assert (
        "Dispute Wrong quantity: 3 boxes short F-002 31 Mar 2026 until lifted €150.00 claire owner: claire Active"
        in row
    )


def test_a_dispute_opened_and_settled_by_credit_note_on_the_invoice_page(english, ledger):
    f002 = ledger.invoices["F-002"]
    page = english.get(reverse("invoice_detail", args=[f002.pk]))
    assert "This invoice is not disputed." in text(page)

    response = post(
        english,
        "hold_dispute",
        f002.customer_id,
        {"invoice": f002.pk, "back_to_invoice": f002.pk, "reason_code": "price", "amount": ""},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("invoice_detail", args=[f002.pk]) + "#disputes", 302)]
    assert "Active Wrong price, €500.00, since 31 Mar 2026" in text(response)
    hold = Hold.objects.get()

    response = post(
        english,
        "hold_resolve",
        hold.pk,
        {
            "resolution": "credit_note",
            "credit_amount": "500,00",
            "note": "price list error",
            "back_to_invoice": f002.pk,
        },
        follow=True,
    )
    assert flash(response) == ["Dispute resolved."]
    assert "Resolved by a credit note Wrong price, €500.00, since 31 Mar 2026" in text(response)
    note = CreditNote.objects.get()
    assert (note.number, note.total, note.invoice) == ("AV-F-002", Decimal("500.00"), f002)
    f002.refresh_from_db()
    assert f002.open_amount == Decimal("0.00")


def test_a_credit_note_larger_than_the_dispute_is_refused_with_the_reason(english, ledger, user):
    f003 = ledger.invoices["F-003"]
    hold = holds.open_dispute(
        f003.organization, f003, reason_code="quality", amount=Decimal("100.00"), actor=Actor.of(user)
    )
    response = post(
        english, "hold_resolve", hold.pk, {"resolution": "credit_note", "credit_amount": "120"}, follow=True
    )
    assert flash(response) == ["The credit note cannot be more than 100.00 EUR (the disputed and the open amount)."]
    assert not CreditNote.objects.exists()
    response = post(english, "hold_resolve", hold.pk, {"resolution": "credit_note", "credit_amount": ""}, follow=True)
    assert flash(response) == ["Credit note amount: Give the amount of the credit note."]
    response = post(english, "hold_resolve", hold.pk, {"resolution": "resume"}, follow=True)
    assert flash(response) == ["Dispute resolved."]
    hold.refresh_from_db()
    assert hold.outcome == "resolved"


def test_a_promise_on_two_invoices(english, ledger):
    dupont, f002, f003 = ledger.dupont, ledger.invoices["F-002"], ledger.invoices["F-003"]
    response = post(
        english,
        "hold_promise",
        dupont.pk,
        {"amount": "800,00", "promised_on": "15/04/2026", "invoices": [f002.pk, f003.pk], "note": "by transfer"},
        follow=True,
    )
    assert flash(response) == ["Promise to pay recorded."]
    hold = Hold.objects.get()
    assert (hold.kind, hold.amount, hold.promised_on, hold.ends_on) == (
        "promise",
        Decimal("800.00"),
        date(2026, 4, 15),
        date(2026, 4, 15),
    )
    assert sorted(hold.invoices.values_list("number", flat=True)) == ["F-002", "F-003"]
    assert "Promise to pay by transfer F-003, F-002 31 Mar 2026 15 Apr 2026 €800.00" in text(response)

    response = post(english, "hold_promise", dupont.pk, {"amount": "80O", "promised_on": "2026-04-15"}, follow=True)
    assert flash(response) == ["Amount promised: Not an amount: 80O"]
    assert Hold.objects.count() == 1


def test_a_payment_plan_entered_as_rows(english, ledger):
    dupont, f002, f003 = ledger.dupont, ledger.invoices["F-002"], ledger.invoices["F-003"]
    rows = {
        "instalments-TOTAL_FORMS": "6",
        "instalments-INITIAL_FORMS": "0",
        "instalments-MIN_NUM_FORMS": "0",
        "instalments-MAX_NUM_FORMS": "60",
        "instalments-0-due_on": "2026-04-30",
        "instalments-0-amount": "400,00",
        "instalments-1-due_on": "2026-05-29",
        "instalments-1-amount": "400,00",
    }
    response = post(
        english, "hold_plan", dupont.pk, {"invoices": [f002.pk, f003.pk], "note": "two months", **rows}, follow=True
    )
    assert flash(response) == ["Payment plan agreed."]
    plan = PaymentPlan.objects.get()
    assert (plan.total, plan.signed_on, plan.hold.kind) == (Decimal("800.00"), AS_OF, "payment_plan")
    assert list(plan.instalments.values_list("position", "due_on", "amount")) == [
        (1, date(2026, 4, 30), Decimal("400.00")),
        (2, date(2026, 5, 29), Decimal("400.00")),
    ]
    assert "Payment plan, Active: 30 Apr 2026 · €400.00 29 May 2026 · €400.00" in text(response)

    half = {**rows, "instalments-1-amount": ""}
    response = post(english, "hold_plan", dupont.pk, {"invoices": [ledger.invoices["F-001"].pk], **half}, follow=True)
    assert flash(response) == ["Instalment 2: Give both the date and the amount of an instalment."]
    response = post(english, "hold_plan", dupont.pk, {"invoices": [f002.pk], **rows}, follow=True)
    assert flash(response) == ["Invoice F-002 is already in an active payment plan."]
    assert PaymentPlan.objects.count() == 1


def test_already_paid_pause_and_insolvency_then_lift(english, ledger):
    dupont = ledger.dupont
    response = post(english, "hold_already_paid", dupont.pk, {"note": "cheque sent on the 25th"}, follow=True)
    assert flash(response) == ["Collection paused while the payment is looked for."]
    paid = Hold.objects.get(kind="already_paid")
    assert (paid.starts_on, paid.ends_on) == (AS_OF, date(2026, 4, 9))  # ten days

    response = post(
        english, "hold_pause", dupont.pk, {"until": "2026-04-20", "reason": "owner in hospital"}, follow=True
    )
    assert flash(response) == ["Collection paused."]
    assert Hold.objects.get(kind="manual").ends_on == date(2026, 4, 20)
    response = post(english, "hold_pause", dupont.pk, {"until": "2026-03-01"}, follow=True)
    assert flash(response) == ["The pause must end today or later."]

    response = post(english, "hold_insolvency", dupont.pk, {"procedure": "sauvegarde"}, follow=True)
    assert flash(response) == ["Insolvency proceedings recorded: collection stopped."]
    insolvency = Hold.objects.get(kind="insolvency")
    assert (insolvency.starts_on, insolvency.ends_on) == (AS_OF, None)

    response = post(english, "hold_release", insolvency.pk, {}, follow=True)
    assert flash(response) == ["Hold lifted: collection resumes at the next run."]
    insolvency.refresh_from_db()
    assert (insolvency.outcome, insolvency.released_by) == ("released", response.wsgi_request.user)
    page = text(response)
    assert "Insolvency proceedings" in page.split("Paused", 1)[1]  # the lifted hold is listed after the live ones
    assert "Lifted" in page


def test_viewers_see_the_holds_but_cannot_change_them(member_of, ledger, user):
    viewer = member_of("viewer")
    dupont, f002 = ledger.dupont, ledger.invoices["F-002"]
    hold = holds.open_dispute(dupont.organization, f002, reason_code="price", actor=Actor.of(user))
    page = viewer.get(reverse("customer_detail", args=[dupont.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="holds"' in body
    assert reverse("hold_dispute", args=[dupont.pk]) not in body
    assert reverse("hold_release", args=[hold.pk]) not in body
    for name, pk in [
        ("hold_dispute", dupont.pk),
        ("hold_promise", dupont.pk),
        ("hold_plan", dupont.pk),
        ("hold_already_paid", dupont.pk),
        ("hold_pause", dupont.pk),
        ("hold_insolvency", dupont.pk),
        ("hold_resolve", hold.pk),
        ("hold_release", hold.pk),
    ]:
        assert viewer.post(reverse(name, args=[pk]), {"resolution": "resume"}).status_code == 403, name
    hold.refresh_from_db()
    assert hold.released_at is None and Hold.objects.count() == 1
    collector = member_of("collector")
    assert collector.post(reverse("hold_release", args=[hold.pk])).status_code == 302


def test_another_organizations_customers_invoices_and_holds_are_404(logged_client, ledger, other_org):
    secret, rival_invoice = ledger.secret, ledger.invoices["R-001"]
    rival_hold = holds.open_dispute(other_org, rival_invoice, reason_code="price", actor=Actor.system("rival"))
    for name in ("hold_dispute", "hold_promise", "hold_plan", "hold_already_paid", "hold_pause", "hold_insolvency"):
        response = logged_client.post(reverse(name, args=[secret.pk]), {"until": "2026-04-30", "amount": "1"})
        assert response.status_code == 404, name
    for name in ("hold_resolve", "hold_release"):
        assert logged_client.post(reverse(name, args=[rival_hold.pk]), {"resolution": "resume"}).status_code == 404
    # Our customer with the rival's invoice: not a valid choice, nothing written.
    logged_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = post(
        logged_client,
        "hold_dispute",
        ledger.dupont.pk,
        {"invoice": rival_invoice.pk, "reason_code": "price"},
        follow=True,
    )
    assert flash(response)[0].startswith("Invoice: Select a valid choice.")
    assert Hold.objects.filter(organization=ledger.dupont.organization).count() == 0
    rival_hold.refresh_from_db()
    assert rival_hold.released_at is None
    # Forms are POST only.
    assert logged_client.get(reverse("hold_pause", args=[ledger.dupont.pk])).status_code == 405
