"""``Idempotency-Key`` on writes: the first request with a key is carried out and its answer kept, in the same
transaction as its writes; the same key with the same request (method, path, body) gets that answer again and
writes nothing; with another request it is refused. Only answers that wrote something (2xx) are kept: a refused
request can be corrected and sent again under the same key.

An answer is kept ``RECOUVRE_API_IDEMPOTENCY_DAYS`` days (default 7): the scheduler deletes older ones once a day
(``purge_expired``, also ``recouvre apikey purge-idempotency``), and a request sent again after that is a new
request, carried out again, even when the daily purge has not come yet."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ApiKey, IdempotentRequest

log = logging.getLogger(__name__)


class KeyReused(Exception):
    """The key was used for another request (``conflict``: one with the same key is being carried out)."""

    def __init__(self, conflict: bool = False):
        self.conflict = conflict
        super().__init__()


def request_hash(method: str, path: str, payload: Any) -> str:
    text = json.dumps([method, path, payload], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def once(
    api_key: ApiKey, key: str, method: str, path: str, payload: Any, write: Callable[[], tuple[int, Any]]
) -> tuple[int, Any, bool]:
    """``(status, body, replayed)``: ``write()``'s answer, or the one kept for ``key``. Raises ``KeyReused``."""
    digest = request_hash(method, path, payload)
    org_id = api_key.organization_id
    # an answer kept longer than the retention is forgotten, as the daily purge would have done
    IdempotentRequest.objects.filter(organization_id=org_id, key=key, created_at__lt=kept_since()).delete()

    def kept() -> tuple[int, Any, bool] | None:
        found = IdempotentRequest.objects.filter(organization_id=org_id, key=key).first()
        if found is None:
            return None
        if found.request_hash != digest:
            raise KeyReused()
        return found.status_code, found.response, True

    answer = kept()
    if answer is not None:
        return answer
    try:
        with transaction.atomic():
            status, body = write()
            IdempotentRequest.objects.create(
                organization_id=org_id,
                api_key=api_key,
                key=key,
                method=method,
                path=path[:500],
                request_hash=digest,
                status_code=status,
                response=json.loads(json.dumps(body, default=str)),
            )
    except IntegrityError:
        # the same key carried out meanwhile by another request: everything above was rolled back
        answer = kept()
        if answer is None:
            raise
        return answer
    return status, body, False


def retention_days() -> int:
    return int(settings.RECOUVRE_API_IDEMPOTENCY_DAYS)


def kept_since(now: datetime | None = None, days: int | None = None) -> datetime:
    """The oldest moment an answer kept at ``now`` can be from: ``days`` (the setting when None) before."""
    return (now or timezone.now()) - timedelta(days=retention_days() if days is None else days)


@dataclass(frozen=True)
class Purged:
    deleted: int
    days: int
    before: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"deleted": self.deleted, "days": self.days, "before": self.before.isoformat()}


def purge_expired(now: datetime | None = None, *, days: int | None = None) -> Purged:
    """Delete the answers kept for an ``Idempotency-Key`` before ``days`` (``RECOUVRE_API_IDEMPOTENCY_DAYS`` when
    None) before ``now``, of every organization: by their age only."""
    days = retention_days() if days is None else days
    before = kept_since(now, days).astimezone(UTC)
    deleted, _by_model = IdempotentRequest.objects.filter(created_at__lt=before).delete()
    if deleted:
        log.info("%s idempotency answers older than %s deleted", deleted, before.isoformat())
    return Purged(deleted=deleted, days=days, before=before)
