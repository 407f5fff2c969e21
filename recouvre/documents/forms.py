"""The upload and withdrawal forms of the documents card (customer page, invoice page)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DocumentKind


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("PDF; a proof of delivery or an order may also be a PNG or JPEG")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    invoice = forms.CharField(
        label=_("Invoice number"),
        required=False,
        max_length=60,
        help_text=_("Leave empty for a document of the customer (contract, terms of sale...)"),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, for_invoice: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if for_invoice:
            del self.fields["invoice"]
            self.fields["kind"].initial = DocumentKind.INVOICE_PDF
        else:
            self.fields["kind"].initial = DocumentKind.CONTRACT
        self.fields["file"].widget.attrs["accept"] = "application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg"


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
