"""Writes for collections, each in one transaction, leaving events on the customers' timelines.

- ``ensure_default_policies``: an organization's seeded policies (``recouvre.core.policies``).
- ``run_collections``: plan the day with ``recouvre.core.dunning.iter_plan`` and store the actions (the outbox) and
  the step each invoice reaches, in bulk. Rows are inserted with ``ON CONFLICT DO NOTHING`` on their unique keys
  (customer, send date, channel) and (invoice, step), so a second run the same day, or two runs at once, store each
  action once. Sending is not done here (``recouvre.collections.dispatch``): actions stay ``planned`` or
  ``awaiting_approval``. After the policies' plan, the step asking for claimed penalties still owed once the
  principal is paid is planned the same way (``recouvre.core.dunning.plan_penalties``).
- Each run (not a dry run, not a backfill) first reviews the commitments, closes the tasks no longer needed,
  recomputes every customer's credit score and brings the credit limit alerts up to date (``recouvre.risk.credit``).
- ``place_hold`` / ``release_hold``: pause and resume collection of an invoice or a customer (they live in
  ``recouvre.collections.holds`` with the disputes, promises and payment plans, and are re-exported here).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import batched
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core import dunning
from recouvre.core.businessdays import FRANCE
from recouvre.core.policies import DEFAULT_POLICIES, SEGMENT_POLICIES
from recouvre.imports.tabular import record_events
from recouvre.ledger.actors import Actor
from recouvre.organizations.models import Organization
from recouvre.tasks.settled import close_settled_tasks

from . import selectors, steps
from .holds import place_hold, release_hold, review_commitments
from .models import Action, ActionState, ItemStep, Policy, RunSource, ScheduledRun, Step

ROWS_PER_INSERT = 500
ROWS_PER_ARRAY_INSERT = 10_000
_LETTERS = {dunning.Channel.LETTER.value, dunning.Channel.REGISTERED_LETTER.value}
_TASKS = {dunning.Channel.CALL_TASK.value, dunning.Channel.INTERNAL_TASK.value}


# ------------------------------------------------------------------------------------------------ policies


@transaction.atomic
def ensure_default_policies(organization: Organization) -> list[Policy]:
    """Create the seeded policies the organization does not have yet (by key); each becomes its segment's policy
    unless the organization already has one for that segment. Returns the policies created."""
    existing = set(Policy.objects.filter(organization=organization).values_list("key", flat=True))
    taken = set(Policy.objects.filter(organization=organization).exclude(segment="").values_list("segment", flat=True))
    segment_of = {policy.key: segment for segment, policy in SEGMENT_POLICIES.items()}
    created = []
    for core in DEFAULT_POLICIES:
        if core.key in existing:
            continue
        segment = segment_of.get(core.key, "")
        if segment in taken:
            segment = ""
        policy = Policy.objects.create(organization=organization, key=core.key, name=_(core.name), segment=segment)
        Step.objects.bulk_create(
            Step(
                policy=policy,
                position=i,
                key=s.key,
                offset_days=s.offset_days,
                channel=s.channel.value,
                template=s.template,
                min_open_amount=s.min_open_amount,
                needs_approval=s.needs_approval,
                min_gap_days=s.min_gap_days,
                enabled=s.enabled,
                deadline_days=s.deadline_days,
            )
            for i, s in enumerate(core.steps, start=1)
        )
        created.append(policy)
    return created


# ------------------------------------------------------------------------------------------------ the run


@dataclass
class SkippedCustomer:
    customer_id: int
    ref: str
    reason: str
    detail: str
    next_on: date | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "customer": self.ref,
            "reason": self.reason,
            "detail": self.detail,
            "next_on": self.next_on.isoformat() if self.next_on else None,
        }


@dataclass
class RunResult:
    """What a run planned and stored. ``actions`` counts the actions stored by this run (planned ones on a dry
    run); ``emails_sent``, ``failed``, ``waiting_retry``, ``smtp_unreachable`` and ``smtp_error`` are filled by the
    dispatch that follows (``recouvre.collections.dispatch.DispatchResult``)."""

    organization: str
    as_of: date
    send_on: date
    dry_run: bool = False
    actions: int = 0
    emails: int = 0
    emails_sent: int = 0
    letters: int = 0
    tasks: int = 0
    awaiting_approval: int = 0
    failed: int = 0
    skipped_on_hold: int = 0
    item_steps: int = 0
    superseded: int = 0
    backfill: bool = False
    waiting_retry: int = 0
    smtp_unreachable: bool = False
    smtp_error: str = ""
    skipped: list[SkippedCustomer] = field(default_factory=list)

    def as_dict(self, *, details: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "organization": self.organization,
            "as_of": self.as_of.isoformat(),
            "send_on": self.send_on.isoformat(),
            "dry_run": self.dry_run,
            "actions": self.actions,
            "emails_sent": self.emails_sent,
            "letters": self.letters,
            "tasks": self.tasks,
            "awaiting_approval": self.awaiting_approval,
            "failed": self.failed,
            "skipped_on_hold": self.skipped_on_hold,
            "emails_planned": self.emails,
            "item_steps": self.item_steps,
            "superseded": self.superseded,
            "backfill": self.backfill,
            "skipped": len(self.skipped),
            "waiting_retry": self.waiting_retry,
            "smtp_unreachable": self.smtp_unreachable,
            "smtp_error": self.smtp_error or None,
        }
        if details:
            out["skipped_customers"] = [s.as_dict() for s in self.skipped]
        return out

    def _count(self, channel: str, needs_approval: bool) -> None:
        self.actions += 1
        if channel == dunning.Channel.EMAIL.value:
            self.emails += 1
        elif channel in _LETTERS:
            self.letters += 1
        elif channel in _TASKS:
            self.tasks += 1
        if needs_approval:
            self.awaiting_approval += 1


def _line(ln: dunning.PlannedLine) -> dict[str, Any]:
    """An action's line as stored; a line about one instalment of an invoice payable in several also has
    ``instalment`` (its position) and ``instalments`` (their number)."""
    out = {
        "invoice_id": ln.invoice_id,
        "number": ln.number,
        "due_on": ln.due_on.isoformat(),
        "open_amount": str(ln.open_amount),
        "currency": ln.currency,
        "days_overdue": ln.days_overdue,
        "stage": ln.stage,
        "step": ln.step.key if ln.step is not None else None,
        "reason": ln.reason.value if ln.reason is not None else None,
        "hold": ln.hold.value if ln.hold is not None else None,
        "round": ln.round,
    }
    if ln.instalment:
        out.update(instalment=ln.instalment, instalments=ln.instalments)
    return out


class RunRefused(Exception):
    """A run that cannot be made: dated before the organization's latest run (without ``backfill``), or after
    today."""


def latest_run_on(organization: Organization) -> date | None:
    """The ``as_of`` of the organization's latest run, by the scheduler or by hand (None: never run)."""
    return ScheduledRun.objects.filter(organization=organization).aggregate(latest=Max("as_of"))["latest"]


