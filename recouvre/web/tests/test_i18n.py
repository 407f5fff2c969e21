"""French and English ship complete: the French catalogue has no untranslated or fuzzy entry, the compiled
catalogues match their sources, and pages speak the reader's language."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.urls import reverse

from .helpers import text

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def catalogue(language: str):  # type: ignore[no-untyped-def]
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as f:
        return read_po(f, locale=language)


def test_french_catalogue_is_complete_and_has_no_fuzzy_entry():
    cat = catalogue("fr")
    assert len(cat) > 200
    untranslated, fuzzy = [], []
    for message in cat:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if not all(strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert untranslated == []
    assert fuzzy == []
    assert not cat.fuzzy  # the header either


def test_french_translations_keep_every_placeholder():
    import re

    placeholder = re.compile(r"%\((\w+)\)s|%s")
    for message in catalogue("fr"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        # French has two forms like English: the first (0 and 1) is checked against the singular, the second
        # against the plural (a singular may leave out what only a plural says, e.g. a range of dates).
        for i, s in enumerate(strings):
            expected = sorted(set(placeholder.findall(ids[min(i, len(ids) - 1)])))
            assert sorted(set(placeholder.findall(s))) == expected, message.id


@pytest.mark.parametrize("language", ["fr", "en"])
def test_compiled_catalogues_match_their_sources(language):
    mo = LOCALE / language / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for message in catalogue(language):
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            singular = message.id[0]
            expected = message.string[0] or singular
            got = (
                compiled.npgettext(message.context, singular, message.id[1], 1)
                if message.context
                else (compiled.ngettext(singular, message.id[1], 1))
            )
        else:
            expected = message.string or message.id
            got = compiled.pgettext(message.context, message.id) if message.context else compiled.gettext(message.id)
        assert got == expected, f"{language}: {message.id!r} is not compiled (run compilemessages)"


@pytest.mark.django_db
def test_pages_in_french_by_default_and_in_english_on_request(logged_client, ledger):
    french = text(logged_client.get(reverse("home")))
    assert "Tableau de bord" in french and "Encours total 3 650,00 €" in french and "Se déconnecter" in french

    logged_client.cookies["django_language"] = "en"
    english = text(logged_client.get(reverse("home")))
    assert "Dashboard" in english and "Total outstanding €3,650.00" in english and "Log out" in english
    assert "Situation on 31 Mar 2026, in EUR." in english
    assert "Tableau de bord" not in english

    customer = text(logged_client.get(reverse("customer_detail", args=[ledger.dupont.pk])))
    assert "Open invoices" in customer and "Days overdue" in customer and "Balance €1,900.00" in customer
    assert "Customer Boulangerie Dupont created (account 411DUP)." in customer
    aging = text(logged_client.get(reverse("aging")))
    assert "Not due 1-30 days 31-60 days 61-90 days Over 90 days Total Unapplied Balance" in aging


@pytest.mark.django_db
def test_the_language_switcher_posts_to_set_language(logged_client, ledger):
    page = logged_client.get(reverse("customer_list")).content.decode()
    assert f'action="{reverse("set_language")}"' in page and 'method="post"' in page
    response = logged_client.post(reverse("set_language"), {"language": "en", "next": reverse("customer_list")})
    assert response.status_code == 302 and response["Location"] == reverse("customer_list")
    assert "Overdue only" in text(logged_client.get(reverse("customer_list")))
