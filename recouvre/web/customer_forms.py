"""Forms creating and editing a customer, its contacts and the accounts it pays from. They only gather what was
typed: the checks are the services' (``recouvre.ledger.customers``, ``recouvre.bank.ibans``), whose refusals are put
back next to the fields (``add_service_errors``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from recouvre.core.identifiers import format_siren, format_siret
from recouvre.ledger.models import ContactRole, CustomerKind, Segment


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ``ValidationError`` shown on the form: each message next to its field, the others above."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _text(label: Any, max_length: int, **kwargs: Any) -> forms.CharField:
    # a little room above the stored length: the service says what is too long, in words
    return forms.CharField(label=label, max_length=max_length + 40, required=False, strip=True, **kwargs)


class CustomerForm(forms.Form):
    """A customer's identity (``recouvre customer add`` / ``edit`` do the same); ``ref`` only when it is created."""

    ref = forms.CharField(
        label=_("Account"),
        max_length=80,
        help_text=_(
            "The customer's account in your accounting, e.g. 411DUPONT: imports find the customer by it. "
            "It is set once, when the customer is created, and cannot be changed afterwards."
        ),
    )
    name = forms.CharField(label=_("Name"), max_length=240)
    kind = forms.ChoiceField(label=_("Kind"), choices=CustomerKind.choices)
    siren = _text(_("SIREN"), 20, help_text=_("9 digits; spaces are removed."))
    siret = _text(_("SIRET"), 20, help_text=_("14 digits: an establishment of the SIREN."))
    vat_number = _text(_("VAT number"), 20, help_text=_("EU VAT number, e.g. FR44732829320."))
    address_line1 = _text(_("Address"), 200)
    address_line2 = _text(_("Address (continued)"), 200)
    postal_code = _text(_("Postal code"), 20)
    city = _text(_("City"), 100)
    country = forms.CharField(
        label=_("Country"), max_length=10, initial="FR", help_text=_("Two letters (ISO 3166): FR, BE, DE...")
    )
    language = forms.ChoiceField(label=_("Language of letters and e-mails"), choices=settings.LANGUAGES, initial="fr")
    segment = forms.ChoiceField(label=_("Segment"), choices=Segment.choices, initial=Segment.STANDARD)
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"),
        required=False,
        min_value=0,
        max_value=365,
        help_text=_("Empty: the organization's default."),
    )
    payment_terms_end_of_month = forms.BooleanField(label=_("End of month"), required=False)
    credit_limit = _text(_("Credit limit"), 20, help_text=_("An amount, e.g. 5 000,00; empty: none."))
    tags = _text(_("Tags"), 1200, help_text=_("Separated by commas."))

    def __init__(self, *args: Any, creating: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not creating:
            del self.fields["ref"]

    @classmethod
    def initial_of(cls, customer: Any) -> dict[str, Any]:
        return {
            "name": customer.name,
            "kind": customer.kind,
            "siren": format_siren(customer.siren),
            "siret": format_siret(customer.siret),
            "vat_number": customer.vat_number,
            "address_line1": customer.address_line1,
            "address_line2": customer.address_line2,
            "postal_code": customer.postal_code,
            "city": customer.city,
            "country": customer.country,
            "language": customer.language,
            "segment": customer.segment,
            "payment_terms_days": customer.payment_terms_days,
            "payment_terms_end_of_month": customer.payment_terms_end_of_month,
            "credit_limit": "" if customer.credit_limit is None else str(customer.credit_limit),
            "tags": ", ".join(customer.tags or []),
        }

    def values(self) -> dict[str, Any]:
        """What was typed, for the service (which checks and stores it)."""
        return dict(self.cleaned_data)


class ContactForm(forms.Form):
    """A contact of a customer (``recouvre contact add`` / ``edit`` do the same)."""

    name = _text(_("Name"), 200)
    role = forms.ChoiceField(label=_("Role"), choices=ContactRole.choices, initial=ContactRole.BILLING)
    email = _text(_("E-mail"), 254, widget=forms.EmailInput)
    phone = _text(_("Phone"), 40)
    is_primary = forms.BooleanField(
        label=_("Primary contact"),
        required=False,
        help_text=_("The one reminders are addressed to first; only one per customer."),
    )

    @classmethod
    def initial_of(cls, contact: Any) -> dict[str, Any]:
        return {f: getattr(contact, f) for f in ("name", "role", "email", "phone", "is_primary")}

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class IbanForm(forms.Form):
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=64,
        help_text=_("An account the customer pays from: its transfers are then matched to it."),
    )
