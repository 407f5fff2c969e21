"""The form of a webhook endpoint (Webhooks settings page)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvre.core.webhooks import EVENT_TYPES
from recouvre.webhooks.labels import TYPE_LABELS


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Address"),
        max_length=500,
        help_text=_("An https:// address of your system, which answers 2xx to each event received."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(t, TYPE_LABELS[t]) for t in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )
