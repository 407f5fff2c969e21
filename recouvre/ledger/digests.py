"""The digest of a timeline event: SHA-256 of its original content, written as canonical JSON (keys sorted, no
spaces, UTF-8) of ``{"actor": user id or null, "actor_label", "customer": id or null, "data", "id", "kind",
"occurred_at": ISO 8601 in UTC, "organization": id}``.

The chain (``recouvre.ledger.chain``) stores it in ``Event.digest`` when it seals the event, and links the stored
digests. The purge stores it too, when it is still empty, before it anonymises the event's data, and never changes
it: the chain then verifies the same before and after the anonymisation, and the event is marked anonymised
(``Event.anonymised_at``), so that its content no longer matching its digest is not taken for a tampering.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from recouvre.core import jsontext

# json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str), set up once
_encode = jsontext.encoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


_utc_texts: dict[datetime, str] = {}  # the events of an import share their time: written once


def _utc_text(at: datetime) -> str:
    text = _utc_texts.get(at)
    if text is None:
        if len(_utc_texts) > 4096:
            _utc_texts.clear()
        text = _utc_texts[at] = at.astimezone(UTC).isoformat()
    return text


def canonical(
    id: int,
    organization_id: int,
    customer_id: int | None,
    kind: str,
    data: Any,
    actor_id: int | None,
    actor_label: str,
    occurred_at: datetime | None,
) -> bytes:
    occurred = _utc_text(occurred_at) if occurred_at is not None else None
    content = {
        "actor": actor_id,
        "actor_label": actor_label,
        "customer": customer_id,
        "data": data,
        "id": id,
        "kind": kind,
        "occurred_at": occurred,
        "organization": organization_id,
    }
    return _encode(content).encode()


def canonical_content(event: Any) -> bytes:
    return canonical(
        id=event.pk,
        organization_id=event.organization_id,
        customer_id=event.customer_id,
        kind=event.kind,
        data=event.data,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        occurred_at=event.occurred_at,
    )


def content_digest(event: Any) -> str:
    return hashlib.sha256(canonical_content(event)).hexdigest()


# The fields of an event its digest is computed from, in the order ``digest_of_row`` takes them.
CONTENT_FIELDS = ("id", "organization_id", "customer_id", "kind", "data", "actor_id", "actor_label", "occurred_at")


_string = json.encoder.encode_basestring  # how the encoder above writes a string (not escaped to ASCII)


def digest_of_row(row: tuple[Any, ...]) -> str:
    """The digest of an event read as ``values_list(*CONTENT_FIELDS)``: ``canonical`` written directly, its keys
    in their sorted order (twice as fast; a test holds the two to the same bytes)."""
    pk, organization_id, customer_id, kind, data, actor_id, actor_label, occurred_at = row
    if not (type(pk) is int and type(organization_id) is int and type(kind) is str and type(actor_label) is str):
        return hashlib.sha256(canonical(*row)).hexdigest()
    actor = "null" if actor_id is None else str(int(actor_id))
    customer = "null" if customer_id is None else str(int(customer_id))
    occurred = "null" if occurred_at is None else _string(_utc_text(occurred_at))
    text = (
        f'{{"actor":{actor},"actor_label":{_string(actor_label)},"customer":{customer},"data":{_encode(data)},'
        f'"id":{pk},"kind":{_string(kind)},"occurred_at":{occurred},"organization":{organization_id}}}'
    )
    return hashlib.sha256(text.encode()).hexdigest()
