"""Forms of cash applied by hand (customer page): a payment or a credit note recorded, what a payment or a credit
note has not applied yet applied to invoices. The grid of open invoices is limited to the customer's: an invoice
from elsewhere is never a field. Amounts are typed the French or the English way."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recouvre.core.cash import oldest_first
from recouvre.ledger import selectors
from recouvre.ledger.models import Customer, Invoice, PaymentMethod

from .forms import DATE_INPUT_FORMATS, DateInput, DayField
from .hold_forms import AmountField

GRID_LIMIT = 200
PREFIX = "invoice_"


def open_invoices(organization: Any, customer: Customer, currency: str | None = None) -> list[Invoice]:
    """The customer's open invoices (of ``currency`` when given), oldest due first, as many as a grid shows."""
    qs = selectors.customer_open_invoices(organization, customer)
    if currency:
        qs = qs.filter(currency=currency)
    return list(qs[:GRID_LIMIT])


class _GridForm(forms.Form):
    """A form with one amount field per open invoice (``invoice_<id>``), in ``self.invoices``' order."""

    def __init__(self, *args: Any, invoices: Sequence[Invoice] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invoices = list(invoices)
        for invoice in self.invoices:
            field = AmountField(label=invoice.number, required=False)
            field.widget = forms.TextInput(
                attrs={"inputmode": "decimal", "size": 12, "data-open": str(invoice.open_amount)}
            )
            self.fields[f"{PREFIX}{invoice.pk}"] = field

    def grid(self) -> list[tuple[Invoice, Any]]:
        """The invoices with their bound field, for the template."""
        return [(invoice, self[f"{PREFIX}{invoice.pk}"]) for invoice in self.invoices]

    def main_fields(self) -> list[Any]:
        """The bound fields other than the grid's."""
        return [bf for bf in self if not bf.name.startswith(PREFIX)]

    def allocations(self) -> list[tuple[int, Decimal]]:
        """The ``(invoice id, amount)`` pairs typed (empty and zero amounts left out)."""
        pairs = []
        for invoice in self.invoices:
            amount = self.cleaned_data.get(f"{PREFIX}{invoice.pk}")
            if amount is not None and amount != 0:
                pairs.append((invoice.pk, amount))
        return pairs

    def attach(self, message: str, field: str = "", invoice_id: int | None = None) -> None:
        """A refusal of the service shown next to the field at fault (else above the form)."""
        name = f"{PREFIX}{invoice_id}" if invoice_id is not None else field
        self.add_error(name if name in self.fields else None, message)


class PaymentForm(_GridForm):
    APPLY_CHOICES = [
        ("oldest", _("To the open invoices, oldest due first")),
        ("invoices", _("As entered in the table below")),
        ("none", _("Not now: leave it on the customer's account")),
    ]

    received_on = DayField(label=_("Received on"), widget=DateInput(), input_formats=DATE_INPUT_FORMATS)
    amount = AmountField(label=_("Amount"))
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.TRANSFER)
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=140,
        help_text=_("The cheque number, the transfer's reference..."),
    )
    apply = forms.ChoiceField(label=_("Apply it"), choices=APPLY_CHOICES, initial="oldest", widget=forms.RadioSelect)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].initial = currency
        self.fields["received_on"].initial = timezone.localdate()

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("apply") == "invoices" and not self.allocations():
            self.add_error("apply", _("Enter an amount for at least one invoice, or choose another way."))
        return data


class CreditNoteForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=60)
    issued_on = DayField(label=_("Issue date"), widget=DateInput(), input_formats=DATE_INPUT_FORMATS)
    total = AmountField(label=_("Total incl. tax"))
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        min_length=3,
        required=False,
        help_text=_("Empty: the corrected invoice's, else the organization's."),
    )
    invoice = forms.ModelChoiceField(
        label=_("Corrected invoice"),
        queryset=Invoice.objects.none(),
        required=False,
        help_text=_("The credit note is applied to it, up to what it has open."),
    )

    def __init__(self, *args: Any, organization: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issued_on"].initial = timezone.localdate()
        field = self.fields["invoice"]
        field.queryset = Invoice.objects.filter(  # type: ignore[attr-defined]
            organization=organization, customer=customer
        ).order_by("-issued_on", "-number")
        field.label_from_instance = lambda inv: f"{inv.number} · {inv.total} {inv.currency}"  # type: ignore[attr-defined]

    def clean_currency(self) -> str:
        return str(self.cleaned_data.get("currency") or "").strip().upper()

    def attach(self, message: str, field: str = "", invoice_id: int | None = None) -> None:
        name = {"total": "total", "number": "number", "currency": "currency", "invoice": "invoice"}.get(field)
        self.add_error(name if name in self.fields else None, message)


class ApplyForm(_GridForm):
    """What a payment or a credit note has not applied yet (``left``) over the open invoices of its currency:
    prefilled oldest due first."""

    def __init__(self, *args: Any, left: Decimal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.left = left
        if not self.is_bound:
            for invoice_id, part in oldest_first(((i.pk, i.open_amount) for i in self.invoices), left):
                self.fields[f"{PREFIX}{invoice_id}"].initial = part

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not self.allocations():
            self.add_error(None, _("Enter an amount for at least one invoice."))
        return data
