"""``Authorization: Bearer KEY``: who calls the API. ``READ`` is every operation's default, ``WRITE`` and ``RUN``
are given to the operations that need them; a body larger than ``RECOUVRE_API_MAX_BODY_MB`` is refused (413)
before the key is even looked up."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from recouvre.core.sizes import human_size

from . import selectors
from .common import ApiError
from .models import ApiKey, Scope
from .services import touch

MAX_BODY_BYTES = 20 * 1024 * 1024


class KeyAuth(HttpBearer):
    """``Authorization: Bearer KEY``: an unrevoked key with ``scope``."""

    def __init__(self, scope: str):
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > max_body_bytes():
            raise ApiError(
                413,
                _("The request body is larger than the %(limit)s accepted.") % {"limit": human_size(max_body_bytes())},
            )
        key = selectors.active_key(token) if len(token) < 200 and token.isascii() else None
        if key is None:
            return None
        if self.scope not in key.scopes:
            raise ApiError(403, _("This API key does not have the %(scope)s scope.") % {"scope": self.scope})
        touch(key)
        return key


def max_body_bytes() -> int:
    return int(getattr(settings, "API_MAX_BODY_BYTES", MAX_BODY_BYTES))


READ, WRITE, RUN = KeyAuth(Scope.READ), KeyAuth(Scope.WRITE), KeyAuth(Scope.RUN)
