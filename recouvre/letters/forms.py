"""Forms of the letters page: the filters, the posting of one or several letters, the first presentation and the
acknowledgment of receipt."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recouvre.web.forms import DATE_INPUT_FORMATS, DateInput


class LetterFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Letters"),
        required=False,
        choices=[
            ("ready", _("Ready to post")),
            ("posted", _("Posted")),
            ("acknowledged", _("Acknowledged")),
            ("all", pgettext_lazy("letters", "All")),
        ],
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[
            ("", _("Letters and registered letters")),
            ("registered", _("Registered letters")),
            ("plain", _("Letters")),
        ],
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(placeholder=_("Customer, account or tracking number"), type="search")


class PostingForm(forms.Form):
    posted_on = forms.DateField(label=_("Posted on"), widget=DateInput(), input_formats=DATE_INPUT_FORMATS)


class AcknowledgmentForm(forms.Form):
    acknowledged_on = forms.DateField(label=_("Acknowledged on"), widget=DateInput(), input_formats=DATE_INPUT_FORMATS)
    first_presented_on = forms.DateField(
        label=_("First presented on"), required=False, widget=DateInput(), input_formats=DATE_INPUT_FORMATS
    )


class PresentationForm(forms.Form):
    presented_on = forms.DateField(label=_("First presented on"), widget=DateInput(), input_formats=DATE_INPUT_FORMATS)
