"""The deadlines of open court proceedings, for the worklist's "Deadlines" panel.

``deadlines(organization, today)`` gives, for each open injonction de payer, the last day to serve the order
(until it is served) and the last day for the debtor to oppose it (once served, until it is opposed or enforcement
starts), from 30 days before (alerts at 30, 15 and 7 days) and once overdue."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from recouvre.core.deadlines import Deadline
from recouvre.core.routes import ALERT_DAYS, alert_step
from recouvre.organizations.models import Organization

from .models import Proceeding, ProceedingRoute, ProceedingStatus

KIND = "proceedings"
WATCH_DAYS = max(ALERT_DAYS)


def deadlines(organization: Organization, today: date) -> list[Deadline]:
    out: list[Deadline] = []
    rows = Proceeding.objects.filter(
        organization=organization, closed_on__isnull=True, route=ProceedingRoute.INJONCTION, order_on__isnull=False
    ).select_related("customer")
    for p in rows:
        url = reverse("customer_detail", args=[p.customer_id]) + "#legal-route"
        due: date | None
        if p.served_on is None:
            if p.status == ProceedingStatus.REJECTED:
                continue
            due = p.service_deadline
            label = _("Have the order for payment against %(customer)s served (it lapses after this day)") % {
                "customer": p.customer.name
            }
        elif p.status not in (ProceedingStatus.OPPOSED, ProceedingStatus.ENFORCEMENT, ProceedingStatus.REJECTED):
            due = p.opposition_deadline
            label = _("End of %(customer)s's time to oppose the order for payment: enforce from the next day") % {
                "customer": p.customer.name
            }
        else:
            continue
        if due is None:
            continue
        step = alert_step(due, today)
        if not step:
            continue
        out.append(Deadline(kind=KIND, due_on=due, customer_id=p.customer_id, label=label, url=url, alert=step))
    out.sort(key=lambda d: (d.due_on, d.customer_id))
    return out
