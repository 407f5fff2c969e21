"""The customer's own actions on the portal: promise to pay, dispute an invoice, say it is already paid, ask for a
payment plan, correct the contact details. Each page shows its form (GET) and records it (POST, CSRF-checked)
through one write of ``recouvre.portal.services``; a refusal shows the form again with the reasons in the
customer's language and nothing written; a success goes back to the account page with a message saying what was
recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from recouvre.collections.rendering import format_amount, format_date

from . import forms, services
from .models import PortalLink, link_settings
from .views import base_context, portal_page

# The forms' pages send their address to their own site only: a form posted from a page without any referrer
# carries "Origin: null", which the CSRF check refuses.
SAME_ORIGIN = "same-origin"
# A request body larger than this is refused before it is read (the file limit and room for the form's fields).
BODY_MARGIN = 1_000_000


def _lang() -> str:
    return translation.get_language() or "fr"


def _too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.DOCUMENTS_MAX_UPLOAD_BYTES + BODY_MARGIN


def _handle(
    request: HttpRequest,
    link: PortalLink,
    form_class: type[django_forms.Form],
    *,
    template: str,
    write: Callable[[dict[str, Any]], str],
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Show the form, or record it: ``write`` gets the cleaned data and returns the message of success."""
    lang = _lang()
    if request.method == "POST" and _too_large(request):
        form = form_class(link=link, lang=lang)  # type: ignore[call-arg]
        form.add_error(
            None,
            _("The file is too large (%(size)s MB at most).")
            % {"size": f"{settings.DOCUMENTS_MAX_UPLOAD_BYTES / 1_000_000:g}"},
        )
        return _page(request, link, lang, template, form, extra, status=413)
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = form_class(*data, link=link, lang=lang)  # type: ignore[call-arg]
    if request.method == "POST" and form.is_valid():
        try:
            done = write(form.cleaned_data)
        except ValidationError as exc:
            for text in exc.messages:
                form.add_error(None, text)
        else:
            messages.success(request, done)
            home = reverse("portal:home", args=[request.resolver_match.kwargs["token"]])  # type: ignore[union-attr]
            chosen = request.GET.get("lang", "")
            return redirect(home + (f"?lang={chosen}" if chosen in ("fr", "en") else ""))
    return _page(request, link, lang, template, form, extra, status=400 if form.is_bound else 200)


def _page(
    request: HttpRequest,
    link: PortalLink,
    lang: str,
    template: str,
    form: django_forms.Form,
    extra: dict[str, Any] | None,
    *,
    status: int = 200,
) -> HttpResponse:
    context = {**base_context(request, link, lang), "form": form, "referrer_policy": SAME_ORIGIN, **(extra or {})}
    response = render(request, template, context, status=status)
    response["Referrer-Policy"] = SAME_ORIGIN
    return response


def _today() -> Any:
    return timezone.localdate()


def _money(amount: Any, currency: str) -> str:
    return format_amount(amount, currency, _lang())


@require_http_methods(["GET", "POST"])
@portal_page
def promise(request: HttpRequest, link: PortalLink) -> HttpResponse:
    max_days = link_settings(link.organization).promise_max_days
    last = date_text(_today(), max_days)

    def write(data: dict[str, Any]) -> str:
        hold = services.promise(
            link,
            invoices=list(data["invoices"]),
            amount=data["amount"],
            promised_on=data["promised_on"],
            today=_today(),
        )
        assert hold.amount is not None and hold.promised_on is not None
        return _("Your promise to pay %(amount)s by %(date)s is recorded. A confirmation is on its way by e-mail.") % {
            "amount": _money(hold.amount, hold.currency),
            "date": format_date(hold.promised_on, _lang()),
        }

    return _handle(
        request,
        link,
        forms.PromiseForm,
        template="portal/promise.html",
        write=write,
        extra={"max_days": max_days, "last_day": last},
    )


def date_text(today: Any, days: int) -> str:
    from datetime import timedelta

    return format_date(today + timedelta(days=days), _lang())


@require_http_methods(["GET", "POST"])
@portal_page
def dispute(request: HttpRequest, link: PortalLink) -> HttpResponse:
    def write(data: dict[str, Any]) -> str:
        services.dispute(
            link,
            invoice=data["invoice"],
            reason_code=data["reason_code"],
            message=data["message"],
            attachment=data.get("attachment"),
            today=_today(),
        )
        return _(
            "Your dispute of invoice %(number)s is recorded: we will look into it and come back to you. "
            "A confirmation is on its way by e-mail."
        ) % {"number": data["invoice"].number}

    return _handle(request, link, forms.DisputeForm, template="portal/dispute.html", write=write)


@require_http_methods(["GET", "POST"])
@portal_page
def already_paid(request: HttpRequest, link: PortalLink) -> HttpResponse:
    def write(data: dict[str, Any]) -> str:
        invoices = list(data["invoices"])
        services.already_paid(
            link,
            invoices=invoices,
            paid_on=data["paid_on"],
            amount=data["amount"],
            proof=data.get("proof"),
            message=data["message"],
            today=_today(),
        )
        return _(
            "Thank you: we are looking for your payment of %(amount)s of %(date)s. A confirmation is on its way by "
            "e-mail."
        ) % {"amount": _money(data["amount"], invoices[0].currency), "date": format_date(data["paid_on"], _lang())}

    return _handle(request, link, forms.AlreadyPaidForm, template="portal/already_paid.html", write=write)


@require_http_methods(["GET", "POST"])
@portal_page
def plan(request: HttpRequest, link: PortalLink) -> HttpResponse:
    found = link_settings(link.organization)

    def write(data: dict[str, Any]) -> str:
        answer = services.ask_for_plan(
            link,
            invoices=list(data["invoices"]),
            count=data.get("count"),
            first_on=data.get("first_on"),
            instalments=data.get("instalments") or None,
            today=_today(),
        )
        if answer.plan is not None:
            return _(
                "Your payment plan is agreed: %(count)s instalments, %(total)s in all. A confirmation with the "
                "schedule is on its way by e-mail."
            ) % {
                "count": answer.plan.instalments.count(),
                "total": _money(answer.plan.total, answer.plan.currency),
            }
        return _(
            "Your request has been passed on to the person in charge of your account, who will answer you. Until then "
            "nothing is agreed. A confirmation is on its way by e-mail."
        )

    return _handle(
        request,
        link,
        forms.PlanForm,
        template="portal/plan.html",
        write=write,
        extra={
            "max_instalments": found.plan_max_instalments,
            "max_days": found.plan_max_days,
            "min_instalment": _money(found.plan_min_instalment, link.organization.currency),
        },
    )


class _ContactForm(forms.ContactForm):
    def __init__(self, *args: Any, link: PortalLink, lang: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial = services.current_contact(link.customer)


@require_http_methods(["GET", "POST"])
@portal_page
def contact(request: HttpRequest, link: PortalLink) -> HttpResponse:
    def write(data: dict[str, Any]) -> str:
        proposed = {name: data.get(name) or "" for name in services.CONTACT_FIELDS}
        services.propose_contact(link, proposed=proposed, message=data["message"], today=_today())
        return _(
            "Your new contact details have been passed on to the person in charge of your account, who will update "
            "them. A confirmation is on its way by e-mail."
        )

    return _handle(request, link, _ContactForm, template="portal/contact.html", write=write)