def check_run_date(organization: Organization, as_of: date, *, today: date, backfill: bool = False) -> None:
    """Runs move forward: ``RunRefused`` for a date after today, or before the latest run unless ``backfill``."""
    if as_of > today:
        raise RunRefused(
            _("%(as_of)s is after today (%(today)s): a run cannot be dated in the future.")
            % {"as_of": as_of.isoformat(), "today": today.isoformat()}
        )
    latest = latest_run_on(organization)
    if not backfill and latest is not None and as_of < latest:
        raise RunRefused(
            _(
                "%(org)s was last run for %(latest)s: a run for %(as_of)s, earlier, would send today what was due "
                "then. To record steps carried out outside Recouvre on that day, use --backfill."
            )
            % {"org": organization.slug, "latest": latest.isoformat(), "as_of": as_of.isoformat()}
        )


def run_collections(
    organization: Organization,
    as_of: date,
    *,
    actor: Actor,
    dry_run: bool = False,
    calendar: Any = FRANCE,
    backfill: bool = False,
    today: date | None = None,
    source: str = RunSource.MANUAL,
) -> RunResult:
    """Plan ``organization``'s collections on ``as_of`` and store the plan in one transaction: one action per
    customer and channel (the outbox), the step each advancing invoice reaches, and one timeline event per customer
    contacted. Storing is insert-or-ignore on the unique keys: what is already stored is left as it is and not
    counted. ``dry_run`` plans and counts, and writes nothing (not even the review of commitments that a real run
    starts with, ``holds.review_commitments``).

    Runs move forward (``check_run_date``): a date before the latest run is refused (``RunRefused``) unless
    ``backfill``, which records the steps due that day as carried out outside Recouvre (never sent: shown as such
    on the timeline, counted as levels) without moving the latest run. A run dated in the past but not before the
    latest one plans as of that day and sends at once: the holds begun since apply. ``today`` defaults to the
    local date."""
    today = today or timezone.localdate()
    if not dry_run:
        check_run_date(organization, as_of, today=today, backfill=backfill)
    send_on = as_of if backfill else calendar.next_business_day(as_of)
    result = RunResult(organization.slug, as_of, send_on, dry_run)
    result.backfill = backfill
    if not dry_run and not backfill:
        # Promises kept or broken, instalments honoured or missed: the holds they end are not planned with.
        review_commitments(organization, as_of, actor=actor)
        # Calls and escalation steps whose invoices were paid, credited or put on hold are closed.
        close_settled_tasks(organization, actor=actor, today=as_of)
        # Every customer's payment-behaviour score, and the credit limit alerts on the worklist.
        from recouvre.risk.credit import refresh_credit

        refresh_credit(organization, as_of, actor=actor)
    with transaction.atomic():
        if not dry_run:
            # Steps of actions cancelled, rejected or failed since the last run never happened: dropped, so their
            # invoices reach them again.
            steps.drop_void(organization)
            if not backfill:
                _record_run(organization, as_of, source)
        inputs = selectors.planner_inputs(organization, as_of, sent_on=None if backfill else max(today, send_on))
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        org_id = organization.pk
        action_rows: list[tuple[Any, ...]] = []
        steps_of: dict[tuple[int, str], list[tuple[str, int, int, int, int, int]]] = {}

        def store(actions: Sequence[dunning.PlannedAction]) -> None:
            lines_json: str | None = None
            for action in actions:
                channel = action.channel.value
                if dry_run:
                    result._count(channel, action.needs_approval)
                    result.item_steps += len(action.advancing)
                    continue
                if lines_json is None:  # every action of a customer lists the same lines
                    lines_json = json.dumps([_line(ln) for ln in action.lines])
                if backfill:
                    state = ActionState.SENT.value
                elif action.needs_approval:
                    state = ActionState.AWAITING_APPROVAL.value
                else:
                    state = ActionState.PLANNED.value
                action_rows.append(
                    (
                        org_id,
                        action.customer_id,
                        channel,
                        send_on,
                        state,
                        action.policy_key,
                        action.step.key,
                        action.template,
                        action.deadline_on,
                        lines_json,
                        json.dumps({cur: str(amount) for cur, amount in action.unapplied.items()}),
                        action.needs_approval and not backfill,
                        0,
                        "",
                        "",
                        "",
                        now,
                        backfill,
                        now if backfill else None,
                    )
                )
                steps_of[(action.customer_id, channel)] = [
                    (ln.step.key, ln.new_level or 0, ln.invoice_id, ln.step.offset_days, ln.round, ln.instalment)
                    for ln in action.advancing
                    if ln.step is not None
                ]

        # Customers with something overdue, or contacted by this plan: their claimed penalties wait.
        busy: set[int] = set()
        for customer_plan in dunning.iter_plan(
            as_of,
            inputs.customers.values(),
            dunning.overdue_customers(inputs.items, as_of, inputs.tolerance, busy),
            calendar=calendar,
            tolerance=inputs.tolerance,
        ):
            if customer_plan.skip is not None:
                skip = customer_plan.skip
                result.skipped.append(
                    SkippedCustomer(
                        skip.customer_id,
                        inputs.refs.get(skip.customer_id, ""),
                        skip.reason.value,
                        skip.detail,
                        skip.next_on,
                    )
                )
                if skip.reason is dunning.Reason.ON_HOLD:
                    result.skipped_on_hold += 1
                continue
            if customer_plan.actions:
                busy.add(customer_plan.customer_id)
            store(customer_plan.actions)
        # Claimed penalties still owed once the principal is paid: their own step (``dunning.plan_penalties``).
        rule = selectors.penalty_rule(organization)
        if rule is not None:
            penalties = selectors.open_penalties(organization, as_of)
            if penalties:
                for action in dunning.plan_penalties(
                    as_of,
                    inputs.customers,
                    penalties,
                    rule,
                    busy=busy,
                    calendar=calendar,
                    tolerance=inputs.tolerance,
                ):
                    store([action])
        if dry_run:
            return result
        inserted = _insert_ignore(
            Action,
            (
                "organization_id",
                "customer_id",
                "channel",
                "send_on",
                "state",
                "policy_key",
                "step_key",
                "template",
                "deadline_on",
                "lines",
                "unapplied",
                "needs_approval",
                "attempts",
                "last_error",
                "content",
                "content_sha256",
                "created_at",
                "recorded",
                "sent_at",
            ),
            action_rows,
            conflict=("organization_id", "customer_id", "send_on", "channel"),
            returning=("id", "customer_id", "channel", "needs_approval"),
            json_fields=("lines", "unapplied"),
        )
        action_rows.clear()
        item_rows = []
        contacted: dict[int, list[tuple[str, list[str]]]] = {}
        for action_id, customer_id, channel, needs_approval in inserted:
            result._count(channel, bool(needs_approval))
            keys = steps_of.get((customer_id, channel), [])
            contacted.setdefault(customer_id, []).append((channel, [k for k, _lvl, _inv, _off, _r, _i in keys]))
            for key, level, invoice_id, offset, rnd, instalment in keys:
                item_rows.append(
                    (
                        org_id,
                        invoice_id,
                        key,
                        level,
                        action_id,
                        send_on,
                        offset,
                        rnd,
                        send_on if backfill else None,
                        instalment,
                    )
                )
        if contacted and not backfill:
            # First the older actions still awaiting approval that the new ones replace: their steps are dropped,
            # and the new actions carry them.
            result.superseded = _supersede_waiting(organization, send_on, actor)
        result.item_steps = len(
            _insert_ignore(
                ItemStep,
                (
                    "organization_id",
                    "invoice_id",
                    "step_key",
                    "level",
                    "action_id",
                    "planned_on",
                    "offset_days",
                    "round",
                    "done_on",
                    "instalment",
                ),
                item_rows,
                conflict=("invoice_id", "instalment", "step_key", "round"),
                returning=("id",),
            )
        )
        record_events(
            organization,
            actor,
            [
                (
                    customer_id,
                    "collections.step_recorded" if backfill else "collections.action_planned",
                    {
                        "send_on": send_on,
                        "as_of": as_of,
                        "channels": ", ".join(sorted(c for c, _k in per)),
                        "steps": ", ".join(k for _c, keys in per for k in keys),
                        "invoices": len(
                            {inv for c, _k in per for _s, _l, inv, _o, _r, _i in steps_of.get((customer_id, c), [])}
                        ),
                    },
                )
                for customer_id, per in sorted(contacted.items())
            ],
        )
    return result


