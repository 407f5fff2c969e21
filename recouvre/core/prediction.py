"""Late-payment prediction: the probability that an open invoice is paid late and its expected payment date, from
what was known on the day of the prediction only.

The input is an organization's invoice history as plain records (:class:`InvoiceRecord`): issue and due dates,
amount, the day the invoice was settled (if it was), the day a dispute was opened on it, the days a reminder for
it was carried out. Everything is read *as of* a date ``D``, meaning at the end of that day: a fact dated after
``D`` (a payment, a dispute, a reminder) does not exist for a prediction made on ``D``. Outcomes (the settlement
date, the days late) are never features: a feature of an invoice on ``D`` is computed from the *other* invoices
settled on or before ``D`` and from the invoice's own facts dated on or before ``D``.

Training rows are *snapshots*: every ``SNAPSHOT_DAYS`` days, each invoice open and not yet due that day, with its
features on that day and its outcome as known on the training date (settled after its due date, or still unpaid
past it: late; settled on or before it: on time; otherwise unknown and left out). Validation is time-ordered: the
model is trained on the snapshots whose outcome was known ``VALIDATION_DAYS`` before the training date and
scored on the later snapshots. The classifier is a scikit-learn logistic regression, calibrated (a sigmoid fitted
on held-out folds); the baseline beside it is the customer's share of invoices paid late so far. The expected
payment date comes from a gradient-boosted regression of the days from the snapshot to the payment, beside the
baseline of the customer's mean delay after the due date.

Reasons per invoice are found by perturbation: each group of features is set in turn to its usual value (the
median of the training rows) and the groups whose change moves the probability most are worded, in the active
language, with the invoice's own figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from .i18n import _, ngettext

SNAPSHOT_DAYS = 7
VALIDATION_DAYS = 91
MIN_SETTLED = 200  # settled invoices needed before a model is trained (below: the baseline, and it is said)
MIN_ROWS_PER_CLASS = 20  # late and on-time training rows, each
RECENT = 3  # the customer's last invoices whose delay makes the "recent" figure
SEED = 2026
TRAINING_DAYS = 730  # snapshots of the last two years only: older behaviour says less, and costs time
MAX_TRAINING_ROWS = 200_000  # the latest snapshots, when an organization has more

FEATURES = (
    "settled_count",
    "late_share",
    "mean_days_late",
    "recent_days_late",
    "trend_days_late",
    "recent_late_share",
    "mean_days_to_settle",
    "open_at_age_count",
    "open_at_age_late_share",
    "weighted_late_share",
    "weighted_days_late",
    "late_given_age",
    "days_since_payment",
    "peers_paid_share",
    "overdue_open_count",
    "overdue_open_max_days",
    "open_count",
    "log_amount",
    "amount_ratio",
    "terms_days",
    "issue_month",
    "age_days",
    "days_to_due",
    "disputed",
    "customer_disputes",
    "reminders",
)
# the groups reasons are given for: the features that move together
REASON_GROUPS: dict[str, tuple[str, ...]] = {
    "history": (
        "settled_count",
        "late_share",
        "mean_days_late",
        "mean_days_to_settle",
        "open_at_age_count",
        "open_at_age_late_share",
    ),
    "recent_weighted": ("weighted_late_share", "weighted_days_late"),
    "age": ("late_given_age",),
    "activity": ("days_since_payment", "peers_paid_share"),
    "recent": ("recent_days_late", "trend_days_late", "recent_late_share"),
    "overdue": ("overdue_open_count", "overdue_open_max_days", "open_count"),
    "amount": ("log_amount", "amount_ratio"),
    "timing": ("terms_days", "issue_month", "age_days", "days_to_due"),
    "dispute": ("disputed", "customer_disputes"),
    "reminders": ("reminders",),
}


class NotEnoughHistory(Exception):
    """Too few settled invoices, or only one outcome, to train a model; the message says which."""


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    """One invoice as the ledger knows it. ``settled_on``: the day its open amount reached zero (None while
    open); ``disputed_on``: the first day a dispute covered it; ``reminders``: the days a reminder for it was
    carried out. Features read only the facts dated on or before the prediction date."""

    key: str
    customer: str
    issued_on: date
    due_on: date
    amount: Decimal
    settled_on: date | None = None
    disputed_on: date | None = None
    reminders: tuple[date, ...] = ()
    currency: str = "EUR"
    open_amount: Decimal | None = None  # what was still owed on the day it was read (for forecasts, not a feature)

    def is_open_on(self, day: date) -> bool:
        return self.issued_on <= day and (self.settled_on is None or self.settled_on > day)


def late_outcome(record: InvoiceRecord, known_on: date) -> bool | None:
    """Was the invoice paid late, as known at the end of ``known_on``? None when it cannot be told yet."""
    if record.settled_on is not None and record.settled_on <= known_on:
        return record.settled_on > record.due_on
    if record.due_on < known_on:
        return True  # still unpaid after its due date
    return None


@dataclass(slots=True)
class _CustomerHistory:
    records: list[InvoiceRecord]
    by_settlement: list[InvoiceRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_settlement = sorted(
            (r for r in self.records if r.settled_on is not None), key=lambda r: (r.settled_on, r.due_on, r.key)
        )


def _histories(records: Iterable[InvoiceRecord]) -> dict[str, _CustomerHistory]:
    grouped: dict[str, list[InvoiceRecord]] = {}
    for r in records:
        grouped.setdefault(r.customer, []).append(r)
    return {c: _CustomerHistory(sorted(rs, key=lambda r: (r.issued_on, r.key))) for c, rs in grouped.items()}


def _features(record: InvoiceRecord, history: _CustomerHistory, day: date) -> list[float]:
    """The features of ``record`` at the end of ``day``, from facts dated on or before ``day`` only."""
    nan = math.nan
    settled = [
        r for r in history.by_settlement if r.settled_on is not None and r.settled_on <= day and r.key != record.key
    ]
    delays = [(r.settled_on - r.due_on).days for r in settled if r.settled_on is not None]
    to_settle = [(r.settled_on - r.issued_on).days for r in settled if r.settled_on is not None]
    n = len(delays)
    late_share = sum(d > 0 for d in delays) / n if n else nan
    mean_late = sum(delays) / n if n else nan
    age = (day - record.issued_on).days
    # the customer's invoices that were still unpaid at this invoice's age: how many, and the share paid late
    at_age = [d for d, t in zip(delays, to_settle, strict=True) if t > age]
    recent = delays[-RECENT:]
    recent_late = sum(recent) / len(recent) if recent else nan
    recent_share = sum(d > 0 for d in recent) / len(recent) if recent else nan
    overdue_count = 0
    overdue_max = 0
    open_count = 0
    amounts: list[float] = []
    disputes = 0
    peers = peers_paid = 0  # the customer's other invoices issued up to 30 days before this one, and those paid
    for r in history.records:
        if r.issued_on > day:
            break
        if r.key != record.key and 0 <= (record.issued_on - r.issued_on).days <= 30:
            peers += 1
            peers_paid += r.settled_on is not None and r.settled_on <= day
        amounts.append(float(r.amount))
        if r.disputed_on is not None and r.disputed_on <= day and r.key != record.key:
            disputes += 1
        if r.key != record.key and r.is_open_on(day):
            open_count += 1
            if r.due_on < day:
                overdue_count += 1
                overdue_max = max(overdue_max, (day - r.due_on).days)
    amount = float(record.amount)
    mean_amount = sum(amounts) / len(amounts) if amounts else amount
    return [
        float(n),
        late_share,
        mean_late,
        recent_late,
        recent_late - mean_late if n else nan,
        recent_share,
        sum(to_settle) / n if n else nan,
        float(len(at_age)),
        sum(d > 0 for d in at_age) / len(at_age) if at_age else nan,
        _weighted([float(d > 0) for d in delays]),
        _weighted([float(d) for d in delays]),
        _late_given_age(to_settle, (record.due_on - record.issued_on).days, age),
        float((day - settled[-1].settled_on).days) if settled and settled[-1].settled_on is not None else nan,
        peers_paid / peers if peers else nan,
        float(overdue_count),
        float(overdue_max),
        float(open_count),
        math.log1p(max(amount, 0.0)),
        amount / mean_amount if mean_amount > 0 else 1.0,
        float((record.due_on - record.issued_on).days),
        float(record.issued_on.month),
        float((day - record.issued_on).days),
        float((record.due_on - day).days),
        1.0 if record.disputed_on is not None and record.disputed_on <= day else 0.0,
        float(disputes),
        float(sum(1 for d in record.reminders if d <= day)),
    ]


def _weighted(values: Sequence[float], keep: float = 0.7) -> float:
    """A mean that weighs each value ``keep`` times the one after it (the latest counts most); NaN when empty."""
    total = weight = 0.0
    w = 1.0
    for v in reversed(values):
        total += w * v
        weight += w
        w *= keep
    return total / weight if weight else math.nan


def _late_given_age(to_settle: Sequence[int], terms: int, age: int) -> float:
    """The probability that an invoice still unpaid ``age`` days after its issue is paid after ``terms`` days, if
    the customer's days to settle follow a normal law with the mean and spread of their past invoices."""
    if len(to_settle) < 2:
        return math.nan
    mean = sum(to_settle) / len(to_settle)
    spread = max(2.0, math.sqrt(sum((t - mean) ** 2 for t in to_settle) / (len(to_settle) - 1)))

    def beyond(days: float) -> float:
        return 0.5 * math.erfc((days + 0.5 - mean) / (spread * math.sqrt(2)))

    still_open = beyond(age)
    return min(1.0, beyond(terms) / still_open) if still_open > 1e-9 else 1.0


