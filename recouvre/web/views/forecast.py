"""The cash-in forecast and the late-payment prediction on screen: 13 weeks of expected cash-in with their interval,
and the open invoices in order of priority with their probability of late payment, expected date and reasons. The
model is trained on the organization's history each time the page is asked for (``recouvre.risk.prediction``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from recouvre.reports.selectors import currencies_in_use

from ..decorators import member_required
from ..forms import AgingForm
from .common import today

TOP = 50  # invoices listed by priority


@member_required()
def forecast(request: HttpRequest) -> HttpResponse:
    # numpy and scikit-learn are loaded by this page only, never when the web app starts
    from recouvre.core import prediction as core
    from recouvre.risk.prediction import outlook

    org = request.organization  # type: ignore[attr-defined]
    currencies = currencies_in_use(org) or [org.currency]
    form = AgingForm(request.GET or None, currencies=currencies)
    as_of: date = today()
    currency: str = org.currency
    if form.is_bound and form.is_valid():
        as_of = form.cleaned_data["as_of"] or as_of
        currency = form.cleaned_data["currency"] or currency
    if not form.is_bound:
        form = AgingForm(initial={"as_of": as_of, "currency": currency}, currencies=currencies)
    result = outlook(org, as_of)
    records = {r.key: r for r in result.records}
    items = []
    for p in result.predictions:
        record = records[p.key]
        if record.currency != currency or not record.open_amount:
            continue
        days_overdue = max(0, (as_of - record.due_on).days)
        items.append(
            {
                "prediction": p,
                "record": record,
                "percent": round(p.p_late * 100),
                "priority": core.priority(record.open_amount, p.p_late, days_overdue),
                "priority_reason": core.priority_reason(record.open_amount, p.p_late, days_overdue),
            }
        )
    weeks, later = core.cash_forecast(
        [(i["record"].open_amount, i["prediction"].expected_on) for i in items], as_of, result.model.residuals
    )
    if as_of == today():
        from recouvre.reports.dashboard import remember_forecast
        from recouvre.risk.services import remember_predictions

        remember_forecast(org, as_of, currency, [(w.starts_on, w.ends_on, w.expected) for w in weeks])
        remember_predictions(org, result)  # the worklist's priority reads them
    items.sort(key=lambda i: (-i["priority"], i["record"].due_on, i["record"].key))
    return render(
        request,
        "web/forecast.html",
        {
            "form": form,
            "as_of": as_of,
            "currency": currency,
            "model": result.model,
            "metrics": result.model.metrics,
            "validated": result.model.metrics.get("auc") is not None,
            "weeks": weeks,
            "later": later,
            "total": sum((w.expected for w in weeks), Decimal("0.00")) + later,
            "interval": bool(result.model.residuals),
            "items": items[:TOP],
            "count": len(items),
            "several_currencies": len(currencies) > 1,
        },
    )
