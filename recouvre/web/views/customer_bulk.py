"""Bulk actions on the customers ticked in the customer list (or all those its filter shows): a first POST shows
what will be done and to how many customers; the second (``confirm``) does it, all or nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from recouvre.collections import bulk
from recouvre.collections.list_selectors import describe
from recouvre.collections.models import Policy
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer
from recouvre.organizations.models import User

from .. import formatting
from ..decorators import member_required
from ..list_forms import BULK_ACTIONS, BulkForm
from .common import today
from .customer_list import customer_columns, customer_export_rows, export_response, filtered_customers

# What each action needs of the member's role.
PERMISSION = {
    "assign": "manage_collections",
    "policy": "manage_collections",
    "pause": "edit",
    "statement": "edit",
    "export": "view",
}
SHOWN = 20


def _chosen(request: HttpRequest, form: BulkForm) -> tuple[Any, str]:
    """The customers chosen, in the list's order (a queryset of the list's rows), and an error when the choice is
    not valid (customers of another organization, or none)."""
    query = QueryDict(form.cleaned_data.get("query") or "")
    _form, qs = filtered_customers(request, query)
    if not form.cleaned_data.get("all"):
        ids = form.cleaned_data.get("ids") or []
        if not ids:
            return qs.none(), _("Tick at least one customer.")
        # the filter may have changed since the page was shown: what is ticked counts, whatever the filter says
        _form, everyone = filtered_customers(request, QueryDict(""))
        qs = everyone.filter(pk__in=ids)
        if qs.count() != len(ids):
            return qs.none(), _("Some of the customers ticked are not customers of this organization.")
    return qs, ""


@require_POST
@member_required()
def customer_bulk(request: HttpRequest) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    membership = request.membership  # type: ignore[attr-defined]
    form = BulkForm(request.POST, organization=org)
    back = reverse("customer_list")
    action = request.POST.get("action", "")
    if action in PERMISSION and not membership.can(PERMISSION[action]):
        raise PermissionDenied
    valid = form.is_valid()
    if not valid and "action" in form.errors:
        messages.error(request, _("Choose an action."))
        return redirect(back)
    query = form.cleaned_data.get("query") or ""
    if query:
        back = f"{back}?{query}"
    qs, error = _chosen(request, form)
    if error:
        messages.error(request, error)
        return redirect(back)
    count = qs.count()
    if not valid or not form.cleaned_data.get("confirm"):
        return render(
            request,
            "web/customer_bulk_confirm.html",
            {
                "form": form if form.data.get("confirm") else BulkForm(organization=org),
                "action": action,
                "action_label": dict(BULK_ACTIONS)[action],
                "count": count,
                "shown": describe(qs[:SHOWN], org, today()),
                "more": max(0, count - SHOWN),
                "back": back,
                "ids": form.cleaned_data.get("ids") or [],
                "all": bool(form.cleaned_data.get("all")),
                "query": query,
                "too_many": count > (bulk.MAX_STATEMENTS if action == "statement" else bulk.MAX_CUSTOMERS),
                "most": bulk.MAX_STATEMENTS if action == "statement" else bulk.MAX_CUSTOMERS,
                "today": today(),
            },
        )
    if action == "export":
        from recouvre.collections.list_selectors import iterate_rows

        rows = iterate_rows(qs, org, today())
        return export_response(
            request, _("Customers"), customer_columns(), customer_export_rows(rows, org.currency), "csv"
        )
    customers = list(Customer.objects.filter(organization=org, pk__in=qs.values("pk")).order_by("name", "pk"))
    actor = Actor.of(request.user)
    data = form.cleaned_data
    try:
        if action == "assign":
            collector = User.objects.filter(pk=data["collector"]).first() if data["collector"] else None
            if data["collector"] and collector is None:
                raise ValidationError(_("The collector must be a member of the organization."))
            done = bulk.assign_collector(org, customers, collector=collector, actor=actor)
            messages.success(
                request,
                ngettext(
                    "Collector assigned to %(count)d customer.", "Collector assigned to %(count)d customers.", done
                )
                % {"count": done},
            )
        elif action == "policy":
            policy = Policy.objects.filter(organization=org, pk=data["policy"]).first() if data["policy"] else None
            if data["policy"] and policy is None:
                raise ValidationError(_("Choose the policy."))
            done = bulk.set_policy(org, customers, policy=policy, actor=actor)
            messages.success(
                request,
                ngettext("Policy changed for %(count)d customer.", "Policy changed for %(count)d customers.", done)
                % {"count": done},
            )
        elif action == "pause":
            done = bulk.pause(org, customers, until=data["until"], reason=data.get("reason", ""), actor=actor)
            messages.success(
                request,
                ngettext(
                    "Collection paused until %(day)s for %(count)d customer.",
                    "Collection paused until %(day)s for %(count)d customers.",
                    done,
                )
                % {"day": formatting.day(data["until"]), "count": done},
            )
        elif action == "statement":
            statements = bulk.statements_to_send(org, customers, as_of=today(), actor=actor)
            response = HttpResponse(statements.zip_bytes, content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="releves-{org.slug}-{today().isoformat()}.zip"'
            return response
    except ValidationError as exc:
        messages.error(request, _("Nothing was changed: %(error)s") % {"error": " ".join(exc.messages)})
    return redirect(back)
