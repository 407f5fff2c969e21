"""What the debug page (``RECOUVRE_DEBUG=1``) may show: Django's filter hides settings, request headers and
environment entries whose name looks secret (``PASSWORD``, ``SECRET_KEY``...); this one also hides the password
written inside a value (``postgres://user:password@host/db``, ``smtp://user:password@host``, ``password=...``
in a connection string), in the settings, the request's environment and the variables of the traceback alike."""

from __future__ import annotations

import re
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/?#@\s]*:)[^@/\s]*(?P<at>@)", re.I)
_KEYWORD_PASSWORD = re.compile(r"(?P<head>\b(?:password|passwd|pwd)\s*[=:]\s*)(?:'[^']*'|\"[^\"]*\"|[^\s,;&]+)", re.I)
HIDDEN = SafeExceptionReporterFilter.cleansed_substitute


def mask(text: str) -> str:
    """``text`` with any password written in it replaced by stars."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}{HIDDEN}{m['at']}", text)
    return _KEYWORD_PASSWORD.sub(lambda m: f"{m['head']}{HIDDEN}", text)


class _Shown:
    """A traceback variable as the page prints it (its ``repr``), with any password masked."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class ExceptionReporterFilter(SafeExceptionReporterFilter):
    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str):
            return mask(cleansed)
        if isinstance(cleansed, bytes):
            return mask(cleansed.decode("utf-8", "replace"))
        return cleansed

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        shown = []
        for name, value in super().get_traceback_frame_variables(request, tb_frame):
            cleansed = self.cleanse_setting(name, value)
            if cleansed is value and not isinstance(value, (str, int, float, bool, type(None))):
                try:
                    text = repr(value)
                except Exception:  # the page itself reports objects that cannot be printed
                    text = None
                if text is not None:
                    cleansed = _Shown(mask(text))
            shown.append((name, cleansed))
        return shown
