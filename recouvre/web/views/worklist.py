"""The collectors' worklist: open tasks in priority order, with filters; complete a task with an outcome,
reassign it, cancel it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.core.contacts import choose_contact
from recouvre.core.priority import explain
from recouvre.ledger import selectors as ledger_selectors
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Invoice
from recouvre.organizations.models import Role, User
from recouvre.tasks import selectors, services
from recouvre.tasks import texts as task_texts
from recouvre.tasks.deadlines import gather as gather_deadlines
from recouvre.tasks.forms import CancelForm, CompleteTaskForm, ReassignForm, WorklistFilterForm
from recouvre.tasks.models import Outcome, Task, TaskKind

from .. import formatting
from ..decorators import member_required
from .common import paginate, today

TASKS_PER_PAGE = 50
DEADLINES_SHOWN = 50  # the earliest; ``recouvre deadlines`` lists them all


def organization_members(organization: Any) -> list[Any]:
    return list(User.objects.filter(memberships__organization=organization).order_by("first_name", "username"))


def worklist_query(request: HttpRequest, org: Any, membership: Any, members: list[Any], as_of: Any) -> tuple[Any, Any]:
    """The filter form read from the query string and the tasks it shows (the page and its exports read the same)."""
    params = request.GET.copy()
    if not params.get("who"):
        # A collector sees their own tasks first; the others see everyone's.
        params["who"] = "mine" if membership.role == Role.COLLECTOR else "all"
    form = WorklistFilterForm(params, members=members)
    filters = form.cleaned_data if form.is_valid() else {"who": params["who"] if params["who"] == "mine" else "all"}
    who = filters.get("who") or "all"
    assignee: Any = None
    if who == "mine":
        assignee = request.user
    elif who not in ("all", "none"):
        assignee = next((u for u in members if str(u.pk) == who), None)
    qs = selectors.worklist(
        org,
        as_of,
        kind=filters.get("kind", ""),
        assignee=assignee,
        unassigned=who == "none",
        due=filters.get("due", ""),
    )
    return form, qs


def tel_href(phone: str) -> str:
    """A phone number as a ``tel:`` address: its digits, with the leading ``+`` if it has one (nothing else of what
    was typed gets into the link); the French "(0)" of ``+33 (0)4...``, which is not dialled, is left out."""
    digits = "".join(c for c in phone.replace("(0)", "") if c.isdigit())
    return f"tel:{'+' if phone.strip().startswith('+') else ''}{digits}" if digits else ""


def _people_to_call(org: Any, customer_ids: list[int]) -> dict[int, dict[str, str]]:
    """For each customer, the contact to call: the primary one with a phone number, else a billing contact with
    one, else any with one (one query for the page)."""
    found: dict[int, dict[str, str]] = {}
    for cid, contacts in ledger_selectors.contacts_with_phone(org, customer_ids).items():
        chosen = choose_contact(contacts)
        if chosen is not None:
            found[cid] = {"name": chosen.name, "phone": chosen.phone, "tel": tel_href(chosen.phone)}
    return found


@member_required()
def worklist(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    membership = request.membership  # type: ignore[attr-defined]
    as_of = today()
    members = organization_members(org)
    form, qs = worklist_query(request, org, membership, members, as_of)
    # The order: each task's priority from the stored late-payment predictions (never a model trained here).
    ranking = selectors.rank(org, as_of, qs)
    page = paginate(request, ranking.ids, TASKS_PER_PAGE)
    # Every dated legal deadline (prescription, insolvency declaration, court proceedings, formal notices), by date.
    deadlines = gather_deadlines(org, as_of)
    can_edit = membership.can("edit")
    rows = []
    tasks = selectors.in_order(qs, list(page.object_list))
    callees = _people_to_call(org, [t.customer_id for t in tasks if t.kind == TaskKind.CALL])
    # The text of the calls and steps from the outbox, from today's data (amounts, days, the customer's name).
    texts = task_texts.current(tasks, as_of, formatting.day)
    for t in tasks:
        ranked = ranking.priorities[t.pk]
        rows.append(
            {
                "task": t,
                "priority": ranked.priority,
                "priority_reason": explain(
                    ranked.priority,
                    formatting.money(ranked.priority.open_amount, org.currency),
                    lambda x, places: formatting.figure(x, places=places),
                ),
                "bases": ranked.bases,
                "amount": selectors.amount_overdue(t),
                "days": selectors.days_overdue(t, as_of),
                "late": t.due_on is not None and t.due_on < as_of,
                "call": callees.get(t.customer_id, {}) if t.kind == TaskKind.CALL else None,
                "title": texts[t.pk].title if t.pk in texts else t.title,
                "details": texts[t.pk].details if t.pk in texts else t.details,
                "complete": CompleteTaskForm(auto_id=f"t{t.pk}_%s", initial={"outcome": _default_outcome(t)})
                if can_edit
                else None,
                "reassign": ReassignForm(
                    auto_id=f"t{t.pk}_%s", members=members, initial={"assignee": t.assignee_id or ""}
                )
                if can_edit
                else None,
            }
        )
    return render(
        request,
        "web/worklist.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "as_of": as_of,
            "currency": org.currency,
            "can_edit": can_edit,
            "back": request.get_full_path(),
            "deadlines": deadlines[:DEADLINES_SHOWN],
            "deadlines_count": len(deadlines),
            "predictions": ranking.predictions,
        },
    )


def _default_outcome(t: Task) -> str:
    return Outcome.PROMISE if t.kind == "call" else Outcome.DONE


def _task(request: HttpRequest, pk: int) -> Task:
    try:
        return selectors.task(request.organization, pk)  # type: ignore[attr-defined]
    except Task.DoesNotExist as exc:
        raise Http404 from exc


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("worklist")


def _errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@member_required("edit")
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    t = _task(request, pk)
    form = CompleteTaskForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return _back(request)
    data = form.cleaned_data
    outcome = data["outcome"]
    details: dict[str, Any] = {}
    if outcome == Outcome.PROMISE:
        details = {"amount": data["promise_amount"], "promised_on": data["promised_on"]}
    elif outcome == Outcome.DISPUTE:
        details = {"reason_code": data["dispute_reason"], "amount": data["dispute_amount"]}
        if data["invoice"]:
            invoice = Invoice.objects.filter(
                organization=t.organization, customer=t.customer, number=data["invoice"].strip()
            ).first()
            if invoice is None:
                messages.error(
                    request,
                    _("%(customer)s has no invoice %(number)s.")
                    % {"customer": t.customer.name, "number": data["invoice"]},
                )
                return _back(request)
            details["invoice"] = invoice
    try:
        services.complete_task(t, outcome=outcome, actor=Actor.of(request.user), note=data["note"], **details)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _back(request)
    messages.success(
        request,
        _("Task done (%(outcome)s): %(title)s") % {"outcome": Outcome(outcome).label, "title": t.title},
    )
    return _back(request)


@member_required("edit")
@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    t = _task(request, pk)
    members = organization_members(request.organization)  # type: ignore[attr-defined]
    form = ReassignForm(request.POST, members=members)
    if not form.is_valid():
        _errors(request, form)
        return _back(request)
    chosen = form.cleaned_data["assignee"]
    assignee = next((u for u in members if str(u.pk) == chosen), None) if chosen else None
    try:
        services.reassign_task(t, assignee=assignee, actor=Actor.of(request.user))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _back(request)
    return _back(request)


@member_required("edit")
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    t = _task(request, pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.cancel_task(t, actor=Actor.of(request.user), reason=reason)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _back(request)
    messages.success(request, _("Task cancelled: %(title)s") % {"title": t.title})
    return _back(request)
