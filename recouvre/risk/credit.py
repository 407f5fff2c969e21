"""Credit risk writes and what the pages and the CLI show, on ``recouvre.core.credit``'s decisions:

- ``recompute_scores``: every customer's payment-behaviour score, stored (``CustomerScore``), by each collections
  run; set-based (a few queries, one bulk upsert).
- ``refresh_exposure_alerts``: the credit limit alerts on the worklist: a task "over the credit limit" or "near the
  credit limit" (at or over the warning share, 80 % by default) with the amounts, opened when a customer's level
  changes (an import or a run finds it), one open per customer and level (a database fact), kept up to date while
  the level holds, and closed as no longer needed when the customer goes back under. Called by every collections
  run and after every import of invoices or payments.
- ``check_order``: accept / review / refuse an order of an amount, with reasons (reads only).
- ``customer_credit``: the score with its sentences, the exposure and the alert level, for the customer page.
- ``save_thresholds``: the organization's thresholds (review and refuse below a score, warning share of the limit).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import batched
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from recouvre.core import credit as core
from recouvre.ledger.actors import Actor
from recouvre.ledger.models import Customer, Invoice
from recouvre.ledger.services import bulk_record_events, record_event
from recouvre.organizations.models import Organization
from recouvre.tasks.models import CREDIT_ALERTS, ClosedReason, Task, TaskKind, TaskState

from . import selectors
from .models import CustomerScore, ExposureLevel, ExposureState

UPSERT_BATCH = 1000  # score rows per statement on PostgreSQL
_KIND_OF = {core.Level.OVER: TaskKind.CREDIT_OVER.value, core.Level.NEAR: TaskKind.CREDIT_NEAR.value}


def money_in(currency: str) -> core.Money:
    """Amounts written in the active language (``170 591,00 €``, ``€170,591.00``)."""
    from recouvre.collections.rendering import format_amount

    language = "fr" if (get_language() or "").startswith("fr") else "en"
    return lambda amount: format_amount(amount, currency, language)


def number_in() -> core.Number:
    """Days with one decimal in the active language (``14.7``, ``14,7``)."""
    comma = (get_language() or "").startswith("fr")
    return lambda value: str(value).replace(".", ",") if comma else str(value)


# ------------------------------------------------------------------------------------------------- the score


def refresh_credit(organization: Organization, as_of: date, *, actor: Actor) -> AlertResult:
    """What each collections run does for credit risk: every customer's score on ``as_of``
    (``recompute_scores``), then the credit limit alerts (``refresh_exposure_alerts``), from one reading of the
    exposures."""
    known = selectors.exposures(organization, as_of)
    recompute_scores(organization, as_of, known_exposures=known)
    return refresh_exposure_alerts(organization, actor=actor, today=as_of, known_exposures=known)


def recompute_scores(
    organization: Organization,
    as_of: date,
    *,
    customer_ids: Iterable[int] | None = None,
    known_exposures: dict[int, selectors.Exposure] | None = None,
) -> dict[int, int]:
    """Compute and store the score of every customer of ``organization`` (of ``customer_ids`` only) on ``as_of``:
    one row per customer. Returns the scores by customer id.

    The score is a function of the customer's facts alone: a customer whose facts are those stored keeps its
    row (only its ``as_of`` and ``computed_at`` move, in one update), so a daily run rewrites only the customers
    whose ledger, promises, disputes, limit or status changed."""
    limits = selectors.thresholds(organization)
    facts = selectors.credit_facts(
        organization, as_of, customer_ids, warning_percent=limits.warning_percent, known_exposures=known_exposures
    )
    stored_qs = CustomerScore.objects.filter(organization=organization)
    if customer_ids is not None:
        stored_qs = stored_qs.filter(customer_id__in=list(facts))
    stored = {c: (score, f) for c, score, f in stored_qs.values_list("customer_id", "score", "facts")}
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []
    out = {}
    kept = False
    for customer_id, f in facts.items():
        data = f.as_dict()
        before = stored.get(customer_id)
        if before is not None and before[1] == data:
            out[customer_id] = before[0]
            kept = True
            continue
        result = core.score(f, texts=False)
        out[customer_id] = result.score
        components = [
            {"key": c.key, "points": str(c.points), "max_points": str(c.max_points), "value": c.value}
            for c in result.components
        ]
        rows.append((organization.pk, customer_id, result.score, json.dumps(components), json.dumps(data)))
    with transaction.atomic():
        if kept:  # every stored row moves to this day; those whose facts changed are rewritten below
            stored_qs.update(as_of=as_of, computed_at=now)
        _upsert_scores(rows, as_of, now)
    return out


def _upsert_scores(rows: list[tuple[Any, ...]], as_of: date, now: datetime) -> None:
    """Insert or replace the score rows ``(organization, customer, score, components JSON, facts JSON)`` with one
    prepared statement run for all of them (the ORM's ``bulk_create`` spent more time building its SQL than the
    database writing the rows)."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(CustomerScore._meta.db_table)
    json_value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    day = connection.ops.adapt_datefield_value(as_of)
    at = connection.ops.adapt_datetimefield_value(now)
    head = f"INSERT INTO {table} (organization_id, customer_id, score, components, facts, as_of, computed_at) VALUES "
    one = f"(%s, %s, %s, {json_value}, {json_value}, %s, %s)"
    tail = (
        " ON CONFLICT (customer_id) DO UPDATE SET score = excluded.score, components = excluded.components, "
        "facts = excluded.facts, as_of = excluded.as_of, computed_at = excluded.computed_at"
    )
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(head + one + tail, [(*row, day, at) for row in rows])
            return
        # On PostgreSQL each statement is a round trip to the server: a thousand rows per statement (100 000
        # customers: 100 statements instead of 100 000).
        for batch in batched(rows, UPSERT_BATCH):
            values = ", ".join([one] * len(batch))
            cursor.execute(head + values + tail, [v for row in batch for v in (*row, day, at)])


