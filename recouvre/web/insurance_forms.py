"""The credit insurance forms: the organization's policies (settings page), a customer's cover and an invoice
declared to the insurer (customer page). The writes are ``recouvre.risk.insurance``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvre.risk.models import InsurancePolicy
from recouvre.tasks.forms import AmountField

from .forms import DATE_INPUT_FORMATS, DateInput, DayField


def _date(label: Any, required: bool = False) -> forms.DateField:
    return DayField(label=label, required=required, widget=DateInput(), input_formats=DATE_INPUT_FORMATS)


class InsurancePolicyForm(forms.Form):
    insurer = forms.CharField(label=_("Insurer"), max_length=120, help_text=_("e.g. Allianz Trade, Coface, Atradius"))
    number = forms.CharField(label=_("Policy number"), max_length=60)
    max_extension_days = forms.IntegerField(
        label=_("Maximum extension period (days)"),
        min_value=0,
        max_value=3650,
        help_text=_(
            "Days after the original due date after which an unpaid invoice must be declared to the insurer, as "
            "the policy says."
        ),
    )
    declaration_days = forms.IntegerField(
        label=_("Days to declare after that"),
        min_value=0,
        max_value=3650,
        initial=0,
        help_text=_("Further days the policy gives to declare; 0 when it is due at the end of the extension."),
    )


class InsuranceCoverForm(forms.Form):
    policy = forms.ModelChoiceField(label=_("Policy"), queryset=None)  # type: ignore[arg-type]
    limit = AmountField(label=_("Insured limit (agrément)"))
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    starts_on = _date(_("Covered from"))
    ends_on = _date(_("Covered until"))
    max_extension_days = forms.IntegerField(
        label=_("Extension period for this customer (days)"),
        min_value=0,
        max_value=3650,
        required=False,
        help_text=_("Only when the insurer set another period for this customer; the policy's otherwise."),
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = InsurancePolicy.objects.filter(organization=organization).order_by(  # type: ignore[attr-defined]
            "insurer", "number"
        )


class InsuranceDeclarationForm(forms.Form):
    invoice = forms.ChoiceField(label=_("Invoice"))
    declared_on = _date(_("Declared on"), required=True)
    reference = forms.CharField(label=_("Declaration reference"), max_length=80, required=False)
    amount = AmountField(label=_("Amount declared"), required=False, help_text=_("The open amount when left empty."))

    def __init__(self, *args: Any, invoices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = [(str(pk), number) for pk, number in invoices]  # type: ignore[attr-defined]
