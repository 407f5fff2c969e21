"""Tenant-scoped reads for collections: the planner's inputs, read set-based.

``planner_inputs`` reads an organization's policies, customers (segment, own policy, unallocated payments and
credits by currency, last contact, holds) with one grouped query each, and streams its open invoices ordered by
customer, with the step each has reached, from one query read in chunks (a server-side cursor on PostgreSQL), so
a million open invoices are planned in constant memory.

``penalty_rule`` and ``open_penalties`` read what the step asking for claimed penalties once the principal is paid
needs (``recouvre.core.dunning.plan_penalties``).

``calendar_for`` gives the organization's business-day calendar (French, or Alsace-Moselle when its collections
settings say so), for its send dates, its scheduler's sending days and the deadlines it gives its customers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce

from recouvre.core import dunning
from recouvre.core.businessdays import ALSACE_MOSELLE, FRANCE, BusinessCalendar
from recouvre.core.policies import policy_for_segment
from recouvre.ledger.models import Allocation, Contact, Customer, Invoice
from recouvre.organizations.models import Organization

from .models import (
    Action,
    ActionState,
    Channel,
    CollectionSettings,
    CustomerCollection,
    Hold,
    HoldKind,
    HoldOutcome,
    ItemStep,
    Policy,
    RunSource,
    ScheduledRun,
    Step,
)

CHUNK = 5000
CENT = Decimal("0.01")
DEFAULT_TOLERANCE = Decimal("1.00")


def calendar_for(organization: Organization) -> BusinessCalendar:
    """The business days of ``organization``: ``ALSACE_MOSELLE`` when its collections settings ask for the
    Alsace-Moselle calendar (Good Friday and 26 December closed as well), else ``FRANCE``; one query."""
    local = (
        CollectionSettings.objects.filter(organization=organization).values_list("alsace_moselle", flat=True).first()
    )
    return ALSACE_MOSELLE if local else FRANCE


@dataclass(frozen=True)
class PlannerInputs:
    customers: dict[int, dunning.CustomerInput]
    items: Iterator[dunning.OpenItem]
    refs: dict[int, str]
    tolerance: Decimal = Decimal("0.00")


def policies(organization: Organization) -> tuple[dict[int, dunning.Policy], dict[str, dunning.Policy]]:
    """The organization's policies as core policies: by id, and by segment (segments without a policy of their own
    get the seeded one)."""
    stored = {p.pk: p for p in Policy.objects.filter(organization=organization)}
    steps: dict[int, list[dunning.Step]] = {pk: [] for pk in stored}
    for step in Step.objects.filter(policy__organization=organization).order_by("policy_id", "position"):
        steps[step.policy_id].append(step.to_core())
    by_id = {pk: dunning.Policy(p.key, p.name, tuple(steps[pk]), p.core_email_fallback) for pk, p in stored.items()}
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


# Per open item: the last step carried out (its key, offset and the day it was carried out, and the deadline its
# action gave), and the
# step planned and not carried out yet, if any, with its action's state (only an action awaiting approval can be
# replaced by a newer one). Steps of cancelled and failed actions are left out (a run drops them first anyway).
# An item is an open invoice with one due date, or an open instalment of an invoice payable in several (its due
# date, and its open amount: what is settled on the invoice settles its instalments oldest first); each has its
# own steps (``collections_itemstep.instalment``, 0 for an invoice with one due date).
# The step asking for claimed penalties (``dunning.PENALTIES``) is left out: it is about the penalties, not the
# principal.
_OPEN_ITEMS = """
SELECT i.id, i.customer_id, i.number, COALESCE(t.due_on, i.due_on),
    CASE WHEN t.id IS NULL THEN i.open_amount ELSE {least}(t.amount, t.cumulative - i.allocated_amount) END,
    i.currency, d.step_key, d.offset_days, d.done_on, da.deadline_on, da.state, p.step_key, p.state, i.issued_on,
    d.round, COALESCE(t.position, 0), COALESCE(t.count, 0)
