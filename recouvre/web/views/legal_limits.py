"""Prescription, insolvency and write-off in the web app: record insolvency proceedings of a customer, declare
the claim (and download the *déclaration de créance* PDF), close the procedure, record an acknowledgment of debt,
write an invoice off or reverse a write-off, and the organization's prescription settings. POST views call one
service each and come back to the customer or invoice page (``#legal``) with a message. Members whose role cannot
do it get 403 (edit; write-offs and their reversal need the approve permission; settings need manage_collections);
a customer, invoice, procedure or write-off of another organization is 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.ledger.actors import Actor
from recouvre.legal import insolvency, writeoffs
from recouvre.legal.declaration import render_declaration_pdf
from recouvre.legal.models import InsolvencyProcedure, LegalSettings, WriteOff
from recouvre.legal.prescription import record_acknowledgment

from .. import legal_forms
from ..decorators import member_required
from .common import customer_or_404, form_errors, invoice_or_404, today


def _procedure(request: HttpRequest, pk: int) -> InsolvencyProcedure:
    try:
        return insolvency.procedure(request.organization, pk)  # type: ignore[attr-defined]
    except InsolvencyProcedure.DoesNotExist as exc:
        raise Http404 from exc


def _do(request: HttpRequest, form: Any, write: Callable[[dict[str, Any]], Any], done: str, back: str) -> HttpResponse:
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    try:
        write(form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect(back)


def _customer_back(pk: int) -> str:
    return reverse("customer_detail", args=[pk]) + "#legal"


def _invoice_back(pk: int) -> str:
    return reverse("invoice_detail", args=[pk]) + "#legal"


@require_POST
@member_required("edit")
def record_procedure(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    org = request.organization  # type: ignore[attr-defined]
    return _do(
        request,
        legal_forms.ProcedureForm(request.POST),
        lambda d: insolvency.record_procedure(org, customer, actor=Actor.of(request.user), today=today(), **d),
        _("Insolvency proceedings recorded: collection of this customer stopped."),
        _customer_back(customer.pk),
    )


@require_POST
@member_required("edit")
def update_procedure(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = _procedure(request, pk)
    form = legal_forms.ProcedureUpdateForm(request.POST, procedure=procedure)
    return _do(
        request,
        form,
        lambda d: insolvency.update_procedure(procedure, actor=Actor.of(request.user), **d),
        _("Procedure updated."),
        _customer_back(procedure.customer_id),
    )


@require_POST
@member_required("edit")
def declare_claim(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = _procedure(request, pk)
    return _do(
        request,
        legal_forms.DeclareForm(request.POST),
        lambda d: insolvency.declare_claim(procedure, actor=Actor.of(request.user), **d),
        _("Claim declaration recorded."),
        _customer_back(procedure.customer_id),
    )


@require_POST
@member_required("edit")
def close_procedure(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = _procedure(request, pk)
    return _do(
        request,
        legal_forms.CloseProcedureForm(request.POST),
        lambda d: insolvency.close_procedure(procedure, actor=Actor.of(request.user), **d),
        _("Procedure closed."),
        _customer_back(procedure.customer_id),
    )


@member_required()
def declaration_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = _procedure(request, pk)
    signatory = request.user.get_full_name() if hasattr(request.user, "get_full_name") else ""
    try:
        pdf = render_declaration_pdf(procedure, today=today(), signatory=signatory)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_customer_back(procedure.customer_id))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="declaration-creance-{procedure.customer.ref}.pdf"'
    return response


@require_POST
@member_required("edit")
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """An acknowledgment of the customer's whole account, or of one invoice with ``invoice`` in the form."""
    customer = customer_or_404(request, pk)
    org = request.organization  # type: ignore[attr-defined]
    invoice = None
    invoice_id = request.POST.get("invoice", "")
    if invoice_id:
        invoice = invoice_or_404(request, int(invoice_id)) if invoice_id.isdigit() else None
        if invoice is None or invoice.customer_id != customer.pk:
            raise Http404
    back = _invoice_back(invoice.pk) if invoice is not None else _customer_back(customer.pk)
    return _do(
        request,
        legal_forms.AcknowledgmentForm(request.POST),
        lambda d: record_acknowledgment(org, customer, actor=Actor.of(request.user), invoice=invoice, **d),
        _("Acknowledgment of debt recorded: a new prescription period starts that day."),
        back,
    )


@require_POST
@member_required("approve")
def write_off(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)
    return _do(
        request,
        legal_forms.WriteOffForm(request.POST),
        lambda d: writeoffs.write_off(invoice, actor=Actor.of(request.user), **d),
        _("Invoice written off. See below what is needed to recover its VAT."),
        _invoice_back(invoice.pk),
    )


@require_POST
@member_required("approve")
def reverse_write_off(request: HttpRequest, pk: int) -> HttpResponse:
    """Reverse a write-off of the current organization (another's, or none, is a 404): the invoice is open again."""
    try:
        record = writeoffs.write_off_of(request.organization, pk)  # type: ignore[attr-defined]
    except WriteOff.DoesNotExist as exc:
        raise Http404 from exc
    return _do(
        request,
        legal_forms.ReverseWriteOffForm(request.POST, auto_id=f"rev{pk}_%s"),
        lambda d: writeoffs.reverse_write_off(record, actor=Actor.of(request.user), **d),
        _("Write-off reversed: invoice %(number)s is open again and collection resumes.")
        % {"number": record.invoice.number},
        _invoice_back(record.invoice_id),
    )


@member_required("manage_collections")
def legal_settings(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    instance = LegalSettings.objects.filter(organization=org).first() or LegalSettings(organization=org)
    form = legal_forms.LegalSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Prescription settings saved."))
        return redirect("legal_settings")
    return render(request, "web/legal_settings.html", {"form": form})
