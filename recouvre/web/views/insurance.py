"""Credit insurance on the web: the organization's policies (settings page), a customer's cover and the invoices
declared to the insurer (customer page), and the declaration data as CSV (Deadlines panel, customer page)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Invoice
from recouvre.reports.exports import spreadsheet_style
from recouvre.risk import insurance
from recouvre.risk.insurance_export import declaration_items, write_csv
from recouvre.risk.insurance_selectors import policies
from recouvre.risk.models import InsurancePolicy

from ..decorators import member_required
from ..insurance_forms import InsuranceCoverForm, InsuranceDeclarationForm, InsurancePolicyForm
from .common import customer_or_404, today


@member_required("manage_collections")
def insurance_settings(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The policies, and a form to add one (or to change policy ``pk``)."""
    org = request.organization  # type: ignore[attr-defined]
    policy = get_object_or_404(InsurancePolicy, organization=org, pk=pk) if pk is not None else None
    initial = (
        {
            "insurer": policy.insurer,
            "number": policy.number,
            "max_extension_days": policy.max_extension_days,
            "declaration_days": policy.declaration_days,
        }
        if policy
        else None
    )
    form = InsurancePolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            insurance.save_policy(org, actor=Actor.of(request.user), policy=policy, **form.cleaned_data)
        except insurance.InsuranceRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Credit insurance policy saved."))
            return redirect("insurance_settings")
    return render(
        request,
        "web/insurance_settings.html",
        {"form": form, "policy": policy, "policies": policies(org), "section": "insurance_settings"},
    )


@member_required("edit")
def customer_insurance(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the customer's cover (POST), or remove it (POST with ``remove``)."""
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    cover = getattr(customer, "insurance_cover", None)
    initial = {"currency": org.currency}
    if cover is not None:
        initial = {
            "policy": cover.policy_id,
            "limit": cover.limit,
            "currency": cover.currency,
            "starts_on": cover.starts_on,
            "ends_on": cover.ends_on,
            "max_extension_days": cover.max_extension_days,
        }
    if request.method == "POST" and "remove" in request.POST:
        if insurance.remove_cover(org, customer, actor=Actor.of(request.user)):
            messages.success(request, _("Credit insurance cover removed."))
        return redirect("customer_detail", pk=customer.pk)
    form = InsuranceCoverForm(request.POST or None, initial=initial, organization=org)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            insurance.set_cover(org, customer, actor=Actor.of(request.user), **data)
        except insurance.InsuranceRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Credit insurance cover saved."))
            return redirect("customer_detail", pk=customer.pk)
    return render(
        request,
        "web/insurance_cover.html",
        {"form": form, "customer": customer, "cover": cover, "has_policies": bool(policies(org))},
    )


@member_required("edit")
@require_POST
def customer_insurance_declare(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    choices = list(
        Invoice.objects.filter(organization=org, customer=customer, open_amount__gt=0).values_list("pk", "number")
    )
    form = InsuranceDeclarationForm(request.POST, invoices=choices)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(f"{customer_url(customer.pk)}#insurance")
    invoice = Invoice.objects.get(organization=org, pk=int(form.cleaned_data["invoice"]))
    try:
        insurance.declare(
            org,
            invoice,
            actor=Actor.of(request.user),
            declared_on=form.cleaned_data["declared_on"],
            reference=form.cleaned_data["reference"],
            amount=form.cleaned_data["amount"],
        )
    except insurance.InsuranceRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Invoice %(number)s recorded as declared to the insurer.") % {"number": invoice.number}
        )
    return redirect(f"{customer_url(customer.pk)}#insurance")


@member_required("edit")
@require_POST
def customer_insurance_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw the declaration of one of the customer's invoices (POST ``invoice``: its id)."""
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    try:
        invoice_id = int(request.POST.get("invoice", ""))
    except ValueError:
        invoice_id = 0
    invoice = get_object_or_404(Invoice, organization=org, customer=customer, pk=invoice_id)
    try:
        insurance.withdraw_declaration(org, invoice, actor=Actor.of(request.user))
    except insurance.InsuranceRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Declaration of invoice %(number)s withdrawn.") % {"number": invoice.number})
    return redirect(f"{customer_url(customer.pk)}#insurance")


def customer_url(pk: int) -> str:
    from django.urls import reverse

    return reverse("customer_detail", args=[pk])


@member_required()
def insurance_declarations_csv(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The declaration data as CSV: every covered customer's, or customer ``pk``'s."""
    org = request.organization  # type: ignore[attr-defined]
    customer_id = None
    if pk is not None:
        customer_id = customer_or_404(request, pk).pk
    as_of = today()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"credit-insurance-{as_of.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    write_csv(response, declaration_items(org, as_of, customer_id=customer_id), spreadsheet_style(get_language()))
    return response
