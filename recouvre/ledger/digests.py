"""The digest of a timeline event: SHA-256 of its original content, written as canonical JSON (keys sorted, no
spaces, UTF-8) of ``{"actor": user id or null, "actor_label", "customer": id or null, "data", "id", "kind",
"occurred_at": ISO 8601 in UTC, "organization": id}``.

The purge stores it in ``Event.digest`` before it anonymises the event's data (and keeps a digest already there),
so whoever later chains or checks events uses the stored digest and finds the same value as before the
anonymisation.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any


def canonical_content(event: Any) -> bytes:
    occurred = event.occurred_at.astimezone(UTC).isoformat() if event.occurred_at is not None else None
    content = {
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "customer": event.customer_id,
        "data": event.data,
        "id": event.pk,
        "kind": event.kind,
        "occurred_at": occurred,
        "organization": event.organization_id,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def content_digest(event: Any) -> str:
    return hashlib.sha256(canonical_content(event)).hexdigest()
