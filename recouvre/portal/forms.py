"""The portal's forms: what the customer types, checked before anything is written. Every choice of invoice is
limited to the link's own customer's open invoices (an id from elsewhere is not a valid choice); every text has a
size limit; the files are checked again when put on file (type and size, ``documents.services``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from recouvre.collections.models import DisputeReason
from recouvre.collections.rendering import format_amount
from recouvre.ledger.models import Invoice
from recouvre.web.forms import DATE_INPUT_FORMATS, DateInput, DayField
from recouvre.web.hold_forms import AmountField

from .models import PortalLink
from .services import MESSAGE_MAX_CHARS

PLAN_ROWS = 6


def _open_invoices(link: PortalLink) -> Any:
    return Invoice.objects.filter(
        organization_id=link.organization_id, customer_id=link.customer_id, open_amount__gt=0
    ).order_by("due_on", "number")


def _day(label: Any, required: bool = True) -> DayField:
    return DayField(label=label, required=required, widget=DateInput(), input_formats=DATE_INPUT_FORMATS)


class _Invoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Invoice) -> str:
        return f"{obj.number} · {format_amount(obj.open_amount, obj.currency, self.lang)}"

    lang = "fr"


class _Invoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Invoice) -> str:
        return f"{obj.number} · {format_amount(obj.open_amount, obj.currency, self.lang)}"

    lang = "fr"


class _File(forms.FileField):
    """An optional file: PDF, PNG or JPEG, within the upload limit."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))
        super().__init__(max_length=200, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        limit = settings.DOCUMENTS_MAX_UPLOAD_BYTES
        if upload and upload.size > limit:
            raise forms.ValidationError(
                _("The file is too large (%(size)s MB at most).") % {"size": f"{limit / 1_000_000:g}"}
            )
        return upload


def _message(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=MESSAGE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MESSAGE_MAX_CHARS}),
    )


class PortalForm(forms.Form):
    def __init__(self, *args: Any, link: PortalLink, lang: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.link = link
        for name in ("invoice", "invoices"):
            if name in self.fields:
                field = self.fields[name]
                field.queryset = _open_invoices(link)  # type: ignore[attr-defined]
                field.lang = lang  # type: ignore[attr-defined]
        if "invoices" in self.fields and not self.is_bound:
            self.initial.setdefault("invoices", list(_open_invoices(link).values_list("pk", flat=True)))


class PromiseForm(PortalForm):
    invoices = _Invoices(
        label=_("Invoices"),
        queryset=Invoice.objects.none(),
        error_messages={"invalid_choice": _("Choose among your open invoices."), "required": _("Choose an invoice.")},
    )
    amount = AmountField(label=_("Amount you will pay"))
    promised_on = _day(_("You will pay by"))


class DisputeForm(PortalForm):
    invoice = _Invoice(
        label=_("Invoice"),
        queryset=Invoice.objects.none(),
        error_messages={"invalid_choice": _("Choose among your open invoices.")},
    )
    reason_code = forms.ChoiceField(label=_("Reason"), choices=DisputeReason.choices)
    message = _message(_("Your message"))
    attachment = _File(label=_("A document (optional: PDF, PNG or JPEG)"))


class AlreadyPaidForm(PortalForm):
    invoices = _Invoices(
        label=_("Invoices paid"),
        queryset=Invoice.objects.none(),
        error_messages={"invalid_choice": _("Choose among your open invoices."), "required": _("Choose an invoice.")},
    )
    paid_on = _day(_("Day of the payment"))
    amount = AmountField(label=_("Amount paid"))
    message = _message(_("Your message (optional: how you paid, the reference)"))
    proof = _File(label=_("Proof of payment (optional: PDF, PNG or JPEG)"))


class PlanForm(PortalForm):
    invoices = _Invoices(
        label=_("Invoices"),
        queryset=Invoice.objects.none(),
        error_messages={"invalid_choice": _("Choose among your open invoices."), "required": _("Choose an invoice.")},
    )
    count = forms.IntegerField(label=_("Number of monthly instalments"), required=False, min_value=1, max_value=36)
    first_on = _day(_("Day of the first instalment"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, PLAN_ROWS + 1):
            self.fields[f"on_{i}"] = _day(_("Day"), required=False)
            self.fields[f"amount_{i}"] = AmountField(label=_("Amount"), required=False)

    def rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"on_{i}"], self[f"amount_{i}"]) for i in range(1, PLAN_ROWS + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        explicit: list[tuple[date, Decimal]] = []
        for i in range(1, PLAN_ROWS + 1):
            on, amount = data.get(f"on_{i}"), data.get(f"amount_{i}")
            if on is None and amount is None:
                continue
            if on is None or amount is None:
                raise forms.ValidationError(_("Instalment %(row)s: give its day and its amount.") % {"row": i})
            explicit.append((on, amount))
        data["instalments"] = explicit
        if not explicit and (not data.get("count") or data.get("first_on") is None):
            if not self.errors:
                raise forms.ValidationError(
                    _("Give the number of instalments and the day of the first one, or write each instalment.")
                )
        return data


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Contact name"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    address_line1 = forms.CharField(label=_("Address"), max_length=200, required=False)
    address_line2 = forms.CharField(label=_("Address (continued)"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    message = _message(_("Your message (optional)"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, value in data.items():
            if isinstance(value, str) and name != "message" and any(c in value for c in "\r\n\x00"):
                self.add_error(name, _("One line only."))
        return data