FROM ledger_invoice i
LEFT JOIN ledger_invoiceinstalment t ON t.invoice_id = i.id
LEFT JOIN (
    SELECT invoice_id, instalment, step_key, offset_days, done_on, action_id, round{last}
    FROM collections_itemstep WHERE organization_id = {mark} AND done_on IS NOT NULL AND step_key <> 'penalties'{group}
) d ON d.invoice_id = i.id AND d.instalment = COALESCE(t.position, 0){first}
LEFT JOIN collections_action da ON da.id = d.action_id AND da.deadline_on IS NOT NULL
LEFT JOIN (
    SELECT s.invoice_id, s.instalment, MAX(s.step_key) AS step_key, MAX(a.state) AS state
    FROM collections_itemstep s JOIN collections_action a ON a.id = s.action_id
    WHERE s.organization_id = {mark} AND s.done_on IS NULL AND a.state NOT IN ('cancelled', 'failed')
        AND s.step_key <> 'penalties'
    GROUP BY s.invoice_id, s.instalment
) p ON p.invoice_id = i.id AND p.instalment = COALESCE(t.position, 0)
WHERE i.organization_id = {mark} AND i.open_amount > 0 AND (t.id IS NULL OR t.cumulative > i.allocated_amount)
ORDER BY i.customer_id, i.id, t.position
"""
# The last step carried out of each item. PostgreSQL numbers each item's steps, newest first, and keeps the first.
# SQLite (3.40) would scan that numbered subquery once per invoice (it builds no index on a subquery with a window
# function): a million invoices with their steps carried out would never be read. It groups instead, and takes the
# other columns from the row of the greatest (day carried out, id), which a ``max()`` alone in a grouped query
# gives on SQLite ("bare columns"); the day is ``YYYY-MM-DD`` text and the id padded, so the text orders as the pair.
_OPEN_ITEMS_SQLITE = _OPEN_ITEMS.format(
    mark="?",
    least="MIN",
    last=", MAX(done_on || printf('%020d', id))",
    group="\n    GROUP BY invoice_id, instalment",
    first="",
)
_OPEN_ITEMS_POSTGRES = _OPEN_ITEMS.format(
    mark="%s",
    least="LEAST",
    last=",\n        ROW_NUMBER() OVER (PARTITION BY invoice_id, instalment ORDER BY done_on DESC, id DESC) AS rn",
    group="",
    first=" AND d.rn = 1",
)
_AWAITING = "awaiting_approval"


def _waits_until(deadline_on: date, state: str) -> date | None:
    """The last day of the payment deadline the item's last step carried out gave (a formal notice): the next step
    waits for the day after it."""
    return deadline_on if state == "sent" else None


def open_items(
    organization: Organization, customers: Mapping[int, dunning.CustomerInput] | None = None
) -> Iterator[dunning.OpenItem]:
    """The open items ordered by customer: each open invoice, or each open instalment of an invoice payable in
    several, with its last step carried out and its step in progress (one query), streamed in chunks. With
    ``customers``, the level is the step's position in the customer's current policy (``Policy.level_after``): a
    customer moved to another policy goes on from the step it reached, and a step removed from the policy keeps its
    place by its offset. Without, the level is 1 for any step carried out."""
    OpenItem = dunning.OpenItem
    params = (organization.pk, organization.pk, organization.pk)

    def level_of(customer_id: int, key: str, offset: int | None) -> int:
        customer = customers.get(customer_id) if customers is not None else None
        if customer is None:
            return 1
        return customer.policy.level_after(key, offset)

    if connection.vendor == "sqlite":
        # The DB-API cursor, values converted here: Django's per-value converters cost more than the query.
        connection.ensure_connection()
        cursor = connection.connection.cursor()
        sql = _OPEN_ITEMS_SQLITE
    else:
        # PostgreSQL: streamed through a server-side cursor (its values are dates and decimals already).
        cursor = connection.chunked_cursor()
        sql = _OPEN_ITEMS_POSTGRES
    fromiso = date.fromisoformat
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            for (
                pk,
                customer_id,
                number,
                due_on,
                amount,
                currency,
                key,
                offset,
                last_on,
                until,
                state,
                pending,
                p_state,
                issued_on,
                rnd,
                instalment,
                instalments,
            ) in rows:
                if type(amount) is not Decimal:
                    amount = Decimal(amount if type(amount) is int else repr(amount)).quantize(CENT)
                yield OpenItem(
                    pk,
                    customer_id,
                    number,
                    due_on if type(due_on) is date else fromiso(due_on),
                    amount,
                    currency,
                    0 if key is None else level_of(customer_id, key, offset),
                    None if last_on is None else last_on if type(last_on) is date else fromiso(last_on),
                    None if until is None else _waits_until(until if type(until) is date else fromiso(until), state),
                    pending,
                    p_state == _AWAITING,
                    issued_on if type(issued_on) is date else fromiso(issued_on),
                    rnd or 0,
                    instalment,
                    instalments,
                )
    finally:
        cursor.close()


def planner_holds(
    organization: Organization, as_of: date, *, through: date | None = None
) -> tuple[dict[int, list[dunning.Hold]], dict[int, list[dunning.Expedite]]]:
    """By customer, the holds not ended by ``as_of`` as the planner's holds (a hold on several invoices gives one
    per invoice), and the broken promises whose invoices take their next step at once: two queries.

    ``through``: the day the plan's messages go out when that is later than ``as_of`` (a run dated in the past
    sends today): a hold that began after ``as_of`` but by then applies as if it had begun on ``as_of``, so
    nothing goes out about what is held on the day it is sent."""
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
        if through is not None and as_of < starts_on <= through:
            starts_on = as_of
        holds.setdefault(customer_id, []).extend(dunning.Hold(held, starts_on, ends_on, i, reason) for i in invoice_ids)
    return holds, expedite


def tolerance(organization: Organization) -> Decimal:
    """The amount under which an invoice is not reminded (the organization's setting; 1.00 by default)."""
    value = CollectionSettings.objects.filter(organization=organization).values_list("tolerance", flat=True).first()
    return DEFAULT_TOLERANCE if value is None else value


def planner_inputs(organization: Organization, as_of: date, *, sent_on: date | None = None) -> PlannerInputs:
    """Everything ``recouvre.core.dunning.iter_plan`` needs for ``organization`` on ``as_of``, with a constant
    number of queries whatever the number of customers and invoices. ``sent_on``: the day the messages go out,
    when later than ``as_of`` (holds begun since apply, ``planner_holds``)."""
    from recouvre.penalties.credits import unapplied_totals

    by_id, by_segment = policies(organization)
    # Payments not allocated to invoices, less what of them paid claimed penalties, and credit notes not allocated.
    unapplied = unapplied_totals(organization)
    # The last contact: the day of the last step carried out on a channel that reaches the customer, or the send
    # date of one on its way (approved, queued, a letter to post, a call to make); not those awaiting a decision.
    # Read from the actions (grouped by customer in the order of their unique key), each with its steps.
    last_contact = dict(
        Action.objects.filter(organization=organization, item_steps__isnull=False)
        .exclude(channel=Channel.INTERNAL_TASK)
        .exclude(state__in=["cancelled", "failed", "awaiting_approval"])
        .values_list("customer_id")
        .annotate(last=Max(Coalesce("item_steps__done_on", "send_on")))
        .order_by()
    )
    holds, expedite = planner_holds(organization, as_of, through=sent_on)
    # A customer can be e-mailed when one of its contacts has an address (something@somewhere) that did not bounce.
    reachable = set(
        Contact.objects.filter(organization=organization, email__contains="@", email_bounced_at__isnull=True)
        .exclude(email__contains=" ")
        .values_list("customer_id", flat=True)
        .distinct()
        .order_by()
    )
    customers: dict[int, dunning.CustomerInput] = {}
    refs: dict[int, str] = {}
    empty: dict[str, Decimal] = {}
    for pk, ref, segment, policy_id, line1, line2, city in (
        Customer.objects.filter(organization=organization)
        .values_list("id", "ref", "segment", "collection__policy_id", "address_line1", "address_line2", "city")
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
            pk in reachable,
            bool((line1 or line2) and city),
        )
        refs[pk] = ref
    return PlannerInputs(customers, open_items(organization, customers), refs, tolerance(organization))


def penalty_rule(organization: Organization) -> dunning.PenaltyRule | None:
    """The organization's step asking for claimed penalties once the principal is paid (its collections
    settings; on, by e-mail, 10 days after, when never saved), or None when it is turned off."""
    row = (
        CollectionSettings.objects.filter(organization=organization)
        .values_list("penalty_reminder", "penalty_reminder_days", "penalty_reminder_channel")
        .first()
    )
    if row is None:
        return dunning.PenaltyRule()
    on, days, channel = row
    return dunning.PenaltyRule(days, dunning.Channel(channel)) if on else None


def open_penalties(organization: Organization, as_of: date) -> list[dunning.OpenPenalty]:
    """The claimed penalties still open, claimed by ``as_of``, of the invoices whose principal is paid in full (and
    not written off), one per invoice, by customer: with the day the principal was paid (its last allocation),
    whether some of the invoice's penalties were waived, and whether their step was carried out or is under way
    (a step of a cancelled or failed action does not count). Five queries."""
    from recouvre.penalties import selectors as penalty_selectors
    from recouvre.penalties.models import PenaltyClaim, PenaltyWaiver

    rows = list(
        PenaltyClaim.objects.filter(
            organization=organization, open_amount__gt=0, claimed_on__lte=as_of, invoice__open_amount__lte=0
        )
        .values_list("invoice_id", "customer_id", "invoice__number", "invoice__due_on", "currency", "customer__kind")
        .annotate(open=Sum("open_amount"), claimed_on=Max("claimed_on"))
        .order_by("customer_id", "invoice__due_on", "invoice_id")
    )
    if not rows:
        return []
    ids = [row[0] for row in rows]
    paid_on = dict(
        Allocation.objects.filter(organization=organization, invoice_id__in=ids)
        .values_list("invoice_id")
        .annotate(last=Max("allocated_on"))
        .order_by()
    )
    waived = set(
        PenaltyWaiver.objects.filter(organization=organization, claim__invoice_id__in=ids).values_list(
            "claim__invoice_id", flat=True
        )
    )
    written_off = penalty_selectors.written_off(organization.pk, ids)
    reminded = set(
        ItemStep.objects.filter(organization=organization, invoice_id__in=ids, step_key=dunning.PENALTIES)
        .exclude(action__state__in=[ActionState.CANCELLED, ActionState.FAILED], done_on__isnull=True)
        .values_list("invoice_id", flat=True)
    )
    return [
        dunning.OpenPenalty(
            invoice_id,
            customer_id,
            number,
            due_on,
            paid_on.get(invoice_id, claimed_on),
            claimed_on,
            amount,
            currency,
            waived=invoice_id in waived or invoice_id in written_off,
            reminded=invoice_id in reminded,
            debtor=kind,
        )
        for invoice_id, customer_id, number, due_on, currency, kind, amount, claimed_on in rows
    ]


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


def last_scheduled_runs() -> dict[int, dict[str, object]]:
    """Every organization's latest day run to its end by the scheduler: ``{organization id: {"as_of",
    "finished_at"}}``; an organization never run by it is absent. Not tenant-scoped: for the operators' health
    check, which shows ids and dates only."""
    rows = (
        ScheduledRun.objects.filter(source=RunSource.SCHEDULER, finished_at__isnull=False)
        .values("organization_id")
        .annotate(last_as_of=Max("as_of"), last_finished_at=Max("finished_at"))
    )
    return {
        r["organization_id"]: {"as_of": r["last_as_of"], "finished_at": r["last_finished_at"]} for r in rows.order_by()
    }


def under_dispute(organization: Organization, as_of: date) -> Q:
    """A condition on ``Invoice``: under a dispute active on ``as_of`` (begun, not ended nor released), on the
    invoice itself, on several invoices among them this one, or on its whole customer. Two small queries (the
    disputes are few), as the KPIs' dispute rate counts them."""
    active = Hold.objects.filter(
        organization=organization,
        kind=HoldKind.DISPUTE,
        starts_on__lte=as_of,
        released_at__isnull=True,
        outcome="",
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=as_of))
    rows = list(active.values_list("id", "customer_id", "invoice_id"))
    several: dict[int, list[int]] = {}
    for hold_id, invoice_id in Hold.invoices.through.objects.filter(hold_id__in=[r[0] for r in rows]).values_list(
        "hold_id", "invoice_id"
    ):
        several.setdefault(hold_id, []).append(invoice_id)
    invoice_ids: set[int] = set()
    customer_ids: set[int] = set()
    for hold_id, customer_id, invoice_id in rows:
        if invoice_id is not None:
            invoice_ids.add(invoice_id)
        elif hold_id in several:
            invoice_ids.update(several[hold_id])
        else:
            customer_ids.add(customer_id)
    return Q(id__in=sorted(invoice_ids)) | Q(customer_id__in=sorted(customer_ids))


