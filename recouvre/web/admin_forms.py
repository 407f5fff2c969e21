"""Forms of the administration pages: members and invitations, the organization's settings, import mappings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvre.organizations.logo import MAX_BYTES
from recouvre.organizations.models import Role


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.COLLECTOR)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class AcceptInvitationForm(forms.Form):
    """A new user's account, made from an invitation: its address is the invitation's."""

    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    username = forms.CharField(
        label=_("User name"), max_length=150, help_text=_("What you will log in with."), strip=True
    )
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=False), strip=False)
    password_again = forms.CharField(
        label=_("Password, again"), widget=forms.PasswordInput(render_value=False), strip=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("The two passwords differ."))
        return data


class IdentityForm(forms.Form):
    """The organization's identity as its letters, statements and e-mails print it."""

    name = forms.CharField(label=_("Legal name"), max_length=200)
    legal_form = forms.CharField(label=_("Legal form"), max_length=60, required=False, help_text=_("SAS, SARL, SA..."))
    siren = forms.CharField(label=_("SIREN"), max_length=20, required=False, help_text=_("9 digits."))
    siret = forms.CharField(
        label=_("SIRET"),
        max_length=25,
        required=False,
        help_text=_("14 digits: the SIREN and the establishment's number."),
    )
    vat_number = forms.CharField(label=_("VAT number"), max_length=20, required=False)
    address_line1 = forms.CharField(label=_("Address"), max_length=200, required=False)
    address_line2 = forms.CharField(label=_("Address (continued)"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(label=_("Country"), max_length=2, help_text=_("Two letters: FR, BE, DE..."))
    legal_mentions = forms.CharField(
        label=_("Legal mentions"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Printed at the foot of every letter: share capital, RCS, registered office..."),
    )


class LogoForm(forms.Form):
    logo = forms.FileField(
        label=_("Logo"),
        help_text=_("A PNG or JPEG image of at most %(size)s KB; it is printed at the top of letters and statements.")
        % {"size": MAX_BYTES // 1024},
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )


class SenderForm(forms.Form):
    from_name = forms.CharField(
        label=_("Sender name"),
        max_length=200,
        required=False,
        help_text=_("The name your e-mails come from. Empty: the legal name."),
    )
    from_email = forms.EmailField(
        label=_("Sender address"), required=False, help_text=_("Empty: the server's address.")
    )
    reply_to = forms.EmailField(
        label=_("Reply-to address"),
        required=False,
        help_text=_("Where customers' answers go when the customer has no collector."),
    )


class MappingForm(forms.Form):
    """A saved mapping's name and the header read for each field (one field per field of its kind)."""

    name = forms.SlugField(label=_("Name"), max_length=60, help_text=_("Lowercase letters, digits and dashes."))

    def __init__(self, specs: list[tuple[str, str, bool]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.specs = specs
        for name, label, required in specs:
            self.fields[f"column_{name}"] = forms.CharField(
                label=label,
                max_length=200,
                required=False,
                help_text=_("Every file must have it; empty: found by its usual headers.") if required else "",
            )

    def columns(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[f"column_{name}"].strip()
            for name, _label, _required in self.specs
            if self.cleaned_data.get(f"column_{name}", "").strip()
        }