def score_report(organization: Organization, customer_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """The stored scores (of ``customer_ids`` only when given), lowest first, each with its components and their
    sentences in the active language: what ``recouvre risk score --json`` prints."""
    qs = CustomerScore.objects.filter(organization=organization).select_related("customer")
    if customer_ids is not None:
        qs = qs.filter(customer_id__in=list(customer_ids))
    money = money_in(organization.currency)
    out = []
    for row in qs.order_by("score", "customer__ref"):
        result = core.score(core.Facts.from_dict(row.facts), money, number_in())
        out.append(
            {
                "customer_ref": row.customer.ref,
                "customer_name": row.customer.name,
                "score": row.score,
                "as_of": row.as_of.isoformat(),
                "computed_at": row.computed_at.isoformat(),
                "components": [c.as_dict() for c in result.components],
            }
        )
    return out


# ------------------------------------------------------------------------------------------ exposure alerts


@dataclass
class AlertResult:
    opened: int = 0
    updated: int = 0
    closed: int = 0


def _texts(
    level: core.Level,
    exposure: selectors.Exposure,
    money: core.Money,
    latest: tuple[str, Decimal, date] | None,
    currency: str,
) -> tuple[str, str, dict[str, Any]]:
    """The title and details of an alert task, and its event's data."""
    limit = exposure.limit or Decimal("0.00")
    values = {
        "exposure": money(exposure.exposure),
        "limit": money(limit),
        "excess": money(exposure.exposure - limit),
        "percent": core.percent_of(exposure.exposure, limit) or 0,
        "overdue": money(exposure.overdue),
    }
    if level is core.Level.OVER:
        title = _("Over the credit limit: %(exposure)s owed for a limit of %(limit)s, %(excess)s over") % values
    else:
        title = _("%(percent)s%% of the credit limit: %(exposure)s owed for a limit of %(limit)s") % values
    lines = [
        _("Exposure (open invoices less payments and credit notes not applied): %(exposure)s.") % values,
        _("Credit limit: %(limit)s.") % values,
        _("Overdue: %(overdue)s.") % values,
    ]
    data: dict[str, Any] = {
        "exposure": str(exposure.exposure),
        "limit": str(limit),
        "excess": str(exposure.exposure - limit),
        "percent": values["percent"],
        "currency": currency,
    }
    if latest is not None:
        number, amount, issued_on = latest
        lines.append(
            _("Latest invoice %(number)s of %(amount)s, issued %(issued_on)s, took the exposure over the limit.")
            % {"number": number, "amount": money(amount), "issued_on": issued_on.isoformat()}
        )
        data.update(invoice=number, invoice_amount=str(amount))
    return title, "\n".join(lines), data


def _crossing_invoices(
    organization: Organization, over: dict[int, selectors.Exposure]
) -> dict[int, tuple[str, Decimal, date]]:
    """For the customers just over their limit: their latest open invoice (in the organization's currency), when
    it is the one that took them over (without it they would be within the limit). Two queries."""
    if not over:
        return {}
    latest = dict(
        Invoice.objects.filter(
            organization=organization, customer_id__in=list(over), currency=organization.currency, open_amount__gt=0
        )
        .order_by()
        .values("customer_id")
        .annotate(m=Max("id"))
        .values_list("customer_id", "m")
    )
    out = {}
    for customer_id, number, open_amount, issued_on in Invoice.objects.filter(pk__in=latest.values()).values_list(
        "customer_id", "number", "open_amount", "issued_on"
    ):
        e = over[customer_id]
        if e.limit is not None and e.exposure - open_amount <= e.limit:
            out[customer_id] = (number, open_amount, issued_on)
    return out


def refresh_exposure_alerts(
    organization: Organization,
    *,
    actor: Actor,
    today: date | None = None,
    customer_ids: Iterable[int] | None = None,
    known_exposures: dict[int, selectors.Exposure] | None = None,
) -> AlertResult:
    """Bring the credit limit alerts of ``organization`` (of ``customer_ids`` only) in line with the exposures on
    ``today``, in one transaction and a few queries whatever the number of customers:

    - a customer whose level changed (none, near, over: ``recouvre.core.credit.exposure_level``) gets an open task
      of its new level (due today, for its collector) and an event on its timeline; its alert of the other level
      is closed as no longer needed (``over_limit`` when it went over, ``under_threshold`` otherwise);
    - while the level holds, the open task's title and details follow the amounts (no new task: a person who
      closed it is not given it again until the customer crosses a level anew);
    - a customer back under the warning share (paid, credited, limit raised or removed) has its alert closed as no
      longer needed (``under_threshold``), with an event."""
    from recouvre.collections.models import CustomerCollection

    today = today or timezone.localdate()
    ids = None if customer_ids is None else list(customer_ids)
    warning = selectors.thresholds(organization).warning_percent
    money = money_in(organization.currency)
    result = AlertResult()
    with transaction.atomic():
        if known_exposures is not None:
            exposures = known_exposures
        else:
            exposures = selectors.exposures(organization, today, _alert_scope(organization, ids))
        states = ExposureState.objects.filter(organization=organization)
        open_tasks = Task.objects.filter(organization=organization, state=TaskState.OPEN, kind__in=CREDIT_ALERTS)
        if ids is not None:
            states = states.filter(customer_id__in=ids)
            open_tasks = open_tasks.filter(customer_id__in=ids)
        previous = dict(states.values_list("customer_id", "level"))
        tasks_of: dict[int, dict[str, Task]] = {}
        for task in open_tasks.select_for_update(of=("self",)):
            tasks_of.setdefault(task.customer_id, {})[task.kind] = task
        levels = {
            customer_id: core.exposure_level(e.exposure, e.limit, warning) for customer_id, e in exposures.items()
        }
        changed = {
            customer_id: level
            for customer_id, level in levels.items()
            if level.value != previous.get(customer_id, ExposureLevel.NONE)
        }
        crossing = _crossing_invoices(
            organization,
            {c: exposures[c] for c, level in changed.items() if level is core.Level.OVER},
        )
        collectors = dict(
            CustomerCollection.objects.filter(
                organization=organization, customer_id__in=[c for c, level in changed.items() if level in _KIND_OF]
            ).values_list("customer_id", "collector_id")
        )
        now = timezone.now()
        events: list[tuple[int | None, str, dict[str, Any]]] = []
        closing: list[Task] = []
        updating: list[Task] = []
        creating: list[Task] = []
        for customer_id, level in levels.items():
            wanted = _KIND_OF.get(level)
            e = exposures[customer_id]
            for kind, task in tasks_of.get(customer_id, {}).items():
                if kind == wanted:
                    title, details, _data = _texts(level, e, money, None, organization.currency)
                    # the line naming the invoice that took it over, when there is one, stays
                    details = "\n".join([details, *task.details.split("\n")[3:]])
                    if (task.title, task.details) != (title[:300], details):
                        task.title, task.details = title[:300], details
                        updating.append(task)
                    continue
                reason = ClosedReason.OVER_LIMIT if level is core.Level.OVER else ClosedReason.UNDER_THRESHOLD
                task.state = TaskState.NOT_NEEDED
                task.closed_reason = reason.value
                task.outcome_data = {"reason": reason.value, "exposure": str(e.exposure), "limit": str(e.limit)}
                task.done_at = now
                task.done_by = actor.user
                task.done_by_label = actor.label
                closing.append(task)
                events.append(
                    (
                        customer_id,
                        "credit.alert_closed",
                        {
                            "task": task.pk,
                            "title": task.title,
                            "reason": reason.value,
                            "exposure": str(e.exposure),
                            "limit": "" if e.limit is None else str(e.limit),
                            "currency": organization.currency,
                        },
                    )
                )
            if customer_id in changed and wanted is not None and wanted not in tasks_of.get(customer_id, {}):
                title, details, data = _texts(level, e, money, crossing.get(customer_id), organization.currency)
                creating.append(
                    Task(
                        organization=organization,
                        customer_id=customer_id,
                        kind=wanted,
                        title=title[:300],
                        details=details,
                        due_on=today,
                        assignee_id=collectors.get(customer_id),
                        created_by=actor.user,
                        created_by_label=actor.label,
                    )
                )
                events.append(
                    (customer_id, "credit.over_limit" if level is core.Level.OVER else "credit.near_limit", data)
                )
        Task.objects.bulk_update(
            closing, ["state", "closed_reason", "outcome_data", "done_at", "done_by", "done_by_label"], batch_size=500
        )
        Task.objects.bulk_update(updating, ["title", "details"], batch_size=500)
        result.closed, result.updated = len(closing), len(updating)
        result.opened = _create(creating)
        ExposureState.objects.bulk_create(
            [
                ExposureState(organization=organization, customer_id=c, level=level.value, changed_on=today)
                for c, level in changed.items()
            ],
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["customer"],
            update_fields=["level", "changed_on"],
        )
        bulk_record_events(organization, actor, events)
    return result


# Up to this many customers concerned, their exposures are read by id; beyond, every customer's (one pass).
_SCOPED_AT_MOST = 20_000


def _alert_scope(organization: Organization, ids: list[int] | None) -> list[int] | None:
    """The customers (of ``ids``, else of the organization) whose alerts may change: those with a credit limit, an
    alert level other than none, or an open alert task. For every other customer the level is none and stays none,
    with no task to close or update, so its exposure need not be read (after an import into an organization without
    credit limits, none is). ``None``: every customer (too many to name)."""
    limited = Customer.objects.filter(organization=organization, credit_limit__isnull=False).values_list(
        "pk", flat=True
    )
    alerted = (
        ExposureState.objects.filter(organization=organization)
        .exclude(level=ExposureLevel.NONE)
        .values_list("customer_id", flat=True)
    )
    tasked = Task.objects.filter(organization=organization, state=TaskState.OPEN, kind__in=CREDIT_ALERTS).values_list(
        "customer_id", flat=True
    )
    concerned = {*limited, *alerted, *tasked}
    if ids is not None:
        return [c for c in ids if c in concerned]
    return sorted(concerned) if len(concerned) <= _SCOPED_AT_MOST else None


def _create(tasks: list[Task]) -> int:
    """Insert the alert tasks; one that another process opened meanwhile (one open per customer and level) is
    left out."""
    if not tasks:
        return 0
    try:
        with transaction.atomic():
            Task.objects.bulk_create(tasks, batch_size=500)
        return len(tasks)
    except IntegrityError:
        pass
    opened = 0
    for task in tasks:
        try:
            with transaction.atomic():
                task.pk = None
                task.save(force_insert=True)
            opened += 1
        except IntegrityError:
            continue
    return opened


# -------------------------------------------------------------------------------------- order check, page


def check_order(organization: Organization, customer: Customer, amount: Decimal, *, today: date) -> core.OrderCheck:
    """Accept, review or refuse an order of ``amount`` from ``customer`` (``recouvre.core.credit.order_check``):
    its exposure now, its stored score, what it has overdue, the company's status. Reads only."""
    exposure = selectors.exposures(organization, today, [customer.pk])[customer.pk]
    stored = selectors.stored_score(organization, customer.pk)
    status = selectors.company_statuses(organization, today, [customer.pk]).get(customer.pk, core.CompanyStatus.UNKNOWN)
    money = money_in(organization.currency)
    result = core.order_check(
        amount=amount,
        exposure=exposure.exposure,
        limit=exposure.limit,
        score=None if stored is None else stored.score,
        overdue=exposure.overdue,
        company_status=status,
        thresholds=selectors.thresholds(organization),
        money=money,
    )
    deposits = recorded_deposits(organization, customer, today)
    if deposits <= 0:
        return result
    shown = core.Reason(
        core.Decision.ACCEPT,
        _(
            "Deposits recorded for this customer: %(amount)s; shown, not taken off the exposure (a deposit is an "
            "advance on an order, not a payment of the open invoices)."
        )
        % {"amount": money(deposits)},
    )
    return dataclasses.replace(result, reasons=(*result.reasons, shown))


def recorded_deposits(organization: Organization, customer: Customer, today: date) -> Decimal:
    """The deposits recorded as securities of ``customer`` (``recouvre.legal``), in force on ``today``."""
    from recouvre.core.securities import deposits_total
    from recouvre.legal.securities import customer_facts

    return deposits_total(s for s in customer_facts(organization, customer) if s.in_force(today))


@dataclass(frozen=True)
class CustomerCredit:
    """What the customer page shows: the stored score and its sentences (None before the first run), the exposure
    now, its level and share of the limit."""

    score: core.Score | None
    scored_on: date | None
    exposure: selectors.Exposure
    level: core.Level
    percent: int | None

    @property
    def excess(self) -> Decimal:
        return self.exposure.exposure - (self.exposure.limit or Decimal("0.00"))


def customer_credit(organization: Organization, customer: Customer, today: date) -> CustomerCredit:
    exposure = selectors.exposures(organization, today, [customer.pk])[customer.pk]
    stored = selectors.stored_score(organization, customer.pk)
    score = None
    if stored is not None:
        score = core.score(core.Facts.from_dict(stored.facts), money_in(organization.currency), number_in())
    warning = selectors.thresholds(organization).warning_percent
    return CustomerCredit(
        score,
        None if stored is None else stored.as_of,
        exposure,
        core.exposure_level(exposure.exposure, exposure.limit, warning),
        core.percent_of(exposure.exposure, exposure.limit),
    )


# ------------------------------------------------------------------------------------------------ thresholds


class ThresholdsRefused(ValueError):
    """Thresholds out of order or out of range: nothing is saved."""


@transaction.atomic
def save_thresholds(
    organization: Organization,
    *,
    actor: Actor,
    review_below: int | None = None,
    refuse_below: int | None = None,
    warning_percent: int | None = None,
    deposit_from: str | None = None,
    deposit_percent: int | None = None,
) -> core.Thresholds:
    """Change the organization's credit thresholds (those given; the others stay). ``ThresholdsRefused`` when they
    would be out of order (0 <= refuse <= review <= 100), the warning share not from 1 to 100, or a deposit
    proposed (``deposit_from`` "review" or "refuse") without a share from 1 to 100. One event on the
    organization's timeline (``risk.settings_changed``) when something changed."""
    from .models import CreditSettings

    before = selectors.thresholds(organization)
    wanted = {
        "review_below": before.review_below if review_below is None else review_below,
        "refuse_below": before.refuse_below if refuse_below is None else refuse_below,
        "warning_percent": before.warning_percent if warning_percent is None else warning_percent,
        "deposit_from": before.deposit_from if deposit_from is None else deposit_from,
        "deposit_percent": before.deposit_percent if deposit_percent is None else deposit_percent,
    }
    try:
        after = core.Thresholds(**wanted)
    except ValueError as exc:
        raise ThresholdsRefused(
            _(
                "The thresholds must be in order (0 ≤ refuse below ≤ review below ≤ 100), the warning share from 1 "
                "to 100, and a deposit, when proposed, from 1 to 100 percent."
            )
        ) from exc
    changed = sorted(k for k, v in wanted.items() if getattr(before, k) != v)
    if changed:
        CreditSettings.objects.update_or_create(organization=organization, defaults=wanted)
        record_event(
            organization,
            None,
            "risk.settings_changed",
            actor,
            fields=", ".join(changed),
            **{k: wanted[k] for k in changed},
        )
    return after
