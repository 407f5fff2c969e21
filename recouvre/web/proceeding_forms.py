"""Forms of the "Legal route" card of the customer page: open court proceedings, record their facts, an
enforcement step, close them."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvre.proceedings.models import ProceedingRoute, ProceedingStatus, ServiceRegime

from .forms import DayField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OpenProceedingForm(forms.Form):
    route = forms.ChoiceField(label=_("Route"), choices=ProceedingRoute.choices)
    court = forms.CharField(label=_("Court"), max_length=200, required=False)
    amount_claimed = forms.DecimalField(label=_("Amount claimed"), max_digits=15, decimal_places=2, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class UpdateProceedingForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[c for c in ProceedingStatus.choices if c[0] != ProceedingStatus.CLOSED]
    )
    court = forms.CharField(label=_("Court"), max_length=200, required=False)
    reference = forms.CharField(label=_("Court reference"), max_length=100, required=False)
    amount_claimed = forms.DecimalField(label=_("Amount claimed"), max_digits=15, decimal_places=2, required=False)
    filed_on = DayField(label=_("Filed on"), required=False, widget=DATE)
    order_on = DayField(label=_("Order date"), required=False, widget=DATE)
    service_regime = forms.ChoiceField(label=_("Service deadline"), choices=ServiceRegime.choices)
    served_on = DayField(label=_("Served on"), required=False, widget=DATE)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EnforcementForm(forms.Form):
    on = DayField(label=_("Date"), widget=DATE)
    step = forms.CharField(label=_("Enforcement step"), max_length=200)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class CloseProceedingForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=500)
