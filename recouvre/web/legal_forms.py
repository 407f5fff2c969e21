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
    """Insolvency proceedings, or a consumer's over-indebtedness: one form opens the procedure and stops
    collection (the hold), withdrawing what is queued."""

    kind = forms.ChoiceField(label=_("Procedure"), choices=ProcedureKind.choices)
    judgment_on = _date(_("Opening judgment (over-indebtedness: admissibility decision)"))
    published_on = _date(_("BODACC publication (if known)"), required=False)
    court = forms.CharField(label=_("Court"), max_length=200, required=False)
    officer_role = forms.ChoiceField(
        label=_("Court officer"), choices=[("", "—"), *OfficerRole.choices], required=False
    )
    officer_name = forms.CharField(label=_("Officer's name"), max_length=200, required=False)
    officer_address = forms.CharField(
        label=_("Officer's address"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outside_metropolitan = forms.BooleanField(
        label=_("We are outside metropolitan France, or the procedure was opened overseas (4 months)"),
        required=False,
    )
    continued_activity = forms.BooleanField(
        label=_("Liquidation: continued activity authorised (claims not yet due stay to fall due)"), required=False
    )
    debt_statement_received_on = _date(_("Over-indebtedness: statement of debts received on"), required=False)
    personal_recovery_published_on = _date(
        _("Over-indebtedness: personal recovery with liquidation published at the BODACC on"), required=False
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ProcedureUpdateForm(forms.Form):
    """What becomes known after the opening: the BODACC publication, the statement of debts, a personal recovery
    with liquidation, continued activity. Only the fields that fit the procedure are shown."""

    published_on = _date(_("BODACC publication"), required=False)
    continued_activity = forms.BooleanField(label=_("Continued activity authorised"), required=False)
    debt_statement_received_on = _date(_("Statement of debts received on"), required=False)
    personal_recovery_published_on = _date(
        _("Personal recovery with liquidation published at the BODACC on"), required=False
    )

    def __init__(self, *args: Any, procedure: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if procedure is None:
            return
        if procedure.over_indebtedness:
            del self.fields["published_on"], self.fields["continued_activity"]
        else:
            del self.fields["debt_statement_received_on"], self.fields["personal_recovery_published_on"]
            if procedure.kind != ProcedureKind.LIQUIDATION:
                del self.fields["continued_activity"]
            else:
                self.fields["continued_activity"].initial = procedure.continued_activity
        for name in ("published_on", "debt_statement_received_on", "personal_recovery_published_on"):
            if name in self.fields and getattr(procedure, name) is not None:
                del self.fields[name]


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
