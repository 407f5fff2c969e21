"""Tenant-scoped reads for collections: the planner's inputs, read set-based.

``planner_inputs`` reads an organization's policies, customers (segment, own policy, unallocated payments and
credits by currency, last contact, holds) with one grouped query each, and streams its open invoices ordered by
customer, with the step each has reached, from one query read in chunks (a server-side cursor on PostgreSQL), so
a million open invoices are planned in constant memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import F, Max, Q, Sum

from recouvre.core import dunning
from recouvre.core.policies import policy_for_segment
from recouvre.ledger.models import CreditNote, Customer, Invoice, Payment
from recouvre.organizations.models import Organization

from .models import Action, Channel, Hold, HoldKind, HoldOutcome, Policy, Step

CHUNK = 5000
CENT = Decimal("0.01")


@dataclass(frozen=True)
class PlannerInputs:
    customers: dict[int, dunning.CustomerInput]
    items: Iterator[dunning.OpenItem]
    refs: dict[int, str]


def policies(organization: Organization) -> tuple[dict[int, dunning.Policy], dict[str, dunning.Policy]]:
    """The organization's policies as core policies: by id, and by segment (segments without a policy of their own
    get the seeded one)."""
    stored = {p.pk: p for p in Policy.objects.filter(organization=organization)}
    steps: dict[int, list[dunning.Step]] = {pk: [] for pk in stored}
    for step in Step.objects.filter(policy__organization=organization).order_by("policy_id", "position"):
        steps[step.policy_id].append(step.to_core())
    by_id = {pk: dunning.Policy(p.key, p.name, tuple(steps[pk])) for pk, p in stored.items()}
    by_segment: dict[str, dunning.Policy] = {}
    for pk, p in stored.items():
        if p.segment:
            by_segment[p.segment] = by_id[pk]
    default = next((by_id[pk] for pk, p in stored.items() if p.key == "default"), None)
    for segment in ("standard", "strategic", "small"):
        if segment not in by_segment:
            by_segment[segment] = (
                default if default is not None and segment == "standard" else policy_for_segment(segment)
            )
    return by_id, by_segment


_OPEN_ITEMS_SQLITE = """
SELECT i.id, i.customer_id, i.number, i.due_on, i.open_amount, i.currency, s.level, s.step_key, s.last_on,
    a.deadline_on, a.state
FROM ledger_invoice i
LEFT JOIN (
    -- with a single max(), SQLite takes the other columns from the row that has it: the highest step's
    SELECT invoice_id, MAX(level) AS level, step_key, planned_on AS last_on, action_id
    FROM collections_itemstep WHERE organization_id = ? GROUP BY invoice_id
) s ON s.invoice_id = i.id
LEFT JOIN collections_action a ON a.id = s.action_id AND a.deadline_on IS NOT NULL
WHERE i.organization_id = ? AND i.open_amount > 0
ORDER BY i.customer_id, i.id
"""


_OPEN_ITEMS_POSTGRES = """
SELECT i.id, i.customer_id, i.number, i.due_on, i.open_amount, i.currency, s.level, s.step_key, s.planned_on,
    a.deadline_on, a.state
