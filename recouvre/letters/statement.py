"""The statement of account (*relevé de compte*) of a customer at a date, as a PDF on the organization's letterhead
with the customer's address in the envelope window (``letters/statement.html``), in the customer's language
(French, else English).

What it lists: every open invoice issued by that date (number, date, due date, amount including tax, payments and
credits applied by that date, balance, days overdue, late-payment interest to that date and the 40 EUR indemnity
for professional debtors), the penalties claimed on invoices since paid and still owed, under their own heading
(``recouvre.penalties.selectors.penalties_due``: the invoice, the day it was paid, the interest and indemnity
claimed, what was paid or waived, what is still owed), the customer's unapplied payments and credit notes (a
payment less what of it paid claimed penalties, ``recouvre.penalties.credits``), the totals (principal, interest,
indemnities, less what of the open invoices' claimed penalties was paid or waived, the penalties still owed on
invoices paid, unapplied, balance), the rate basis (each half-year used and its rate) and the legal references.
Interest and indemnities come from ``recouvre.legal.selectors.invoices_interest`` (interest rounded once per
invoice, half-up to the cent); the days of a half-year whose rate is not published yet are stated by their legal
rule in the basis of calculation, the invoice's interest marked ``*`` and the totals *à parfaire*; an invoice
the engine refuses is listed without penalty. A statement made to be sent to the customer prints the customer's
link to the customer portal and its QR code (``portal_url``, passed in by the caller).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string

from recouvre.collections.held import held_invoices, held_label
from recouvre.collections.rendering import (
    format_amount,
    format_date,
    item_label,
    language_of,
    payment_block,
    portal_block,
)
from recouvre.core import lawtexts
from recouvre.core.interest import rate_text
from recouvre.core.raterules import describe_rule
from recouvre.core.ratetables import HalfYear
from recouvre.ledger.models import Customer, Invoice
from recouvre.ledger.selectors import schedules as invoice_schedules
from recouvre.organizations.models import Organization
from recouvre.penalties.credits import unapplied_credits
from recouvre.penalties.selectors import penalties_due, settled_on_open_invoices

from .rendering import MARGINS_MM, WINDOW_MM, postal_address

ZERO = Decimal("0.00")
LABELS = {
    "fr": {
        "title": "RELEVÉ DE COMPTE",
        "at": "au",
        "account": "Votre compte client",
        "cols": (
            "Facture",
            "Date",
            "Échéance",
            "Montant TTC",
            "Règlements et avoirs",
            "Solde",
            "Jours de retard",
            "Intérêts",
            "Indemnité",
        ),
        "totals": "Totaux",
        "unapplied": "Règlements et avoirs non imputés",
        "principal": "Principal restant dû",
        "interest": "Intérêts de retard à ce jour",
        "indemnity": "Indemnités forfaitaires pour frais de recouvrement",
        "less_unapplied": "Moins les règlements et avoirs non imputés",
        "balance": "Solde du compte, pénalités comprises",
        "basis": "Base de calcul",
        "basis_text": "Intérêts simples sur le montant TTC restant dû, du lendemain de l'échéance au {date}, "
        "chaque jour au taux de son semestre, année de 365 jours, arrondis au centime par facture.",
        "half_year": "{half} semestre {year}",
        "halves": ("1er", "2d"),
        "rate": "taux annuel {rate} %",
        "refused": "Intérêts non calculés pour {number} : {reason}.",
        "open": "{half} semestre {year} : taux non encore publié, intérêts à parfaire au {rule}",
        "to_complete": " (à parfaire)",
        "none": "Aucune facture ouverte à cette date.",
        "held": "Factures suspendues, non réclamées à ce jour",
        "payment": "Règlement par virement{iban}, en indiquant la référence {ref}.",
        "iban": " sur le compte IBAN {iban}",
        "penalties_title": "{title} sur factures réglées",
        "penalties_cols": (
            "Facture",
            "Échéance",
            "Réglée le",
            "Intérêts",
            "Indemnité",
            "Réglé ou remis",
            "Reste dû",
        ),
        "settled": "Moins les pénalités déjà réglées ou remises",
        "credits": "Les règlements et avoirs non imputés sont déduits, pour le calcul des intérêts, des factures "
        "échues les plus anciennes, à compter de leur date.",
    },
    "en": {
        "title": "STATEMENT OF ACCOUNT",
        "at": "as of",
        "account": "Your account",
        "cols": (
            "Invoice",
            "Date",
            "Due date",
            "Amount incl. tax",
            "Payments and credits",
            "Balance",
            "Days overdue",
            "Interest",
            "Indemnity",
        ),
        "totals": "Totals",
        "unapplied": "Payments and credits not applied",
        "principal": "Principal still due",
        "interest": "Late-payment interest to date",
        "indemnity": "Fixed recovery indemnities",
        "less_unapplied": "Less payments and credits not applied",
        "balance": "Balance of the account, penalties included",
        "basis": "Basis of calculation",
        "basis_text": "Simple interest on the amount including tax still due, from the day after the due date to "
        "{date}, each day at its half-year's rate, 365-day year, rounded to the cent per invoice.",
        "half_year": "{half} half of {year}",
        "halves": ("First", "Second"),
        "rate": "annual rate {rate}%",
        "refused": "Interest not computed for {number}: {reason}.",
        "open": "{half} half of {year}: rate not yet published, interest to be completed at the {rule}",
        "to_complete": " (to be completed)",
        "none": "No open invoice on this date.",
        "held": "Invoices on hold, not claimed at this date",
        "payment": "Payment by bank transfer{iban}, quoting the reference {ref}.",
        "iban": " to IBAN {iban}",
        "penalties_title": "{title} on invoices paid",
        "penalties_cols": (
            "Invoice",
            "Due date",
            "Paid on",
            "Interest",
            "Indemnity",
            "Paid or waived",
            "Still due",
        ),
        "settled": "Less penalties already paid or waived",
        "credits": "For the interest, payments and credits not applied are deducted from the oldest overdue "
        "invoices first, from their own date.",
    },
}

# A consumer owes interest at the legal rate from the formal notice only (C. civ. 1231-6, 1344-1), never penalties:
# the statement, which counts no interest before a notice, says so instead of a late-payment computation.
CONSUMER_LABELS = {
    "fr": {
        "interest": "Intérêts au taux légal à ce jour",
        "balance": "Solde du compte",
        "basis_text": "Les intérêts au taux légal courent à compter de la mise en demeure (articles 1231-6 et 1344-1 "
        "du Code civil) ; ils ne sont pas comptés sur ce relevé au {date}.",
        "consumer_penalties": "Intérêts au taux légal restant dus",
    },
    "en": {
        "interest": "Interest at the legal rate to date",
        "balance": "Balance of the account",
        "basis_text": "Interest at the legal rate runs from the formal notice (French Civil Code, articles 1231-6 and "
        "1344-1); it is not counted on this statement as of {date}.",
        "consumer_penalties": "Interest at the legal rate still due",
    },
}


@dataclass(frozen=True)
class Statement:
    """The PDF and its euro figures: ``penalties`` is what is still owed of the penalties claimed on invoices
    since paid, ``settled`` what of the open invoices' claimed penalties was paid or waived (taken off)."""

    pdf: bytes
    language: str
    principal: Decimal
    interest: Decimal
    indemnity: Decimal
    unapplied: Decimal
    balance: Decimal
    penalties: Decimal = ZERO
    settled: Decimal = ZERO


