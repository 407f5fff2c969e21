"""The bank pages: the accounts and their entries (filtered by state, account, statement or text), the statements
imported, and one entry with the transactions of a batched one, what it was applied to and the matches suggested
for it, with their confidence and reasons in words. Files come in through the import page. Accepting a suggestion,
setting an entry aside and undoing are POSTs, for members who may edit."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.bank import matching, selectors
from recouvre.bank.forms import EntryFilterForm
from recouvre.bank.models import BankAccount, BankEntry, BankStatement, BankSuggestion
from recouvre.ledger.actors import Actor

from ..decorators import member_required
from .common import paginate

ENTRIES_PER_PAGE = 50
STATEMENTS_PER_PAGE = 50


def _pk(value: str | None) -> int | None:
    """A row id from the query string; anything else is a 404."""
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return int(value)


def _account(request: HttpRequest) -> BankAccount | None:
    pk = _pk(request.GET.get("account"))
    if pk is None:
        return None
    try:
        return selectors.bank_account(request.organization, pk)  # type: ignore[attr-defined]
    except BankAccount.DoesNotExist as exc:
        raise Http404 from exc


def _statement(request: HttpRequest) -> BankStatement | None:
    pk = _pk(request.GET.get("statement"))
    if pk is None:
        return None
    try:
        return selectors.statement(request.organization, pk)  # type: ignore[attr-defined]
    except BankStatement.DoesNotExist as exc:
        raise Http404 from exc


@member_required()
def bank(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    account = _account(request)
    statement = _statement(request)
    accounts = list(selectors.bank_accounts(org))
    form = EntryFilterForm(request.GET or None, accounts=accounts)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.entries(
        org, state=filters.get("state") or "", account=account, statement=statement, search=filters.get("q") or ""
    )
    return render(
        request,
        "web/bank.html",
        {
            "form": form,
            "accounts": accounts,
            "account": account,
            "statement": statement,
            "page": paginate(request, qs, ENTRIES_PER_PAGE),
        },
    )


@member_required()
def bank_statements(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    account = _account(request)
    return render(
        request,
        "web/bank_statements.html",
        {
            "account": account,
            "accounts": list(selectors.bank_accounts(org)),
            "page": paginate(request, selectors.statements(org, account=account), STATEMENTS_PER_PAGE),
        },
    )


@member_required()
def bank_entry(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        entry = selectors.entry(request.organization, pk)  # type: ignore[attr-defined]
    except BankEntry.DoesNotExist as exc:
        raise Http404 from exc
    org = request.organization  # type: ignore[attr-defined]
    suggestions = [
        {"row": s, "percent": round(s.confidence * 100), "reasons": [matching.reason_text(r) for r in s.reasons]}
        for s in matching.pending_suggestions(org, entry)
    ]
    applications = [
        {"row": a, "percent": round(a.confidence * 100), "reasons": [matching.reason_text(r) for r in a.reasons]}
        for a in matching.applications_of(org, entry)
    ]
    return render(
        request,
        "web/bank_entry.html",
        {
            "entry": entry,
            "suggestions": suggestions,
            "applications": applications,
            "can_edit": request.membership.can("edit"),  # type: ignore[attr-defined]
        },
    )


def _entry_of(request: HttpRequest, pk: int) -> BankEntry:
    try:
        return selectors.entry(request.organization, pk)  # type: ignore[attr-defined]
    except BankEntry.DoesNotExist as exc:
        raise Http404 from exc


@require_POST
@member_required("edit")
def bank_entry_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply one of the entry's suggestions (``suggestion``: its id) and link the payer's IBAN to the customer."""
    org = request.organization  # type: ignore[attr-defined]
    entry = _entry_of(request, pk)
    posted = request.POST.get("suggestion", "")
    suggestion = BankSuggestion.objects.filter(organization=org, entry=entry, pk=int(posted) if posted.isdigit() else 0)
    found = suggestion.first()
    if found is None:
        raise Http404
    try:
        matching.accept_suggestion(org, found, actor=Actor.of(request.user))
    except matching.MatchRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Match applied to the invoices; the payer's account is linked to the customer."))
    return redirect("bank_entry", pk=entry.pk)


@require_POST
@member_required("edit")
def bank_entry_ignore(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the entry aside: not a customer's payment (``reason`` says what it is)."""
    org = request.organization  # type: ignore[attr-defined]
    entry = _entry_of(request, pk)
    try:
        matching.ignore_entry(org, entry, actor=Actor.of(request.user), reason=(request.POST.get("reason") or "")[:500])
    except matching.MatchRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Entry set aside: not a customer's payment."))
    return redirect("bank_entry", pk=entry.pk)


@require_POST
@member_required("edit")
def bank_entry_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo what was applied with the entry (the invoices are open again), or bring back an entry set aside."""
    org = request.organization  # type: ignore[attr-defined]
    entry = _entry_of(request, pk)
    try:
        matching.unapply_entry(org, entry, actor=Actor.of(request.user), note=(request.POST.get("note") or "")[:500])
    except matching.MatchRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Undone: the entry waits for a decision again."))
    return redirect("bank_entry", pk=entry.pk)
