"""Writes of the late-payment prediction: keep the latest predictions of an organization for the worklist's
priority (``recouvre.tasks.selectors.priorities``), so that a page never trains a model.

Stored by ``recouvre risk predict`` and the forecast page for today, and by the scheduler's daily pass. The rows are
figures derived from the ledger, not facts of it: replacing them leaves no event on a timeline."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from recouvre.ledger.models import Invoice
from recouvre.organizations.models import Organization

from .models import InvoicePrediction, PredictionBasis, PredictionRun

if TYPE_CHECKING:
    from .prediction import Outlook

FOUR = Decimal("0.0001")


def _probability(p: float) -> Decimal:
    return min(Decimal(1), max(Decimal(0), Decimal(repr(p)).quantize(FOUR, rounding=ROUND_HALF_UP)))


def remember_predictions(organization: Organization, result: Outlook) -> int:
    """Replace the organization's stored predictions by ``result``'s, in one transaction; how many invoices."""
    ids = dict(Invoice.objects.filter(organization=organization).values_list("number", "id"))
    rows = [
        InvoicePrediction(
            organization=organization,
            invoice_id=ids[p.key],
            p_late=_probability(p.p_late),
            expected_on=p.expected_on,
        )
        for p in result.predictions
        if p.key in ids
    ]
    with transaction.atomic():
        InvoicePrediction.objects.filter(organization=organization).delete()
        PredictionRun.objects.update_or_create(
            organization=organization,
            defaults={
                "as_of": result.as_of,
                "basis": PredictionBasis.MODEL if result.model.fitted else PredictionBasis.BASELINE,
                "prior": _probability(result.model.prior),
                "computed_at": timezone.now(),
            },
        )
        InvoicePrediction.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
