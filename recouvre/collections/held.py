"""Which invoices are on hold on a day, and how documents name the reason: every rendering (e-mail, letter,
formal notice, approval view) lists held invoices apart and leaves them out of the amount demanded and of the
penalties claimed; an action whose invoices are all held is withdrawn (``withdrawals``) and cannot be approved.

A hold covers its invoice (a dispute), its invoices (a promise, a payment plan, "already paid") or, with neither,
every invoice of its customer (insolvency, over-indebtedness, a pause). When several holds cover an invoice, the
first kind of ``recouvre.core.dunning.HoldKind`` names it (insolvency before dispute...). An insolvency hold whose
procedure is over-indebtedness is named as such (``OVER_INDEBTEDNESS``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Q

from recouvre.core import dunning

from .models import Hold

OVER_INDEBTEDNESS = "over_indebtedness"
_RANK = {kind.value: rank for rank, kind in enumerate(dunning.HoldKind)}

# How a letter or an e-mail names why an invoice is not demanded, in the customer's language.
HELD_LABELS = {
    "fr": {
        "insolvency": "procédure collective",
        OVER_INDEBTEDNESS: "procédure de surendettement",
        "dispute": "en litige",
        "payment_plan": "échéancier en cours",
        "promise": "promesse de paiement en cours",
        "already_paid": "paiement déclaré, en cours de vérification",
        "unmatched_payment": "paiement en cours d'affectation",
        "manual": "suspendue",
    },
    "en": {
        "insolvency": "insolvency proceedings",
        OVER_INDEBTEDNESS: "over-indebtedness proceedings",
        "dispute": "disputed",
        "payment_plan": "payment plan in progress",
        "promise": "promise to pay in progress",
        "already_paid": "payment declared, being checked",
        "unmatched_payment": "payment being matched",
        "manual": "on hold",
    },
}


def held_label(kind: str, language: str) -> str:
    labels = HELD_LABELS["fr" if language == "fr" else "en"]
    return labels.get(kind, labels["manual"])


def held_invoices(organization_id: int, customer_id: int, invoice_ids: Iterable[int], on: date) -> dict[int, str]:
    """The invoices among ``invoice_ids`` of the customer that a hold not lifted covers on ``on``, with the kind of
    the hold that names it (two queries)."""
    wanted = set(invoice_ids)
    if not wanted:
        return {}
    live = Hold.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on),
        organization_id=organization_id,
        customer_id=customer_id,
        released_at__isnull=True,
        starts_on__lte=on,
    )
    rows = list(live.values_list("id", "kind", "invoice_id", "insolvency_procedure__kind"))
    if not rows:
        return {}
    several: dict[int, set[int]] = {}
    for hold_id, invoice_id in Hold.invoices.through.objects.filter(hold_id__in=[r[0] for r in rows]).values_list(
        "hold_id", "invoice_id"
    ):
        several.setdefault(hold_id, set()).add(invoice_id)
    out: dict[int, str] = {}
    for hold_id, kind, invoice_id, procedure_kind in sorted(rows, key=lambda r: _RANK.get(r[1], 99), reverse=True):
        name = OVER_INDEBTEDNESS if procedure_kind == OVER_INDEBTEDNESS else kind
        if invoice_id is not None:
            covered = {invoice_id} & wanted
        elif hold_id in several:
            covered = several[hold_id] & wanted
        else:
            covered = wanted
        for covered_id in covered:
            out[covered_id] = name  # the highest-ranked kind is written last
    return out
