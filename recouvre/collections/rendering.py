"""The e-mail of an outbox action: subject, plain text and HTML, in the customer's language (French or English).

Templates are ``collections/email/<language>.{subject,txt,html}``; the step's template key (``courtesy``,
``reminder``, ``firm``, ...) chooses the wording inside them. Amounts and dates are written the way the language
writes them. The invoices listed are the action's lines with their open amounts as they are when the message is
produced (an invoice paid in full since planning is left out).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string

LANGUAGES = ("fr", "en")
TEMPLATE_KEYS = ("courtesy", "reminder", "firm", "formal_notice")
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def language_of(customer_language: str) -> str:
    """``fr`` or ``en``: the customer's language when the project has templates for it, English otherwise."""
    code = (customer_language or "").lower().split("-")[0].split("_")[0]
    return code if code in LANGUAGES else "en"


def format_amount(amount: Decimal, currency: str, language: str) -> str:
    """``1 234,56 €`` in French (narrow no-break space between thousands, no-break space before the symbol),
    ``€1,234.56`` in English; currencies without a symbol here are written with their code."""
    quantized = amount.quantize(Decimal("0.01"))
    sign = "-" if quantized < 0 else ""
    whole, cents = f"{abs(quantized):.2f}".split(".")
    groups = f"{int(whole):,}"
    symbol = _SYMBOLS.get(currency)
    if language == "fr":
        number = f"{sign}{groups.replace(',', '\u202f')},{cents}"
        return f"{number}\u00a0{symbol or currency}"
    number = f"{groups}.{cents}"
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


def format_date(day: date, language: str) -> str:
    if language == "fr":
        return day.strftime("%d/%m/%Y")
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class Line:
    number: str
    due_on: date
    days_overdue: int
    open_amount: Decimal
    currency: str


@dataclass(frozen=True)
class RenderedEmail:
    language: str
    subject: str
    text: str
    html: str


def render_email(
    *,
    template: str,
    language: str,
    organization: Any,
    customer: Any,
    lines: list[Line],
    unapplied: dict[str, Decimal],
    deadline_on: date | None,
    reply_to_name: str = "",
) -> RenderedEmail:
    """Render the e-mail of one action. ``template`` is the step's template key (unknown keys are written as a
    reminder); ``unapplied`` the customer's unapplied credits per currency."""
    lang = language_of(language)
    key = template if template in TEMPLATE_KEYS else "reminder"
    totals: dict[str, Decimal] = {}
    for ln in lines:
        totals[ln.currency] = totals.get(ln.currency, Decimal("0")) + ln.open_amount
    context = {
        "key": key,
        "organization": organization,
        "customer": customer,
        "lines": [
            {
                "number": ln.number,
                "due_on": format_date(ln.due_on, lang),
                "days_overdue": ln.days_overdue,
                "overdue": ln.days_overdue > 0,
                "open_amount": format_amount(ln.open_amount, ln.currency, lang),
            }
            for ln in lines
        ],
        "totals": [format_amount(amount, cur, lang) for cur, amount in sorted(totals.items())],
        "unapplied": [format_amount(amount, cur, lang) for cur, amount in sorted(unapplied.items()) if amount > 0],
        "deadline_on": format_date(deadline_on, lang) if deadline_on else "",
        "reference": customer.ref,
        "reply_to_name": reply_to_name,
    }
    base = f"collections/email/{lang}"
    subject = " ".join(render_to_string(f"{base}.subject", context).split())
    return RenderedEmail(
        lang, subject, render_to_string(f"{base}.txt", context), render_to_string(f"{base}.html", context)
    )
