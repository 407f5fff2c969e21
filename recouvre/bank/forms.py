"""The filters of the bank page and the settings of the bank matching."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import IDENTIFY_HOLD_MAX_DAYS, BankAccount, EntryState


class EntryFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *EntryState.choices])
    account = forms.ChoiceField(label=_("Account"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args: Any, accounts: list[BankAccount], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", _("All accounts"))] + [(str(a.pk), str(a)) for a in accounts]
        self.fields["q"].widget.attrs.update(placeholder=_("Text, counterparty or reference"), type="search")


class BankSettingsForm(forms.Form):
    """The settings of the bank matching (``recouvre.bank.configuration``)."""

    auto_threshold = forms.DecimalField(
        label=_("Threshold of automatic application"),
        min_value=Decimal("0.01"),
        max_value=Decimal("1.00"),
        max_digits=3,
        decimal_places=2,
        help_text=_("A match at least this sure (0.01 to 1.00) is applied without review."),
    )
    tolerance = forms.DecimalField(
        label=_("Tolerance"),
        min_value=Decimal("0"),
        max_digits=15,
        decimal_places=2,
        help_text=_("A difference up to this amount between a transfer and the invoices it pays is written off."),
    )
    identify_hold_days = forms.IntegerField(
        label=_("Reminders held while a payment is identified (days)"),
        min_value=0,
        max_value=IDENTIFY_HOLD_MAX_DAYS,
        help_text=_(
            "A transfer that looks like a customer's payment but waits for review holds that customer's reminders "
            "for at most this many days (0: never)."
        ),
    )
