"""Tenant-scoped reads of letters. ``organization`` is always given by the web app; the command line may pass
``None`` to read every organization (the operator of the instance)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from recouvre.collections.models import Action, ActionState, Channel
from recouvre.organizations.models import Organization

from .models import Letter

STATUSES = ("ready", "posted", "acknowledged", "all")


def _scoped(qs: QuerySet, organization: Organization | None) -> QuerySet:
    return qs if organization is None else qs.filter(organization=organization)


def letters(
    organization: Organization | None,
    *,
    status: str = "ready",
    registered: bool | None = None,
    search: str = "",
) -> QuerySet[Letter]:
    """Letters without their PDF bytes, with their action and customer: ``ready`` (to post: produced, not posted,
    action still ready), ``posted`` (posted, not acknowledged), ``acknowledged``, or ``all``."""
    qs = _scoped(Letter.objects.defer("pdf").select_related("action", "customer"), organization)
    if status == "ready":
        qs = qs.filter(posted_on__isnull=True, action__state=ActionState.READY).order_by("customer__name", "id")
    elif status == "posted":
        qs = qs.filter(posted_on__isnull=False, acknowledged_on__isnull=True).order_by("-posted_on", "-id")
    elif status == "acknowledged":
        qs = qs.filter(acknowledged_on__isnull=False).order_by("-acknowledged_on", "-id")
    else:
        qs = qs.order_by("-produced_at", "-id")
    if registered is not None:
        qs = qs.filter(registered=registered)
    if search:
        qs = qs.filter(
            Q(customer__name__icontains=search) | Q(customer__ref__icontains=search) | Q(tracking_number=search)
        )
    return qs


def ready_letters_with_pdf(organization: Organization | None) -> QuerySet[Letter]:
    """The letters ready to post, PDF included, in the order they are listed and printed."""
    return (
        _scoped(Letter.objects.select_related("customer"), organization)
        .filter(posted_on__isnull=True, action__state=ActionState.READY)
        .order_by("customer__name", "id")
    )


def letter_of_action(organization: Organization | None, action_id: int) -> Letter:
    """The letter produced for the action ``action_id``; ``Letter.DoesNotExist`` when there is none in
    ``organization``."""
    return _scoped(Letter.objects.select_related("action", "customer", "organization"), organization).get(
        action_id=action_id
    )


def letter_action(organization: Organization, action_id: int) -> Action:
    """A letter or registered-letter action of ``organization`` (any state), for a preview; ``Action.DoesNotExist``
    otherwise."""
    return Action.objects.select_related("organization", "customer").get(
        organization=organization, pk=action_id, channel__in=(Channel.LETTER, Channel.REGISTERED_LETTER)
    )


def letters_to_produce(organization: Organization, limit: int = 200) -> list[Action]:
    """Letter actions planned (approved, or needing no approval) whose letter is not produced yet: they are produced
    in the next sending window on or after their send date. The earliest first."""
    return list(
        Action.objects.filter(
            organization=organization,
            channel__in=(Channel.LETTER, Channel.REGISTERED_LETTER),
            state=ActionState.PLANNED,
        )
        .select_related("customer")
        .order_by("send_on", "customer__name", "id")[:limit]
    )
