"""Cash applied by hand, from the customer page: record a payment or a credit note, apply what a payment or a
credit note has not applied yet, and (from the invoice page) undo an allocation. Each page calls one service of
``recouvre.ledger.cash``; a refusal is shown next to the field at fault and as a message, nothing written. Members
whose role cannot edit get 403; a customer, payment, credit note or allocation of another organization is 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.ledger import cash, selectors
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import CreditNote, Payment

from .. import cash_forms
from ..decorators import member_required
from .common import customer_or_404


def _applied_message(applied: cash.Applied, currency: str) -> str:
    if not applied.allocations:
        return _("Nothing applied: %(left)s %(currency)s stay on the customer's account.") % {
            "left": applied.remaining,
            "currency": currency,
        }
    numbers = ", ".join(a.invoice.number for a in applied.allocations)
    return _("%(amount)s %(currency)s applied to %(invoices)s; %(left)s %(currency)s not yet applied.") % {
        "amount": applied.total,
        "currency": currency,
        "invoices": numbers,
        "left": applied.remaining,
    }


def _refused(request: HttpRequest, form: Any, exc: cash.CashRefused) -> None:
    form.attach(exc.message, exc.field, exc.invoice_id)
    messages.error(request, _("Nothing was recorded: %(reason)s") % {"reason": exc.message})


@member_required("edit")
def record_payment(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    form = cash_forms.PaymentForm(
        request.POST or None, invoices=cash_forms.open_invoices(org, customer), currency=org.currency
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment, applied = cash.record_payment_by_hand(
                org,
                Actor.of(request.user),
                customer=customer,
                received_on=data["received_on"],
                amount=data["amount"],
                currency=data["currency"],
                method=data["method"],
                reference=data["reference"],
                allocations=form.allocations() if data["apply"] == "invoices" else None,
                oldest=data["apply"] == "oldest",
            )
        except cash.CashRefused as exc:
            _refused(request, form, exc)
        else:
            messages.success(
                request,
                _("Payment of %(amount)s %(currency)s recorded.")
                % {"amount": payment.amount, "currency": payment.currency}
                + " "
                + _applied_message(applied, payment.currency),
            )
            return redirect(reverse("customer_detail", args=[customer.pk]) + "#cash")
    return render(request, "web/cash_payment.html", {"customer": customer, "form": form})


@member_required("edit")
def record_credit_note(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    form = cash_forms.CreditNoteForm(request.POST or None, organization=org, customer=customer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            note, applied = cash.record_credit_note_by_hand(
                org,
                Actor.of(request.user),
                customer=customer,
                number=data["number"],
                issued_on=data["issued_on"],
                total=data["total"],
                currency=data["currency"] or None,
                invoice=data["invoice"],
            )
        except cash.CashRefused as exc:
            _refused(request, form, exc)
        else:
            messages.success(
                request,
                _("Credit note %(number)s of %(amount)s %(currency)s recorded.")
                % {"number": note.number, "amount": note.total, "currency": note.currency}
                + " "
                + _applied_message(applied, note.currency),
            )
            return redirect(reverse("customer_detail", args=[customer.pk]) + "#cash")
    return render(request, "web/cash_credit_note.html", {"customer": customer, "form": form})


@member_required("edit")
def apply(request: HttpRequest, pk: int, kind: str, doc: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    payment = note = None
    if kind == "payment":
        payment = selectors.customer_payment(org, customer, doc)
        document: Payment | CreditNote | None = payment
    elif kind == "credit-note":
        note = selectors.customer_credit_note(org, customer, pk=doc)
        document = note
    else:
        document = None
    if document is None:
        raise Http404
    left = document.unallocated_amount
    form = cash_forms.ApplyForm(
        request.POST or None, invoices=cash_forms.open_invoices(org, customer, document.currency), left=left
    )
    if request.method == "POST" and form.is_valid():
        try:
            applied = cash.apply_unapplied(
                org, Actor.of(request.user), payment=payment, credit_note=note, allocations=form.allocations()
            )
        except cash.CashRefused as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, _applied_message(applied, document.currency))
            return redirect(reverse("customer_detail", args=[customer.pk]) + "#cash")
    return render(
        request,
        "web/cash_apply.html",
        {"customer": customer, "form": form, "payment": payment, "credit_note": note, "document": document},
    )


@require_POST
@member_required("edit")
def undo_allocation(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    allocation = selectors.allocation(org, pk)
    if allocation is None:
        raise Http404
    invoice = allocation.invoice
    try:
        done = cash.undo_allocation(org, Actor.of(request.user), allocation.pk)
    except cash.CashRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Allocation undone: invoice %(invoice)s is open again by %(amount)s %(currency)s.")
            % {"invoice": done["invoice"], "amount": done["amount"], "currency": done["currency"]},
        )
    return redirect(reverse("invoice_detail", args=[invoice.pk]) + "#settlements")
