"""Late-payment prediction for an organization: read its history as of a date, train (or fall back to the
baseline, saying why), predict every open invoice, forecast the cash-in. The model is trained again on each call:
at an organization's size it takes seconds, and nothing trained is stored (no model file to trust or to
tamper with)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from recouvre.core import prediction as core
from recouvre.organizations.models import Organization
from recouvre.risk.selectors import invoice_history


@dataclass(frozen=True, slots=True)
class Outlook:
    as_of: date
    model: core.Model
    records: list[core.InvoiceRecord]
    predictions: list[core.Prediction]


def train(organization: Organization, as_of: date) -> core.Model:
    return core.train(invoice_history(organization, as_of), as_of)


def training_report(model: core.Model) -> dict[str, Any]:
    """The figures of ``recouvre risk train --json``."""
    m = model.metrics
    return {
        "as_of": model.trained_on.isoformat(),
        "model": "logistic_regression" if model.fitted else "baseline",
        "note": model.note,
        "trained_on": m.get("trained_on", 0),
        "validated_on": m.get("validated_on", 0),
        "auc": m.get("auc"),
        "brier": m.get("brier"),
        "baseline_auc": m.get("baseline_auc"),
        "baseline_brier": m.get("baseline_brier"),
        "mae_days": m.get("mae_days"),
        "baseline_mae_days": m.get("baseline_mae_days"),
    }


def outlook(organization: Organization, as_of: date) -> Outlook:
    records = invoice_history(organization, as_of)
    model = core.train(records, as_of)
    return Outlook(as_of, model, records, core.predict(model, records, as_of))


def predictions_report(result: Outlook) -> dict[str, Any]:
    """The figures of ``recouvre risk predict --json``; ``priority``: open amount × probability × age."""
    open_amounts = {r.key: r.open_amount or Decimal("0.00") for r in result.records}
    due = {r.key: r.due_on for r in result.records}

    def overdue_days(key: str) -> int:
        return max(0, (result.as_of - due[key]).days)

    return {
        "as_of": result.as_of.isoformat(),
        "model": "logistic_regression" if result.model.fitted else "baseline",
        "note": result.model.note,
        "invoices": [
            {
                "number": p.key,
                "customer_ref": p.customer,
                "p_late": p.p_late,
                "overdue": p.overdue,
                "expected_payment_date": p.expected_on.isoformat(),
                "reasons": list(p.reasons),
                "open_amount": str(open_amounts[p.key]),
                "priority": str(core.priority(open_amounts[p.key], p.p_late, overdue_days(p.key))),
                "priority_reason": core.priority_reason(open_amounts[p.key], p.p_late, overdue_days(p.key)),
            }
            for p in result.predictions
        ],
    }


def forecast_report(result: Outlook, currency: str) -> dict[str, Any]:
    """The figures of ``recouvre report forecast --json``: 13 weeks of expected cash-in in ``currency`` (the
    invoices in that currency) with a 90 % interval."""
    open_amounts = {r.key: r.open_amount or Decimal("0.00") for r in result.records if r.currency == currency}
    items = [(open_amounts[p.key], p.expected_on) for p in result.predictions if open_amounts.get(p.key, 0) > 0]
    weeks, later = core.cash_forecast(items, result.as_of, result.model.residuals)
    return {
        "as_of": result.as_of.isoformat(),
        "model": "logistic_regression" if result.model.fitted else "baseline",
        "note": result.model.note,
        "currency": currency,
        "interval": "90%" if result.model.residuals else "none",
        "open_total": str(sum((a for a, _ in items), Decimal("0.00"))),
        "weeks": [
            {
                "starts_on": w.starts_on.isoformat(),
                "ends_on": w.ends_on.isoformat(),
                "expected": str(w.expected),
                "low": str(w.low),
                "high": str(w.high),
            }
            for w in weeks
        ],
        "later": str(later),
    }
