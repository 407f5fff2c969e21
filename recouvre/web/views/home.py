"""The dashboard: what is owed, what is late, and who owes the most."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from recouvre.core.aging import BUCKET_KEYS
from recouvre.ledger import selectors
from recouvre.reports.exports import bucket_labels
from recouvre.tasks.selectors import open_counts

from ..decorators import member_required
from .common import today


def bucket_rows(buckets: dict) -> tuple[list[dict], object]:  # type: ignore[type-arg]
    """``[{"key", "label", "amount"}]`` in bucket order, and the largest amount (for bar widths)."""
    labels = bucket_labels()
    rows = [{"key": k, "label": labels[k], "amount": buckets[k]} for k in BUCKET_KEYS]
    return rows, max((r["amount"] for r in rows), default=0)


@member_required()
def home(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    as_of = today()
    currency = org.currency
    totals = selectors.receivable_totals(org, as_of, currency)
    overdue_customers, top_overdue = selectors.most_overdue_customers(org, as_of, currency, 10)
    bars, bar_max = bucket_rows(totals["buckets"])
    return render(
        request,
        "web/home.html",
        {
            "as_of": as_of,
            "currency": currency,
            "totals": totals,
            "overdue_customers": overdue_customers,
            "bars": bars,
            "bar_max": bar_max,
            "top_overdue": top_overdue,
            "tasks": open_counts(org, as_of, request.user),
        },
    )
