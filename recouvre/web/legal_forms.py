"""Forms of the "Prescription, insolvency and write-off" panels (customer and invoice pages) and of the legal
settings page. Every choice of invoice is limited to the current organization and customer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvre.legal.models import (
    LegalSettings,
    OfficerRole,
    PrescriptionStart,
    ProcedureKind,
    PublicRule,
    WriteOffReason,
)

from .forms import DATE_INPUT_FORMATS, DateInput
from .hold_forms import AmountField


def _date(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput(), input_formats=DATE_INPUT_FORMATS)


class ProcedureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Procedure"), choices=ProcedureKind.choices)
    judgment_on = _date(_("Opening judgment"))
    published_on = _date(_("BODACC publication"))
    court = forms.CharField(label=_("Court"), max_length=200)
    officer_role = forms.ChoiceField(label=_("Court officer"), choices=OfficerRole.choices)
    officer_name = forms.CharField(label=_("Officer's name"), max_length=200)
    officer_address = forms.CharField(label=_("Officer's address"), widget=forms.Textarea(attrs={"rows": 3}))
    outside_metropolitan = forms.BooleanField(
        label=_("We are outside metropolitan France, or the procedure was opened overseas (4 months)"),
        required=False,
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DeclareForm(forms.Form):
    declared_on = _date(_("Declared on"))
    securities = forms.CharField(
        label=_("Privileges and securities"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. a retention-of-title clause; leave empty for an unsecured claim."),
    )


class CloseProcedureForm(forms.Form):
    closed_on = _date(_("Closed on"))


class AcknowledgmentForm(forms.Form):
    acknowledged_on = _date(_("Acknowledged on"))
    evidence = forms.CharField(
        label=_("Evidence"), required=False, max_length=200, help_text=_("E.g. signed letter of 3 March")
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WriteOffForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=WriteOffReason.choices)
    written_off_on = _date(_("Written off on"))
    amount = AmountField(label=_("Amount (empty: all that is open)"), required=False)
    note = forms.CharField(label=_("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LegalSettingsForm(forms.ModelForm):
    class Meta:
        model = LegalSettings
        fields = ["prescription_start", "performance_margin_days", "public_rule"]
        widgets = {
            "prescription_start": forms.RadioSelect(choices=PrescriptionStart.choices),
            "public_rule": forms.RadioSelect(choices=PublicRule.choices),
        }
