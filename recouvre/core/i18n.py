"""Translation of the messages the core writes for people, without importing Django.

Messages are marked where they are written, with literal strings so that ``makemessages`` finds them, and their
values are put in after translation::

    raise DateError(_("not a date: %(text)r") % {"text": text})

Never an f-string inside ``_()``: the translated text would no longer be found in the catalogue.
``gettext_noop`` marks a string for the catalogue without translating it (a label stored in a table and
translated where it is shown, with ``_(label)``).

Until a translator is installed, messages come out as written (English): the core is usable and testable on its
own. The application installs Django's ``gettext``/``ngettext`` at start-up (``recouvre.ledger.apps``), so
messages come out in the active language: the web request's, or the one the ``recouvre`` command chose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

GettextFn = Callable[[str], str]
NgettextFn = Callable[[str, str, int], str]

LANGUAGE_VARIABLE = "RECOUVRE_LANGUAGE"
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")  # POSIX order: the first one set decides


def _identity(message: str) -> str:
    return message


def _english_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


_gettext: GettextFn = _identity
_ngettext: NgettextFn = _english_plural


def install(gettext_fn: GettextFn, ngettext_fn: NgettextFn) -> tuple[GettextFn, NgettextFn]:
    """Translate the core's messages with these functions from now on; returns the previous pair."""
    global _gettext, _ngettext
    previous = (_gettext, _ngettext)
    _gettext, _ngettext = gettext_fn, ngettext_fn
    return previous


def uninstall() -> None:
    """Back to the messages as written."""
    install(_identity, _english_plural)


def gettext(message: str) -> str:
    """``message`` in the active language."""
    return _gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or the plural form for ``n``, in the active language."""
    return _ngettext(singular, plural, n)


def gettext_noop(message: str) -> str:
    """Marks ``message`` for the catalogue; returns it unchanged (translate it with ``gettext`` where it is shown)."""
    return message


_ = gettext


def language_from_environment(environ: Mapping[str, str], supported: Sequence[str], default: str) -> str:
    """The language of the ``recouvre`` command: ``RECOUVRE_LANGUAGE`` when set (``fr``, ``en``, ``fr_FR.UTF-8``...),
    else the language of the locale (``LC_ALL``, ``LC_MESSAGES``, then ``LANG``: ``fr_FR.UTF-8`` is ``fr``,
    ``en_GB.UTF-8`` is ``en``), else ``default``. A locale in another language (``C``, ``de_DE``) gives
    ``default``; a ``RECOUVRE_LANGUAGE`` that is not one of ``supported`` is refused with ``ValueError``."""
    wanted = environ.get(LANGUAGE_VARIABLE, "").strip()
    if wanted:
        code = _language_code(wanted)
        if code not in supported:
            raise ValueError(
                _("%(variable)s=%(value)s is not a language Recouvre speaks (use one of: %(languages)s)")
                % {"variable": LANGUAGE_VARIABLE, "value": wanted, "languages": ", ".join(supported)}
            )
        return code
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            code = _language_code(value)
            return code if code in supported else default
    return default


def _language_code(value: str) -> str:
    """``fr_FR.UTF-8@euro`` -> ``fr``; ``en-GB`` -> ``en``; ``C.UTF-8`` -> ``c``."""
    return value.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
