"""The order check of the customer page (GET: it writes nothing)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvre.tasks.forms import AmountField


class OrderCheckForm(forms.Form):
    order_amount = AmountField(label=_("Order amount (incl. tax)"))