def _baseline(features: Sequence[float], prior: float) -> float:
    """The customer's share of invoices paid late so far; the whole organization's when it has none."""
    share = features[FEATURES.index("late_share")]
    return prior if math.isnan(share) else share


@dataclass(frozen=True, slots=True)
class Row:
    record: InvoiceRecord
    day: date
    features: list[float]
    late: bool | None
    days_to_payment: int | None  # from ``day`` to the settlement, when it is known


def snapshot_rows(records: Sequence[InvoiceRecord], known_on: date, *, start: date | None = None) -> list[Row]:
    """Training rows: every ``SNAPSHOT_DAYS`` days up to ``known_on``, each invoice open that day, with its
    features that day and its outcome as known on ``known_on`` (rows whose outcome is unknown are kept, with
    ``late`` None: the regression may still use them when the payment date is known). In time order (then by
    customer and invoice, whatever the order of ``records``), the latest ``MAX_TRAINING_ROWS`` at most."""
    if not records:
        return []
    histories = _histories(records)
    first = start or min(r.issued_on for r in records)
    rows: list[Row] = []
    for customer in sorted(histories):
        history = histories[customer]
        for r in history.records:
            # the snapshot days (known_on, known_on - 7, ...) on which the invoice was open, oldest first
            last = known_on if r.settled_on is None else min(known_on, r.settled_on - timedelta(days=1))
            day = last - timedelta(days=(last - known_on).days % SNAPSHOT_DAYS)
            days: list[date] = []
            while day >= max(first, r.issued_on):
                days.append(day)
                day -= timedelta(days=SNAPSHOT_DAYS)
            for day in reversed(days):
                late = late_outcome(r, known_on) if r.due_on >= day else None
                paid_in = (r.settled_on - day).days if r.settled_on is not None and r.settled_on <= known_on else None
                if late is None and paid_in is None:
                    continue
                rows.append(Row(r, day, _features(r, history, day), late, paid_in))
    rows.sort(key=lambda row: (row.day, row.record.customer, row.record.issued_on, row.record.key))
    return rows[-MAX_TRAINING_ROWS:]


