"""Forms of the "Prescription, insolvency and write-off" panels (customer and invoice pages) and of the legal
settings page. Every choice of invoice is limited to the current organization and customer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvre.legal.models import (
    BelowFloorReading,
    LegalSettings,
    OfficerRole,
    PrescriptionStart,
    ProcedureKind,
    PublicRule,
    WriteOffReason,
)

from .forms import DATE_INPUT_FORMATS, DateInput, DayField, clean_contract_rate_spec
from .hold_forms import AmountField


def _date(label: Any, required: bool = True) -> forms.DateField:
    return DayField(label=label, required=required, widget=DateInput(), input_formats=DATE_INPUT_FORMATS)


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


class ReverseWriteOffForm(forms.Form):
    reason = forms.CharField(label=_("Why reverse it"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class LegalSettingsForm(forms.ModelForm):
    class Meta:
        model = LegalSettings
        fields = [
            "prescription_start",
            "performance_margin_days",
            "public_rule",
            "contract_rate",
            "below_floor",
            "guarantor_notice_months",
        ]
        widgets = {
            "prescription_start": forms.RadioSelect(choices=PrescriptionStart.choices),
            "public_rule": forms.RadioSelect(choices=PublicRule.choices),
            "below_floor": forms.RadioSelect(choices=BelowFloorReading.choices),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["below_floor"].required = False  # left out: the default reading (the statutory rate)
        self.fields["guarantor_notice_months"].required = False  # left out: one month, as C. civ. 2303 reads
        self.fields["guarantor_notice_months"].min_value = 1
        self.fields["guarantor_notice_months"].widget.attrs.update({"min": 1, "max": 12})

    def clean_contract_rate(self) -> str:
        return clean_contract_rate_spec(self.cleaned_data.get("contract_rate") or "")

    def clean_below_floor(self) -> str:
        return self.cleaned_data.get("below_floor") or BelowFloorReading.STATUTORY

    def clean_guarantor_notice_months(self) -> int:
        months = self.cleaned_data.get("guarantor_notice_months")
        if months is None:
            return 1
        if not 1 <= months <= 12:
            raise forms.ValidationError(_("From 1 to 12 months."))
        return int(months)


HALF_CHOICES = [(1, _("January to June")), (2, _("July to December"))]


class RateField(forms.DecimalField):
    """A rate in percent, written 2.50 or 2,50 (with or without %)."""

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = value.strip().rstrip("%").strip().replace(",", ".")
        return super().to_python(value)


class LegalRateForm(forms.Form):
    """The two legal interest rates of a half-year, as fixed by the arrêté (entered by an administrator)."""

    year = forms.IntegerField(label=_("Year"), min_value=2015, max_value=2100)
    half = forms.TypedChoiceField(label=_("Half-year"), choices=HALF_CHOICES, coerce=int)
    professionals = RateField(
        label=_('Rate "all other cases" (%)'), min_value=0, max_value=Decimal("99.9999"), decimal_places=4
    )
    individuals = RateField(
        label=_("Rate for natural persons not acting for professional needs (%)"),
        min_value=0,
        max_value=Decimal("99.9999"),
        decimal_places=4,
    )
    reference = forms.CharField(
        label=_("Arrêté"),
        max_length=200,
        help_text=_("e.g. Arrêté du 18 juin 2026 relatif à la fixation du taux de l'intérêt légal, JO du 20 juin 2026"),
    )