def _record_run(organization: Organization, as_of: date, source: str) -> None:
    """Record a run by hand (the scheduler records its own before it starts): once per organization and day."""
    if source == RunSource.SCHEDULER:
        return
    _insert_ignore(
        ScheduledRun,
        ("organization_id", "as_of", "source", "started_at", "summary"),
        [(organization.pk, as_of, source, connection.ops.adapt_datetimefield_value(timezone.now()), "{}")],
        conflict=("organization_id", "as_of", "source"),
        returning=("id",),
        json_fields=("summary",),
    )


def _supersede_waiting(organization: Organization, send_on: date, actor: Actor) -> int:
    """An action still awaiting approval when a newer one is stored for the same customer and channel is
    cancelled: the newer lists every overdue invoice as it is now, and approving the older one later would send a
    stale, second message. One update whatever the number; one timeline event per action cancelled."""
    newer = Action.objects.filter(
        organization=organization, customer=OuterRef("customer"), channel=OuterRef("channel"), send_on=send_on
    ).exclude(state=ActionState.CANCELLED)
    stale = list(
        Action.objects.filter(organization=organization, state=ActionState.AWAITING_APPROVAL, send_on__lt=send_on)
        .filter(Exists(newer))
        .values_list("id", "customer_id", "channel", "send_on", "step_key")
    )
    if not stale:
        return 0
    note = _("Superseded by the reminder planned for %(send_on)s, which lists every overdue invoice.") % {
        "send_on": send_on.isoformat()
    }
    Action.objects.filter(pk__in=[row[0] for row in stale], state=ActionState.AWAITING_APPROVAL).update(
        state=ActionState.CANCELLED, decision_note=note, decided_at=timezone.now()
    )
    steps.dropped(row[0] for row in stale)
    record_events(
        organization,
        actor,
        [
            (
                customer_id,
                "collections.action_superseded",
                {"channel": channel, "send_on": old_on, "step": step_key, "by": send_on},
            )
            for _id, customer_id, channel, old_on, step_key in stale
        ],
    )
    return len(stale)


