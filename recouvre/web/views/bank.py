"""The bank pages: the accounts and their entries (filtered by state, account, statement or text), the statements
imported, and one entry with the transactions of a batched one, what it was applied to and the matches suggested
for it, with their confidence and reasons in words. Files come in through the import page. Accepting a suggestion,
splitting an entry by hand, setting an entry aside and undoing are POSTs, for members who may edit. The settings of
the bank matching are for administrators."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.bank import configuration, identify, manual, matching, selectors
from recouvre.bank.forms import BankSettingsForm, EntryFilterForm
from recouvre.bank.models import BankAccount, BankEntry, BankStatement, BankSuggestion, EntryState
from recouvre.core.money import AmountError, parse_amount
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer

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
    entry = _entry_of(request, pk)
    split = None
    if _can_split(request, entry):
        part = _part(entry, request.GET.get("part"))
        customer = _customer(request, request.GET.get("split_customer"))
        split = _split(request, entry, customer, part, query=(request.GET.get("customer_q") or "")[:100])
    return _entry_page(request, entry, split)


def _entry_page(
    request: HttpRequest, entry: BankEntry, split: dict[str, Any] | None, *, status: int = 200
) -> HttpResponse:
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
            "holds": identify.holds_of(org, entry),
            "split": split,
            "can_edit": request.membership.can("edit"),  # type: ignore[attr-defined]
        },
        status=status,
    )


def _can_split(request: HttpRequest, entry: BankEntry) -> bool:
    return (
        request.membership.can("edit")  # type: ignore[attr-defined]
        and entry.is_credit
        and entry.amount > 0
        and entry.state in (EntryState.UNMATCHED, EntryState.SUGGESTED)
    )


def _part(entry: BankEntry, value: str | None) -> int | None:
    """A transaction of a batched entry (its index) from the query or the form; anything else: the whole entry."""
    if value and value.isdigit() and entry.details and int(value) < len(entry.details):
        return int(value)
    return None


def _customer(request: HttpRequest, value: str | None) -> Customer | None:
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    found = Customer.objects.filter(organization=request.organization, pk=int(value)).first()  # type: ignore[attr-defined]
    if found is None:
        raise Http404
    return found


def _split(
    request: HttpRequest,
    entry: BankEntry,
    customer: Customer | None,
    part: int | None,
    *,
    query: str = "",
    posted: dict[int, str] | None = None,
    write_off: bool = False,
    error: str = "",
) -> dict[str, Any]:
    """What the form of a split by hand shows: the customers found, else the chosen customer's open invoices with
    the amount each gets (oldest due first up to the credit's amount, or as posted)."""
    org = request.organization  # type: ignore[attr-defined]
    try:
        amount, currency = manual.entry_amount(entry, part)
    except matching.MatchRefused:
        amount, currency = entry.amount, entry.currency
    parts = [
        {"index": i, "number": i + 1, "amount": d.get("amount"), "name": d.get("counterparty_name") or ""}
        for i, d in enumerate(entry.details or [])
    ]
    split: dict[str, Any] = {
        "part": part,
        "parts": parts,
        "amount": amount,
        "currency": currency,
        "query": query,
        "found": selectors.find_customers(org, query) if query and customer is None else [],
        "customer": customer,
        "rows": [],
        "write_off": write_off,
        "error": error,
        "tolerance": matching.match_settings(org).tolerance,
    }
    if customer is not None:
        invoices = selectors.open_invoices(org, customer, currency)
        prefill = {inv.pk: share for inv, share in manual.oldest_first(invoices, amount)}
        split["rows"] = [
            {
                "invoice": inv,
                "value": posted.get(inv.pk, "") if posted is not None else str(prefill.get(inv.pk, "")),
            }
            for inv in invoices
        ]
    return split


@require_POST
@member_required("edit")
def bank_entry_split(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply the entry (``part``: one transaction of a batch) by hand to a customer's invoices: ``amount_<invoice
    id>`` for each invoice that gets something, ``write_off`` to write off what stays open on the last one."""
    org = request.organization  # type: ignore[attr-defined]
    entry = _entry_of(request, pk)
    customer = _customer(request, request.POST.get("customer"))
    if customer is None:
        raise Http404
    part = _part(entry, request.POST.get("part"))
    write_off = bool(request.POST.get("write_off"))
    currency = entry.currency
    try:
        _amount, currency = manual.entry_amount(entry, part)
    except matching.MatchRefused:
        pass
    posted: dict[int, str] = {}
    allocations: list[tuple[int, Decimal]] = []
    error = ""
    for invoice in selectors.open_invoices(org, customer, currency):
        text = (request.POST.get(f"amount_{invoice.pk}") or "").strip()[:30]
        posted[invoice.pk] = text
        if not text:
            continue
        try:
            share = parse_amount(text)
        except AmountError:
            error = error or _("%(value)s is not an amount (invoice %(number)s)") % {
                "value": text,
                "number": invoice.number,
            }
            continue
        if share != 0:
            allocations.append((invoice.pk, share))
    if not error:
        try:
            manual.apply_by_hand(
                org,
                entry,
                customer=customer,
                allocations=allocations,
                actor=Actor.of(request.user),
                part=part,
                write_off=write_off,
            )
        except matching.MatchRefused as exc:
            error = str(exc)
        else:
            messages.success(request, _("Applied by hand to %(customer)s.") % {"customer": customer.name})
            return redirect("bank_entry", pk=entry.pk)
    entry = _entry_of(request, pk)
    split = _split(request, entry, customer, part, posted=posted, write_off=write_off, error=error)
    return _entry_page(request, entry, split, status=400)


@member_required()
def bank_settings(request: HttpRequest) -> HttpResponse:
    """The threshold of automatic application, the tolerance and the days a payment being identified holds the
    reminders; changed by administrators."""
    org = request.organization  # type: ignore[attr-defined]
    can_manage = request.membership.can("manage_org")  # type: ignore[attr-defined]
    current = configuration.settings_of(org)
    form = BankSettingsForm(
        initial={
            "auto_threshold": current.auto_threshold,
            "tolerance": current.tolerance,
            "identify_hold_days": current.identify_hold_days,
        }
    )
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = BankSettingsForm(request.POST)
        if form.is_valid():
            try:
                _row, changed = configuration.update_settings(org, actor=Actor.of(request.user), **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(
                    request, _("Bank matching settings saved.") if changed else _("Nothing changed in the settings.")
                )
                return redirect("bank_settings")
    return render(
        request,
        "web/bank_settings.html",
        {"form": form, "can_manage": can_manage},
        status=400 if form.is_bound and form.errors else 200,
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
