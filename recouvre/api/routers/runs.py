"""The collections run: ``POST /collections/preview`` (writes nothing) and ``POST /collections/run``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from .. import schemas as s
from ..auth import RUN
from ..common import (
    EARLIEST,
    ERRORS,
    ApiError,
    IdempotencyKey,
    actor_of,
    org_of,
    written,
)

router = Router()


def _run_day(body: s.RunIn) -> date:
    today = timezone.localdate()
    as_of = body.as_of or today
    if as_of > today:
        raise ApiError(
            422, _("as_of %(as_of)s is after today: a run cannot be dated in the future.") % {"as_of": as_of}
        )
    if as_of < EARLIEST:
        raise ApiError(422, _("as_of must be after 1900-01-01."))
    return as_of


@router.post("/collections/preview", auth=RUN, response={200: dict[str, Any], **ERRORS}, tags=["collections"])
def collections_preview(request: HttpRequest, payload: s.RunIn) -> Any:
    """What a run would plan (actions, e-mails, letters, tasks, customers left alone and why); writes nothing."""
    from recouvre.collections.selectors import calendar_for
    from recouvre.collections.services import run_collections

    org = org_of(request)
    actor = actor_of(request)
    result = run_collections(org, _run_day(payload), actor=actor, dry_run=True, calendar=calendar_for(org))
    return result.as_dict(details=True)


@router.post(
    "/collections/run", auth=RUN, response={200: dict[str, Any], 201: dict[str, Any], **ERRORS}, tags=["collections"]
)
def collections_run(request: HttpRequest, payload: s.RunIn, idempotency_key: str = IdempotencyKey) -> Any:
    """Run the collections: plan and store the actions, then queue the sending for the background worker."""
    from recouvre.collections.selectors import calendar_for
    from recouvre.collections.services import RunRefused, check_run_date, run_collections
    from recouvre.collections.tasks import queue_sending

    org = org_of(request)
    actor = actor_of(request)
    as_of = _run_day(payload)

    def run() -> tuple[int, Any]:
        try:
            check_run_date(org, as_of, today=timezone.localdate())
        except RunRefused as exc:
            raise ApiError(422, str(exc)) from exc
        result = run_collections(org, as_of, actor=actor, calendar=calendar_for(org))
        queue_sending(org, None)
        return 201, result.as_dict(details=True)

    return written(request, idempotency_key, payload.model_dump(mode="json"), run)
