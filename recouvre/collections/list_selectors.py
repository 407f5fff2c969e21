"""Tenant-scoped reads of the customer list: each customer with its balance, amount overdue, oldest overdue due
date, last action carried out and next action planned (with their dates and channels), collector and the number of
holds running; sortable on every column, set-based (one query per page, one more for the page's status tags).

The figures come from correlated sub-queries the database runs for the rows it needs (and, when sorted on one of
them, for every customer of the organization once), never a query per customer from Python."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.db import connections
from django.db.models import (
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from recouvre.ledger import selectors as ledger_selectors
from recouvre.ledger.models import Customer, Invoice
from recouvre.organizations.models import Organization

from .models import Action, ActionState, Channel, Hold, HoldKind

# sort key -> (the annotation or field sorted on, its natural direction: how a click on the column first sorts)
CUSTOMER_SORTS: dict[str, tuple[str, str]] = {
    "ref": ("ref", "asc"),
    "name": ("name", "asc"),
    "segment": ("segment", "asc"),
    "balance": ("balance", "desc"),
    "overdue": ("overdue_total", "desc"),
    "oldest": ("oldest_days", "desc"),
    "last_action": ("last_action_at", "desc"),
    "next_action": ("next_action_on", "asc"),
    "collector": ("collector_name", "asc"),
    "status": ("holds_running", "desc"),
}
WAITING = (ActionState.PLANNED, ActionState.AWAITING_APPROVAL, ActionState.READY)
# Status tags shown on the list, in this order.
STATUS_KINDS = (
    HoldKind.INSOLVENCY,
    HoldKind.DISPUTE,
    HoldKind.PAYMENT_PLAN,
    HoldKind.PROMISE,
    HoldKind.ALREADY_PAID,
    HoldKind.UNMATCHED_PAYMENT,
    HoldKind.EINVOICE_REJECTED,
    HoldKind.MANUAL,
)


def running_holds(organization: Organization, as_of: date) -> QuerySet[Hold]:
    """The holds in force on ``as_of`` (started, not ended, not lifted)."""
    return Hold.objects.filter(organization=organization, released_at__isnull=True, starts_on__lte=as_of).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=as_of)
    )


def tagged(qs: QuerySet[Customer], tag: str) -> QuerySet[Customer]:
    """The customers of ``qs`` carrying the tag ``tag`` (``Customer.tags``, exactly)."""
    if not tag:
        return qs
    if connections[qs.db].vendor == "postgresql":
        return qs.filter(tags__contains=[tag])
    table = Customer._meta.db_table
    return qs.extra(  # noqa: S610 - the value is a parameter
        where=[f'EXISTS (SELECT 1 FROM json_each("{table}"."tags") WHERE json_each.value = %s)'], params=[tag]
    )


def customer_rows(
    organization: Organization,
    as_of: date,
    *,
    search: str = "",
    segment: str = "",
    overdue_only: bool = False,
    collector_id: int | None = None,
    status: str = "",
    tag: str = "",
    sort: str = "overdue",
    direction: str = "",
) -> QuerySet[Customer]:
    """The customer list: ``ledger.selectors.customer_list`` (search, segment, collector, overdue only) narrowed to
    the customers with a running hold of kind ``status`` (``"any"``: any kind) and carrying ``tag``, annotated and
    sorted on ``sort`` (a ``CUSTOMER_SORTS`` key) in ``direction`` (``asc``/``desc``, the column's natural one by
    default), empty values last, then by name and id: a stable order page after page."""
    qs = ledger_selectors.customer_list(
        organization,
        as_of,
        search=search,
        segment=segment,
        overdue_only=overdue_only,
        collector_id=collector_id,
    )
    running = running_holds(organization, as_of)
    if status == "any":
        qs = qs.filter(Exists(running.filter(customer=OuterRef("pk"))))
    elif status:
        qs = qs.filter(Exists(running.filter(customer=OuterRef("pk"), kind=status)))
    qs = tagged(qs, tag)
    overdue = Invoice.objects.filter(
        organization=organization, customer=OuterRef("pk"), open_amount__gt=0, due_on__lt=as_of
    )
    actions = Action.objects.filter(organization=organization, customer=OuterRef("pk"))
    done = actions.filter(state=ActionState.SENT).order_by("-sent_at", "-pk")
    waiting = actions.filter(state__in=WAITING).order_by("send_on", "pk")
    holds = running.filter(customer=OuterRef("pk")).order_by().values("customer").annotate(n=Count("pk")).values("n")
    oldest_due = Subquery(
        overdue.order_by().values("customer").annotate(d=Min("due_on")).values("d"), output_field=DateField()
    )
    qs = qs.annotate(
        balance=F("open_total") - F("unapplied"),
        oldest_due=oldest_due,
        last_action_at=Subquery(done.values("sent_at")[:1], output_field=DateTimeField()),
        last_action_channel=Subquery(done.values("channel")[:1], output_field=CharField()),
        next_action_on=Subquery(waiting.values("send_on")[:1], output_field=DateField()),
        next_action_channel=Subquery(waiting.values("channel")[:1], output_field=CharField()),
        next_action_state=Subquery(waiting.values("state")[:1], output_field=CharField()),
        holds_running=Coalesce(Subquery(holds, output_field=IntegerField()), 0),
        collector_name=Coalesce(
            NullIf(
                Trim(
                    Concat(
                        "collection__collector__first_name",
                        Value(" "),
                        "collection__collector__last_name",
                        output_field=CharField(),
                    )
                ),
                Value(""),
            ),
            F("collection__collector__username"),
            output_field=CharField(),
        ),
    )
    field, natural = CUSTOMER_SORTS.get(sort, CUSTOMER_SORTS["overdue"])
    direction = direction if direction in ("asc", "desc") else natural
    if field == "oldest_days":  # most days overdue first = the oldest due date first
        field, direction = "oldest_due", "asc" if direction == "desc" else "desc"
    expr = F(field)
    order = expr.asc(nulls_last=True) if direction == "asc" else expr.desc(nulls_last=True)
    return qs.order_by(order, "name", "pk")


def status_tags(organization: Organization, as_of: date, customer_ids: Iterable[int]) -> dict[int, list[str]]:
    """The kinds of hold in force on ``as_of`` for each customer (``STATUS_KINDS`` order), in one query."""
    kinds: dict[int, set[str]] = defaultdict(set)
    ids = list(customer_ids)
    if ids:
        for cid, kind in (
            running_holds(organization, as_of).filter(customer_id__in=ids).values_list("customer_id", "kind")
        ):
            kinds[cid].add(kind)
    order = {k.value: n for n, k in enumerate(STATUS_KINDS)}
    return {cid: sorted(found, key=lambda k: order.get(k, 99)) for cid, found in kinds.items()}


def describe(rows: Iterable[Customer], organization: Organization, as_of: date) -> list[Customer]:
    """The rows of a page with ``oldest_days`` (days the oldest overdue invoice is late, ``None`` when nothing is),
    ``tags_running`` (the status tags' labels) and the channels of the last and next actions in words
    (``last_action_label``, ``next_action_label``) set; one query for the whole page."""
    rows = list(rows)
    # no query when no customer of the page has a hold running
    held = [c.pk for c in rows if getattr(c, "holds_running", 1)]
    tags = status_tags(organization, as_of, held)
    labels = dict(HoldKind.choices)
    channels = dict(Channel.choices)
    for c in rows:
        last, following = getattr(c, "last_action_channel", None), getattr(c, "next_action_channel", None)
        c.last_action_label = channels.get(last, last) if last else ""  # type: ignore[attr-defined]
        c.next_action_label = channels.get(following, following) if following else ""  # type: ignore[attr-defined]
        oldest = getattr(c, "oldest_due", None)
        c.oldest_days = (as_of - oldest).days if oldest is not None else None  # type: ignore[attr-defined]
        c.tags_running = [labels.get(k, k) for k in tags.get(c.pk, [])]  # type: ignore[attr-defined]
    return rows


def iterate_rows(qs: QuerySet[Customer], organization: Organization, as_of: date, chunk: int = 1000) -> Iterator[Any]:
    """Every row of ``qs`` described (``describe``), read in chunks: an export of all the customers a filter shows."""
    batch: list[Customer] = []
    for c in qs.iterator(chunk_size=chunk):
        batch.append(c)
        if len(batch) == chunk:
            yield from describe(batch, organization, as_of)
            batch = []
    if batch:
        yield from describe(batch, organization, as_of)
