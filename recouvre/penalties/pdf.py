"""The PDF of a penalty invoice (*facture de pénalités*), on the letters' letterhead and address window
(``recouvre.letters.rendering``), in the customer's language (French, else English).

Mentions: the creditor's identity (name, legal form, address, SIREN, SIRET, VAT number), the customer's, the number
and date, for each invoice the claimed interest (period, rate) and the 40 EUR indemnity with the articles of the
debtor's law (``recouvre.core.lawtexts``: C. com. L441-10 II and D441-5 for a business, CCP L2192-13, R2192-31 and
D2192-35 for a public buyer; a consumer never gets a penalty invoice), the total, "not subject to VAT" (penalties
and the indemnity are damages, not the price of a sale), the payment instructions, and the organization's legal
mentions for that debtor at the foot (``lawtexts.mentions_for``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import translation

from recouvre.collections.rendering import format_amount, format_date, language_of
from recouvre.core import lawtexts
from recouvre.documents.pdf import html_to_pdf
from recouvre.ledger.models import Customer
from recouvre.letters.rendering import MARGINS_MM, WINDOW_MM, postal_address
from recouvre.organizations.models import Organization

from .models import PenaltyClaim


def _rate(text: str, lang: str) -> str:
    return (text.replace(".", ",") if lang == "fr" else text) + "\u00a0%"


def render_penalty_invoice(
    organization: Organization,
    customer: Customer,
    *,
    number: str,
    issued_on: date,
    claims: list[PenaltyClaim],
    total: Decimal,
) -> bytes:
    lang = language_of(customer.language)
    law = lawtexts.for_customer(customer, lang)
    if not law.penalty_invoice:
        raise ValueError("a consumer owes no late-payment penalties nor the 40 EUR indemnity: no penalty invoice")
    org_address = [line for line in (organization.address_line1, organization.address_line2) if line]
    if organization.postal_code or organization.city:
        org_address.append(f"{organization.postal_code} {organization.city}".strip())
    address = postal_address(customer, lang) or [customer.name]
    lines = []
    for claim in claims:
        periods = claim.basis.get("periods", [])
        lines.append(
            {
                "invoice": claim.invoice.number,
                "due_on": format_date(claim.invoice.due_on, lang),
                "principal": format_amount(claim.invoice.total, claim.currency, lang),
                "interest_from": format_date(claim.interest_from, lang) if claim.interest_from else "",
                "interest_to": format_date(claim.interest_to, lang),
                "rates": ", ".join(dict.fromkeys(_rate(p["rate"], lang) for p in periods)),
                "interest": format_amount(claim.interest, claim.currency, lang),
                "indemnity": format_amount(claim.indemnity, claim.currency, lang) if claim.indemnity else "",
                "extra_costs": format_amount(claim.extra_costs, claim.currency, lang) if claim.extra_costs else "",
                "paid": format_amount(claim.paid_amount + claim.waived_amount, claim.currency, lang)
                if claim.paid_amount or claim.waived_amount
                else "",
                "open": format_amount(claim.open_amount, claim.currency, lang),
                # days after the claim whose rate was not published: their rule, in words (to be completed)
                "open_rules": claim.basis.get("open_rules", {}).get(lang, []),
            }
        )
    context = {
        "law": law,
        "legal_mentions": lawtexts.mentions_for(organization.legal_mentions, law.debtor),
        "organization": organization,
        "org_address": org_address,
        "customer": customer,
        "address": address,
        "number": number,
        "place": organization.city,
        "date": format_date(issued_on, lang),
        "lines": lines,
        "total": format_amount(total, claims[0].currency, lang),
        "reference": customer.ref,
        "window": dict(zip(("left", "top", "width", "height"), WINDOW_MM, strict=True)),
        "window_in_page_area": {
            "left": WINDOW_MM[0] - MARGINS_MM[3],
            "top": WINDOW_MM[1] - MARGINS_MM[0],
            "bottom": WINDOW_MM[1] + WINDOW_MM[3] - MARGINS_MM[0],
        },
        "margins": dict(zip(("top", "right", "bottom", "left"), MARGINS_MM, strict=True)),
        "numbered": False,
    }
    with translation.override(lang):
        html = render_to_string(f"penalties/invoice_{lang}.html", context)
    return html_to_pdf(html)
