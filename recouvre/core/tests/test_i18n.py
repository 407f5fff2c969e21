"""``recouvre.core.i18n``: messages as written until a translator is installed, then translated before their values
are put in; the language of the ``recouvre`` command from the environment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from recouvre.core import i18n
from recouvre.core.dates import DateError, PaymentTerms, parse_date
from recouvre.core.importing import RowError
from recouvre.core.mappings import resolve_columns
from recouvre.core.money import AmountError, parse_amount

FRENCH = {
    "not an amount: %(text)r": "pas un montant : %(text)r",
    "not a valid date: %(text)r": "date invalide : %(text)r",
    "%(days)s days end of month": "%(days)s jours fin de mois",
    "line %(line)s, %(field)s: %(message)s": "ligne %(line)s, %(field)s : %(message)s",
    "no column for the %(label)s (a header such as %(examples)s); columns found: %(found)s": (
        "aucune colonne pour « %(label)s » (un en-tête tel que %(examples)s) ; colonnes trouvées : %(found)s"
    ),
    "amount incl. tax": "montant TTC",
}


def french_ngettext(singular: str, plural: str, n: int) -> str:
    forms = {
        "%(text)r has more than %(n)s decimal": (
            "%(text)r a plus de %(n)s décimale",
            "%(text)r a plus de %(n)s décimales",
        )
    }
    one, many = forms.get(singular, (singular, plural))
    return one if n <= 1 else many  # French: 0 and 1 are singular


@pytest.fixture
def untranslated() -> Iterator[None]:
    previous = i18n.install(lambda m: m, lambda s, p, n: s if n == 1 else p)
    i18n.uninstall()
    yield
    i18n.install(*previous)


@pytest.fixture
def french() -> Iterator[None]:
    previous = i18n.install(lambda m: FRENCH.get(m, m), french_ngettext)
    yield
    i18n.install(*previous)


def test_messages_are_as_written_until_a_translator_is_installed(untranslated):
    assert i18n.gettext("not an amount: %(text)r") == "not an amount: %(text)r"
    assert i18n._ is i18n.gettext
    assert i18n.ngettext("%(n)s line", "%(n)s lines", 1) == "%(n)s line"
    assert i18n.ngettext("%(n)s line", "%(n)s lines", 0) == "%(n)s lines"
    assert i18n.gettext_noop("amount incl. tax") == "amount incl. tax"
    with pytest.raises(AmountError) as exc:
        parse_amount("12 abc")
    assert str(exc.value) == "not an amount: '12 abc'"
    with pytest.raises(AmountError) as exc:
        parse_amount("10,05", decimals=1)
    assert str(exc.value) == "'10,05' has more than 1 decimal"


def test_installed_translator_translates_then_puts_the_values_in(french):
    with pytest.raises(AmountError) as exc:
        parse_amount("12 abc")
    assert str(exc.value) == "pas un montant : '12 abc'"
    with pytest.raises(DateError) as err:
        parse_date("31/02/2025")
    assert str(err.value) == "date invalide : '31/02/2025'"
    with pytest.raises(AmountError) as exc:
        parse_amount("1,234567", decimals=2)
    assert str(exc.value) == "'1,234567' a plus de 2 décimales"
    assert PaymentTerms(45, end_of_month=True).label() == "45 jours fin de mois"
    assert str(RowError(7, "Montant", "montant vide")) == "ligne 7, Montant : montant vide"


def test_field_labels_are_translated_where_they_are_shown(french):
    columns, errors = resolve_columns("invoices", ["invoice_number", "customer_id", "issue_date"])
    assert columns is None
    assert [(e.line, e.field) for e in errors] == [(1, "total")]
    assert errors[0].message == (
        "aucune colonne pour « montant TTC » (un en-tête tel que 'amount_incl_tax', 'amount incl tax', "
        "'amount including tax', 'total') ; colonnes trouvées : 'invoice_number', 'customer_id', 'issue_date'"
    )


def test_a_translator_is_used_only_for_refusals(untranslated):
    """Reading good values never asks for a translation: the hot loops stay as fast as before."""
    asked: list[str] = []
    previous = i18n.install(lambda m: asked.append(m) or m, lambda s, p, n: asked.append(s) or s)
    try:
        assert parse_amount("1 234,56") == parse_amount("1234.56")
        assert parse_date("12/03/2025") == date(2025, 3, 12)
        assert asked == []
        with pytest.raises(DateError):
            parse_date("2025-13-01")
        assert asked == ["not a valid date: %(text)r"]
    finally:
        i18n.install(*previous)


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"RECOUVRE_LANGUAGE": "en", "LANG": "fr_FR.UTF-8"}, "en"),
        ({"RECOUVRE_LANGUAGE": "fr_FR.UTF-8", "LC_ALL": "en_US.UTF-8"}, "fr"),
        ({"RECOUVRE_LANGUAGE": "EN-gb"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"),  # LC_ALL wins over LANG
        ({"LC_ALL": "", "LC_MESSAGES": "en_IE@euro", "LANG": "fr_FR"}, "en"),
        ({"LANG": "C.UTF-8"}, "fr"),  # no language: the default
        ({"LANG": "de_DE.UTF-8"}, "fr"),  # a language Recouvre does not speak: the default
        ({"RECOUVRE_LANGUAGE": "  "}, "fr"),
        ({}, "fr"),
    ],
)
def test_language_of_the_command_from_the_environment(environ, language):
    assert i18n.language_from_environment(environ, ("fr", "en"), "fr") == language


def test_a_language_recouvre_does_not_speak_is_refused(untranslated):
    with pytest.raises(ValueError) as exc:
        i18n.language_from_environment({"RECOUVRE_LANGUAGE": "de"}, ("fr", "en"), "fr")
    assert str(exc.value) == "RECOUVRE_LANGUAGE=de is not a language Recouvre speaks (use one of: fr, en)"