def _insert_ignore(
    model: type[Any],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str],
    returning: Sequence[str],
    json_fields: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` many at a time, leaving out those whose ``conflict`` key is already stored (by an earlier or
    a concurrent run); returns the ``returning`` columns of the rows inserted."""
    if not rows:
        return []
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(model._meta.get_field(f).column) for f in fields)
    tail = f" ON CONFLICT ({', '.join(qn(model._meta.get_field(f).column) for f in conflict)}) DO NOTHING RETURNING "
    tail += ", ".join(qn(model._meta.get_field(f).column) for f in returning)
    if connection.vendor == "postgresql":
        return _insert_ignore_postgres(model, fields, rows, table, columns, tail, json_fields)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        cursor: Any = connection.connection.cursor()
        marks = ["?"] * len(fields)
    else:
        cursor = connection.cursor()
        marks = ["%s"] * len(fields)
    one = "(" + ", ".join(marks) + ")"
    limit = connection.features.max_query_params or 999
    per = max(1, min(ROWS_PER_INSERT, limit // len(fields)))
    out: list[tuple[Any, ...]] = []
    try:
        for batch in batched(rows, per):
            sql = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([one] * len(batch)) + tail
            cursor.execute(sql, [v for row in batch for v in row])
            out.extend(tuple(r) for r in cursor.fetchall())
    finally:
        cursor.close()
    return out


def _insert_ignore_postgres(
    model: type[Any],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    table: str,
    columns: str,
    tail: str,
    json_fields: Sequence[str],
) -> list[tuple[Any, ...]]:
    """PostgreSQL: one array per column, expanded by ``unnest``: a short statement whatever the number of rows (a
    ``VALUES`` list of thousands of placeholders costs more to parse than to insert)."""
    types = ["text" if f in json_fields else model._meta.get_field(f).db_type(connection) for f in fields]
    names = [f"c{i}" for i in range(len(fields))]
    select = ", ".join(f"{n}::jsonb" if f in json_fields else n for n, f in zip(names, fields, strict=True))
    arrays = ", ".join(f"%b::{t}[]" for t in types)  # %b: each array sent in binary, nothing to escape
    sql = f"INSERT INTO {table} ({columns}) SELECT {select} FROM unnest({arrays}) AS u({', '.join(names)}){tail}"
    import psycopg

    out: list[tuple[Any, ...]] = []
    connection.ensure_connection()
    # A cursor binding the arrays on the server (Django's binds on the client, which quotes every element).
    with psycopg.Cursor(connection.connection) as cursor:
        for batch in batched(rows, ROWS_PER_ARRAY_INSERT):
            cursor.execute(sql, [list(column) for column in zip(*batch, strict=True)])
            out.extend(tuple(r) for r in cursor.fetchall())
    return out


__all__ = [
    "RunRefused",
    "RunResult",
    "SkippedCustomer",
    "check_run_date",
    "ensure_default_policies",
    "latest_run_on",
    "place_hold",
    "release_hold",
    "run_collections",
]
