"""Filter and upload forms of the staff web app. Filters are GET forms: an invalid value is reported and the
page falls back to the default for that field."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recouvre.ledger.models import CustomerKind, Segment


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


# Dates typed by hand may be ISO (the browser's date picker) or French.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
# The days a date typed or passed in a page's address may fall on: outside, a clear error (never a page that
# fails on a date no computation can handle, such as 0001-01-01 or 9999-12-31).
FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2099, 12, 31)


def check_day(value: date) -> date:
    """``value``, or ``ValidationError`` when it falls outside the dates Recouvre handles."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise forms.ValidationError(
            _("%(day)s is outside the dates handled (%(first)s to %(last)s).")
            % {"day": value.isoformat(), "first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
        )
    return value


class DayField(forms.DateField):
    """A date field refusing dates outside ``FIRST_DAY`` to ``LAST_DAY``."""

    def to_python(self, value: Any) -> date | None:
        day = super().to_python(value)
        return check_day(day) if day is not None else None


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    segment = forms.ChoiceField(label=_("Segment"), required=False, choices=[("", _("All segments")), *Segment.choices])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    collector = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)  # 0: without a collector
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("overdue", _("Amount overdue")), ("name", _("Name"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(placeholder=_("Name, account or SIREN"), type="search")


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("open", pgettext_lazy("invoices", "Open")),
            ("overdue", pgettext_lazy("invoices", "Overdue")),
            ("paid", pgettext_lazy("invoices", "Paid")),
            ("all", pgettext_lazy("invoices", "All")),
        ],
    )
    due_from = DayField(label=_("Due from"), required=False, widget=DateInput(), input_formats=DATE_INPUT_FORMATS)
    due_to = DayField(label=_("Due to"), required=False, widget=DateInput(), input_formats=DATE_INPUT_FORMATS)
    q = forms.CharField(label=_("Customer or number"), required=False, max_length=100)
    segment = forms.ChoiceField(label=_("Segment"), required=False, choices=[("", _("All segments")), *Segment.choices])
    disputed = forms.BooleanField(label=_("Under dispute"), required=False)
    # The dashboard's links: the invoices paid in a week, those of one collector's customers.
    paid_from = DayField(
        label=_("Payment applied from"), required=False, widget=DateInput(), input_formats=DATE_INPUT_FORMATS
    )
    paid_to = DayField(
        label=_("Payment applied to"), required=False, widget=DateInput(), input_formats=DATE_INPUT_FORMATS
    )
    collector = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(placeholder=_("Customer, account or invoice number"), type="search")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("due_from"), data.get("due_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the due-date range is after its end."))
        start, end = data.get("paid_from"), data.get("paid_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the payment date range is after its end."))
        return data


class AgingForm(forms.Form):
    as_of = DayField(label=_("As of"), required=False, widget=DateInput(), input_formats=DATE_INPUT_FORMATS)
    currency = forms.ChoiceField(label=_("Currency"), required=False)

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c, c) for c in currencies]


