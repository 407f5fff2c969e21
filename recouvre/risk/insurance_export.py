"""The data of a credit insurance declaration, as CSV: one row per covered open invoice past its due date (or
declared), with the insurer, the policy, the debtor's identity, the invoice, the debtor's first unpaid due date, the
insured limit, the invoice's insured share and what was declared. Headers in the active language; text a
spreadsheet could read as a formula gets a leading ``'`` (``recouvre.reports.exports.csv_safe``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.utils.translation import gettext as _

from recouvre.core import insurance as core
from recouvre.organizations.models import Organization
from recouvre.reports.exports import PLAIN, CsvStyle, Writable, csv_safe, csv_writer, number_cell

from .insurance_selectors import CoveredInvoice, covered_invoices


def header() -> list[str]:
    return [
        _("Insurer"),
        _("Policy number"),
        _("Account"),
        _("Debtor"),
        _("SIREN"),
        _("Address"),
        _("Invoice"),
        _("Issue date"),
        _("Due date"),
        _("Amount"),
        _("Open amount"),
        _("Currency"),
        _("First unpaid due date"),
        _("Insured limit"),
        _("Insured share"),
        _("Declaration deadline"),
        _("Status"),
        _("Declared on"),
        _("Declaration reference"),
        _("Amount declared"),
    ]


def status_labels() -> dict[str, str]:
    return {
        core.DECLARED: _("declared"),
        core.OVERDUE: _("overdue to declare"),
        core.SOON: _("to declare soon"),
        core.PENDING: _("not yet to declare"),
    }


def declaration_items(
    organization: Organization, as_of: date, *, customer_id: int | None = None
) -> list[CoveredInvoice]:
    """The covered open invoices past due on ``as_of`` or declared, by customer then due date."""
    items = [
        i
        for i in covered_invoices(organization, as_of, customer_id=customer_id)
        if i.invoice.due_on < as_of or i.declaration
    ]
    return sorted(
        items, key=lambda i: (i.invoice.customer.name, i.invoice.customer_id, i.invoice.due_on, i.invoice.number)
    )


def _address(customer: object) -> str:
    parts = [getattr(customer, f, "") for f in ("address_line1", "address_line2")]
    place = " ".join(p for p in (getattr(customer, "postal_code", ""), getattr(customer, "city", "")) if p)
    return ", ".join(p for p in [*parts, place, getattr(customer, "country", "")] if p)


def rows(items: list[CoveredInvoice]) -> Iterator[list[str]]:
    first_unpaid: dict[int, date] = {}
    for i in items:
        cid = i.invoice.customer_id
        first_unpaid[cid] = min(first_unpaid.get(cid, i.invoice.due_on), i.invoice.due_on)
    labels = status_labels()
    for i in items:
        inv, cover, c, d = i.invoice, i.cover, i.invoice.customer, i.declaration
        yield [
            csv_safe(cover.policy.insurer),
            csv_safe(cover.policy.number),
            csv_safe(c.ref),
            csv_safe(c.registered_name or c.name),
            c.siren,
            csv_safe(_address(c)),
            csv_safe(inv.number),
            inv.issued_on.isoformat(),
            inv.due_on.isoformat(),
            str(inv.total),
            str(i.open_amount),
            inv.currency,
            first_unpaid[inv.customer_id].isoformat(),
            str(cover.limit),
            str(i.insured_share),
            i.deadline.isoformat(),
            labels[i.status],
            d.declared_on.isoformat() if d else "",
            csv_safe(d.reference) if d else "",
            str(d.amount) if d else "",
        ]


AMOUNT_COLUMNS = (9, 10, 13, 14, 19)


def write_csv(out: Writable, items: list[CoveredInvoice], style: CsvStyle = PLAIN) -> None:
    """The header and a row per invoice; the amounts written in ``style``."""
    writer = csv_writer(out, style)
    writer.writerow(header())
    for row in rows(items):
        writer.writerow([number_cell(v, style) if i in AMOUNT_COLUMNS else v for i, v in enumerate(row)])
