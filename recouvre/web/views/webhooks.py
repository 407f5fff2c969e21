"""The Webhooks settings page (administrators): endpoints added, changed, enabled or disabled, removed, their secret
replaced (shown once), a test event sent; the latest deliveries with their status and the endpoint's answer, each
replayable. Sending is the worker's: each button queues a pass. Another organization's endpoint or delivery is
404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvre.ledger.actors import Actor
from recouvre.webhooks import selectors, services
from recouvre.webhooks.labels import TYPE_LABELS
from recouvre.webhooks.models import WebhookDelivery, WebhookEndpoint
from recouvre.webhooks.tasks import queue_pass

from ..decorators import member_required
from ..webhook_forms import WebhookEndpointForm


def _endpoint(request: HttpRequest, pk: int) -> WebhookEndpoint:
    try:
        return selectors.endpoint(request.organization, pk)  # type: ignore[attr-defined]
    except WebhookEndpoint.DoesNotExist as exc:
        raise Http404 from exc


def _page(request: HttpRequest, form: WebhookEndpointForm, **extra: Any) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    endpoint_id = extra.get("endpoint").pk if extra.get("endpoint") else None
    found = selectors.deliveries(org, endpoint_id=endpoint_id, limit=50)
    for d in found:
        d.type_label = TYPE_LABELS.get(d.type, d.type)  # type: ignore[attr-defined]
    endpoints = list(selectors.endpoints(org))
    for e in endpoints:
        e.type_labels = [TYPE_LABELS.get(t, t) for t in e.event_types]  # type: ignore[attr-defined]
    return render(
        request,
        "web/webhook_settings.html",
        {"form": form, "endpoints": endpoints, "deliveries": found, "section": "webhook_settings", **extra},
    )


def _apply_errors(form: WebhookEndpointForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@member_required("manage_org")
def webhook_settings(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.add_endpoint(org, Actor.of(request.user), **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Webhook endpoint added."))
            return _page(request, WebhookEndpointForm(), new_secret=created.secret, secret_for=created)
    return _page(request, form)


@member_required("manage_org")
def webhook_endpoint(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    initial = {"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types}
    form = WebhookEndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_endpoint(endpoint, Actor.of(request.user), **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Webhook endpoint saved."))
            return redirect("webhook_endpoint", pk=endpoint.pk)
    return _page(request, form, endpoint=endpoint)


@require_POST
@member_required("manage_org")
def webhook_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    services.update_endpoint(endpoint, Actor.of(request.user), enabled=not endpoint.enabled)
    if endpoint.enabled:
        queue_pass(only_when_needed=False)
        messages.success(request, _("Webhook endpoint enabled: the events since it stopped will be sent."))
    else:
        messages.success(request, _("Webhook endpoint disabled: nothing is sent to it any more."))
    return redirect("webhook_endpoint", pk=endpoint.pk)


@require_POST
@member_required("manage_org")
def webhook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    secret = services.rotate_secret(endpoint, Actor.of(request.user))
    messages.success(request, _("New secret made: the old one signs nothing from now on."))
    initial = {"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types}
    return _page(request, WebhookEndpointForm(initial=initial), endpoint=endpoint, new_secret=secret,
                 secret_for=endpoint)  # fmt: skip


@require_POST
@member_required("manage_org")
def webhook_remove(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    services.remove_endpoint(endpoint, Actor.of(request.user))
    messages.success(request, _("Webhook endpoint removed."))
    return redirect("webhook_settings")


@require_POST
@member_required("manage_org")
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    if not endpoint.enabled:
        messages.error(request, _("The endpoint is disabled: enable it first."))
    else:
        services.queue_test(endpoint, Actor.of(request.user))
        queue_pass(only_when_needed=False)
        messages.success(request, _("Test event queued: the background worker sends it; its status shows below."))
    return redirect("webhook_endpoint", pk=endpoint.pk)


@require_POST
@member_required("manage_org")
def webhook_replay(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        delivery = selectors.delivery(request.organization, pk)  # type: ignore[attr-defined]
    except WebhookDelivery.DoesNotExist as exc:
        raise Http404 from exc
    if not delivery.endpoint.enabled:
        messages.error(request, _("The endpoint is disabled: enable it first."))
    else:
        services.replay(delivery, Actor.of(request.user))
        queue_pass(only_when_needed=False)
        messages.success(request, _("Delivery queued again: the background worker sends it."))
    return redirect("webhook_endpoint", pk=delivery.endpoint_id)