def open_rows(records: Sequence[InvoiceRecord], as_of: date) -> list[Row]:
    """The invoices open at the end of ``as_of``, with their features that day."""
    histories = _histories(records)
    out: list[Row] = []
    for history in histories.values():
        for r in history.records:
            if r.is_open_on(as_of):
                out.append(Row(r, as_of, _features(r, history, as_of), None, None))
    out.sort(key=lambda row: (row.record.due_on, row.record.key))
    return out


# ------------------------------------------------------------------------------------------------ the model


def _matrix(rows: Sequence[Row]) -> NDArray[np.float64]:
    return np.array([row.features for row in rows], dtype=np.float64).reshape(len(rows), len(FEATURES))


def _classifier() -> object:
    """A logistic regression over the standardised features (a missing figure: its median, and a flag saying it
    is missing), calibrated by a sigmoid fitted on time-ordered folds. On the benchmark it ranks invoices as well as
    gradient boosting and better than it at the earliest cut-off, with fewer rows to learn from."""
    from sklearn.calibration import CalibratedClassifierCV  # type: ignore[import-untyped]
    from sklearn.impute import SimpleImputer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped]
    from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped]

    pipeline = make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True),
        StandardScaler(),
        LogisticRegression(C=1.0, max_iter=2000, random_state=SEED),
    )
    return CalibratedClassifierCV(pipeline, method="sigmoid", cv=5)


