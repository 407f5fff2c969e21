"""The worklist as CSV or XLSX: the open tasks the filter shows, in priority order (as on the page)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from recouvre.reports.list_exports import AMOUNT, DAY, NUMBER, Column
from recouvre.tasks import selectors

from ..decorators import member_required
from .common import today
from .customer_list import export_response
from .worklist import organization_members, worklist_query

CHUNK = 500


def _columns() -> list[Column]:
    return [
        Column(_("Rank"), NUMBER),
        Column(_("Due on"), DAY),
        Column(_("Kind")),
        Column(_("Task")),
        Column(_("Account")),
        Column(_("Customer")),
        Column(_("Amount overdue"), AMOUNT),
        Column(_("Days overdue"), NUMBER),
        Column(_("Assigned to")),
    ]


def _rows(qs: Any, ids: list[int], as_of: Any) -> Any:
    rank = 0
    for start in range(0, len(ids), CHUNK):
        for t in selectors.in_order(qs.select_related("customer", "assignee"), ids[start : start + CHUNK]):
            rank += 1
            assignee = t.assignee.get_full_name() or t.assignee.get_username() if t.assignee_id else ""
            yield [
                rank,
                t.due_on,
                str(t.get_kind_display()),
                t.title,
                t.customer.ref,
                t.customer.name,
                selectors.amount_overdue(t),
                selectors.days_overdue(t, as_of),
                assignee,
            ]


@member_required()
def worklist_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    org = request.organization  # type: ignore[attr-defined]
    membership = request.membership  # type: ignore[attr-defined]
    as_of = today()
    _form, qs = worklist_query(request, org, membership, organization_members(org), as_of)
    ranking = selectors.rank(org, as_of, qs)
    return export_response(request, _("Worklist"), _columns(), _rows(qs, list(ranking.ids), as_of), fmt)
