"""Forms of the holds panel (customer page) and of the dispute box (invoice page). Every choice of invoice or
member is limited to the current organization (and customer): an id from elsewhere is simply not a valid choice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvre.collections.models import DisputeReason
from recouvre.core.money import AmountError, parse_amount
from recouvre.ledger.models import Customer, Invoice
from recouvre.organizations.models import Organization, User

from . import formatting
from .forms import DATE_INPUT_FORMATS, DateInput, DayField

INSTALMENT_ROWS = 6
MAX_INSTALMENTS = 60


class AmountField(forms.Field):
    """An amount typed the French or the English way (``1 234,56`` or ``1234.56``), as an exact ``Decimal``."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "size": 12})

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 30:
            raise forms.ValidationError(_("Not an amount: %(text)s") % {"text": text[:30] + "…"})
        try:
            return parse_amount(text)
        except AmountError as exc:
            raise forms.ValidationError(_("Not an amount: %(text)s") % {"text": text}) from exc


class InvoiceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Invoice) -> str:
        return f"{obj.number} · {formatting.money(obj.open_amount, obj.currency)}"


class InvoicesChoice(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Invoice) -> str:
        return f"{obj.number} · {formatting.money(obj.open_amount, obj.currency)}"


def _open_invoices(organization: Organization, customer: Customer) -> Any:
    return Invoice.objects.filter(organization=organization, customer=customer, open_amount__gt=0).order_by(
        "due_on", "number"
    )


def _date(label: Any, required: bool = True) -> forms.DateField:
    return DayField(label=label, required=required, widget=DateInput(), input_formats=DATE_INPUT_FORMATS)


class _CustomerForm(forms.Form):
    def __init__(self, *args: Any, organization: Organization, customer: Customer, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"hold-{self.prefix_name}-%s")
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.customer = customer
        for name in ("invoice", "invoices"):
            if name in self.fields:
                self.fields[name].queryset = _open_invoices(organization, customer)  # type: ignore[attr-defined]

    prefix_name = "form"


class DisputeForm(_CustomerForm):
    prefix_name = "dispute"
    invoice = InvoiceChoice(label=_("Invoice"), queryset=Invoice.objects.none())
    reason_code = forms.ChoiceField(label=_("Reason"), choices=DisputeReason.choices)
    amount = AmountField(label=_("Disputed amount (empty: all that is open)"), required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__organization=self.organization
        ).order_by("username")


class ResolveDisputeForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("Resolution"),
        choices=[("resume", _("The claim stands: resume collection")), ("credit_note", _("Credit note"))],
    )
    credit_amount = AmountField(label=_("Credit note amount"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("resolution") == "credit_note" and data.get("credit_amount") is None:
            self.add_error("credit_amount", _("Give the amount of the credit note."))
        if data.get("resolution") == "resume":
            data["credit_amount"] = None
        return data


class PromiseForm(_CustomerForm):
    prefix_name = "promise"
    amount = AmountField(label=_("Amount promised"))
    promised_on = _date(_("Promised for"))
    invoices = InvoicesChoice(
        label=_("Invoices (none ticked: the whole customer)"), queryset=Invoice.objects.none(), required=False
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class PlanForm(_CustomerForm):
    prefix_name = "plan"
    invoices = InvoicesChoice(label=_("Invoices covered"), queryset=Invoice.objects.none())
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class InstalmentForm(forms.Form):
    due_on = _date(_("Due date"), required=False)
    amount = AmountField(label=_("Amount"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("due_on") is None) != (data.get("amount") is None) and not self.errors:
            raise forms.ValidationError(_("Give both the date and the amount of an instalment."))
        return data


InstalmentFormSet = forms.formset_factory(
    InstalmentForm, extra=INSTALMENT_ROWS, max_num=MAX_INSTALMENTS, validate_max=True
)


def instalment_rows(formset: Any) -> list[tuple[Any, Decimal]]:
    """The filled rows of a valid instalment formset, as ``(due date, amount)``."""
    return [
        (f.cleaned_data["due_on"], f.cleaned_data["amount"])
        for f in formset.forms
        if f.cleaned_data.get("due_on") is not None
    ]


class AlreadyPaidForm(_CustomerForm):
    prefix_name = "paid"
    invoices = InvoicesChoice(
        label=_("Invoices (none ticked: the whole customer)"), queryset=Invoice.objects.none(), required=False
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class PauseForm(_CustomerForm):
    prefix_name = "pause"
    until = _date(_("Paused until (inclusive)"))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class InsolvencyForm(_CustomerForm):
    prefix_name = "insolvency"
    opened_on = _date(_("Proceedings opened on (empty: today)"), required=False)
    procedure = forms.CharField(label=_("Procedure"), required=False, max_length=100)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class ReleaseForm(forms.Form):
    note = forms.CharField(label=_("Why"), required=False, max_length=500)
