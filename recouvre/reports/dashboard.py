"""The dashboard's reads: cash collected per week, the aged balance by segment and the collectors' results of a
period. Each is one or two grouped queries whatever the number of invoices; amounts in one currency only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, Count, F, Sum
from django.db.models.functions import Cast, Round

from recouvre.core.aging import BUCKET_KEYS, ZERO
from recouvre.ledger.models import Allocation, Segment
from recouvre.organizations.models import Organization

from .selectors import _rows

WEEKS = 13


def _cents(expr: Any) -> Any:
    return Cast(Round(expr * 100, 0), BigIntegerField())


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def weekly_collected(
    organization: Organization, as_of: date, currency: str, weeks: int = WEEKS
) -> list[tuple[date, Decimal]]:
    """Cash collected (payments applied to invoices, by allocation date, as the KPIs count it) in each of the
    ``weeks`` weeks (Monday to Sunday) up to ``as_of``'s week, oldest first: one grouped query."""
    first = week_start(as_of) - timedelta(weeks=weeks - 1)
    qs = (
        Allocation.objects.filter(
            organization=organization,
            payment__isnull=False,
            invoice__currency=currency,
            allocated_on__gte=first,
            allocated_on__lte=as_of,
        )
        .order_by()
        .values("allocated_on")
        .annotate(s=Sum(_cents(F("amount"))))
        .values_list("allocated_on", "s")
    )
    totals: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for on, cents in _rows(qs):
        day = on if isinstance(on, date) else date.fromisoformat(str(on))
        totals[week_start(day)] += Decimal(cents or 0).scaleb(-2)
    return [(first + timedelta(weeks=k), totals[first + timedelta(weeks=k)]) for k in range(weeks)]


@dataclass(slots=True)
class SegmentAging:
    segment: str
    label: str
    buckets: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


def aged_by_segment(organization: Organization, as_of: date, currency: str) -> list[SegmentAging]:
    """The aged balance on ``as_of`` summed by customer segment, in the order of the segments; segments with
    nothing open are left out. As the aged balance: an invoice payable in several instalments is aged by
    instalment. Two grouped queries (open amounts by segment and due date; open instalments likewise)."""
    from django.db.models import Exists, OuterRef

    from recouvre.core.aging import bucket_for
    from recouvre.ledger.models import Invoice, InvoiceInstalment
    from recouvre.ledger.selectors import INSTALMENT_OPEN

    sums: dict[str, dict[str, Decimal]] = {}

    def add(segment: str, due: Any, cents: Any) -> None:
        day = due if isinstance(due, date) else date.fromisoformat(str(due))
        row = sums.setdefault(segment, dict.fromkeys(BUCKET_KEYS, ZERO))
        row[bucket_for(day, as_of)] += Decimal(cents or 0).scaleb(-2)

    single = (
        Invoice.objects.filter(organization=organization, currency=currency, open_amount__gt=0)
        .filter(~Exists(InvoiceInstalment.objects.filter(invoice=OuterRef("pk"))))
        .order_by()
        .values("customer__segment", "due_on")
        .annotate(s=Sum(_cents(F("open_amount"))))
        .values_list("customer__segment", "due_on", "s")
    )
    for segment, due, cents in _rows(single):
        add(segment, due, cents)
    instalments = (
        InvoiceInstalment.objects.filter(
            invoice__organization=organization, invoice__currency=currency, invoice__open_amount__gt=0
        )
        .annotate(open=INSTALMENT_OPEN)
        .filter(open__gt=0)
        .order_by()
        .values("invoice__customer__segment", "due_on")
        .annotate(s=Sum(_cents(F("open"))))
        .values_list("invoice__customer__segment", "due_on", "s")
    )
    for segment, due, cents in _rows(instalments):
        add(segment, due, cents)
    out = []
    for seg, label in Segment.choices:
        if seg in sums and any(sums[seg].values()):
            out.append(SegmentAging(segment=seg, label=str(label), buckets=sums[seg]))
    return out


@dataclass(slots=True)
class CollectorResult:
    collector_id: int | None
    name: str
    collected: Decimal = ZERO
    promises_kept: int = 0
    promises_broken: int = 0
    tasks_done: int = 0


