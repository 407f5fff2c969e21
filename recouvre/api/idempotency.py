"""``Idempotency-Key`` on writes: the first request with a key is carried out and its answer kept, in the same
transaction as its writes; the same key with the same request (method, path, body) gets that answer again and
writes nothing; with another request it is refused. Only answers that wrote something (2xx) are kept: a refused
request can be corrected and sent again under the same key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from .models import ApiKey, IdempotentRequest


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
