"""The aged balance as a list a person works from: its lines narrowed to a segment, a collector or a tag, sorted on
any column, and each amount's invoices (``bucket_condition``: the drill-down from an amount to the invoice list)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q

from recouvre.core.aging import BUCKET_KEYS, BUCKETS, AgedBalance, AgedLine
from recouvre.ledger.models import InvoiceInstalment
from recouvre.ledger.selectors import INSTALMENT_OPEN, customers
from recouvre.organizations.models import Organization

# sort key -> natural direction
AGING_SORTS: dict[str, str] = {
    "ref": "asc",
    "name": "asc",
    **dict.fromkeys(BUCKET_KEYS, "desc"),
    "total": "desc",
    "unapplied": "desc",
    "balance": "desc",
}


def _due_in(bucket: str, as_of: date, due: str) -> Q:
    (b,) = [b for b in BUCKETS if b.key == bucket]
    if b.min_days is None:
        return Q(**{f"{due}__gte": as_of})
    q = Q(**{f"{due}__lte": as_of - timedelta(days=b.min_days)})
    if b.max_days is not None:
        q &= Q(**{f"{due}__gte": as_of - timedelta(days=b.max_days)})
    return q


def bucket_condition(bucket: str, as_of: date) -> Q:
    """The open invoices with an amount in ``bucket`` on ``as_of``, as the aged balance puts them: by their due date,
    or, for one payable in instalments, by the due date of each instalment still open."""
    if bucket not in BUCKET_KEYS:
        raise ValueError(bucket)
    instalments = InvoiceInstalment.objects.filter(invoice=OuterRef("pk"))
    open_instalment_in = (
        instalments.annotate(open=INSTALMENT_OPEN).filter(open__gt=0).filter(_due_in(bucket, as_of, "due_on"))
    )
    return Q(open_amount__gt=0) & (
        (_due_in(bucket, as_of, "due_on") & ~Exists(instalments)) | Exists(open_instalment_in)
    )


def narrowed(
    organization: Organization,
    report: AgedBalance,
    *,
    segment: str = "",
    collector_id: int | None = None,
    tag: str = "",
) -> AgedBalance:
    """``report`` keeping the customers of ``segment``, of the collector (0: without one) and carrying ``tag``;
    its totals are those of the lines kept."""
    if not (segment or collector_id is not None or tag):
        return report
    from recouvre.collections.list_selectors import tagged
    from recouvre.ledger.selectors import _collector

    qs = customers(organization)
    if segment:
        qs = qs.filter(segment=segment)
    if collector_id is not None:
        qs = qs.filter(_collector(collector_id, ""))
    qs = tagged(qs, tag)
    kept = set(qs.values_list("pk", flat=True))
    return AgedBalance(
        as_of=report.as_of, currency=report.currency, lines=[li for li in report.lines if li.customer_id in kept]
    )


def _value(line: AgedLine, key: str) -> object:
    if key in BUCKET_KEYS:
        return line.buckets[key]
    if key in ("ref", "name"):
        return getattr(line, key).casefold()
    return getattr(line, key)


def sorted_report(report: AgedBalance, sort: str, direction: str = "") -> AgedBalance:
    """``report`` with its lines sorted on ``sort`` (an ``AGING_SORTS`` key; by account otherwise) in
    ``direction``, ties by name then account."""
    if sort not in AGING_SORTS:
        return report
    reverse = (direction or AGING_SORTS[sort]) == "desc"
    lines = sorted(report.lines, key=lambda li: (li.name.casefold(), li.ref))
    lines.sort(key=lambda li: _value(li, sort), reverse=reverse)  # stable: ties keep name order
    return AgedBalance(as_of=report.as_of, currency=report.currency, lines=lines)
