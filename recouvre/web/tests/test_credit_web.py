"""Credit limits on the pages: an imported invoice that takes a customer over its limit shows on the worklist with
the amounts, the customer page says so with its score and checks an order.

Today is Tuesday 31 March 2026 (``frozen_today``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from recouvre.imports.services import run_import
from recouvre.ledger.actors import Actor
from recouvre.risk.credit import recompute_scores
from recouvre.tasks.models import Task, TaskState
from recouvre.testing.factories import CustomerFactory, InvoiceFactory

from .helpers import text

pytestmark = pytest.mark.django_db
ME = Actor.system("test")


@pytest.fixture
def dupont(org, frozen_today):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org, ref="411DUPONT", name="Dupont SA", credit_limit=Decimal("170000.00"))
    InvoiceFactory(
        customer=customer,
        number="F-1",
        issued_on=date(2026, 2, 1),
        due_on=date(2026, 4, 15),
        total=Decimal("169000.00"),
    )
    return customer


def _import(org, tmp_path, kind: str, content: str):  # type: ignore[no-untyped-def]
    path = tmp_path / f"{kind}.csv"
    path.write_text(content, encoding="utf-8")
    return run_import(org, kind, path, actor=ME)


def test_an_imported_invoice_over_the_limit_shows_on_the_worklist(org, dupont, member_of, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client = member_of("admin")
    assert "Dupont SA" not in text(client.get(reverse("worklist")))

    _import(
        org,
        tmp_path,
        "invoices",
        "invoice_number,customer_id,issue_date,due_date,amount_incl_tax,currency\n"
        "F-2,411DUPONT,2026-03-31,2026-04-30,1591.00,EUR\n",
    )
    page = text(client.get(reverse("worklist")))
    assert "Dupont SA" in page
    assert "170 591,00 €" in page and "170 000,00 €" in page and "591,00 €" in page
    assert Task.objects.filter(customer=dupont, state=TaskState.OPEN, kind="credit_over").count() == 1

    # The customer page says so too, in a banner with the amounts.
    page = text(client.get(reverse("customer_detail", args=[dupont.pk])))
    assert "170 591,00 €" in page and "591,00 €" in page

    # Paid in full (a payments import): the alert is closed, and gone from the worklist.
    _import(
        org,
        tmp_path,
        "payments",
        "customer_id,payment_date,amount,reference,invoice_number,method\n"
        "411DUPONT,2026-03-31,169000.00,VIR DUPONT,F-1,virement\n",
    )
    assert not Task.objects.filter(customer=dupont, state=TaskState.OPEN).exists()
    assert "Dupont SA" not in text(client.get(reverse("worklist")))


def test_the_customer_page_shows_the_score_and_checks_an_order(org, dupont, member_of) -> None:  # type: ignore[no-untyped-def]
    client = member_of("viewer")
    url = reverse("customer_detail", args=[dupont.pk])
    response = client.get(url)
    assert 'id="credit-score-none"' in response.content.decode()
    assert 'data-level="near"' in response.content.decode()  # 169 000 of 170 000

    recompute_scores(org, date(2026, 3, 31))
    response = client.get(url, {"order_amount": "2 000,00"})
    html = response.content.decode()
    assert 'id="credit-score">65<' in html  # 70 for a new customer, half the exposure's 10 points
    assert 'data-decision="review"' in html  # 171 000: over the limit, nothing overdue
    assert "171 000,00 €" in text(response)

    response = client.get(url, {"order_amount": "zéro"})
    assert 'id="order-check"' not in response.content.decode()
    assert 'class="errorlist"' in response.content.decode()


def test_a_lower_limit_saved_on_the_customer_page_opens_the_alert(org, dupont, member_of) -> None:  # type: ignore[no-untyped-def]
    from recouvre.web.customer_forms import CustomerForm

    client = member_of("admin")
    data = {k: ("" if v is None else v) for k, v in CustomerForm.initial_of(dupont).items()}
    data["credit_limit"] = "150 000"
    response = client.post(
        reverse("customer_edit", args=[dupont.pk]), {k: v for k, v in data.items() if v is not False}
    )
    assert response.status_code == 302
    task = Task.objects.get(customer=dupont, state=TaskState.OPEN)
    assert task.kind == "credit_over"
    assert "19 000,00" in task.title.replace("\u202f", " ")
