"""The global search from the top bar: customers, invoices and payments of the current organization."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from recouvre.ledger import selectors

from ..decorators import member_required


@member_required()
def search(request: HttpRequest) -> HttpResponse:
    """``?q=``: a customer's name, account or SIREN, an invoice number, a payment reference, or an amount. A search
    that finds exactly one customer or one invoice opens it."""
    org = request.organization  # type: ignore[attr-defined]
    results = selectors.global_search(org, request.GET.get("q", ""))
    if results.count == 1:
        if results.customers:
            return redirect("customer_detail", pk=results.customers[0].pk)
        if results.invoices:
            return redirect("invoice_detail", pk=results.invoices[0].pk)
    return render(
        request,
        "web/search.html",
        {
            "results": results,
            "limit": selectors.SEARCH_LIMIT,
            # a kind shown only in part: the count is of what is shown, "at least" what exists
            "capped": any(
                len(group) >= selectors.SEARCH_LIMIT
                for group in (results.customers, results.invoices, results.payments)
            ),
            "max_length": selectors.SEARCH_MAX_LENGTH,
            "currency": org.currency,
        },
    )
