"""Claimed penalties in the web app: claim the penalties to date of a customer's (or one invoice's) late invoices,
apply an unapplied payment in the organization's allocation order, waive penalties with a reason, issue and
download a penalty invoice, choose a customer's payment-terms sector, and the organization's penalty settings
(allocation order, payment-terms cap, sector) with the mandatory-mention warnings.

Claiming, applying and invoicing need the "edit" permission, waiving "approve" (it gives money up), the settings
"manage_org". Objects of another organization are 404."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from recouvre.ledger import selectors as ledger_selectors
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Payment
from recouvre.penalties import selectors, services
from recouvre.penalties.models import CAP_BASIS_CHOICES, SECTOR_CHOICES, AllocationOrder

from ..decorators import member_required
from .common import customer_or_404, today


def _back(request: HttpRequest, customer: Customer) -> HttpResponse:
    invoice_id = request.POST.get("back_to_invoice", "")
    if (
        invoice_id.isdigit()
        and ledger_selectors.invoices(customer.organization).filter(pk=int(invoice_id), customer=customer).exists()
    ):
        return redirect(reverse("invoice_detail", args=[int(invoice_id)]) + "#penalties")
    return redirect(reverse("customer_detail", args=[customer.pk]) + "#penalties")


@require_POST
@member_required("edit")
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    """Claim the penalties to date of the customer's overdue invoices, or of the one invoice POSTed."""
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    as_of = today()
    invoices = ledger_selectors.customer_open_invoices(org, customer).filter(due_on__lt=as_of)
    invoice_id = request.POST.get("invoice", "")
    if invoice_id.isdigit():
        invoices = ledger_selectors.invoices(org).filter(customer=customer, pk=int(invoice_id), due_on__lt=as_of)
    claims = services.claim_penalties(org, list(invoices), as_of=as_of, actor=Actor.of(request.user), source="web")
    if claims:
        total = sum((c.amount for c in claims), Decimal("0.00"))
        messages.success(
            request,
            _("Penalties claimed on %(count)s invoice(s): %(total)s, kept apart from the principal.")
            % {"count": len(claims), "total": total},
        )
    else:
        messages.info(request, _("Nothing new to claim: no late invoice with penalties accrued since the last claim."))
    return _back(request, customer)


class WaiverForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (empty: all that is open)"),
        required=False,
        min_value=Decimal("0.01"),
        decimal_places=2,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)


@require_POST
@member_required("approve")
def waive(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    claim_obj = selectors.claim(org, pk)
    form = WaiverForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the penalties are waived, and an amount in euros and cents if partial."))
        return _back(request, claim_obj.customer)
    try:
        services.waive_penalties(
            claim_obj,
            reason=form.cleaned_data["reason"],
            amount=form.cleaned_data["amount"],
            actor=Actor.of(request.user),
            on=today(),
        )
    except services.PenaltyRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Penalties on invoice %(invoice)s waived.") % {"invoice": claim_obj.invoice.number})
    return _back(request, claim_obj.customer)


@require_POST
@member_required("edit")
def issue_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    customer = customer_or_404(request, pk)
    try:
        pen = services.issue_penalty_invoice(org, customer, actor=Actor.of(request.user), issued_on=today())
    except services.PenaltyRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Penalty invoice %(number)s issued.") % {"number": pen.number})
    return _back(request, customer)


@member_required("view")
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    pen = selectors.penalty_invoice(request.organization, pk)  # type: ignore[attr-defined]
    response = HttpResponse(bytes(pen.content), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pen.number}.pdf"'
    return response


@require_POST
@member_required("edit")
def apply_payment(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    payment = get_object_or_404(Payment, organization=org, pk=pk)
    split = services.apply_payment(org, payment, actor=Actor.of(request.user))
    parts = [
        f"{number} {amount}"
        if kind == "principal"
        else _("penalties of %(invoice)s %(amount)s") % {"invoice": number, "amount": amount}
        for kind, number, amount in split.steps
    ]
    if parts:
        messages.success(request, _("Payment applied: %(parts)s.") % {"parts": ", ".join(parts)})
    else:
        messages.info(request, _("Nothing open to apply this payment to."))
    return redirect(reverse("customer_detail", args=[payment.customer_id]) + "#penalties")


class SectorForm(forms.Form):
    sector = forms.ChoiceField(
        label=gettext_lazy("Payment terms sector"),
        choices=[("", gettext_lazy("As the organization"))] + SECTOR_CHOICES,
        required=False,
    )


@require_POST
@member_required("edit")
def customer_sector(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    form = SectorForm(request.POST)
    if form.is_valid():
        services.set_customer_sector(customer, form.cleaned_data["sector"], actor=Actor.of(request.user))
        messages.success(request, _("Payment terms sector saved."))
    else:
        messages.error(request, _("Choose a sector from the list."))
    return _back(request, customer)


class SettingsForm(forms.Form):
    allocation_order = forms.ChoiceField(
        label=gettext_lazy("Payment allocation order"), choices=AllocationOrder.choices
    )
    cap_basis = forms.ChoiceField(label=gettext_lazy("Payment terms cap of your contracts"), choices=CAP_BASIS_CHOICES)
    sector = forms.ChoiceField(label=gettext_lazy("Sector"), choices=SECTOR_CHOICES)


@member_required("view")
def settings_page(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    current = selectors.settings_for(org)
    can_manage = request.membership.can("manage_org")  # type: ignore[attr-defined]
    initial = {"allocation_order": current.allocation_order, "cap_basis": current.cap_basis, "sector": current.sector}
    form = SettingsForm(initial=initial)
    if request.method == "POST":
        if not can_manage:
            return HttpResponse(status=403)
        form = SettingsForm(request.POST)
        if form.is_valid():
            services.update_settings(org, actor=Actor.of(request.user), **form.cleaned_data)
            messages.success(request, _("Penalty settings saved."))
            return redirect("penalty_settings")
    return render(
        request,
        "web/penalty_settings.html",
        {
            "form": form,
            "can_manage": can_manage,
            "missing": [m.label for m in selectors.missing_letter_mentions(org)],
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
