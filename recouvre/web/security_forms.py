"""Forms of the customer page's "Securities and amicable steps" panel: a security (added or edited on its own
page), a mediation or conciliation started and ended, a guarantor informed (C. civ. 2303)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvre.legal.models import AmicableKind, AmicableOutcome, GuarantorKind, Security, SecurityKind

from .forms import DATE_INPUT_FORMATS, DateInput, DayField
from .hold_forms import AmountField


def _date(label: Any, required: bool = True) -> forms.DateField:
    return DayField(label=label, required=required, widget=DateInput(), input_formats=DATE_INPUT_FORMATS)


class SecurityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SecurityKind.choices)
    guarantor_name = forms.CharField(label=_("Guarantor"), max_length=200, required=False)
    guarantor_kind = forms.ChoiceField(
        label=_("The guarantor is a"), choices=[("", "—"), *GuarantorKind.choices], required=False
    )
    guarantor_address = forms.CharField(
        label=_("Guarantor's address"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    guarantor_email = forms.EmailField(label=_("Guarantor's e-mail"), required=False)
    limit = AmountField(label=_("Limit, or the deposit's amount"), required=False)
    starts_on = _date(_("In force from"), required=False)
    ends_on = _date(_("In force until"), required=False)
    invoices = forms.CharField(
        label=_("Invoices secured"),
        max_length=2000,
        required=False,
        help_text=_("Invoice numbers separated by commas; empty: the whole account."),
    )
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["invoices"] = [n.strip() for n in data.get("invoices", "").split(",") if n.strip()]
        return data

    @staticmethod
    def initial_of(row: Security) -> dict[str, Any]:
        return {
            "kind": row.kind,
            "guarantor_name": row.guarantor_name,
            "guarantor_kind": row.guarantor_kind,
            "guarantor_address": row.guarantor_address,
            "guarantor_email": row.guarantor_email,
            "limit": row.limit,
            "starts_on": row.starts_on,
            "ends_on": row.ends_on,
            "invoices": ", ".join(sorted(i.number for i in row.invoices.all())),
            "notes": row.notes,
        }


class AmicableStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("Amicable step"), choices=AmicableKind.choices)
    started_on = _date(_("Agreed by both parties, or first meeting, on"))
    mediator = forms.CharField(label=_("Mediator or conciliator"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AmicableEndForm(forms.Form):
    ended_on = _date(_("Ended on"))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[(v, label) for v, label in AmicableOutcome.choices if v])
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class GuarantorInformedForm(forms.Form):
    invoice = forms.CharField(widget=forms.HiddenInput, max_length=60)
    informed_on = _date(_("Informed on"))
