"""The credit insurance declarations to make, for the worklist's "Deadlines" panel and ``recouvre deadlines``:
kind ``insurance_declaration``, due on the last day to declare a covered invoice still unpaid to the insurer
(``recouvre.core.insurance.declaration_deadline``), listed from ``SOON_DAYS`` days before it (alert ``soon``) and
after it until declared (alert ``overdue``). A declared invoice, or one paid, leaves the list."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from recouvre.core import insurance as core
from recouvre.core.deadlines import Deadline
from recouvre.organizations.models import Organization

from .insurance_selectors import covered_invoices

INSURANCE_DECLARATION = "insurance_declaration"


def deadlines(organization: Organization, today: date) -> list[Deadline]:
    out = []
    # A deadline is never before the due date: an invoice due more than SOON_DAYS days ahead cannot be listed yet.
    for item in covered_invoices(organization, today, due_until=today + timedelta(days=core.SOON_DAYS)):
        if item.status not in (core.SOON, core.OVERDUE):
            continue
        values = {
            "number": item.invoice.number,
            "insurer": item.cover.policy.insurer,
            "policy": item.cover.policy.number,
            "date": date_format(item.deadline, "DATE_FORMAT"),
        }
        if item.status == core.OVERDUE:
            label = (
                _(
                    "Invoice %(number)s should have been declared to %(insurer)s (policy %(policy)s) by %(date)s: "
                    "declare it now, the cover may be lost."
                )
                % values
            )
        else:
            label = (
                _("Declare invoice %(number)s to %(insurer)s (policy %(policy)s) by %(date)s if it is still unpaid.")
                % values
            )
        out.append(
            Deadline(
                kind=INSURANCE_DECLARATION,
                due_on=item.deadline,
                customer_id=item.invoice.customer_id,
                label=label,
                url=reverse("customer_detail", args=[item.invoice.customer_id]) + "#insurance",
                invoice_id=item.invoice.pk,
                alert=item.status,
            )
        )
    return out
