"""With enough history (20 customers, 24 invoices each over a year, a third of them paying late), the model is
trained and validated: ``recouvre risk train`` gives its figures beside the baseline's, ``risk predict`` ranks the
late payers' invoices above the others', and the forecast page shows the model's check and the 90 % interval."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from recouvre.cli import main
from recouvre.ledger import services as ledger
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Invoice
from recouvre.testing.factories import CustomerFactory, InvoiceFactory, MembershipFactory, PaymentFactory

pytestmark = pytest.mark.django_db
ME = Actor.system("test")
AS_OF = date(2025, 3, 1)


@pytest.fixture
def year_of_history(org, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RECOUVRE_LANGUAGE", "en")
    rnd = random.Random(3)
    for c in range(20):
        slow = c % 3 == 0
        customer = CustomerFactory(organization=org, ref=f"411C{c:02d}", name=f"Client {c:02d}")
        for k in range(24):
            issued = date(2024, 3, 1) + timedelta(days=15 * k + rnd.randrange(0, 5))
            invoice = InvoiceFactory(
                customer=customer, number=f"F{c:02d}-{k:02d}", issued_on=issued, total=Decimal(rnd.randrange(100, 900))
            )
            if slow or rnd.random() < 0.1:
                paid = invoice.due_on + timedelta(days=rnd.randrange(10, 26))
            else:
                paid = issued + timedelta(days=rnd.randrange(5, 29))
            if paid <= AS_OF:
                payment = PaymentFactory(
                    customer=customer, received_on=paid, amount=invoice.total, source_key=f"p-{invoice.number}"
                )
                ledger.allocate(ME, invoice=invoice, payment=payment, amount=invoice.total)
    return org


def test_train_and_predict_with_enough_history(year_of_history, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["risk", "train", "--as-of", AS_OF.isoformat(), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["model"] == "logistic_regression" and figures["note"] == ""
    assert figures["trained_on"] > 300 and figures["validated_on"] > 50
    assert figures["auc"] > 0.8 and figures["baseline_auc"] is not None
    assert figures["mae_days"] is not None and figures["baseline_mae_days"] is not None

    assert main(["risk", "predict", "--as-of", AS_OF.isoformat(), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    not_due = [i for i in out["invoices"] if not i["overdue"]]
    slow = [i["p_late"] for i in not_due if int(i["customer_ref"][4:]) % 3 == 0]
    fast = [i["p_late"] for i in not_due if int(i["customer_ref"][4:]) % 3 != 0]
    assert slow and fast and sum(slow) / len(slow) > 0.5 > sum(fast) / len(fast)
    assert all(i["reasons"] and i["expected_payment_date"] > AS_OF.isoformat() for i in out["invoices"])


def test_forecast_page_shows_the_check_and_the_interval(year_of_history) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(MembershipFactory(organization=year_of_history, role="viewer").user)
    with time_machine.travel(datetime(2025, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        response = client.get(reverse("forecast"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="forecast-model"' in html and 'id="forecast-note"' not in html
    assert response.context["interval"]
    weeks = response.context["weeks"]
    assert all(w.low <= w.expected <= w.high for w in weeks)
    open_total = sum(
        (i.open_amount for i in Invoice.objects.filter(organization=year_of_history, issued_on__lte=AS_OF)),
        Decimal("0.00"),
    )
    assert sum(w.expected for w in weeks) + response.context["later"] == response.context["total"] == open_total
