"""The dated deadlines of French law an organization must keep, for the worklist's "Deadlines" panel and
``recouvre deadlines``:

- ``prescription``: an open invoice whose limitation date is 6 months away or less (alerts "6m", "3m", "1m") or has
  passed ("overdue");
- ``insolvency_declaration``: the claim not yet declared in insolvency proceedings (alerts "open", "15d", "7d",
  "overdue"), and once that date has passed, ``insolvency_relief``: the last day to ask for relief from foreclosure;
- ``retention_of_title``: goods sold under a retention-of-title clause are claimed within 3 months of the BODACC
  publication of the opening judgment (C. com. L624-9);
- over-indebtedness (no judgment, nothing published: no claim declaration, no retention of title):
  ``over_indebtedness_statement``, 30 days to contest the statement of debts sent by the commission (C. conso
  R723-3), and ``personal_recovery_declaration``, 2 months to declare the claim after a *rétablissement personnel
  avec liquidation judiciaire* published at the BODACC;
- ``guarantor_notice``: a guarantor who is a natural person is informed of the debtor's first payment incident not
  remedied, within a month of its due date as C. civ. 2303 reads (``LegalSettings.guarantor_notice_months``, to be
  checked with counsel), until a user records it was done. A retention-of-title clause recorded as a security says
  so on the retention-of-title deadline.

A passed deadline stays ``SHOWN_AFTER_DAYS`` days on the panel, marked overdue (the declaration, until declared).

These are deadlines the organization keeps before a court or a court officer: they are on the French calendar
(``FRANCE``) even for an organization on the Alsace-Moselle calendar (``collections.selectors.calendar_for``), as
the court may sit elsewhere and the French calendar never ends a deadline later than a local one.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from recouvre.core import insolvency as core_insolvency
from recouvre.core import prescription as core
from recouvre.core.deadlines import Deadline
from recouvre.organizations.models import Organization

from .models import InsolvencyProcedure
from .prescription import DEBTOR_OF_CUSTOMER, invoices_prescription, options


def prescription_deadlines(organization: Organization, today: date) -> list[Deadline]:
    opts = options(organization)
    # A limit within 6 months needs a period that started at most (the debtor's period - 6 months) ago; interruptions
    # only push limits later, so older invoices are the only candidates (a public body's four years at least).
    soon = core.add_months(today, 6)
    margin = timedelta(days=opts.performance_margin_days)
    issued_until = {
        kind: core.add_years(soon, -min(core.years_for(debtor, opts), 4 if kind == "public" else 99)) + margin
        for kind, debtor in DEBTOR_OF_CUSTOMER.items()
    }
    out = []
    for item in invoices_prescription(organization, issued_until_by_kind=issued_until):
        limit = item.result.limit_on
        alert = item.result.alert(today)
        if limit is None or not alert:
            continue
        when = date_format(limit, "DATE_FORMAT")
        if alert == "overdue":
            label = _(
                "Invoice %(number)s was time-barred on %(date)s: check for an interruption not recorded, or write "
                "it off."
            ) % {"number": item.number, "date": when}
        else:
            label = _(
                "Invoice %(number)s becomes time-barred on %(date)s: obtain an acknowledgment or a payment plan, or "
                "go to court before then."
            ) % {"number": item.number, "date": when}
        out.append(
            Deadline(
                kind="prescription",
                due_on=limit,
                customer_id=item.customer_id,
                label=label,
                url=reverse("invoice_detail", args=[item.invoice_id]) + "#legal",
                invoice_id=item.invoice_id,
                alert=alert,
            )
        )
    return out


# A deadline that passed stays on the panel this many days, marked overdue, then leaves it.
SHOWN_AFTER_DAYS = 30


def insolvency_deadlines(organization: Organization, today: date) -> list[Deadline]:
    out = []
    live = (
        InsolvencyProcedure.objects.filter(organization=organization, closed_on__isnull=True)
        .exclude(state="dismissed")
        .order_by("judgment_on", "id")
    )
    from .securities import securities_of

    titled = dict(
        securities_of(organization)
        .filter(kind="retention_of_title", customer_id__in=[p.customer_id for p in live])
        .values_list("customer_id", "notes")
    )
    for p in live:
        url = reverse("customer_detail", args=[p.customer_id]) + "#legal"
        if p.over_indebtedness:
            out += _over_indebtedness_deadlines(p, today, url)
            continue
        if p.published_on is not None:
            title = core_insolvency.retention_of_title_deadline(p.published_on)
            if (today - title).days <= SHOWN_AFTER_DAYS:
                out.append(
                    Deadline(
                        kind="retention_of_title",
                        due_on=title,
                        customer_id=p.customer_id,
                        label=(
                            _(
                                "A retention-of-title clause is recorded for this customer: claim the goods from the "
                                "court officer within 3 months of the BODACC of %(published)s (C. com. L624-9)."
                            )
                            if p.customer_id in titled
                            else _(
                                "Goods sold under a retention-of-title clause: claim them from the court officer "
                                "within 3 months of the BODACC of %(published)s (C. com. L624-9)."
                            )
                        )
                        % {"published": date_format(p.published_on, "DATE_FORMAT")},
                        url=url,
                        alert=core_insolvency.deadline_alert(title, today),
                    )
                )
        if p.declared_on is not None or p.declaration_due_on is None or p.published_on is None:
            continue
        alert = core.declaration_alert(p.declaration_due_on, today, declared=False)
        out.append(
            Deadline(
                kind="insolvency_declaration",
                due_on=p.declaration_due_on,
                customer_id=p.customer_id,
                label=_("Declare the claim to %(officer)s (%(procedure)s, BODACC of %(published)s).")
                % {
                    "officer": p.officer_name or _("the court officer"),
                    "procedure": p.get_kind_display(),
                    "published": date_format(p.published_on, "DATE_FORMAT"),
                },
                url=url,
                alert=alert,
            )
        )
        if alert == "overdue":
            relief = core.foreclosure_relief_deadline(p.published_on)
            out.append(
                Deadline(
                    kind="insolvency_relief",
                    due_on=relief,
                    customer_id=p.customer_id,
                    label=_(
                        "The declaration deadline has passed: ask the juge-commissaire for relief from foreclosure "
                        "(L622-26), then declare."
                    ),
                    url=url,
                    alert="overdue" if today > relief else "open",
                )
            )
    return out


def _over_indebtedness_deadlines(p: InsolvencyProcedure, today: date, url: str) -> list[Deadline]:
    """The consumer's over-indebtedness: contest the statement of debts, and declare the claim after a personal
    recovery with liquidation published at the BODACC (no claim declaration, no retention of title otherwise)."""
    out = []
    if p.debt_statement_received_on is not None:
        contest = core_insolvency.debt_statement_contest_deadline(p.debt_statement_received_on)
        if (today - contest).days <= SHOWN_AFTER_DAYS:
            out.append(
                Deadline(
                    kind="over_indebtedness_statement",
                    due_on=contest,
                    customer_id=p.customer_id,
                    label=_(
                        "Over-indebtedness: check the statement of debts received on %(received)s from the "
                        "commission and contest it within 30 days if it is wrong (C. conso R723-3)."
                    )
                    % {"received": date_format(p.debt_statement_received_on, "DATE_FORMAT")},
                    url=url,
                    alert=core_insolvency.deadline_alert(contest, today),
                )
            )
    if p.personal_recovery_published_on is not None and p.declaration_due_on is not None and p.declared_on is None:
        out.append(
            Deadline(
                kind="personal_recovery_declaration",
                due_on=p.declaration_due_on,
                customer_id=p.customer_id,
                label=_(
                    "Personal recovery with liquidation published at the BODACC on %(published)s: declare the claim "
                    "to the liquidator within 2 months."
                )
                % {"published": date_format(p.personal_recovery_published_on, "DATE_FORMAT")},
                url=url,
                alert=core_insolvency.deadline_alert(p.declaration_due_on, today),
            )
        )
    return out


def guarantor_deadlines(organization: Organization, today: date) -> list[Deadline]:
    """A natural-person guarantor to inform of the first payment incident not remedied (C. civ. 2303), until a user
    records it was done."""
    from .securities import guarantor_reminders

    out = []
    for r in guarantor_reminders(organization, today):
        out.append(
            Deadline(
                kind="guarantor_notice",
                due_on=r.inform_by,
                customer_id=r.security.customer_id,
                label=_(
                    "Inform the guarantor %(guarantor)s that invoice %(number)s, due on %(due)s, is unpaid (C. civ. "
                    "2303: otherwise the interest and penalties for the period may be lost)."
                )
                % {
                    "guarantor": r.security.guarantor_name,
                    "number": r.invoice_number,
                    "due": date_format(r.incident_due_on, "DATE_FORMAT"),
                },
                url=reverse("customer_detail", args=[r.security.customer_id]) + "#securities",
                invoice_id=r.invoice_id,
                alert=core_insolvency.deadline_alert(r.inform_by, today),
            )
        )
    return out


def deadlines(organization: Organization, today: date) -> list[Deadline]:
    """Every prescription, insolvency and guarantor deadline of ``organization`` to show on ``today``, by date."""
    found = (
        prescription_deadlines(organization, today)
        + insolvency_deadlines(organization, today)
        + guarantor_deadlines(organization, today)
    )
    return sorted(found, key=lambda d: (d.due_on, d.customer_id, d.kind))
