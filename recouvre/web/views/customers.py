"""Customer list and customer page."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recouvre.collections import selectors as collection_selectors
from recouvre.collections.models import HoldKind
from recouvre.core import next_step as next_steps
from recouvre.core.aging import ZERO
from recouvre.core.next_step import Facts as NextStepFacts
from recouvre.core.next_step import NextStep, recommend
from recouvre.core.routes import Route
from recouvre.ledger import selectors
from recouvre.ledger.models import Customer
from recouvre.organizations.models import Organization
from recouvre.proceedings import selectors as proceeding_selectors
from recouvre.proceedings.recommendation import legal_route
from recouvre.reports.selectors import aged_balance
from recouvre.risk.credit import check_order, customer_credit
from recouvre.risk.forms import OrderCheckForm
from recouvre.tasks import selectors as task_selectors

from ..decorators import member_required
from ..forms import CustomerLegalIdentityForm
from .common import customer_or_404, today
from .home import bucket_rows
from .portal_links import portal_card

TIMELINE_PAGE = 50
MAX_TIMELINE_PAGES = 200
OPEN_ITEMS_SHOWN = 200
FIGURES = ("open", "overdue", "unapplied")


@member_required()
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    as_of = today()

    invoices = list(selectors.customer_open_invoices(org, customer)[: OPEN_ITEMS_SHOWN + 1])
    invoices_truncated = len(invoices) > OPEN_ITEMS_SHOWN
    invoices = invoices[:OPEN_ITEMS_SHOWN]
    for inv in invoices:
        inv.days_overdue = max(0, (as_of - inv.due_on).days)  # type: ignore[attr-defined]
    payments = list(selectors.customer_unapplied_payments(org, customer)[:OPEN_ITEMS_SHOWN])
    notes = list(selectors.customer_unapplied_credit_notes(org, customer)[:OPEN_ITEMS_SHOWN])
    # Figures per currency: a customer billed in two currencies has two balances, never one sum.
    figures = selectors.customer_balances(org, customer, as_of) or {org.currency: dict.fromkeys(FIGURES, ZERO)}
    balances = [
        {"currency": cur, **f, "balance": f["open"] - f["unapplied"]}
        for cur, f in sorted(figures.items(), key=lambda kv: (kv[0] != org.currency, kv[0]))
    ]

    aging = aged_balance(org, as_of, customer_ids=[customer.pk])
    bars, bar_max = bucket_rows(aging.buckets)
    # Credit: the stored score and why, the exposure against the limit, and the order check (asked by GET).
    credit = customer_credit(org, customer, as_of)
    order_form = OrderCheckForm(request.GET if "order_amount" in request.GET else None)
    order = None
    if order_form.is_bound and order_form.is_valid():
        order = check_order(org, customer, order_form.cleaned_data["order_amount"], today=as_of)
    insurance = _insurance(org, customer, as_of)
    standing = collection_selectors.customer_standing(org, customer, as_of)
    next_task, last_task = task_selectors.customer_next_and_last(org, customer)
    route = legal_route(org, customer, as_of)
    proceedings_open = any(p.is_open for p in proceeding_selectors.customer_proceedings(org, customer))
    next_step = _next_step(balances, standing, route, as_of, proceedings_open=proceedings_open)
    return render(
        request,
        "web/customer_detail.html",
        {
            "customer": customer,
            "contacts": list(customer.contacts.all()),
            "invoices": invoices,
            "invoices_truncated": invoices_truncated,
            "payments": payments,
            "credit_notes": notes,
            "balances": balances,
            "as_of": as_of,
            "currency": org.currency,
            "aging": aging,
            "bars": bars,
            "bar_max": bar_max,
            "credit": credit,
            "order_form": order_form,
            "order": order,
            "insurance": insurance,
            "portal": portal_card(customer),
            "standing": standing,
            "promises": [h for h in standing.holds if h.kind == HoldKind.PROMISE],
            "other_holds": [h for h in standing.holds if h.kind != HoldKind.PROMISE],
            "next_task": next_task,
            "last_contact": _last_contact(standing.last_sent, last_task),
            "next_step": next_step,
            "actions": _actions(next_step.action, balances),
            "legal_route_today": route,
            # the legal section opens by itself when something legal is due or under way
            "legal_open": next_step.action in (next_steps.FORMAL_NOTICE, next_steps.LEGAL)
            or proceedings_open
            or route.recommendation.judicial
            or route.recommendation.route in (Route.FORMAL_NOTICE, Route.AWAIT_NOTICE, Route.INSOLVENCY)
            or route.facts.formal_notice_on is not None
            or bool(route.facts.formal_notice_pending),
            "timeline": _timeline(request, org, customer),
        },
    )


def _next_step(
    balances: list[dict[str, Any]], standing: Any, route: Any, as_of: date, *, proceedings_open: bool
) -> NextStep:
    """The step recommended today, from the figures of the organization's currency (the first balance)."""
    main = balances[0]
    promises = [h for h in standing.holds if h.kind == HoldKind.PROMISE and h.status(as_of) == "active"]
    facts = route.facts
    deadline = facts.formal_notice_deadline
    return recommend(
        NextStepFacts(
            open=main["open"],
            overdue=main["overdue"],
            unapplied=main["unapplied"],
            route=str(route.recommendation.route.value),
            promise_running=bool(promises),
            promise_passed=any(h.promised_on is not None and h.promised_on < as_of for h in promises),
            notice_under_way=bool(facts.formal_notice_pending or (deadline is not None and deadline >= as_of)),
            proceedings_open=proceedings_open,
        )
    )


