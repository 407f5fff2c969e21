"""The holds of a customer: open and resolve disputes, record promises to pay, agree payment plans, note "already
paid", pause, record insolvency, lift a hold. POST only; each calls one service of ``recouvre.collections.holds``
and comes back to the customer page (or the invoice page) with a message. Members whose role cannot edit get 403;
a customer, invoice or hold of another organization is 404 (or, in a form, not a valid choice)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.collections import holds as services
from recouvre.collections import selectors as collection_selectors
from recouvre.collections.models import Hold, HoldKind
from recouvre.ledger import selectors
from recouvre.ledger.actors import Actor
from recouvre.legal.insolvency import procedure_kind, record_procedure

from .. import hold_forms
from ..decorators import member_required
from .common import customer_or_404, form_errors, today


def _hold(request: HttpRequest, pk: int) -> Hold:
    try:
        return collection_selectors.hold(request.organization, pk)  # type: ignore[attr-defined]
    except Hold.DoesNotExist as exc:
        raise Http404 from exc


def _back(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Back to the page the form was on: the invoice page when it says so (an invoice of this customer)."""
    invoice_id = request.POST.get("back_to_invoice", "")
    if invoice_id.isdigit():
        org = request.organization  # type: ignore[attr-defined]
        if selectors.invoices(org).filter(pk=int(invoice_id), customer_id=customer_id).exists():
            return redirect(reverse("invoice_detail", args=[int(invoice_id)]) + "#disputes")
    return redirect(reverse("customer_detail", args=[customer_id]) + "#holds")


def _do(request: HttpRequest, customer_id: int, write: Callable[[], Any], done: str) -> HttpResponse:
    try:
        write()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return _back(request, customer_id)


def _actor(request: HttpRequest) -> Actor:
    return Actor.of(request.user)


@require_POST
@member_required("edit")
def open_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    form = hold_forms.DisputeForm(request.POST, organization=org, customer=customer)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(request, customer.pk)
    data = form.cleaned_data
    return _do(
        request,
        customer.pk,
        lambda: services.open_dispute(
            org,
            data["invoice"],
            reason_code=data["reason_code"],
            amount=data["amount"],
            owner=data["owner"],
            note=data["note"],
            actor=_actor(request),
            today=today(),
        ),
        _("Dispute on invoice %(number)s opened: it is no longer reminded.") % {"number": data["invoice"].number},
    )


@require_POST
@member_required("edit")
def resolve_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    hold = _hold(request, pk)
    if hold.kind != HoldKind.DISPUTE:
        raise Http404
    form = hold_forms.ResolveDisputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(request, hold.customer_id)
    data = form.cleaned_data
    return _do(
        request,
        hold.customer_id,
        lambda: services.resolve_dispute(
            hold,
            resolution=data["resolution"],
            credit_amount=data["credit_amount"],
            note=data["note"],
            actor=_actor(request),
            today=today(),
        ),
        _("Dispute resolved."),
    )


@require_POST
@member_required("edit")
def record_promise(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    form = hold_forms.PromiseForm(request.POST, organization=org, customer=customer)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(request, customer.pk)
    data = form.cleaned_data
    return _do(
        request,
        customer.pk,
        lambda: services.record_promise(
            org,
            customer,
            amount=data["amount"],
            promised_on=data["promised_on"],
            invoices=list(data["invoices"]),
            note=data["note"],
            actor=_actor(request),
            today=today(),
        ),
        _("Promise to pay recorded."),
    )


@require_POST
@member_required("edit")
def create_plan(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    form = hold_forms.PlanForm(request.POST, organization=org, customer=customer)
    rows = hold_forms.InstalmentFormSet(request.POST, prefix="instalments")
    if not form.is_valid() or not rows.is_valid():
        problems = [form_errors(form)] if form.errors else []
        problems += [
            _("Instalment %(row)s: %(errors)s") % {"row": i, "errors": form_errors(f)}
            for i, f in enumerate(rows.forms, start=1)
            if f.errors
        ]
        problems += list(rows.non_form_errors())
        messages.error(request, " ".join(problems))
        return _back(request, customer.pk)
    data = form.cleaned_data
    return _do(
        request,
        customer.pk,
        lambda: services.create_payment_plan(
            org,
            customer,
            invoices=list(data["invoices"]),
            instalments=hold_forms.instalment_rows(rows),
            note=data["note"],
            actor=_actor(request),
            today=today(),
        ),
        _("Payment plan agreed."),
    )


@require_POST
@member_required("edit")
def declare_already_paid(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    form = hold_forms.AlreadyPaidForm(request.POST, organization=org, customer=customer)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(request, customer.pk)
    data = form.cleaned_data
    return _do(
        request,
        customer.pk,
        lambda: services.declare_already_paid(
            org, customer, invoices=list(data["invoices"]), note=data["note"], actor=_actor(request), today=today()
        ),
        _("Collection paused while the payment is looked for."),
    )


@require_POST
@member_required("edit")
def pause(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    form = hold_forms.PauseForm(request.POST, organization=org, customer=customer)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(request, customer.pk)
    data = form.cleaned_data
    return _do(
        request,
        customer.pk,
        lambda: services.pause_customer(
            org, customer, until=data["until"], reason=data["reason"], actor=_actor(request), today=today()
        ),
        _("Collection paused."),
    )


@require_POST
@member_required("edit")
def record_insolvency(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    form = hold_forms.InsolvencyForm(request.POST, organization=org, customer=customer)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(request, customer.pk)
    data = form.cleaned_data
    kind = procedure_kind(data["procedure"] or "")
    if kind is None:
        messages.error(
            request,
            _("Say which procedure: safeguard, receivership, liquidation or over-indebtedness."),
        )
        return _back(request, customer.pk)
    # One action: the procedure (legal) and the hold that stops collection, as the legal section's form does.
    return _do(
        request,
        customer.pk,
        lambda: record_procedure(
            org,
            customer,
            kind=kind,
            judgment_on=data["opened_on"] or today(),
            note=data["note"],
            actor=_actor(request),
            today=today(),
        ),
        _("Insolvency proceedings recorded: collection stopped."),
    )


@require_POST
@member_required("edit")
def release(request: HttpRequest, pk: int) -> HttpResponse:
    hold = _hold(request, pk)
    if hold.released_at is not None:
        messages.error(request, _("This hold has already ended."))
        return _back(request, hold.customer_id)
    form = hold_forms.ReleaseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _do(
        request,
        hold.customer_id,
        lambda: services.release_hold(hold, note=note, actor=_actor(request), today=today()),
        _("Hold lifted: collection resumes at the next run."),
    )