def collectors_results(organization: Organization, start: date, end: date, currency: str) -> list[CollectorResult]:
    """Per collector (the collector in charge of the customer), from ``start`` to ``end``: cash collected on
    their customers' invoices (payments applied, by allocation date), promises to pay that ended kept or broken
    (by outcome date), and the tasks they completed (by completion date). "No collector" gathers the customers
    without one. Three grouped queries; sorted by amount collected, largest first."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from recouvre.collections.models import Hold, HoldKind, HoldOutcome
    from recouvre.tasks.models import Task, TaskState

    results: dict[int | None, CollectorResult] = {}

    def of(collector_id: int | None) -> CollectorResult:
        return results.setdefault(collector_id, CollectorResult(collector_id=collector_id, name=""))

    collected = (
        Allocation.objects.filter(
            organization=organization,
            payment__isnull=False,
            invoice__currency=currency,
            allocated_on__gte=start,
            allocated_on__lte=end,
        )
        .order_by()
        .values("invoice__customer__collection__collector_id")
        .annotate(s=Sum(_cents(F("amount"))))
        .values_list("invoice__customer__collection__collector_id", "s")
    )
    for collector_id, cents in _rows(collected):
        of(collector_id).collected += Decimal(cents or 0).scaleb(-2)
    promises = (
        Hold.objects.filter(
            organization=organization,
            kind=HoldKind.PROMISE,
            outcome__in=[HoldOutcome.KEPT, HoldOutcome.BROKEN],
            outcome_on__gte=start,
            outcome_on__lte=end,
        )
        .order_by()
        .values("customer__collection__collector_id", "outcome")
        .annotate(n=Count("id"))
        .values_list("customer__collection__collector_id", "outcome", "n")
    )
    for collector_id, outcome, n in promises:
        if outcome == HoldOutcome.KEPT:
            of(collector_id).promises_kept += n
        else:
            of(collector_id).promises_broken += n
    tz = timezone.get_current_timezone()
    tasks = (
        Task.objects.filter(
            organization=organization,
            state=TaskState.DONE,
            done_at__gte=datetime.combine(start, time.min, tzinfo=tz),
            done_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
        )
        .order_by()
        .values("done_by_id")
        .annotate(n=Count("id"))
        .values_list("done_by_id", "n")
    )
    for user_id, n in tasks:
        of(user_id).tasks_done += n
    users = get_user_model().objects.filter(pk__in=[k for k in results if k is not None])
    names = {u.pk: (u.get_full_name() or u.get_username()) for u in users}
    for key, result in results.items():
        result.name = names.get(key, "") if key is not None else _("No collector")
    return sorted(results.values(), key=lambda r: (r.collector_id is None, -r.collected, r.name))


FORECAST_KEY = "forecast:{org}:{currency}:{day}"


def _forecast_cache() -> Any:
    """A cache in files under the data folder, shared by every process of the web app (the default cache is each
    process's own memory): the forecast page computed by one process shows on the dashboard served by another. One
    folder per database: two databases beside one data folder (tests run in parallel) never see each other's."""
    import hashlib

    from django.conf import settings
    from django.core.cache.backends.filebased import FileBasedCache
    from django.db import connection

    database = hashlib.sha256(str(connection.settings_dict.get("NAME", "")).encode()).hexdigest()[:12]
    return FileBasedCache(str(settings.DATA_DIR / "cache" / "forecast" / database), {"TIMEOUT": 2 * 24 * 3600})


def remember_forecast(
    organization: Organization, as_of: date, currency: str, weeks: Sequence[tuple[date, date, Decimal]]
) -> None:
    """Keep the cash-in forecast computed on ``as_of`` (week start, week end, expected) for the dashboard of that
    day: training the model takes seconds, the dashboard must not."""
    key = FORECAST_KEY.format(org=organization.pk, currency=currency, day=as_of.isoformat())
    _forecast_cache().set(key, [(a.isoformat(), b.isoformat(), str(v)) for a, b, v in weeks])


def forget_forecast(organization: Organization, as_of: date, currency: str) -> None:
    _forecast_cache().delete(FORECAST_KEY.format(org=organization.pk, currency=currency, day=as_of.isoformat()))


def remembered_forecast(organization: Organization, as_of: date, currency: str) -> list[tuple[date, date, Decimal]]:
    """The forecast computed on ``as_of`` by the forecast page, if it was (empty otherwise)."""
    key = FORECAST_KEY.format(org=organization.pk, currency=currency, day=as_of.isoformat())
    found = _forecast_cache().get(key) or []
    return [(date.fromisoformat(a), date.fromisoformat(b), Decimal(v)) for a, b, v in found]