IMPORT_KINDS = [
    ("customers", _("Customers")),
    ("invoices", _("Invoices and credit notes")),
    ("payments", _("Payments")),
    ("fec", _("FEC (French accounting export)")),
    ("statement", _("Bank statement")),
    ("einvoice", _("E-invoices (Factur-X, CII, UBL)")),
    ("einvoice_status", _("E-invoice lifecycle statuses (CSV or JSON)")),
]
# The kinds whose upload may hold several files at once.
MULTIPLE_FILE_KINDS = frozenset({"einvoice"})
MAX_FILES = 50


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One file or several (``<input type="file" multiple>``): cleans to a list of uploaded files."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file contains"), choices=IMPORT_KINDS)
    file = MultipleFileField(
        label=_("File"),
        help_text=_(
            "CSV, XLSX or FEC text file; e-invoices: Factur-X PDF, CII or UBL XML, several at once if you like; "
            "e-invoice statuses: CSV or JSON; a bank statement: camt.053 or camt.054, CFONB 120, MT940, OFX, or a "
            "CSV export with its mapping."
        ),
    )
    mapping = forms.ChoiceField(label=_("Column mapping"), required=False)
    account = forms.CharField(
        label=_("Bank account"),
        max_length=64,
        required=False,
        help_text=_("Bank statements only: import only this account's statements (IBAN or account number)."),
    )
    create_customers = forms.BooleanField(
        label=_("Create unknown customers"),
        required=False,
        help_text=_("Otherwise a line naming an unknown customer is refused."),
    )

    def __init__(
        self, *args: Any, mappings: list[dict[str, Any]] | None = None, max_bytes: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        choices: list[tuple[str, str]] = [("", _("Automatic (recognise the columns)"))]
        kinds = dict(IMPORT_KINDS)
        for m in mappings or []:
            name = str(m.get("name", ""))
            if name:
                kind = m.get("kind")
                choices.append((name, f"{name} ({kinds.get(kind, kind)})" if kind else name))
        self.fields["mapping"].choices = choices

    def clean_file(self) -> Any:
        from recouvre.core.sizes import human_size

        uploaded = self.cleaned_data["file"]
        files = uploaded if isinstance(uploaded, list) else ([uploaded] if uploaded is not None else [])
        if self.max_bytes is not None and any(f.size > self.max_bytes for f in files):
            raise forms.ValidationError(
                _("The file is larger than the %(limit)s accepted for an import.")
                % {"limit": human_size(self.max_bytes)}
            )
        return uploaded

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        files = data.get("file") or []
        kind = data.get("kind")
        if kind and len(files) > 1 and kind not in MULTIPLE_FILE_KINDS:
            self.add_error("file", _("Choose one file for this kind of import (several files: e-invoices only)."))
        if len(files) > MAX_FILES:
            self.add_error("file", _("At most %(max)s files at once.") % {"max": MAX_FILES})
        return data


_TRISTATE = [("", _("Automatic (yes for a public body)")), ("yes", _("Yes")), ("no", _("No"))]
_TRISTATE_VALUES = {"": None, "yes": True, "no": False}


class CustomerLegalIdentityForm(forms.Form):
    """A customer's kind and legal identity (``recouvre customer set`` does the same)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=CustomerKind.choices)
    public_person = forms.ChoiceField(
        label=_("Public legal person"),
        choices=_TRISTATE,
        required=False,
        help_text=_("Its property cannot be seized (CGPPP L2311-1): no enforcement is ever threatened."),
    )
    administrative_contract = forms.ChoiceField(
        label=_("Administrative contract"),
        choices=_TRISTATE,
        required=False,
        help_text=_("Disputes go to the administrative court (référé-provision), never to an injonction de payer."),
    )
    legal_form = forms.CharField(label=_("Legal form"), max_length=80, required=False)
    representative = forms.CharField(label=_("Legal representative"), max_length=200, required=False)
    registered_office = forms.CharField(
        label=_("Registered office"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    domicile = forms.CharField(
        label=_("Domicile"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contract_rate = forms.CharField(
        label=_("Contractual penalty rate"),
        max_length=40,
        required=False,
        help_text=_(
            "Overrides the organization's: a rate in percent (12.5), 3xlegal, ecb+7, or none for the statutory rate. "
            "Empty: the organization's."
        ),
    )

    def clean_contract_rate(self) -> str:
        return clean_contract_rate_spec(self.cleaned_data.get("contract_rate") or "")

    @classmethod
    def initial_of(cls, customer: Any) -> dict[str, Any]:
        names = {None: "", True: "yes", False: "no"}
        return {
            "kind": customer.kind,
            "public_person": names[customer.public_person],
            "administrative_contract": names[customer.administrative_contract],
            "legal_form": customer.legal_form,
            "representative": customer.representative,
            "registered_office": customer.registered_office,
            "domicile": customer.domicile,
            "contract_rate": customer.contract_rate,
        }

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["public_person"] = _TRISTATE_VALUES[data["public_person"]]
        data["administrative_contract"] = _TRISTATE_VALUES[data["administrative_contract"]]
        for field in ("legal_form", "representative", "registered_office", "domicile"):
            data[field] = data[field].replace("\r\n", "\n").strip()
        return data


def clean_contract_rate_spec(text: str) -> str:
    """A contractual rate as typed (``12,5 %``, ``3xlegal``, ``BCE + 7``), stored in its canonical form (``12.5``,
    ``3xlegal``, ``ecb+7``; ``none`` kept as such, empty as empty), or a ValidationError naming the forms."""
    from recouvre.core.raterules import parse_contract_rate

    text = text.strip()
    if not text:
        return ""
    try:
        parsed = parse_contract_rate(text)
    except ValueError as exc:
        raise forms.ValidationError(str(exc)) from None
    return parsed.spec if parsed is not None else "none"