FROM ledger_invoice i
LEFT JOIN (
    SELECT DISTINCT ON (invoice_id) invoice_id, level, step_key, planned_on, action_id
    FROM collections_itemstep WHERE organization_id = %s
    ORDER BY invoice_id, level DESC
) s ON s.invoice_id = i.id
LEFT JOIN collections_action a ON a.id = s.action_id AND a.deadline_on IS NOT NULL
WHERE i.organization_id = %s AND i.open_amount > 0
ORDER BY i.customer_id, i.id
"""


_NOT_SENT = {"planned", "awaiting_approval", "sending", "ready"}


def _waits_until(deadline_on: date | str, state: str) -> date | None:
    """What the item whose last step gave a payment deadline waits for (``OpenItem.waits_until``): the deadline once
    the message went out (a letter is sent when its posting is recorded), ``NOT_SENT_YET`` while it has not, nothing
    when it never will (failed, cancelled or rejected)."""
    if state == "sent":
        return deadline_on if isinstance(deadline_on, date) else date.fromisoformat(deadline_on)
    return dunning.NOT_SENT_YET if state in _NOT_SENT else None


def open_items(
    organization: Organization, customers: Mapping[int, dunning.CustomerInput] | None = None
) -> Iterator[dunning.OpenItem]:
    """The open invoices ordered by customer, each with the level of the highest step recorded for it and the day
    that step was planned for (one grouped query), streamed in chunks. With ``customers``, the level is the step's
    position in the customer's current policy (``Policy.level_of``), so a customer moved to another policy goes on
    from the step it reached; a step the policy no longer has keeps its recorded level."""
    OpenItem = dunning.OpenItem

    def level_of(customer_id: int, key: str, level: int) -> int:
        customer = customers.get(customer_id) if customers is not None else None
        if customer is None:
            return level
        known = customer.policy.level_of(key)
        return level if known is None else known

    if connection.vendor == "sqlite":
        # The DB-API cursor, values converted here: Django's per-value converters cost more than the query.
        connection.ensure_connection()
        cursor = connection.connection.cursor()
        try:
            cursor.execute(_OPEN_ITEMS_SQLITE, (organization.pk, organization.pk))
            fromiso = date.fromisoformat
            while rows := cursor.fetchmany(CHUNK):
                for pk, customer_id, number, due_on, amount, currency, level, key, last_on, until, state in rows:
                    if type(amount) is not Decimal:
                        amount = Decimal(amount if type(amount) is int else repr(amount)).quantize(CENT)
                    yield OpenItem(
                        pk,
                        customer_id,
                        number,
                        due_on if type(due_on) is date else fromiso(due_on),
                        amount,
                        currency,
                        0 if level is None else level_of(customer_id, key, level),
                        None if last_on is None else last_on if type(last_on) is date else fromiso(last_on),
                        None
                        if until is None
                        else _waits_until(until if type(until) is date else fromiso(until), state),
                    )
        finally:
            cursor.close()
        return
    # PostgreSQL: the highest step of each invoice by DISTINCT ON, streamed through a server-side cursor.
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(_OPEN_ITEMS_POSTGRES, (organization.pk, organization.pk))
        while rows := cursor.fetchmany(CHUNK):
            for pk, customer_id, number, due_on, open_amount, currency, level, key, last_on, until, state in rows:
                yield OpenItem(
                    pk,
                    customer_id,
                    number,
                    due_on,
                    open_amount,
                    currency,
                    0 if level is None else level_of(customer_id, key, level),
                    last_on,
                    None if until is None else _waits_until(until, state),
                )
    finally:
        cursor.close()


def planner_holds(
    organization: Organization, as_of: date
) -> tuple[dict[int, list[dunning.Hold]], dict[int, list[dunning.Expedite]]]:
    """By customer, the holds not ended by ``as_of`` as the planner's holds (a hold on several invoices gives one
    per invoice), and the broken promises whose invoices take their next step at once: two queries."""
    wanted = Q(organization=organization) & (
        (Q(released_at__isnull=True) & (Q(ends_on__isnull=True) | Q(ends_on__gte=as_of)))
        | Q(kind=HoldKind.PROMISE, outcome=HoldOutcome.BROKEN, outcome_on__lte=as_of)
    )
    rows = list(
        Hold.objects.filter(wanted).values_list(
            "id", "customer_id", "invoice_id", "kind", "starts_on", "ends_on", "reason", "outcome", "outcome_on"
        )
    )
    several: dict[int, list[int]] = {}
    if rows:
        for hold_id, invoice_id in (
            Hold.invoices.through.objects.filter(hold__in=Hold.objects.filter(wanted))
            .values_list("hold_id", "invoice_id")
            .order_by("hold_id", "invoice_id")
        ):
            several.setdefault(hold_id, []).append(invoice_id)
    holds: dict[int, list[dunning.Hold]] = {}
    expedite: dict[int, list[dunning.Expedite]] = {}
    for pk, customer_id, invoice_id, kind, starts_on, ends_on, reason, outcome, outcome_on in rows:
        invoice_ids: list[int | None] = [invoice_id] if invoice_id is not None else [*several.get(pk, ())] or [None]
        if outcome == HoldOutcome.BROKEN:
            expedite.setdefault(customer_id, []).extend(dunning.Expedite(outcome_on, i) for i in invoice_ids)
            continue
        held = dunning.HoldKind(kind)
        holds.setdefault(customer_id, []).extend(dunning.Hold(held, starts_on, ends_on, i, reason) for i in invoice_ids)
    return holds, expedite


def planner_inputs(organization: Organization, as_of: date) -> PlannerInputs:
    """Everything ``recouvre.core.dunning.iter_plan`` needs for ``organization`` on ``as_of``, with a constant
    number of queries whatever the number of customers and invoices."""
    by_id, by_segment = policies(organization)
    unapplied: dict[int, dict[str, Decimal]] = {}
    for model in (Payment, CreditNote):
        for customer_id, currency, amount in (
            model.objects.filter(organization=organization, unallocated_amount__gt=0)
            .values_list("customer_id", "currency")
            .annotate(amount=Sum("unallocated_amount"))
            .order_by()
        ):
            per = unapplied.setdefault(customer_id, {})
            per[currency] = per.get(currency, Decimal("0.00")) + amount
    last_contact = dict(
        Action.objects.filter(organization=organization)
        .exclude(channel=Channel.INTERNAL_TASK)
        .exclude(state="cancelled")
        .values_list("customer_id")
        .annotate(last=Max("send_on"))
        .order_by()
    )
    holds, expedite = planner_holds(organization, as_of)
    customers: dict[int, dunning.CustomerInput] = {}
    refs: dict[int, str] = {}
    empty: dict[str, Decimal] = {}
    for pk, ref, segment, policy_id in (
        Customer.objects.filter(organization=organization)
        .values_list("id", "ref", "segment", "collection__policy_id")
        .order_by()
        .iterator(chunk_size=CHUNK)
    ):
        policy = by_id[policy_id] if policy_id is not None else by_segment.get(segment) or by_segment["standard"]
        customers[pk] = dunning.CustomerInput(
            pk,
            policy,
            unapplied.get(pk, empty),
            last_contact.get(pk),
            tuple(holds.get(pk, ())),
            tuple(expedite.get(pk, ())),
        )
        refs[pk] = ref
    return PlannerInputs(customers, open_items(organization, customers), refs)


def actions(organization: Organization, **filters: object) -> list[Action]:
    return list(
        Action.objects.filter(organization=organization, **filters).order_by("send_on", "customer_id", "channel")
    )


def customer_holds(organization: Organization, customer: Customer) -> list[Hold]:
    """The customer's holds, newest first, with their invoices, people, payment plan and instalments (a few queries
    whatever their number)."""
    return list(
        Hold.objects.filter(organization=organization, customer=customer)
        .select_related("invoice", "author", "owner", "released_by", "credit_note", "payment_plan")
        .prefetch_related("invoices", "payment_plan__instalments")
        .order_by("-starts_on", "-id")
    )


def holds(
    organization: Organization, *, as_of: date, customer: Customer | None = None, ended: bool = False
) -> list[Hold]:
    """The holds of the organization (or of one customer) active on ``as_of`` or starting later; with ``ended``, the
    ended ones too. By customer account, then first day; with their customer, invoices and owner (three queries)."""
    rows = Hold.objects.filter(organization=organization)
    if customer is not None:
        rows = rows.filter(customer=customer)
    if not ended:
        rows = rows.filter(released_at__isnull=True).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=as_of))
    return list(
        rows.select_related("customer", "invoice", "owner")
        .prefetch_related("invoices")
        .order_by("customer__ref", "starts_on", "id")
    )


def hold(organization: Organization, pk: int) -> Hold:
    """The hold ``pk`` of this organization; ``Hold.DoesNotExist`` otherwise (a 404 for views)."""
    return Hold.objects.select_related("customer", "invoice").get(organization=organization, pk=pk)


def invoice_disputes(organization: Organization, invoice: Invoice) -> list[Hold]:
    """The disputes of ``invoice``, the live one first."""
    return list(
        Hold.objects.filter(organization=organization, invoice=invoice, kind=HoldKind.DISPUTE)
        .select_related("author", "owner")
        .order_by(F("released_at").desc(nulls_first=True), "-id")
    )
