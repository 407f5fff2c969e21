"""``/health``: for monitoring. JSON, no login, answered before sessions and before the host name is checked (a
probe may call the machine by its address).

- ``database``: ``{"ok": true}``, or ``{"ok": false, "error": "<class of the error>"}`` and HTTP 503;
- ``worker``, ``scheduler``: the latest heartbeat of any of its processes, whether it is stale (no process beat
  within three of its intervals; never seen counts as stale), how many processes beat, since when the longest
  task or pass runs, since when every one is failing (``recouvre.operations.selectors``);
- ``queue``: tasks waiting for the worker, and since when the oldest waits; tasks running;
- ``organizations``: per organization *id* (never its name or short name: the page is public), the latest day
  its scheduled run went to its end (``as_of``, ``finished_at``), or null;
- ``status``: ``ok``, ``degraded`` (a component stale or failing) or ``error`` (the database).

HTTP 200 whenever the database answers, so that a load balancer keeps a web process that works; monitoring reads
``status`` or the fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

PATHS = ("/health", "/health/")


def report() -> dict[str, Any]:
    """The health report; a database error is raised."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from recouvre.collections.selectors import last_scheduled_runs
    from recouvre.operations.selectors import statuses
    from recouvre.organizations.models import Organization

    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    components = statuses(now)
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY).aggregate(oldest=Min("enqueued_at"))
    ready_count = DBTaskResult.objects.filter(status=TaskResultStatus.READY).count()
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count()
    runs = last_scheduled_runs()
    organizations = []
    for org_id in Organization.objects.order_by("pk").values_list("pk", flat=True):
        run = runs.get(org_id)
        organizations.append(
            {
                "id": org_id,
                "last_successful_run": None
                if run is None
                else {"as_of": run["as_of"].isoformat(), "finished_at": run["finished_at"].isoformat()},  # type: ignore[attr-defined]
            }
        )
    degraded = any(s.stale or s.failing_since is not None for s in components.values())
    return {
        "status": "degraded" if degraded else "ok",
        "checked_at": now.isoformat(),
        "database": {"ok": True, "vendor": connection.vendor},
        **{name: status.as_dict(errors=False) for name, status in components.items()},
        "queue": {
            "ready": ready_count,
            "oldest_ready_since": ready["oldest"].isoformat() if ready["oldest"] else None,
            "running": running,
        },
        "organizations": organizations,
    }


def health(request: HttpRequest) -> HttpResponse:
    try:
        body = report()
    except Exception as exc:  # noqa: BLE001 - whatever the database raises, the answer is "it does not answer"
        return JsonResponse(
            {
                "status": "error",
                "checked_at": timezone.now().isoformat(),
                "database": {"ok": False, "error": type(exc).__name__},
            },
            status=503,
        )
    return JsonResponse(body)


class HealthMiddleware:
    """Answers ``GET``/``HEAD /health`` itself; every other request goes on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in PATHS and request.method in ("GET", "HEAD"):
            response = health(request)
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)
