"""The webhooks' background work: ``deliver_pass`` runs in the worker (``recouvre worker``); the scheduler queues
it at each pass when there is something to do and no pass is already queued (``queue_pass``); the web app queues it
after a replay or a test so that they leave within seconds."""

from __future__ import annotations

from typing import Any

from django.tasks import task
from django.utils import timezone


@task()
def deliver_pass() -> dict[str, Any]:
    """Collect the new events of every organization into deliveries, then send those due."""
    from .services import run_pass

    return run_pass()


def queue_pass(*, only_when_needed: bool = True) -> bool:
    """Queue ``deliver_pass`` unless one is already waiting (or, ``only_when_needed``, nothing is to do): whether
    one was queued."""
    from django_tasks_db.models import DBTaskResult

    from .services import has_work

    if DBTaskResult.objects.ready().filter(task_path=deliver_pass.module_path).exists():
        return False
    if only_when_needed and not has_work(timezone.now()):
        return False
    deliver_pass.enqueue()
    return True