def statement_context(
    organization: Organization, customer: Customer, as_of: date, *, portal_url: str = ""
) -> dict[str, Any]:
    from recouvre.legal.selectors import invoices_interest

    lang = language_of(customer.language)
    law = lawtexts.for_customer(customer, lang)
    words = LABELS[lang] if law.penalties else {**LABELS[lang], **CONSUMER_LABELS[lang]}
    invoices = list(
        Invoice.objects.filter(
            organization=organization, customer=customer, open_amount__gt=0, issued_on__lte=as_of
        ).order_by("due_on", "number", "id")
    )
    # invoices on hold (a dispute, a plan, insolvency...) are listed apart: never in the amount claimed
    held = held_invoices(organization.pk, customer.pk, [inv.pk for inv in invoices], as_of)
    held_rows = [
        {
            "number": inv.number,
            "due_on": format_date(inv.due_on, lang),
            "balance": format_amount(inv.open_amount, inv.currency, lang),
            "reason": held_label(held[inv.pk], lang),
        }
        for inv in invoices
        if inv.pk in held
    ]  # an invoice on hold is held whole, all its instalments
    invoices = [inv for inv in invoices if inv.pk not in held]
    computed = invoices_interest(organization, [inv.pk for inv in invoices], as_of)
    schedules = invoice_schedules(organization, [inv.pk for inv in invoices])
    rows = []
    refused = []
    totals: dict[str, dict[str, Decimal]] = {}
    rates: dict[tuple[int, int], set[str]] = {}
    open_rules: dict[tuple[int, int], list[str]] = {}
    incomplete: set[str] = set()
    for inv in invoices:
        result = computed.results.get(inv.pk)
        balance = result.principal if result is not None else inv.open_amount
        interest = result.interest if result is not None else None
        indemnity = result.indemnity if result is not None else None
        if inv.pk in computed.refused:  # the reason in words for the debtor, never the staff's
            refused.append(words["refused"].format(number=inv.number, reason=computed.refused_text(inv.pk, lang)))
        if result is not None:
            for period in result.periods:
                half = HalfYear.of(period.start)
                rates.setdefault((half.year, half.half), set()).add(rate_text(period.rate))
            for gap in result.open_periods:
                half = HalfYear.of(gap.start)
                rule = describe_rule(gap.rule, gap.start, lang)
                found_rules = open_rules.setdefault((half.year, half.half), [])
                if rule not in found_rules:
                    found_rules.append(rule)
            if not result.complete:
                incomplete.add(inv.currency)
        t = totals.setdefault(inv.currency, {"total": ZERO, "paid": ZERO, "balance": ZERO, "i": ZERO, "ind": ZERO})
        t["i"] += interest or ZERO
        t["ind"] += indemnity or ZERO
        interest_text = (
            format_amount(interest, "EUR", lang) + ("" if result is None or result.complete else "*")
            if interest is not None
            else "—"
        )
        indemnity_text = format_amount(indemnity, "EUR", lang) if indemnity is not None else "—"
        # an invoice payable in several instalments: one row per instalment still open (the settled amount settles
        # them oldest first), the invoice's interest and indemnity on its first row
        dues = schedules.get(inv.pk)
        parts = (
            [(inv.number, inv.due_on, inv.total, balance)]
            if dues is None
            else [
                (item_label(inv.number, d.position, d.of, d.due_on, lang), d.due_on, d.amount, open_amount)
                for d in dues
                if (open_amount := d.open_of(inv.total - balance)) > 0
            ]
        )
        for i, (label, due_on, amount, open_amount) in enumerate(parts):
            t["total"] += amount
            t["paid"] += amount - open_amount
            t["balance"] += open_amount
            rows.append(
                {
                    "number": label,
                    "issued_on": format_date(inv.issued_on, lang),
                    "due_on": format_date(due_on, lang),
                    "total": format_amount(amount, inv.currency, lang),
                    "paid": format_amount(amount - open_amount, inv.currency, lang),
                    "balance": format_amount(open_amount, inv.currency, lang),
                    "days": max(0, (as_of - due_on).days),
                    "interest": interest_text if i == 0 else "",
                    "indemnity": indemnity_text if i == 0 else "",
                }
            )
    # what of the penalties claimed on the open invoices listed (those whose penalties are computed) was paid or
    # waived: the interest and indemnity above are to date, so it comes off
    settled: dict[str, Decimal] = {}
    computed_ids = [inv.pk for inv in invoices if inv.pk in computed.results]
    for invoice_id, amount in settled_on_open_invoices(organization.pk, computed_ids, as_of).items():
        cur = next(inv.currency for inv in invoices if inv.pk == invoice_id)
        settled[cur] = settled.get(cur, ZERO) + amount
    # penalties claimed on invoices since paid, still owed: under their own heading, in the total due
    owed = penalties_due(organization.pk, customer.pk, None, as_of, waived=True)
    penalties: dict[str, Decimal] = {}
    penalty_rows = []
    for row in owed:
        penalties[row.currency] = penalties.get(row.currency, ZERO) + row.open
        penalty_rows.append(
            {
                "number": row.number,
                "due_on": format_date(row.due_on, lang),
                "paid_on": format_date(row.paid_on, lang) if row.paid_on else "—",
                "interest": format_amount(row.interest, row.currency, lang),
                "indemnity": format_amount(row.indemnity, row.currency, lang),
                "settled": format_amount(row.paid + row.waived, row.currency, lang),
                "open": format_amount(row.open, row.currency, lang),
            }
        )
    unapplied_rows = []
    unapplied: dict[str, Decimal] = {}
    for credit in unapplied_credits(organization, [customer.pk], on=as_of):
        unapplied_rows.append(
            (format_date(credit.on, lang), credit.reference, format_amount(credit.amount, credit.currency, lang))
        )
        unapplied[credit.currency] = unapplied.get(credit.currency, ZERO) + credit.amount
    summary = []
    for cur in sorted(set(totals) | set(unapplied) | set(penalties)):
        t = totals.get(cur, {"total": ZERO, "paid": ZERO, "balance": ZERO, "i": ZERO, "ind": ZERO})
        u = unapplied.get(cur, ZERO)
        done = settled.get(cur, ZERO)
        owed_penalties = penalties.get(cur, ZERO)
        balance = t["balance"] + t["i"] + t["ind"] - done + owed_penalties - u
        summary.append(
            {
                "currency": cur,
                "total": format_amount(t["total"], cur, lang),
                "paid": format_amount(t["paid"], cur, lang),
                "principal": format_amount(t["balance"], cur, lang),
                "interest": format_amount(t["i"], cur, lang) + (words["to_complete"] if cur in incomplete else ""),
                "interest_cell": format_amount(t["i"], cur, lang) + ("*" if cur in incomplete else ""),
                "indemnity": format_amount(t["ind"], cur, lang),
                "settled": format_amount(-done, cur, lang) if done else "",
                "penalties": format_amount(owed_penalties, cur, lang) if owed_penalties else "",
                "unapplied": format_amount(-u, cur, lang),
                "balance": format_amount(balance, cur, lang) + (words["to_complete"] if cur in incomplete else ""),
                "raw": (t["balance"], t["i"], t["ind"], u, balance, owed_penalties, done),
            }
        )
    basis = [
        words["half_year"].format(half=words["halves"][half - 1], year=year)
        + " : "
        + " / ".join(words["rate"].format(rate=r.replace(".", ",") if lang == "fr" else r) for r in sorted(found))
        for (year, half), found in sorted(rates.items())
    ]
    if not law.penalties:  # a consumer: the basis says interest runs from the notice, not why it was not computed
        refused = []
    basis += [
        "* " + words["open"].format(half=words["halves"][half - 1], year=year, rule=rule)
        for (year, half), rules in sorted(open_rules.items())
        for rule in rules
    ]
    if any(note.code == "unapplied_credits" for result in computed.results.values() for note in result.notes):
        basis.append(words["credits"])
    org_address = [line for line in (organization.address_line1, organization.address_line2) if line]
    if organization.postal_code or organization.city:
        org_address.append(f"{organization.postal_code} {organization.city}".strip())
    iban = words["iban"].format(iban=organization.iban) if organization.iban else ""
    balances = {s["currency"]: s["raw"][4] for s in summary}
    return {
        "w": words,
        "language": lang,
        "organization": organization,
        "org_address": org_address,
        "customer": customer,
        "address": postal_address(customer, lang),
        "date": format_date(as_of, lang),
        "place": organization.city,
        "rows": rows,
        "summary": summary,
        "unapplied_rows": unapplied_rows,
        "held_rows": held_rows,
        "penalty_rows": penalty_rows,
        "penalties_title": words["penalties_title"].format(
            title=law.penalties_due_title if law.penalties else words["consumer_penalties"]
        ),
        "basis": basis,
        "basis_text": words["basis_text"].format(date=format_date(as_of, lang)),
        "refused": refused,
        "references": law.statement_references,
        "indemnity": law.indemnity,  # a consumer owes no 40 EUR: no indemnity column nor total
        "cols": words["cols"] if law.indemnity else words["cols"][:-1],
        "legal_mentions": lawtexts.mentions_for(organization.legal_mentions, law.debtor),
        "payment": words["payment"].format(iban=iban, ref=customer.ref),
        "payment_block": payment_block(organization, customer, balances, lang),
        "portal": portal_block(portal_url, lang),
        "reference": customer.ref,
        "window": dict(zip(("left", "top", "width", "height"), WINDOW_MM, strict=True)),
        "window_in_page_area": {
            "left": WINDOW_MM[0] - MARGINS_MM[3],
            "top": WINDOW_MM[1] - MARGINS_MM[0],
            "bottom": WINDOW_MM[1] + WINDOW_MM[3] - MARGINS_MM[0],
        },
        "margins": dict(zip(("top", "right", "bottom", "left"), MARGINS_MM, strict=True)),
        "numbered": True,
    }


def render_statement(organization: Organization, customer: Customer, as_of: date, *, portal_url: str = "") -> Statement:
    """The statement of account of ``customer`` at ``as_of`` (nothing is written), printing ``portal_url`` (the
    customer's link to the portal, with its QR code) when given: a statement made to be sent to the customer."""
    from recouvre.documents.pdf import html_to_pdf

    context = statement_context(organization, customer, as_of, portal_url=portal_url)
    pdf = html_to_pdf(render_to_string("letters/statement.html", context))
    eur = next((s["raw"] for s in context["summary"] if s["currency"] == "EUR"), (ZERO,) * 7)
    principal, interest, indemnity, unapplied, balance, penalties, settled = eur
    return Statement(pdf, context["language"], principal, interest, indemnity, unapplied, balance, penalties, settled)
