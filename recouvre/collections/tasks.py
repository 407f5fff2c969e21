"""Work the web app hands to the background worker (``recouvre worker``, started by ``recouvre serve``) rather than
doing it while a person waits: sending. An unresponsive mail server then holds up the worker, never a page.

``queue_sending`` is what a page calls ("Run now", "Approve" with "Send approved e-mails now"): the worker works
through the organization's due outbox (``outbox.process_due``: e-mails sent, letters produced, tasks opened) on
behalf of the person who asked, in their language. Working through the outbox twice is harmless: each action is
claimed by one sender. ``recouvre run`` and ``recouvre dispatch`` still send in their own process.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from django.contrib.auth import get_user_model
from django.tasks import task
from django.utils import timezone, translation

from recouvre.ledger.actors import Actor
from recouvre.organizations.models import Organization

from .outbox import process_due

WORKER = Actor.system("worker")


@task()
def send_due(organization_id: int, user_id: int | None = None, language: str = "") -> dict[str, Any]:
    """Work through the due outbox of organization ``organization_id`` now, as user ``user_id`` (the worker when
    None or gone); the outcome's counts. An organization deleted meanwhile: nothing to do."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return {"organization": None}
    user = get_user_model().objects.filter(pk=user_id).first() if user_id is not None else None
    actor = Actor.of(user) if user is not None else WORKER
    with translation.override(language) if language else nullcontext():
        result = process_due(organization, now=timezone.now(), actor=actor)
    return {"organization": organization.slug, **result.as_dict()}


def queue_sending(organization: Organization, user: Any) -> None:
    """Queue ``send_due`` for ``organization`` on behalf of ``user`` (a request's user), in the active language."""
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    send_due.enqueue(organization.pk, user_id, translation.get_language() or "")
