"""Forms of the worklist: the filters (GET) and closing a task with an outcome (POST)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvre.core.money import AmountError, parse_amount

from .models import Outcome, TaskKind

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class AmountField(forms.Field):
    """An amount written the French or the English way (``1 234,56``, ``1,234.56``), as a ``Decimal``."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "maxlength": "30", "size": "10"})

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            amount = parse_amount(text)
        except AmountError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if amount <= 0:
            raise forms.ValidationError(_("Enter an amount above zero."))
        return amount


class WorklistFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *TaskKind.choices])
    who = forms.ChoiceField(label=_("Assigned to"), required=False)
    due = forms.ChoiceField(
        label=_("Due"),
        required=False,
        choices=[
            ("", _("Any day")),
            ("due", _("Today or overdue")),
            ("today", _("Today")),
            ("overdue", _("Overdue")),
        ],
    )

    def __init__(self, *args: Any, members: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = [
            ("all", _("Everyone")),
            ("mine", _("My tasks")),
            ("none", _("Nobody")),
            *((str(u.pk), u.get_full_name() or u.get_username()) for u in members),
        ]


class CompleteTaskForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    promise_amount = AmountField(label=_("Amount promised"), required=False)
    promised_on = forms.DateField(
        label=_("Promised for"), required=False, widget=_DateInput(), input_formats=DATE_INPUT_FORMATS
    )
    dispute_reason = forms.ChoiceField(label=_("Dispute reason"), required=False)
    dispute_amount = AmountField(label=_("Amount disputed"), required=False)
    invoice = forms.CharField(
        label=_("Invoice number"),
        required=False,
        max_length=60,
        help_text=_("For a dispute, when the task is not about one invoice."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from recouvre.collections.models import DisputeReason

        super().__init__(*args, **kwargs)
        self.fields["dispute_reason"].choices = [("", "—"), *DisputeReason.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == Outcome.PROMISE:
            if not data.get("promise_amount"):
                self.add_error("promise_amount", _("Enter the amount promised."))
            if not data.get("promised_on"):
                self.add_error("promised_on", _("Enter the date promised."))
        if outcome == Outcome.DISPUTE and not data.get("dispute_reason"):
            self.add_error("dispute_reason", _("Choose the reason of the dispute."))
        return data


class ReassignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)

    def __init__(self, *args: Any, members: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("Nobody")),
            *((str(u.pk), u.get_full_name() or u.get_username()) for u in members),
        ]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why"), required=False, max_length=500)
