"""The bank pages, read-only: the accounts and their entries (filtered by state, account, statement or text), the
statements imported, and one entry with the transactions of a batched one. Files come in through the import page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from recouvre.bank import selectors
from recouvre.bank.forms import EntryFilterForm
from recouvre.bank.models import BankAccount, BankEntry, BankStatement

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
    return render(request, "web/bank_entry.html", {"entry": entry})
