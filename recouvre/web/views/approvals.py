"""The approval queue: reminders waiting for a person, their exact preview, approve or reject one by one or in
bulk (``recouvre.collections.approvals``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.collections import approvals
from recouvre.collections.dispatch import build_email, held_lines
from recouvre.collections.models import Action, ActionState, Channel
from recouvre.collections.rendering import item_label
from recouvre.collections.selectors import calendar_for
from recouvre.collections.tasks import queue_sending
from recouvre.ledger.actors import Actor

from ..csp import email_document
from ..decorators import member_required
from .common import paginate, warn_if_no_worker

APPROVALS_PER_PAGE = 100


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))])
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000, widget=forms.Textarea)
    send_now = forms.BooleanField(label=gettext_lazy("Send approved e-mails now"), required=False)
    ids = forms.TypedMultipleChoiceField(coerce=int, required=True, choices=())

    def __init__(self, *args: Any, ids: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(i, i) for i in ids or []]
        self.fields["ids"].error_messages["required"] = _("Tick at least one reminder.")
        self.fields["ids"].error_messages["invalid_choice"] = _("That reminder is not in the queue any more.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the reminder is rejected: the note is required."))
        return data


def _label(line: dict[str, Any]) -> str:
    """The invoice's number, and for an instalment of an invoice payable in several, which one and its due date."""
    if not line.get("instalments"):
        return str(line["number"])
    language = "fr" if get_language().startswith("fr") else "en"
    return item_label(
        line["number"], line["instalment"], line["instalments"], date.fromisoformat(line["due_on"]), language
    )


def _rows(actions: list[Action], org: Any = None) -> list[dict[str, Any]]:
    on = timezone.localdate()
    calendar = calendar_for(org) if org is not None else None
    rows = []
    for a in actions:
        row: dict[str, Any] = {
            "action": a,
            "invoices": [_label(ln) for ln in a.lines or []],
            "lines": [{**ln, "number": _label(ln), "due_on": date.fromisoformat(ln["due_on"])} for ln in a.lines or []],
            "totals": sorted(approvals.totals(a).items()),
        }
        if calendar is not None:
            days, business = approvals.waiting_days(a, on, calendar)
            row["waiting_days"] = days
            row["stale"] = business > approvals.STALE_AFTER_BUSINESS_DAYS
        rows.append(row)
    return rows


def _sort(request: HttpRequest) -> str:
    sort = request.GET.get("sort") or request.POST.get("sort") or "date"
    return sort if sort in approvals.SORTS else "date"


def _confirm_bulk_approval(request: HttpRequest, org: Any, data: dict[str, Any], back: str) -> HttpResponse:
    """Several reminders to approve at once: say how many and for how much, and ask again before anything goes."""
    chosen = [a for a in approvals.awaiting(org) if a.pk in set(data["ids"])]
    totals: dict[str, Decimal] = {}
    for action in chosen:
        for currency, amount in approvals.totals(action).items():
            totals[currency] = totals.get(currency, Decimal("0")) + amount
    letters = sum(1 for a in chosen if a.channel != Channel.EMAIL)
    return render(
        request,
        "web/approval_confirm.html",
        {
            "ids": data["ids"],
            "count": len(data["ids"]),
            "letters": letters,
            "totals": sorted(totals.items()),
            "note": data["note"] or "",
            "send_now": data["send_now"],
            "back": back,
        },
    )


