"""The customer page's card about the customer portal: give a collector the customer's link to pass on, revoke
every live link. And the Customer portal settings page (administrators): links in documents on or off, how long a
link is valid, what a customer may do on the portal without a collector."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer
from recouvre.portal import links
from recouvre.portal.configuration import SETTINGS_FIELDS, save_settings
from recouvre.portal.models import PortalLink, PortalSettings, link_settings

from ..decorators import member_required
from .common import customer_or_404


def portal_card(customer: Customer) -> dict[str, Any]:
    """What the customer page shows of the customer's links: the live ones, the newest first."""
    now = timezone.now()
    live = list(
        PortalLink.objects.filter(
            organization_id=customer.organization_id, customer=customer, revoked_at__isnull=True, expires_at__gt=now
        ).order_by("-expires_at", "-id")
    )
    from recouvre.portal.services import contact_labels, pending_proposals

    labels = contact_labels()
    proposals = [
        {
            "proposal": p,
            "rows": [(labels.get(name, name), old, new) for name, (old, new) in p.changes.items()],
        }
        for p in pending_proposals(customer)
    ]
    return {
        "live": live,
        "newest": live[0] if live else None,
        "carries": links.carries_links(customer.organization),
        "proposals": proposals,
    }


@require_POST
@member_required("edit")
def portal_link_show(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    link = links.link_for_document(customer, actor=Actor.of(request.user))
    url = links.public_url(link) or request.build_absolute_uri(links.path_of(link))
    messages.success(
        request,
        _("Link to the customer portal of %(name)s (pass it on to the customer only): %(url)s")
        % {"name": customer.name, "url": url},
    )
    return redirect(reverse("customer_detail", args=[customer.pk]) + "#portal")


@require_POST
@member_required("edit")
def portal_links_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    count = links.revoke_links(customer, actor=Actor.of(request.user))
    messages.success(
        request,
        ngettext("%(count)s link revoked.", "%(count)s links revoked.", count) % {"count": count}
        if count
        else _("The customer had no live link."),
    )
    return redirect(reverse("customer_detail", args=[customer.pk]) + "#portal")


@require_POST
@member_required("edit")
def contact_proposal_decide(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    """Apply the contact details the customer proposed on the portal (``apply``), or set them aside."""
    from django.core.exceptions import ValidationError
    from django.http import Http404

    from recouvre.portal.models import ContactProposal
    from recouvre.portal.services import decide_proposal

    customer = customer_or_404(request, pk)
    proposal = ContactProposal.objects.filter(
        organization_id=customer.organization_id, customer=customer, pk=proposal_pk
    ).first()
    if proposal is None:
        raise Http404
    apply = request.POST.get("decision") == "apply"
    try:
        decide_proposal(proposal, apply=apply, actor=Actor.of(request.user))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The contact details proposed by the customer were applied.")
            if apply
            else _("The contact details proposed by the customer were set aside."),
        )
    return redirect(reverse("customer_detail", args=[customer.pk]) + "#contacts")


class PortalSettingsForm(forms.ModelForm):
    class Meta:
        model = PortalSettings
        fields = list(SETTINGS_FIELDS)
        widgets = {
            "link_days": forms.NumberInput(attrs={"min": 1, "max": 366}),
            "promise_max_days": forms.NumberInput(attrs={"min": 1, "max": 366}),
            "plan_max_instalments": forms.NumberInput(attrs={"min": 0, "max": 24}),
            "plan_max_days": forms.NumberInput(attrs={"min": 1, "max": 731}),
            "plan_min_instalment": forms.NumberInput(attrs={"min": "0.01", "step": "0.01"}),
        }


@member_required("manage_org")
def portal_settings(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    form = PortalSettingsForm(request.POST or None, instance=link_settings(org))
    if request.method == "POST" and form.is_valid():
        try:
            _saved, changed = save_settings(
                org, Actor.of(request.user), **{f: form.cleaned_data[f] for f in SETTINGS_FIELDS}
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Customer portal settings saved.") if changed else _("Nothing changed."))
            return redirect("portal_settings")
    return render(
        request,
        "web/portal_settings.html",
        {"form": form, "public_url": settings.RECOUVRE_PUBLIC_URL},
    )
