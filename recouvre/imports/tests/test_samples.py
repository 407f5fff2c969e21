"""A real accounts-receivable export (../shared/samples/ar_latepayment): US dates, camelCase headers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import translation

from recouvre.core.importing import ImportRefused
from recouvre.imports.services import run_import, save_mapping
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice

pytestmark = [pytest.mark.django_db, pytest.mark.samples]
ACTOR = Actor.system("test")


def test_real_receivables_export_with_month_first_dates(org, samples_dir) -> None:  # type: ignore[no-untyped-def]
    path = samples_dir / "ar_latepayment" / "WA_Fn-UseC_-Accounts-Receivable.csv"
    with translation.override("en"), pytest.raises(ImportRefused) as exc:
        run_import(org, "invoices", path, actor=ACTOR, create_customers=True)
    assert "dates are read day first" in exc.value.errors[1].message  # 1/26/2013 cannot be day first

    save_mapping(org, "ar", "invoices", {"issued_on": "InvoiceDate"}, {"dayfirst": False})
    result = run_import(org, "invoices", path, actor=ACTOR, mapping="ar", create_customers=True)

    assert (result.created, result.updated, result.unchanged) == (2466, 0, 0)
    assert result.details["customers"]["created"] == 100
    assert Customer.objects.filter(organization=org).count() == 100
    first = Invoice.objects.get(organization=org, number="0000611365")
    assert (first.customer.ref, first.issued_on, first.due_on, first.total) == (
        "0379-NEVHP",
        date(2013, 1, 2),
        date(2013, 2, 1),
        Decimal("55.94"),
    )
    total = Invoice.objects.filter(organization=org).aggregate(s=Sum("total"))["s"]
    assert Decimal(total).quantize(Decimal("0.01")) == sum(
        (Decimal(line.split(",")[6]) for line in path.read_text().splitlines()[1:]), Decimal("0.00")
    )

    again = run_import(org, "invoices", path, actor=ACTOR, mapping="ar")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2466)