@member_required()
def approval_list(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    sort = _sort(request)
    queue = approvals.ordered(org, sort)
    page = paginate(request, queue, APPROVALS_PER_PAGE)
    rows = _rows(list(page.object_list), org)
    stale_from = approvals.stale_before(timezone.localdate(), calendar_for(org))
    return render(
        request,
        "web/approvals.html",
        {
            "rows": rows,
            "page": page,
            "total": len(queue),
            "sort": sort,
            "stale_count": sum(1 for a in queue if approvals.waiting_since(a) <= stale_from),
            "stale_after": approvals.STALE_AFTER_BUSINESS_DAYS,
            "can_decide": request.membership.can("approve"),  # type: ignore[attr-defined]
        },
    )


def _letter_preview_url(action: Action) -> str:
    try:
        return reverse("letter_preview", args=[action.pk])
    except NoReverseMatch:
        return ""


@member_required()
def approval_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    try:
        action = approvals.action(org, pk)
    except Action.DoesNotExist as exc:
        raise Http404 from exc
    preview: dict[str, Any] = {}
    if action.channel == Channel.EMAIL:
        try:
            message, rendered, to = build_email(action, now=timezone.now())
        except Exception as exc:  # the page still shows the action and lets a person reject it
            preview["error"] = str(exc)
        else:
            if message is None or rendered is None:
                preview["error"] = (
                    _("Every invoice this reminder lists is paid or on hold: nothing would be sent.")
                    if held_lines(action, timezone.localdate())
                    else _("Every invoice this reminder lists has been paid: nothing would be sent.")
                )
            else:
                preview.update(
                    subject=rendered.subject,
                    from_email=message.from_email,
                    to=to,
                    reply_to=", ".join(message.reply_to),
                    text=rendered.text,
                    html=rendered.html,
                )
    awaiting = action.state == ActionState.AWAITING_APPROVAL
    return render(
        request,
        "web/approval_detail.html",
        {
            "action": action,
            "sort": _sort(request),
            "row": _rows([action], org if awaiting else None)[0],
            "preview": preview,
            "letter_url": _letter_preview_url(action) if action.channel != Channel.EMAIL else "",
            "awaiting": awaiting,
            "can_decide": request.membership.can("approve"),  # type: ignore[attr-defined]
        },
    )


@member_required()
def approval_email_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The HTML part of the e-mail the action would send now, a document of its own framed by the approval page
    (``recouvre.web.csp``)."""
    org = request.organization  # type: ignore[attr-defined]
    try:
        action = approvals.action(org, pk)
    except Action.DoesNotExist as exc:
        raise Http404 from exc
    if action.channel != Channel.EMAIL:
        raise Http404
    try:
        _message, rendered, _to = build_email(action, now=timezone.now())
    except Exception as exc:  # the approval page says why
        raise Http404 from exc
    if rendered is None:
        raise Http404
    return email_document(rendered.html)


@require_POST
@member_required("approve")
def approval_remove_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    """Take one invoice out of a reminder awaiting approval (the rest stays), with a note saying why."""
    org = request.organization  # type: ignore[attr-defined]
    invoice = request.POST.get("invoice", "")
    if not invoice.isdigit():
        raise Http404
    note = (request.POST.get("note") or "").strip()[:500]
    try:
        action = approvals.remove_invoice(org, pk, int(invoice), actor=Actor.of(request.user), note=note)
    except Action.DoesNotExist as exc:
        raise Http404 from exc
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("approval_detail", pk=pk)
    if action.state == ActionState.CANCELLED:
        messages.success(request, _("Invoice taken out; the reminder had nothing left to ask and was withdrawn."))
        return redirect("approvals")
    messages.success(request, _("Invoice taken out of the reminder; the rest awaits your decision."))
    return redirect("approval_detail", pk=pk)


@require_POST
@member_required("approve")
def approval_decide(request: HttpRequest) -> HttpResponse:
    """Approve or reject the ticked reminders (one or many), in one transaction."""
    org = request.organization  # type: ignore[attr-defined]
    posted = {int(i) for i in request.POST.getlist("ids") if i.isdigit()}
    own = set(Action.objects.filter(organization=org, pk__in=posted).values_list("id", flat=True).order_by())
    if posted != own:  # another organization's reminder, or none at all
        raise Http404
    posted_data = request.POST.copy()
    if posted_data.get("then") == "next":  # "approve and open next"
        posted_data["decision"] = "approve"
    form = DecisionForm(posted_data, ids=sorted(own))
    back = request.POST.get("next") or reverse("approvals")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("approvals")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    actor = Actor.of(request.user)
    now = timezone.now()
    data = form.cleaned_data
    if data["decision"] == "approve" and len(data["ids"]) > 1 and request.POST.get("confirmed") != "1":
        return _confirm_bulk_approval(request, org, data, back)
    open_next = data["decision"] == "approve" and request.POST.get("then") == "next" and len(data["ids"]) == 1
    if open_next:
        sort = _sort(request)
        order = [a.pk for a in approvals.ordered(org, sort)]
        after = order[order.index(data["ids"][0]) + 1 :] if data["ids"][0] in order else []
    try:
        if data["decision"] == "approve":
            decision = approvals.approve(org, data["ids"], actor=actor, now=now, note=data["note"] or "")
        else:
            decision = approvals.reject(org, data["ids"], actor=actor, now=now, note=data["note"] or "")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    count = len(decision.decided)
    if data["decision"] == "approve":
        if count:
            messages.success(
                request,
                ngettext("%(count)d reminder approved.", "%(count)d reminders approved.", count) % {"count": count},
            )
    elif count:
        messages.success(
            request, ngettext("%(count)d reminder rejected.", "%(count)d reminders rejected.", count) % {"count": count}
        )
    for reason in sorted(set(decision.refused.values())):
        messages.error(request, reason)
    if decision.skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d reminder was skipped: someone else decided it in the meantime.",
                "%(count)d reminders were skipped: someone else decided them in the meantime.",
                len(decision.skipped),
            )
            % {"count": len(decision.skipped)},
        )
    emails = [a for a in decision.decided if a.channel == Channel.EMAIL]
    if data["decision"] == "approve" and data["send_now"] and emails:
        # Sent by the background worker: an unresponsive mail server holds up the worker, not this page.
        queue_sending(org, request.user)
        messages.success(
            request,
            ngettext(
                "%(count)d e-mail queued for sending: the background worker sends it in a moment (on its send "
                "date, when that is later).",
                "%(count)d e-mails queued for sending: the background worker sends them in a moment (on their send "
                "date, when that is later).",
                len(emails),
            )
            % {"count": len(emails)},
        )
        warn_if_no_worker(request)
    if open_next:
        return _open_next(request, org, after, sort)
    return redirect(back)


def _open_next(request: HttpRequest, org: Any, after: list[int], sort: str) -> HttpResponse:
    """The reminder that came after the one just approved in the queue's order ``sort`` and still awaits approval;
    back to the queue, saying so, when there is none."""
    still = set(approvals.awaiting(org).filter(pk__in=after).values_list("id", flat=True))
    query = "" if sort == "date" else f"?sort={sort}"
    for pk in after:
        if pk in still:
            return redirect(reverse("approval_detail", args=[pk]) + query)
    messages.info(request, _("No reminder after this one awaits approval in this order."))
    return redirect(reverse("approvals") + query)
