"""The payment deadline of each formal notice (*mise en demeure*) sent, for the worklist's "Deadlines" panel and
the customer page: kind ``formal_notice``, due on the last day the letter gives to pay.

The letter gives its days "from receipt of this letter" (*à compter de la réception de la présente*), so the
deadline runs from the day the registered letter reached the debtor, as recorded with it: the acknowledgment of
receipt (the day the debtor signed), else the first presentation by La Poste; until one is recorded, from the
posting date plus the organization's delivery allowance (``CollectionSettings.delivery_allowance_days``, 3 business
days by default, on the organization's calendar: ``recouvre.collections.selectors.calendar_for``). The days are then
counted by CPC 640-642 (``BusinessCalendar.deadline``: the day of receipt not counted, a deadline on a Saturday,
Sunday or public holiday moved to the next business day; Good Friday and 26 December are holidays too on the
Alsace-Moselle calendar).
``recouvre.core.formal_notice.payment_deadline`` computes it; the letters' services keep ``Action.deadline_on`` up
to date with it, which the planner waits for before the next step (so Recouvre never escalates before the debtor's
deadline).

A formal notice counts once it is recorded as posted (its action is ``sent``) and while one of the invoices it
lists is still open. Alerts: ``running`` until the deadline, ``expired`` from the day after it (the next step of
the policy, or legal action, is then due). A notice whose invoices have all been paid is no longer listed.
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from recouvre.collections.models import Action, ActionState
from recouvre.core.deadlines import Deadline
from recouvre.core.formal_notice import DEFAULT_DELIVERY_ALLOWANCE_DAYS
from recouvre.ledger.models import Invoice
from recouvre.organizations.models import Organization

FORMAL_NOTICE = "formal_notice"


def delivery_allowance(organization: Organization) -> int:
    """The organization's delivery allowance in business days (``DEFAULT_DELIVERY_ALLOWANCE_DAYS`` when unset)."""
    from recouvre.collections.models import CollectionSettings

    days = (
        CollectionSettings.objects.filter(organization=organization)
        .values_list("delivery_allowance_days", flat=True)
        .first()
    )
    return DEFAULT_DELIVERY_ALLOWANCE_DAYS if days is None else days


def formal_notices(organization: Organization, *, customer_id: int | None = None) -> list[Action]:
    """The organization's formal notices sent (posted) whose listed invoices are not all paid, oldest deadline
    first; two queries."""
    actions = Action.objects.filter(
        organization=organization, template=FORMAL_NOTICE, state=ActionState.SENT, deadline_on__isnull=False
    ).order_by("deadline_on", "id")
    if customer_id is not None:
        actions = actions.filter(customer_id=customer_id)
    found = list(actions)
    ids = {line["invoice_id"] for action in found for line in action.lines or []}
    still_open = set(
        Invoice.objects.filter(organization=organization, pk__in=ids, open_amount__gt=0).values_list("pk", flat=True)
    )
    return [a for a in found if any(line["invoice_id"] in still_open for line in a.lines or [])]


def deadlines(organization: Organization, today: date) -> list[Deadline]:
    """One deadline per formal notice of ``formal_notices``, by payment deadline. Read as plain values, with each
    date's sentence written once and the customer page's address built once: an organization of 100 000 customers
    has thousands of notices running (the worklist shows the first few)."""
    rows = list(
        Action.objects.filter(
            organization=organization, template=FORMAL_NOTICE, state=ActionState.SENT, deadline_on__isnull=False
        )
        .order_by("deadline_on", "id")
        .values_list("customer_id", "deadline_on", "lines")
    )
    ids = {line["invoice_id"] for _c, _d, lines in rows for line in lines or []}
    still_open = set()
    for chunk in _chunks(sorted(ids), 20_000):
        still_open.update(
            Invoice.objects.filter(organization=organization, pk__in=chunk, open_amount__gt=0).values_list(
                "pk", flat=True
            )
        )
    page = reverse("customer_detail", args=[0])
    at = page.rindex("/0/")
    url = page[:at] + "/{}/" + page[at + 3 :] + "#formal-notice"
    labels: dict[date, tuple[str, str]] = {}
    out = []
    for customer_id, deadline_on, lines in rows:
        if not any(line["invoice_id"] in still_open for line in lines or []):
            continue
        if deadline_on not in labels:
            labels[deadline_on] = _label(deadline_on, today)
        alert, label = labels[deadline_on]
        out.append(
            Deadline(
                kind=FORMAL_NOTICE,
                due_on=deadline_on,
                customer_id=customer_id,
                label=label,
                url=url.format(customer_id),
                alert=alert,
            )
        )
    return out


def _chunks(values: list[int], size: int) -> list[list[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _label(deadline_on: date, today: date) -> tuple[str, str]:
    """The alert and the sentence of a formal notice's payment deadline."""
    when = date_format(deadline_on, "DATE_FORMAT")
    if deadline_on < today:
        return "expired", _(
            "The formal notice's payment deadline expired on %(date)s unpaid: legal action (order for payment "
            "or summons) can start."
        ) % {"date": when}
    return "running", _(
        "Payment deadline of the formal notice: %(date)s. Legal action can start the day after if it is still unpaid."
    ) % {"date": when}
