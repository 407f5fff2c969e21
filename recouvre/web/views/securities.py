"""Securities and amicable steps on the customer page: add, edit and remove a security, record that a guarantor
was informed (C. civ. 2303), start and end a mediation or conciliation (C. civ. 2238). Each write is one service of
``recouvre.legal.securities``; members whose role cannot edit get 403; a customer, security or step of another
organization is 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice
from recouvre.legal import securities
from recouvre.legal.models import AmicableStep, Security

from ..customer_forms import add_service_errors
from ..decorators import member_required
from ..security_forms import AmicableEndForm, AmicableStartForm, GuarantorInformedForm, SecurityForm
from .common import customer_or_404, form_errors


def _back(customer_id: int) -> str:
    return reverse("customer_detail", args=[customer_id]) + "#securities"


def _security_or_404(request: HttpRequest, customer: Customer, pk: int) -> Security:
    try:
        row = securities.security(request.organization, pk)  # type: ignore[attr-defined]
    except Security.DoesNotExist as exc:
        raise Http404 from exc
    if row.customer_id != customer.pk:
        raise Http404
    return row


@member_required("edit")
def security_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    form = SecurityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            securities.add_security(
                request.organization,  # type: ignore[attr-defined]
                customer,
                actor=Actor.of(request.user),
                **values,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Security recorded."))
            return redirect(_back(customer.pk))
    return render(request, "web/security_form.html", {"form": form, "customer": customer, "security": None})


@member_required("edit")
def security_edit(request: HttpRequest, pk: int, security_pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    row = _security_or_404(request, customer, security_pk)
    form = SecurityForm(request.POST or None, initial=SecurityForm.initial_of(row))
    if request.method == "POST" and form.is_valid():
        try:
            securities.edit_security(row, actor=Actor.of(request.user), **form.values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Security saved."))
            return redirect(_back(customer.pk))
    return render(request, "web/security_form.html", {"form": form, "customer": customer, "security": row})


@member_required("edit")
def security_remove(request: HttpRequest, pk: int, security_pk: int) -> HttpResponse:
    """GET asks for confirmation; POST removes the security."""
    customer = customer_or_404(request, pk)
    row = _security_or_404(request, customer, security_pk)
    if request.method == "POST":
        securities.remove_security(row, actor=Actor.of(request.user))
        messages.success(request, _("Security removed."))
        return redirect(_back(customer.pk))
    return render(
        request,
        "web/confirm_remove.html",
        {
            "customer": customer,
            "title": _("Remove a security"),
            "question": _("Remove the security %(kind)s %(guarantor)s of %(customer)s?")
            % {"kind": row.get_kind_display(), "guarantor": row.guarantor_name, "customer": customer.name},
            "form_id": "security-remove-form",
        },
    )


@require_POST
@member_required("edit")
def guarantor_informed(request: HttpRequest, pk: int, security_pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    row = _security_or_404(request, customer, security_pk)
    form = GuarantorInformedForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(customer.pk))
    invoice = Invoice.objects.filter(
        organization=request.organization,  # type: ignore[attr-defined]
        customer=customer,
        number=form.cleaned_data["invoice"],
    ).first()
    if invoice is None:
        raise Http404
    securities.record_guarantor_notice(
        row, invoice, actor=Actor.of(request.user), informed_on=form.cleaned_data["informed_on"]
    )
    messages.success(request, _("Guarantor informed: recorded."))
    return redirect(_back(customer.pk))


@require_POST
@member_required("edit")
def amicable_start(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    form = AmicableStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(customer.pk))
    try:
        securities.start_amicable_step(
            request.organization,  # type: ignore[attr-defined]
            customer,
            actor=Actor.of(request.user),
            **form.cleaned_data,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Amicable step recorded: prescription is suspended while it runs."))
    return redirect(_back(customer.pk))


@require_POST
@member_required("edit")
def amicable_end(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    try:
        step = securities.amicable_step(request.organization, step_pk)  # type: ignore[attr-defined]
    except AmicableStep.DoesNotExist as exc:
        raise Http404 from exc
    if step.customer_id != customer.pk:
        raise Http404
    form = AmicableEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(customer.pk))
    try:
        securities.end_amicable_step(step, actor=Actor.of(request.user), **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("End of the amicable step recorded: prescription runs again."))
    return redirect(_back(customer.pk))
