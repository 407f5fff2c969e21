"""The priority of an open invoice, and of a task about several: how much it deserves attention now.

For one invoice: its open amount × the probability that it is not paid on time (1 once past its due date) × an
age factor, 1 + the days past its due date / 30 (1 until it is due, 2 a month after, 3 two months after). For a
group of invoices (a task's), the sum of their priorities, written as one product: the open amount of the group ×
the mean probability weighted by amount × the mean age factor weighted by amount × probability; the days late said
with it are those of that mean age factor. Scores are rounded half up to the cent; the factors shown, to two
decimals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .i18n import _, ngettext

AGE_DAYS = 30  # each 30 days past the due date adds the open amount's weight once more
CENT = Decimal("0.01")


def age_factor(days_overdue: int) -> Decimal:
    """1 + the days past the due date / 30 (exact to 8 decimals; 1 before the due date)."""
    return (1 + Decimal(max(0, days_overdue)) / AGE_DAYS).quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Part:
    """One open invoice: what is still owed, its probability of late payment, the days past its due date."""

    open_amount: Decimal
    p_late: Decimal
    days_overdue: int


@dataclass(frozen=True, slots=True)
class Priority:
    score: Decimal  # the sum of the invoices' open amount × probability × age factor, to the cent
    open_amount: Decimal
    p_late: Decimal  # the mean probability weighted by amount, 2 decimals
    age: Decimal  # the mean age factor weighted by amount × probability, 2 decimals
    days_late: int  # (age - 1) × 30, rounded
    invoices: int

    def as_dict(self) -> dict[str, object]:
        return {
            "priority": str(self.score),
            "open_amount": str(self.open_amount),
            "p_late": str(self.p_late),
            "age_factor": str(self.age),
            "days_late": self.days_late,
            "open_invoices": self.invoices,
        }


def combine(parts: Sequence[Part]) -> Priority:
    """The priority of ``parts`` (the open ones: a part with nothing owed counts for nothing)."""
    parts = [p for p in parts if p.open_amount > 0]
    amount = sum((p.open_amount for p in parts), Decimal("0.00"))
    weighted = sum((p.open_amount * p.p_late for p in parts), Decimal(0))  # amount × probability
    exact = sum((p.open_amount * p.p_late * age_factor(p.days_overdue) for p in parts), Decimal(0))
    if weighted > 0:
        age = exact / weighted
    elif amount > 0:  # every probability is 0: the ages weighted by amount alone
        age = sum((p.open_amount * age_factor(p.days_overdue) for p in parts), Decimal(0)) / amount
    else:
        age = Decimal(1)
    return Priority(
        score=exact.quantize(CENT, rounding=ROUND_HALF_UP),
        open_amount=amount,
        p_late=(weighted / amount if amount else Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP),
        age=age.quantize(CENT, rounding=ROUND_HALF_UP),
        days_late=int(((age - 1) * AGE_DAYS).quantize(Decimal(1), rounding=ROUND_HALF_UP)),
        invoices=len(parts),
    )


def _plain(value: Decimal, places: int) -> str:
    return f"{value:.{places}f}"


def explain(priority: Priority, amount_text: str, number: Callable[[Decimal, int], str] = _plain) -> str:
    """The computation in words, in the active language: "12400.00 EUR × 0.82 × 2.27 (38 days late)".
    ``amount_text`` is the open amount as the reader writes it; ``number`` writes a factor with its decimals."""
    if not priority.invoices:
        return _("nothing open")
    figures = {
        "amount": amount_text,
        "p_late": number(priority.p_late, 2),
        "age": number(priority.age, 2),
        "days": priority.days_late,
        "count": priority.invoices,
    }
    if priority.days_late == 0:
        return (
            ngettext(
                "%(amount)s × %(p_late)s × %(age)s (not late)",
                "%(amount)s × %(p_late)s × %(age)s (%(count)d invoices, not late)",
                priority.invoices,
            )
            % figures
        )
    if priority.invoices == 1:
        return (
            ngettext(
                "%(amount)s × %(p_late)s × %(age)s (%(days)d day late)",
                "%(amount)s × %(p_late)s × %(age)s (%(days)d days late)",
                priority.days_late,
            )
            % figures
        )
    return (
        ngettext(
            "%(amount)s × %(p_late)s × %(age)s (%(count)d invoices, %(days)d day late on average)",
            "%(amount)s × %(p_late)s × %(age)s (%(count)d invoices, %(days)d days late on average)",
            priority.days_late,
        )
        % figures
    )
