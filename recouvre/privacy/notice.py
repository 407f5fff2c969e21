"""The privacy information (GDPR art. 13 and 14) printed at the end of every e-mail and letter: who the controller
is, why and on what legal basis the data is processed, how long it is kept, the person's rights and where to
exercise them.

An organization may write its own text per language (``PrivacySettings.notice_fr`` / ``notice_en``, plain text).
Otherwise the default wording is written from its name, address and retention durations, and states the archive
period that applies to the debtor in front of it (2 years for a consumer, 5 years otherwise, by default).
"""

from __future__ import annotations

from typing import Any

from .models import PrivacySettings

_DEFAULTS = {
    "fr": (
        "Données personnelles : {controller} traite les données d'identification, de contact et de facturation "
        "vous concernant pour la gestion de ses factures et le recouvrement des sommes impayées, sur le fondement "
        "de l'exécution du contrat et de son intérêt légitime à obtenir le paiement de ses créances (RGPD, art. 6.1 "
        "b et f). Elles sont destinées à ses services habilités et, le cas échéant, à ses conseils, commissaires de "
        "justice et aux juridictions. Elles sont conservées jusqu'au règlement de la dette, puis archivées {archive} "
        "; les factures sont conservées {accounting} ans (C. com. L123-22). Vous disposez d'un droit d'accès, de "
        "rectification, d'effacement, de limitation et d'opposition, à exercer {contact}. Vous pouvez saisir la "
        "CNIL (www.cnil.fr)."
    ),
    "en": (
        "Personal data: {controller} processes the identification, contact and billing data relating to you to "
        "manage its invoices and recover unpaid sums, on the basis of the performance of the contract and of its "
        "legitimate interest in being paid (GDPR art. 6(1)(b) and (f)). The data is disclosed only to its "
        "authorised staff and, where needed, its advisers, commissaires de justice (judicial officers) and the "
        "courts. It is kept until the debt is settled, then archived {archive}; invoices are kept {accounting} "
        "years (French Commercial Code L123-22). You have the right of access, rectification, erasure, restriction "
        "and objection, to be exercised {contact}. You may lodge a complaint with the CNIL (www.cnil.fr)."
    ),
}
_ARCHIVE = {
    "fr": {
        "consumer": "pendant {years} ans (délai de prescription, C. conso L218-2)",
        "business": "pendant {years} ans (délai de prescription, C. com. L110-4)",
        "judgment": "pendant {years} ans après une décision de justice",
    },
    "en": {
        "consumer": "for {years} years (limitation period, French Consumer Code L218-2)",
        "business": "for {years} years (limitation period, French Commercial Code L110-4)",
        "judgment": "for {years} years after a court decision",
    },
}
_CONTACT = {
    "fr": ("auprès de {contact}", "par courrier à l'adresse {address}", "par courrier à son adresse"),
    "en": ("with {contact}", "by post at {address}", "by post at its address"),
}


def settings_of(organization: Any) -> PrivacySettings:
    """The organization's privacy settings (the defaults when it has none saved; nothing is written)."""
    found = PrivacySettings.objects.filter(organization_id=organization.pk).first() if organization.pk else None
    return found or PrivacySettings(organization=organization)


def _address(organization: Any) -> str:
    parts = [organization.address_line1, organization.address_line2]
    parts.append(" ".join(p for p in (organization.postal_code, organization.city) if p))
    return ", ".join(p.strip() for p in parts if p and p.strip())


def default_notice(organization: Any, language: str, kind: str = "business", settings: Any = None) -> str:
    """The default privacy information of ``organization`` in ``language`` (``fr`` or ``en``) for a debtor of
    ``kind`` (``consumer``, ``business`` or ``public``; ``judgment`` for the longer archive)."""
    lang = "fr" if language == "fr" else "en"
    s = settings if settings is not None else settings_of(organization)
    controller = organization.name
    form = (organization.legal_form or "").strip()
    if form and not controller.rstrip().endswith(form):
        controller += f" ({form})"
    address = _address(organization)
    if address:
        controller += f", {address}"
    if kind == "consumer":
        archive = _ARCHIVE[lang]["consumer"].format(years=s.consumer_years)
    elif kind == "judgment":
        archive = _ARCHIVE[lang]["judgment"].format(years=s.judgment_years)
    else:
        archive = _ARCHIVE[lang]["business"].format(years=s.business_years)
    with_contact, by_post, at_its_address = _CONTACT[lang]
    if s.contact.strip():
        contact = with_contact.format(contact=s.contact.strip())
    elif address:
        contact = by_post.format(address=address)
    else:
        contact = at_its_address
    return _DEFAULTS[lang].format(
        controller=controller, archive=archive, accounting=s.accounting_years, contact=contact
    )


def privacy_notice(organization: Any, language: str, kind: str = "business") -> str:
    """The privacy information printed on a message to a debtor of ``kind`` in ``language``: the organization's
    own text when it wrote one for that language, else the default wording."""
    lang = "fr" if (language or "").lower().startswith("fr") else "en"
    s = settings_of(organization)
    own = (s.notice_fr if lang == "fr" else s.notice_en).strip()
    return own or default_notice(organization, lang, kind, s)
