"""The aged balance (*balance âgée*): open amounts by how many days past due they are on ``as_of``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Bucket:
    key: str
    label: str  # English label; interfaces translate it
    min_days: int | None  # days overdue, inclusive; None = not yet due
    max_days: int | None  # inclusive; None = no upper bound


BUCKETS: tuple[Bucket, ...] = (
    Bucket("not_due", "Not due", None, 0),
    Bucket("1_30", "1-30 days", 1, 30),
    Bucket("31_60", "31-60 days", 31, 60),
    Bucket("61_90", "61-90 days", 61, 90),
    Bucket("over_90", "Over 90 days", 91, None),
)
BUCKET_KEYS = tuple(b.key for b in BUCKETS)


def bucket_for(due_on: date, as_of: date) -> str:
    """An item due on ``as_of`` is not yet overdue; the day after, it is 1 day overdue."""
    days = (as_of - due_on).days
    if days <= 0:
        return "not_due"
    for b in BUCKETS[1:]:
        if b.max_days is None or days <= b.max_days:
            return b.key
    raise AssertionError("unreachable")  # pragma: no cover


def empty_buckets() -> dict[str, Decimal]:
    return {k: ZERO for k in BUCKET_KEYS}


@dataclass(slots=True)
class AgedLine:
    ref: str
    name: str
    buckets: dict[str, Decimal] = field(default_factory=empty_buckets)
    unapplied: Decimal = ZERO
    customer_id: int | None = None

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.total - self.buckets["not_due"]

    @property
    def balance(self) -> Decimal:
        return self.total - self.unapplied


@dataclass(slots=True)
class AgedBalance:
    as_of: date
    currency: str
    lines: list[AgedLine]

    @property
    def buckets(self) -> dict[str, Decimal]:
        out = empty_buckets()
        for line in self.lines:
            for k, v in line.buckets.items():
                out[k] += v
        return out

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO)

    @property
    def unapplied(self) -> Decimal:
        return sum((line.unapplied for line in self.lines), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.total - self.unapplied

    def summary(self) -> dict[str, object]:
        """The totals without the customers: buckets, total, unapplied, balance (decimal strings) and how many
        customers the report lists."""
        return {
            "buckets": {k: str(v) for k, v in self.buckets.items()},
            "total": str(self.total),
            "unapplied": str(self.unapplied),
            "balance": str(self.balance),
            "customer_count": len(self.lines),
        }

    def as_dict(self) -> dict[str, object]:
        """One currency's report: its totals and its customers, amounts as decimal strings."""
        totals = self.summary()
        del totals["customer_count"]
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            **totals,
            "customers": [
                {
                    "ref": line.ref,
                    "name": line.name,
                    "buckets": {k: str(v) for k, v in line.buckets.items()},
                    "total": str(line.total),
                    "unapplied": str(line.unapplied),
                    "balance": str(line.balance),
                }
                for line in self.lines
            ],
        }


def aged_balances_as_dict(reports: Sequence[AgedBalance]) -> dict[str, object]:
    """The JSON shape of ``recouvre report aging --json``: the first report in full (the organization's currency,
    or the one asked for), and under ``currencies`` the totals of every report, keyed by ISO code in the order
    given, without their customers. Amounts of different currencies are never added together."""
    out = reports[0].as_dict()
    out["currencies"] = {r.currency: r.summary() for r in reports}
    return out


def age_items(as_of: date, currency: str, items: Iterable[tuple[str, str, date, Decimal]]) -> AgedBalance:
    """Reference implementation over ``(ref, name, due_on, open_amount)`` rows; the database selector computes
    the same figures in SQL and tests compare the two."""
    lines: dict[str, AgedLine] = {}
    for ref, name, due_on, amount in items:
        line = lines.setdefault(ref, AgedLine(ref, name))
        line.buckets[bucket_for(due_on, as_of)] += amount
    return AgedBalance(as_of, currency, sorted(lines.values(), key=lambda ln: ln.ref))
