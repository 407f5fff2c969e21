"""Which invoices are on hold on a day, and how documents name the reason: every rendering (e-mail, letter,
formal notice, approval view) lists held invoices apart and leaves them out of the amount demanded and of the
penalties claimed; an action whose invoices are all held is withdrawn (``withdrawals``) and cannot be approved.

A hold covers its invoice (a dispute), its invoices (a promise, a payment plan, "already paid") or, with neither,
every invoice of its customer (insolvency, over-indebtedness, a pause). When several holds cover an invoice, the
first kind of ``recouvre.core.dunning.HoldKind`` names it (insolvency before dispute...). An insolvency hold whose
procedure is over-indebtedness is named as such (``OVER_INDEBTEDNESS``). ``holds_on`` tells the same for many
customers at once (closing the tasks no longer needed, ``recouvre.tasks.settled``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

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
        "einvoice_rejected": "facture électronique rejetée, à réémettre",
        "dispute": "en litige",
        "payment_plan": "échéancier en cours",
        "promise": "promesse de paiement en cours",
        "already_paid": "paiement déclaré, en cours de vérification",
        "unmatched_payment": "paiement en cours d'identification",
        "manual": "suspendue",
    },
    "en": {
        "insolvency": "insolvency proceedings",
        OVER_INDEBTEDNESS: "over-indebtedness proceedings",
        "einvoice_rejected": "e-invoice rejected, to be issued again",
        "dispute": "disputed",
        "payment_plan": "payment plan in progress",
        "promise": "promise to pay in progress",
        "already_paid": "payment declared, being checked",
        "unmatched_payment": "payment being identified",
        "manual": "on hold",
    },
}


def held_label(kind: str, language: str) -> str:
    labels = HELD_LABELS["fr" if language == "fr" else "en"]
    return labels.get(kind, labels["manual"])


def _live(organization_id: int, on: date) -> Any:
    """The holds of the organization not lifted that are in force on ``on``."""
    return Hold.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on),
        organization_id=organization_id,
        released_at__isnull=True,
        starts_on__lte=on,
    )


def held_invoices(organization_id: int, customer_id: int, invoice_ids: Iterable[int], on: date) -> dict[int, str]:
    """The invoices among ``invoice_ids`` of the customer that a hold not lifted covers on ``on``, with the kind of
    the hold that names it (two queries)."""
    wanted = set(invoice_ids)
    if not wanted:
        return {}
    live = _live(organization_id, on).filter(customer_id=customer_id)
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


@dataclass(slots=True)
class CustomerHolds:
    """The holds in force for one customer on a day: ``whole`` names the one over all its invoices (None: none),
    ``invoices`` the one over each invoice held on its own; each the first kind by precedence."""

    whole: str | None = None
    invoices: dict[int, str] = field(default_factory=dict)

    def kind_of(self, invoice_id: int) -> str | None:
        """The kind naming the hold over ``invoice_id`` (None: not held)."""
        kinds = [k for k in (self.whole, self.invoices.get(invoice_id)) if k is not None]
        return min(kinds, key=_rank) if kinds else None


def _rank(name: str) -> int:
    return _RANK.get(dunning.HoldKind.INSOLVENCY.value if name == OVER_INDEBTEDNESS else name, 99)


def holds_on(organization_id: int, customer_ids: Any, on: date) -> dict[int, CustomerHolds]:
    """The holds in force on ``on`` for the customers ``customer_ids`` (ids, or a query of ids): two queries
    whatever the number of customers. Customers without a hold are left out."""
    live = _live(organization_id, on).filter(customer_id__in=customer_ids)
    rows = list(live.values_list("id", "customer_id", "kind", "invoice_id", "insolvency_procedure__kind"))
    if not rows:
        return {}
    several: dict[int, set[int]] = {}
    for hold_id, invoice_id in Hold.invoices.through.objects.filter(hold_id__in=live.values("id")).values_list(
        "hold_id", "invoice_id"
    ):
        several.setdefault(hold_id, set()).add(invoice_id)
    out: dict[int, CustomerHolds] = {}
    for hold_id, customer_id, kind, invoice_id, procedure_kind in rows:
        name = OVER_INDEBTEDNESS if procedure_kind == OVER_INDEBTEDNESS else kind
        held = out.setdefault(customer_id, CustomerHolds())
        if invoice_id is not None:
            covered: Iterable[int] = (invoice_id,)
        elif hold_id in several:
            covered = several[hold_id]
        else:
            if held.whole is None or _rank(name) < _rank(held.whole):
                held.whole = name
            continue
        for covered_id in covered:
            current = held.invoices.get(covered_id)
            if current is None or _rank(name) < _rank(current):
                held.invoices[covered_id] = name
    return out
