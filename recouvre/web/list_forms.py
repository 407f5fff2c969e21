"""The forms of the lists: the customer list's filter and sort, a saved filter's name, the bulk actions on
customers, and the aged balance's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvre.collections.list_selectors import CUSTOMER_SORTS, STATUS_KINDS
from recouvre.collections.models import HoldKind
from recouvre.ledger.models import Segment

from .forms import DATE_INPUT_FORMATS, CustomerFilterForm, DateInput, DayField, InvoiceFilterForm

SORT_LABELS = {
    "ref": _("Account"),
    "name": _("Name"),
    "segment": _("Segment"),
    "balance": _("Balance"),
    "overdue": _("Overdue"),
    "oldest": _("Oldest overdue"),
    "last_action": _("Last action"),
    "next_action": _("Next action"),
    "collector": _("Collector"),
    "status": _("Status"),
}
DIRECTIONS = [("asc", _("Ascending")), ("desc", _("Descending"))]


def collector_choices(organization: Any) -> list[tuple[str, str]]:
    """The organization's members as collectors (by user id), and "without a collector" (0)."""
    from recouvre.organizations.models import Membership

    members = Membership.objects.filter(organization=organization).select_related("user").order_by("user__username")
    return [
        ("", _("All collectors")),
        ("0", _("Without a collector")),
        *((str(m.user_id), m.user.get_full_name() or m.user.get_username()) for m in members),
    ]


class CollectorField(forms.TypedChoiceField):
    """A collector chosen from the members (by user id), or any user id in a link (the dashboard's per-collector
    links name collectors who may since have left the organization: they simply match no customer)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, empty_value=None, **kwargs)

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit() and len(str(value)) <= 12


class CustomerListForm(CustomerFilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=50)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=list(SORT_LABELS.items()))
    dir = forms.ChoiceField(label=_("Order"), required=False, choices=DIRECTIONS)
    collector = CollectorField(label=_("Collector"), required=False)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(HoldKind.choices)
        self.fields["status"].choices = [
            ("", _("Any status")),
            ("any", _("On hold, whatever the reason")),
            *((k.value, labels[k.value]) for k in STATUS_KINDS),
        ]
        self.fields["collector"].choices = collector_choices(organization)
        self.fields["tag"].widget.attrs.update(placeholder=_("e.g. bakery"))


assert set(SORT_LABELS) == set(CUSTOMER_SORTS)


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Name of the filter"), max_length=80)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update(placeholder=_("Name of the filter"))


BULK_ACTIONS = [
    ("assign", _("Assign a collector")),
    ("pause", _("Pause collection until a date")),
    ("policy", _("Change the policy")),
    ("statement", _("Send a statement of account")),
    ("export", _("Export (CSV)")),
]


class BulkForm(forms.Form):
    """The customers chosen (their ids, or "all those the filter shows" with the filter's query string), the action
    and what it needs; ``confirm`` once the count was shown."""

    action = forms.ChoiceField(label=_("Action"), choices=BULK_ACTIONS)
    ids = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    all = forms.BooleanField(required=False)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)
    collector = forms.TypedChoiceField(label=_("Collector"), required=False, coerce=int, empty_value=None)
    policy = forms.TypedChoiceField(label=_("Policy"), required=False, coerce=int, empty_value=None)
    until = DayField(label=_("Until"), required=False, widget=DateInput(), input_formats=DATE_INPUT_FORMATS)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from recouvre.collections.models import Policy

        self.fields["collector"].choices = [("0", _("Nobody"))] + collector_choices(organization)[2:]
        self.fields["policy"].choices = [("0", _("The segment's policy"))] + [
            (str(p.pk), p.name) for p in Policy.objects.filter(organization=organization).order_by("name")
        ]

    def clean_ids(self) -> list[int]:
        # checked against the organization by the view, not here
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        try:
            return sorted({int(v) for v in raw})[:100_000]
        except ValueError as exc:
            raise forms.ValidationError(_("Choose customers from the list.")) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        action = data.get("action")
        if action == "assign" and data.get("collector") is None:
            self.add_error("collector", _("Choose the collector."))
        if action == "policy" and data.get("policy") is None:
            self.add_error("policy", _("Choose the policy."))
        if action == "pause" and data.get("until") is None:
            self.add_error("until", _("Give the date the pause ends."))
        return data


class AgingFilterForm(forms.Form):
    """The aged balance's filters and sort, beside its date and currency (``forms.AgingForm``)."""

    segment = forms.ChoiceField(label=_("Segment"), required=False, choices=[("", _("All segments")), *Segment.choices])
    collector = CollectorField(label=_("Collector"), required=False)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=50)
    sort = forms.ChoiceField(required=False)
    dir = forms.ChoiceField(required=False, choices=DIRECTIONS)

    def __init__(self, *args: Any, organization: Any, sorts: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collector"].choices = collector_choices(organization)
        self.fields["sort"].choices = [(s, s) for s in sorts]


class InvoiceListForm(InvoiceFilterForm):
    """The invoice list's filters, with the aged balance's drill-down: one customer's (or every customer's)
    invoices with an amount in one bucket on a date, in one currency."""

    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    bucket = forms.ChoiceField(label=_("Aged balance column"), required=False)
    as_of = DayField(label=_("On"), required=False, widget=forms.HiddenInput, input_formats=DATE_INPUT_FORMATS)
    currency = forms.CharField(required=False, max_length=3, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from recouvre.reports.exports import bucket_labels

        self.fields["bucket"].choices = [("", _("All")), *bucket_labels().items()]
