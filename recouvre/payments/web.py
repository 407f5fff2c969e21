"""The Online payment settings page (administrators, ``/settings/payments/``): the organization's Stripe account
(secret key and webhook signing secret, entered and never shown back, only masked), whether customers are offered
it, the webhook address to register at Stripe and the latest checkouts started on the portal."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recouvre.ledger.actors import Actor
from recouvre.web.decorators import member_required

from . import selectors, services
from .models import Provider


class AccountForm(forms.Form):
    secret_key = forms.CharField(
        label=gettext_lazy("Secret key"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy("sk_live_... or a restricted key rk_live_...; left empty: the one saved is kept."),
    )
    webhook_secret = forms.CharField(
        label=gettext_lazy("Webhook signing secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy("whsec_..., shown by Stripe for the endpoint; left empty: the one saved is kept."),
    )
    enabled = forms.BooleanField(label=gettext_lazy("Offer payment by card and direct debit"), required=False)


@member_required("manage_org")
def payment_settings(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    account = selectors.account(org, Provider.STRIPE)
    form = AccountForm(request.POST or None, initial={"enabled": account.enabled if account else True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.configure(
                org,
                Actor.of(request.user),
                provider=Provider.STRIPE,
                secret_key=data["secret_key"].strip() or None,
                webhook_secret=data["webhook_secret"].strip() or None,
                enabled=data["enabled"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Payment provider account saved."))
            return redirect("payment_settings")
    return render(
        request,
        "payments/settings.html",
        {
            "form": form,
            "account": selectors.account_dict(account) if account else None,
            "offered_by_server": selectors.active_provider() == Provider.STRIPE,
            "checkouts": selectors.checkouts(org, limit=30),
            "events": [
                "checkout.session.completed",
                "checkout.session.async_payment_succeeded",
                "checkout.session.async_payment_failed",
                "checkout.session.expired",
            ],
            "section": "payment_settings",
        },
    )