# The action bar: each action's words, the permission it needs and where it leads (a page, or the form on this
# page it opens).
_ACTIONS: dict[str, tuple[Any, str]] = {
    next_steps.PAYMENT: (gettext_lazy("Record a payment"), "edit"),
    next_steps.PROMISE: (gettext_lazy("Record a promise to pay"), "edit"),
    next_steps.DISPUTE: (gettext_lazy("Open a dispute"), "edit"),
    next_steps.STATEMENT: (gettext_lazy("Statement of account (PDF)"), ""),
    next_steps.FORMAL_NOTICE: (gettext_lazy("Send a formal notice"), "edit"),
    next_steps.LEGAL: (gettext_lazy("Legal route"), ""),
    next_steps.APPLY: (gettext_lazy("Apply payments and credit notes"), "edit"),
}
_BAR = (
    next_steps.PAYMENT,
    next_steps.PROMISE,
    next_steps.DISPUTE,
    next_steps.STATEMENT,
    next_steps.FORMAL_NOTICE,
    next_steps.LEGAL,
)


def _actions(recommended: str, balances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The action bar, the recommended action first."""
    order = [recommended] if recommended else []
    order += [key for key in _BAR if key != recommended]
    overdue = balances[0]["overdue"] > 0
    return [
        {
            "key": key,
            "label": _ACTIONS[key][0],
            "permission": _ACTIONS[key][1],
            "recommended": key == recommended,
        }
        for key in order
        if not (key == next_steps.FORMAL_NOTICE and not overdue and key != recommended)
    ]


def _last_contact(sent: Any, task: Any) -> dict[str, Any] | None:
    """The last time the customer was reached: the last reminder or letter sent, or the last task done, the
    newer of the two."""
    from django.utils import timezone

    candidates = []
    if sent is not None:
        candidates.append(
            {"on": sent.send_on, "what": sent.get_channel_display(), "step": sent.step_key or sent.template}
        )
    if task is not None:
        candidates.append({"on": timezone.localtime(task.done_at).date(), "what": task.get_kind_display(), "step": ""})
    return max(candidates, key=lambda c: c["on"]) if candidates else None


def _timeline(request: HttpRequest, org: Organization, customer: Customer) -> dict[str, Any]:
    """The page of the timeline asked by GET: ``kind`` (a family of events), ``shown`` pages of
    ``TIMELINE_PAGE`` entries ("show more" asks one page more)."""
    from django.urls import reverse

    from recouvre.ledger.timeline import CATEGORIES

    kinds = dict(CATEGORIES)
    kind = request.GET.get("kind", "")
    if kind not in kinds:
        kind = ""
    try:
        pages = min(max(int(request.GET.get("shown", "1")), 1), MAX_TIMELINE_PAGES)
    except ValueError:
        pages = 1
    page = selectors.customer_timeline(org, customer, category=kind, offset=0, limit=pages * TIMELINE_PAGE)
    entries = [_entry(e) for e in page.entries]
    base = reverse("customer_detail", args=[customer.pk])
    more = None
    if page.total > len(page.entries) and pages < MAX_TIMELINE_PAGES:
        query = {"shown": pages + 1, **({"kind": kind} if kind else {})}
        more = f"{base}?{urlencode(query)}#timeline"
    return {
        "entries": entries,
        "total": page.total,
        "kind": kind,
        "kind_label": kinds.get(kind, ""),
        "filters": [
            {
                "key": key,
                "label": label,
                "count": page.counts.get(key, 0),
                "url": f"{base}?{urlencode({'kind': key})}#timeline",
            }
            for key, label in CATEGORIES
            if page.counts.get(key)
        ],
        "all_url": f"{base}#timeline",
        "all_count": sum(page.counts.values()),
        "more": more,
        "capped": page.total > len(page.entries) and more is None,
    }


def _words(event: Any) -> dict[str, str]:
    """Codes an event's sentence carries, in the reader's words."""
    from recouvre.imports.models import ImportKind

    code = (event.data or {}).get("import_kind")
    if event.kind == "import.summary" and code in ImportKind.values:
        return {"import_kind": str(ImportKind(code).label)}
    return {}


def _entry(entry: Any) -> dict[str, Any]:
    """One line of the timeline in the reader's words: when, what, by whom, its family."""
    from recouvre.ledger.timeline import CATEGORIES, describe_for_reader

    from .. import formatting

    kinds = dict(CATEGORIES)
    when = formatting.day(entry.when) if entry.on_day else formatting.moment(entry.when)
    item: dict[str, Any] = {"when": when, "kind": entry.category, "kind_label": kinds.get(entry.category, "")}
    if entry.event is not None:
        event = entry.event
        item.update(
            event=event,
            text=describe_for_reader(event, money=formatting.money, day=formatting.day, words=_words(event)),
            who=_who(event),
            recorded=formatting.moment(event.occurred_at) if entry.on_day else "",
        )
        return item
    doc = entry.document
    source = doc.get_source_display()
    if entry.document_kind == "invoice":
        text = _("Invoice %(number)s issued for %(total)s, due %(due_on)s (%(source)s).") % {
            "number": doc.number,
            "total": formatting.money(doc.total, doc.currency),
            "due_on": formatting.day(doc.due_on),
            "source": source,
        }
        item["invoice"] = doc
    elif entry.document_kind == "credit_note":
        text = _("Credit note %(number)s for %(total)s (%(source)s).") % {
            "number": doc.number,
            "total": formatting.money(doc.total, doc.currency),
            "source": source,
        }
    else:
        text = _("Payment of %(amount)s received (%(method)s, %(source)s).") % {
            "amount": formatting.money(doc.amount, doc.currency),
            "method": doc.get_method_display(),
            "source": source,
        }
    item.update(text=text, who="", recorded="")
    return item


def _insurance(org: Organization, customer: Customer, as_of: date) -> dict[str, object]:
    """The customer's credit insurance cover, its covered open invoices and those left to declare."""
    from recouvre.core import insurance as core_insurance
    from recouvre.risk.insurance_selectors import cover_of, covered_invoices, terms_of

    cover = cover_of(org, customer.pk)
    if cover is None:
        return {"cover": None}
    items = covered_invoices(org, as_of, customer_id=customer.pk)
    return {
        "cover": cover,
        "extension_days": terms_of(cover).max_extension_days,
        "items": items,
        "to_declare": [i for i in items if i.status != core_insurance.DECLARED],
    }


def _who(event: object) -> str:
    actor = getattr(event, "actor", None)
    if actor is not None:
        return actor.get_full_name() or actor.get_username()
    from recouvre.ledger.actors import readable

    return readable(getattr(event, "actor_label", "") or "")


@member_required("edit")
def customer_legal_identity(request: HttpRequest, pk: int) -> HttpResponse:
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from recouvre.ledger.actors import Actor
    from recouvre.ledger.services import update_customer

    customer = customer_or_404(request, pk)
    form = CustomerLegalIdentityForm(request.POST or None, initial=CustomerLegalIdentityForm.initial_of(customer))
    if request.method == "POST" and form.is_valid():
        update_customer(customer, Actor.of(request.user), validate=True, **form.changes())
        messages.success(request, _("Legal identity saved."))
        return redirect("customer_detail", pk=customer.pk)
    return render(request, "web/customer_legal_identity.html", {"customer": customer, "form": form})
