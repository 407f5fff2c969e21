"""The form of the Privacy settings page: the privacy information printed on e-mails and letters, and the
retention durations (``recouvre.privacy``)."""

from __future__ import annotations

from django import forms

from recouvre.privacy.models import NOTICE_MAX, PrivacySettings


class PrivacySettingsForm(forms.ModelForm):
    class Meta:
        model = PrivacySettings
        fields = [
            "notice_fr",
            "notice_en",
            "contact",
            "consumer_years",
            "business_years",
            "judgment_years",
            "accounting_years",
            "purge_by_scheduler",
        ]
        widgets = {
            "notice_fr": forms.Textarea(attrs={"rows": 6, "maxlength": NOTICE_MAX}),
            "notice_en": forms.Textarea(attrs={"rows": 6, "maxlength": NOTICE_MAX}),
            "consumer_years": forms.NumberInput(attrs={"min": 1, "max": 30}),
            "business_years": forms.NumberInput(attrs={"min": 1, "max": 30}),
            "judgment_years": forms.NumberInput(attrs={"min": 1, "max": 30}),
            "accounting_years": forms.NumberInput(attrs={"min": 10, "max": 30}),
        }

    def clean(self) -> dict:  # type: ignore[type-arg]
        data = super().clean() or {}
        for name in ("notice_fr", "notice_en", "contact"):
            if isinstance(data.get(name), str):
                data[name] = data[name].replace("\r\n", "\n").strip()
        return data