# ------------------------------------------------------------------------------------------- customer standing


@dataclass(frozen=True)
class Standing:
    """Where a customer stands in its collection, for the head of its page: the oldest overdue due date, the
    policy and the last step carried out, the last reminder sent, the next one planned, the holds running and the
    collector. A fixed number of queries, whatever the number of invoices."""

    oldest_due_on: date | None
    oldest_days: int
    policy_name: str
    last_step_key: str
    last_step_on: date | None
    last_sent: Action | None
    next_planned: Action | None
    holds: list[Hold]
    collector: object | None


def customer_standing(organization: Organization, customer: Customer, as_of: date) -> Standing:
    from .notices import customer_policy

    oldest = (
        Invoice.objects.filter(organization=organization, customer=customer, open_amount__gt=0, due_on__lt=as_of)
        .order_by()
        .aggregate(oldest=Min("due_on"))["oldest"]
    )
    last_step = (
        ItemStep.objects.filter(organization=organization, invoice__customer=customer, done_on__isnull=False)
        .exclude(step_key=dunning.PENALTIES)
        .order_by("-done_on", "-level", "-id")
        .values("step_key", "done_on")
        .first()
    )
    actions_of = Action.objects.filter(organization=organization, customer=customer)
    last_sent = actions_of.filter(state=ActionState.SENT).order_by("-send_on", "-id").first()
    next_planned = (
        actions_of.filter(
            state__in=(ActionState.PLANNED, ActionState.AWAITING_APPROVAL, ActionState.READY, ActionState.SENDING)
        )
        .order_by("send_on", "id")
        .first()
    )
    running = [
        h
        for h in Hold.objects.filter(organization=organization, customer=customer, released_at__isnull=True, outcome="")
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=as_of))
        .order_by("starts_on", "id")
        if h.status(as_of) in ("active", "scheduled")
    ]
    collection = CustomerCollection.objects.filter(customer=customer).select_related("collector").first()
    return Standing(
        oldest_due_on=oldest,
        oldest_days=(as_of - oldest).days if oldest is not None else 0,
        policy_name=customer_policy(organization, customer).name,
        last_step_key=last_step["step_key"] if last_step else "",
        last_step_on=last_step["done_on"] if last_step else None,
        last_sent=last_sent,
        next_planned=next_planned,
        holds=running,
        collector=collection.collector if collection is not None else None,
    )