def _regressor() -> object:
    from sklearn.ensemble import HistGradientBoostingRegressor  # type: ignore[import-untyped]

    return HistGradientBoostingRegressor(
        loss="absolute_error", max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=SEED
    )


def auc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

    if len(set(labels)) < 2:
        return None
    return float(roc_auc_score(labels, scores))


def brier(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    if not labels:
        return None
    return float(sum((float(y) - p) ** 2 for y, p in zip(labels, scores, strict=True)) / len(labels))


def _mae(actual: Sequence[int], predicted: Sequence[float]) -> float | None:
    if not actual:
        return None
    return float(sum(abs(a - p) for a, p in zip(actual, predicted, strict=True)) / len(actual))


def _round(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)


@dataclass(slots=True)
class Model:
    """A trained model, or the baseline alone (``fitted`` False) with the reason why."""

    trained_on: date
    prior: float
    mean_delay: float  # days from due date to payment over every settled invoice, for the baseline
    classifier: object | None = None
    regressor: object | None = None
    medians: NDArray[np.float64] | None = None
    note: str = ""
    residuals: tuple[float, ...] = ()  # validation residuals of the payment date (actual - predicted), days
    metrics: dict[str, float | int | None] = field(default_factory=dict)

    @property
    def fitted(self) -> bool:
        return self.classifier is not None

    def p_late(self, rows: Sequence[Row]) -> list[float]:
        if not rows:
            return []
        if self.classifier is None:
            return [_baseline(row.features, self.prior) for row in rows]
        return [float(p) for p in self.classifier.predict_proba(_matrix(rows))[:, 1]]  # type: ignore[attr-defined]

    def days_to_payment(self, rows: Sequence[Row]) -> list[float]:
        if not rows:
            return []
        if self.regressor is None:
            return [_baseline_days(row, self.mean_delay) for row in rows]
        return [max(1.0, float(d)) for d in self.regressor.predict(_matrix(rows))]  # type: ignore[attr-defined]


def _baseline_days(row: Row, mean_delay: float) -> float:
    """The customer's mean delay (the organization's without history) after the due date, at least a day away."""
    delay = row.features[FEATURES.index("mean_days_late")]
    if math.isnan(delay):
        delay = mean_delay
    return max(1.0, (row.record.due_on - row.day).days + delay)


def _fit(rows: Sequence[Row]) -> tuple[object | None, object | None]:
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    with threadpool_limits(limits=1):  # small data: threads only fight each other (and the other processes)
        return _fit_now(rows)


def _fit_now(rows: Sequence[Row]) -> tuple[object | None, object | None]:
    classified = [r for r in rows if r.late is not None]
    timed = [r for r in rows if r.days_to_payment is not None]
    classifier = _classifier()
    classifier.fit(_matrix(classified), np.array([bool(r.late) for r in classified]))  # type: ignore[attr-defined]
    regressor = _regressor()
    regressor.fit(_matrix(timed), np.array([float(r.days_to_payment or 0) for r in timed]))  # type: ignore[attr-defined]
    return classifier, regressor


def enough_history(records: Sequence[InvoiceRecord], rows: Sequence[Row], as_of: date) -> str:
    """Empty when a model can be trained, else why not (in the active language)."""
    settled = sum(1 for r in records if r.settled_on is not None and r.settled_on <= as_of)
    if settled < MIN_SETTLED:
        return _(
            "too little history: %(settled)d invoices settled, %(needed)d needed; the customer-mean baseline is used"
        ) % {"settled": settled, "needed": MIN_SETTLED}
    late = sum(1 for r in rows if r.late is True)
    on_time = sum(1 for r in rows if r.late is False)
    if min(late, on_time) < MIN_ROWS_PER_CLASS:
        return _(
            "too little history: %(late)d invoice snapshots paid late and %(on_time)d on time, %(needed)d of each "
            "needed; the customer-mean baseline is used"
        ) % {"late": late, "on_time": on_time, "needed": MIN_ROWS_PER_CLASS}
    return ""


def train(records: Sequence[InvoiceRecord], as_of: date) -> Model:
    """Validate on time-ordered data, then train on everything known at the end of ``as_of``.

    Validation: the model trained on the snapshots before ``as_of - VALIDATION_DAYS`` with the outcomes known then
    is scored on the later snapshots with the outcomes known on ``as_of``, beside the baseline on the same rows.
    """
    known = [r for r in records if r.issued_on <= as_of]
    rows = snapshot_rows(known, as_of, start=as_of - timedelta(days=TRAINING_DAYS))
    all_settled = [r for r in known if r.settled_on is not None and r.settled_on <= as_of]
    prior_rows = [r.late for r in rows if r.late is not None]
    prior = sum(prior_rows) / len(prior_rows) if prior_rows else 0.5
    delays = [(r.settled_on - r.due_on).days for r in all_settled if r.settled_on is not None]
    mean_delay = sum(delays) / len(delays) if delays else 0.0
    model = Model(trained_on=as_of, prior=prior, mean_delay=mean_delay)
    classified = [r for r in rows if r.late is not None]
    model.metrics = {"trained_on": len(classified), "validated_on": 0}
    why = enough_history(known, rows, as_of)
    if why:
        model.note = why
        return model

    split = as_of - timedelta(days=VALIDATION_DAYS)
    early = snapshot_rows(
        [r for r in known if r.issued_on <= split], split, start=split - timedelta(days=TRAINING_DAYS)
    )
    late_rows = [r for r in rows if r.day > split]
    valid_cls = [r for r in late_rows if r.late is not None]
    valid_reg = [r for r in late_rows if r.days_to_payment is not None]
    if not enough_history([r for r in known if r.issued_on <= split], early, split) and valid_cls:
        clf, reg = _fit(early)
        trial = Model(as_of, prior, mean_delay, clf, reg)
        base = Model(as_of, _prior(early), mean_delay)
        labels = [bool(r.late) for r in valid_cls]
        p = trial.p_late(valid_cls)
        b = base.p_late(valid_cls)
        actual = [r.days_to_payment or 0 for r in valid_reg]
        predicted = trial.days_to_payment(valid_reg)
        model.residuals = tuple(float(a - q) for a, q in zip(actual, predicted, strict=True))
        model.metrics.update(
            validated_on=len(valid_cls),
            auc=_round(auc(labels, p)),
            brier=_round(brier(labels, p)),
            baseline_auc=_round(auc(labels, b)),
            baseline_brier=_round(brier(labels, b)),
            mae_days=_round(_mae(actual, predicted), 2),
            baseline_mae_days=_round(_mae(actual, base.days_to_payment(valid_reg)), 2),
        )
    model.classifier, model.regressor = _fit(rows)
    model.medians = np.nanmedian(_matrix(classified), axis=0)
    return model


def _prior(rows: Sequence[Row]) -> float:
    known = [r.late for r in rows if r.late is not None]
    return sum(known) / len(known) if known else 0.5


# ------------------------------------------------------------------------------------------------ predictions


@dataclass(frozen=True, slots=True)
class Prediction:
    key: str
    customer: str
    p_late: float
    expected_on: date
    reasons: tuple[str, ...]
    overdue: bool


def predict(model: Model, records: Sequence[InvoiceRecord], as_of: date) -> list[Prediction]:
    """Every invoice open at the end of ``as_of``: an invoice already past its due date is late (probability 1),
    the others have the model's probability (the baseline's when there is no model)."""
    rows = open_rows([r for r in records if r.issued_on <= as_of], as_of)
    due = [row for row in rows if row.record.due_on >= as_of]
    p_due = dict(zip((row.record.key for row in due), model.p_late(due), strict=True))
    days = model.days_to_payment(rows)
    reasons = _reasons(model, due, [p_due[row.record.key] for row in due])
    out: list[Prediction] = []
    for row, d in zip(rows, days, strict=True):
        overdue = row.record.due_on < as_of
        p = 1.0 if overdue else p_due[row.record.key]
        why = reasons.get(row.record.key, ()) if not overdue else (_overdue_reason(row),)
        out.append(
            Prediction(
                key=row.record.key,
                customer=row.record.customer,
                p_late=round(p, 4),
                expected_on=as_of + timedelta(days=max(1, round(d))),
                reasons=why,
                overdue=overdue,
            )
        )
    return out


def _overdue_reason(row: Row) -> str:
    days = (row.day - row.record.due_on).days
    return ngettext("already %(days)d day past its due date", "already %(days)d days past its due date", days) % {
        "days": days
    }


def _reasons(model: Model, rows: Sequence[Row], p: Sequence[float]) -> dict[str, tuple[str, ...]]:
    """Up to three reasons per invoice: the feature groups whose usual value would move its probability most
    toward the average, worded with the invoice's own figures."""
    if not rows:
        return {}
    if model.classifier is None or model.medians is None:
        return {row.record.key: (_baseline_reason(row, model.prior),) for row in rows}
    base = _matrix(rows)
    effects: dict[str, NDArray[np.float64]] = {}
    p_now = np.array(p)
    for group, names in REASON_GROUPS.items():
        changed = base.copy()
        for name in names:
            i = FEATURES.index(name)
            changed[:, i] = model.medians[i]
        p_usual = model.classifier.predict_proba(changed)[:, 1]  # type: ignore[attr-defined]
        effects[group] = p_now - p_usual  # > 0: this group makes the invoice riskier than usual
    out: dict[str, tuple[str, ...]] = {}
    for k, row in enumerate(rows):
        risky = p[k] >= model.prior
        ranked = sorted(effects, key=lambda g: -effects[g][k] if risky else effects[g][k])
        chosen = [g for g in ranked if (effects[g][k] > 0.01 if risky else effects[g][k] < -0.01)][:3]
        words = [_word(g, row) for g in chosen]
        out[row.record.key] = tuple(w for w in words if w) or (_baseline_reason(row, model.prior),)
    return out


def _value(row: Row, name: str) -> float:
    return row.features[FEATURES.index(name)]


def _baseline_reason(row: Row, prior: float) -> str:
    share = _value(row, "late_share")
    n = int(_value(row, "settled_count"))
    if math.isnan(share):
        return _("no payment history for this customer: the organization's late rate (%(rate)d%%)") % {
            "rate": round(prior * 100)
        }
    return ngettext(
        "%(late)d of the customer's %(count)d settled invoice was paid late",
        "%(late)d of the customer's %(count)d settled invoices were paid late",
        n,
    ) % {"late": round(share * n), "count": n}


def _word(group: str, row: Row) -> str:
    if group == "history":
        return _baseline_reason(row, 0.0) if _value(row, "settled_count") else _("no payment history for this customer")
    if group == "recent":
        recent = _value(row, "recent_days_late")
        if math.isnan(recent):
            return ""
        days = round(recent)
        if days < 0:
            return ngettext(
                "the customer's last invoices were paid %(days)d day before their due date on average",
                "the customer's last invoices were paid %(days)d days before their due date on average",
                -days,
            ) % {"days": -days}
        return ngettext(
            "the customer's last invoices were paid %(days)d day after their due date on average",
            "the customer's last invoices were paid %(days)d days after their due date on average",
            days,
        ) % {"days": days}
    if group == "overdue":
        count = int(_value(row, "overdue_open_count"))
        if count == 0:
            return _("the customer has no other invoice overdue")
        return ngettext(
            "the customer has %(count)d other invoice overdue, up to %(days)d days",
            "the customer has %(count)d other invoices overdue, up to %(days)d days",
            count,
        ) % {"count": count, "days": int(_value(row, "overdue_open_max_days"))}
    if group == "amount":
        return _("amount %(ratio).1f times the customer's usual invoice") % {"ratio": _value(row, "amount_ratio")}
    if group == "timing":
        age = int(_value(row, "age_days"))
        return ngettext(
            "still unpaid %(age)d day after its issue", "still unpaid %(age)d days after its issue", age
        ) % {"age": age}
    if group == "dispute":
        if _value(row, "disputed"):
            return _("the invoice is disputed")
        count = int(_value(row, "customer_disputes"))
        if count == 0:
            return _("the customer has never disputed an invoice")
        return ngettext(
            "the customer disputed %(count)d invoice before",
            "the customer disputed %(count)d invoices before",
            count,
        ) % {"count": count}
    if group == "age":
        return (
            _("of the customer's invoices still unpaid at this age, about %(rate)d%% are paid late")
            % {"rate": round(_value(row, "late_given_age") * 100)}
            if not math.isnan(_value(row, "late_given_age"))
            else ""
        )
    if group == "recent_weighted":
        share = _value(row, "weighted_late_share")
        if math.isnan(share):
            return ""
        return _("counting the latest invoices most, the customer pays late %(rate)d%% of the time") % {
            "rate": round(share * 100)
        }
    if group == "activity":
        since = _value(row, "days_since_payment")
        if math.isnan(since):
            return _("no payment received from the customer yet")
        return ngettext(
            "the customer's last payment was %(days)d day ago",
            "the customer's last payment was %(days)d days ago",
            int(since),
        ) % {"days": int(since)}
    if group == "reminders":
        count = int(_value(row, "reminders"))
        return ngettext("%(count)d reminder already sent", "%(count)d reminders already sent", count) % {"count": count}
    return ""  # pragma: no cover


# ------------------------------------------------------------------------------------------------ cash forecast

FORECAST_WEEKS = 13
Z_90 = 1.6449  # a two-sided 90 % interval of the normal law


@dataclass(frozen=True, slots=True)
class ForecastWeek:
    starts_on: date
    ends_on: date
    expected: Decimal
    low: Decimal
    high: Decimal


def cash_forecast(
    items: Sequence[tuple[Decimal, date]], as_of: date, residuals: Sequence[float], weeks: int = FORECAST_WEEKS
) -> tuple[list[ForecastWeek], Decimal]:
    """Expected cash-in per week from the day after ``as_of``, for ``items`` (open amount, expected payment date),
    with a 90 % interval; and the amount expected later than the last week.

    Each payment date is uncertain by the residuals of the validation (actual minus predicted days): an amount
    falls in a week with the share of the residuals that put it there (a day before the first is the first day).
    The interval is the normal approximation of the sum of these independent payments, rounded to the cent (half
    up) per week. Without residuals each amount falls on its expected date, and the interval is the point."""
    spread = list(residuals) or [0.0]
    first = as_of + timedelta(days=1)
    n = len(spread)
    expected = [0.0] * weeks
    variance = [0.0] * weeks
    later = 0.0
    for amount, expected_on in items:
        a = float(amount)
        shares = [0.0] * weeks
        beyond = 0.0
        for r in spread:
            day = max(first, expected_on + timedelta(days=round(r)))
            week = (day - first).days // 7
            if week < weeks:
                shares[week] += 1 / n
            else:
                beyond += 1 / n
        for w, p in enumerate(shares):
            if p:
                expected[w] += a * p
                variance[w] += a * a * p * (1 - p)
        later += a * beyond
    cent = Decimal("0.01")

    def money(x: float) -> Decimal:
        return Decimal(repr(max(0.0, x))).quantize(cent, rounding="ROUND_HALF_UP")

    out = [
        ForecastWeek(
            first + timedelta(days=7 * w),
            first + timedelta(days=7 * w + 6),
            money(expected[w]),
            money(expected[w] - Z_90 * math.sqrt(variance[w])),
            money(expected[w] + Z_90 * math.sqrt(variance[w])),
        )
        for w in range(weeks)
    ]
    return out, money(later)


def baseline_predictions(model: Model, records: Sequence[InvoiceRecord], as_of: date) -> list[Prediction]:
    """What the customer-mean baseline alone predicts, with the priors of ``model``: the benchmark's comparison."""
    return predict(Model(trained_on=model.trained_on, prior=model.prior, mean_delay=model.mean_delay), records, as_of)


# ------------------------------------------------------------------------------------------------ priority

AGE_MONTH = 30  # each 30 days past the due date adds the open amount's weight once more


def priority(open_amount: Decimal, p_late: float, days_overdue: int) -> Decimal:
    """How much an invoice deserves attention: its open amount, times its probability of being paid late (1 once
    overdue), times its age (1, plus one for each ``AGE_MONTH`` days past its due date); rounded half up to the
    cent."""
    age = 1 + max(0, days_overdue) / AGE_MONTH
    value = Decimal(repr(float(open_amount) * p_late * age))
    return value.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


def priority_reason(open_amount: Decimal, p_late: float, days_overdue: int) -> str:
    """The priority's computation in words, with the invoice's figures."""
    return _("%(amount)s open × %(rate)d%% probability of late payment × age %(age).2f (%(days)d days overdue)") % {
        "amount": f"{open_amount:.2f}",
        "rate": round(p_late * 100),
        "age": 1 + max(0, days_overdue) / AGE_MONTH,
        "days": max(0, days_overdue),
    }
