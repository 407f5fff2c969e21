"""Penalties are claimed when a formal notice is produced: the letter of a ``formal_notice`` action records, for
each of its invoices still open and not on hold, the interest to the day it is produced and the 40 EUR indemnity
(``claim_penalties(..., source="formal_notice")``), and again to its posting day when it is posted later and dated
again. Harmless to repeat: a second claim the same day adds nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from recouvre.ledger.actors import Actor

FORMAL_NOTICE = "formal_notice"


def claim_on_formal_notice(instance: Any, *, as_of: date | None = None) -> None:
    """Called by the letters' production, in the transaction that stores the letter ``instance``, and again with
    ``as_of`` when the letter is dated again on its posting day (only what accrued since is added)."""
    action = instance.action
    if action.template != FORMAL_NOTICE:
        return
    from recouvre.collections.held import held_invoices
    from recouvre.ledger.models import Invoice

    from .services import claim_penalties

    ids = [line["invoice_id"] for line in (action.lines or []) if line.get("invoice_id")]
    as_of = as_of or timezone.localdate(instance.produced_at)
    held = held_invoices(action.organization_id, action.customer_id, ids, as_of)  # never claimed on
    invoices = list(
        Invoice.objects.filter(organization_id=action.organization_id, id__in=ids, open_amount__gt=0).exclude(
            id__in=list(held)
        )
    )
    if not invoices:
        return
    actor = Actor(user=instance.produced_by, label=instance.produced_by_label)
    claim_penalties(action.organization, invoices, as_of=as_of, actor=actor, source=FORMAL_NOTICE)
