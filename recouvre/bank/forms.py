"""The filters of the bank page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BankAccount, EntryState


class EntryFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *EntryState.choices])
    account = forms.ChoiceField(label=_("Account"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args: Any, accounts: list[BankAccount], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", _("All accounts"))] + [(str(a.pk), str(a)) for a in accounts]
        self.fields["q"].widget.attrs.update(placeholder=_("Text, counterparty or reference"), type="search")
