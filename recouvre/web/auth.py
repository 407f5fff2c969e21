"""Logging in (throttled) and changing one's password.

Logging in counts failures per user name and per client address (``recouvre.organizations.logins``): past the
limits, logging in is refused for a while, the right password too, with a message saying until when. Behind the
TLS proxy of ``RECOUVRE_HTTPS=1`` the client's address is the last one of ``X-Forwarded-For``.

The password change page is Django's, with the configured password validators."""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recouvre.core.throttle import forwarded_client
from recouvre.organizations import logins

log = logging.getLogger("recouvre.security")


def client_address(request: HttpRequest) -> str:
    return forwarded_client(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        behind_proxy=settings.HTTPS,
    )


def _locked_error(until: datetime, now: datetime) -> ValidationError:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return ValidationError(
        ngettext(
            "Too many failed logins: logging in is locked for %(minutes)s minute (until %(time)s). Try again later.",
            "Too many failed logins: logging in is locked for %(minutes)s minutes (until %(time)s). Try again later.",
            minutes,
        )
        % {"minutes": minutes, "time": time_format(timezone.localtime(until), "H:i")},
        code="locked",
    )


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        address = client_address(self.request) if self.request is not None else ""
        now = timezone.now()
        until = logins.locked_until(username, address, now)
        if until is not None:
            raise _locked_error(until, now)  # the password is not even tried
        try:
            cleaned = super().clean()
        except ValidationError as exc:
            if exc.code != "invalid_login":
                raise
            until = logins.record_failure(username, address, now)
            if until is not None:
                raise _locked_error(until, now) from exc
            raise
        logins.record_success(username)
        return cleaned


class LoginView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> Any:
        response = super().form_valid(form)
        log.info("user %r changed their password", self.request.user.get_username())
        messages.success(self.request, _("Your password has been changed."))
        return response
